"""Deadline arithmetic, hand-worked, through ``feedback deadlines``.

Every expected date below was counted on a calendar by hand (day 0 is the day received; the
next working day is day 1), for each procedure profile, across Christmas, Easter, the May Day
moved to VE Day (8 May 2020), the State Funeral (19 September 2022), St Patrick's Day and the
Twelfth of July (Northern Ireland) and Scotland's 2 January. The example settings close the
organisation on 24 December, which counts too.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from forms_app.cli.staff import deadlines_command

CASES = {
    # Christmas 2024 (charity, England): 24 Dec closed, 25 and 26 bank holidays, 1 Jan too.
    ("charity-help-and-care", "2024-12-23"): {
        "stage1.acknowledge": "2024-12-31",  # 27 Dec (1), 30 (2), 31 (3)
        "stage1.respond": "2025-01-20",  # 28 calendar days, not moved
        "stage2.acknowledge": "2024-12-31",
        "stage2.respond": "2025-01-17",  # 27, 30, 31, 2, 3, 6-10, 13-17 Jan
        "appeal.acknowledge": "2024-12-31",
        "appeal.respond": "none",
        "concern.respond": "2025-01-03",
        "enquiry.respond": "2024-12-30",
        "compliment.acknowledge": "2025-01-03",
    },
    # May Day 2020 moved to Friday 8 May (VE Day 75).
    ("england-nhs-social-care-2009", "2020-05-06"): {
        "local_resolution.acknowledge": "2020-05-12",  # Thu 7 (1), Mon 11 (2), Tue 12 (3)
        "local_resolution.respond": "none",
        "concern.respond": "2020-05-14",
        "enquiry.respond": "2020-05-11",
        "compliment.acknowledge": "2020-05-14",
    },
    # The State Funeral, Monday 19 September 2022, in England.
    ("england-nhs-social-care-2009", "2022-09-16"): {
        "local_resolution.acknowledge": "2022-09-22",  # 20 (1), 21 (2), 22 (3)
    },
    # Easter 2026 (Good Friday 3 April, Easter Monday 6 April), then May Day 4 May.
    # The LGSCO code counts the response from the acknowledgement.
    ("england-council-lgsco-2026", "2026-04-02"): {
        "stage1.acknowledge": "2026-04-13",  # 7, 8, 9, 10, 13
        "stage1.respond": "2026-04-27",  # 10 working days after 13 April
        "stage1.respond_extended": "2026-05-12",  # 10 more, skipping 4 May
        "stage2.acknowledge": "2026-04-13",
        "stage2.respond": "2026-05-12",  # 20 working days after 13 April
        "concern.respond": "2026-04-13",
        "enquiry.respond": "2026-04-08",
        "compliment.acknowledge": "2026-04-13",
    },
    # Scotland keeps 2 January: 1 and 2 January 2026 are both holidays.
    ("scotland-spso", "2025-12-31"): {
        "frontline.acknowledge": "none",
        "frontline.respond": "2026-01-09",  # 5, 6, 7, 8, 9 (England would say 8 January)
        "investigation.acknowledge": "2026-01-07",
        "investigation.respond": "2026-01-30",
        "concern.respond": "2026-01-09",
        "enquiry.respond": "2026-01-06",
        "compliment.acknowledge": "2026-01-09",
    },
    # The State Funeral in Wales.
    ("wales-social-services-2014", "2022-09-15"): {
        "local_resolution.acknowledge": "2022-09-20",  # Fri 16 (1), Tue 20 (2)
        "local_resolution.respond": "2022-09-30",
        "investigation.acknowledge": "2022-09-20",
        "investigation.respond": "2022-10-21",
        "concern.respond": "2022-09-23",
        "enquiry.respond": "2022-09-20",
        "compliment.acknowledge": "2022-09-23",
    },
    # Christmas 2022 in Wales: 26 and 27 December, then 2 January 2023 (New Year observed).
    ("nhs-wales-ptr", "2022-12-23"): {
        "investigation.acknowledge": "2022-12-29",  # 28 (1), 29 (2)
        "investigation.respond": "2023-02-08",
        "concern.respond": "2023-01-04",
        "enquiry.respond": "2022-12-29",
        "compliment.acknowledge": "2023-01-04",
    },
    # Children's social care, Christmas 2025: 24 Dec closed, 25 and 26 Dec and 1 Jan holidays.
    ("england-children-act-1989", "2025-12-15"): {
        "local_resolution.acknowledge": "2025-12-17",  # 16 (1), 17 (2)
        # 16-19, 22, 23 (6), 29-31 (9), 2 Jan (10)
        "local_resolution.respond": "2026-01-02",
        "local_resolution.respond_extended": "2026-01-16",  # 10 more: 5-9, 12-16 Jan
        "investigation.acknowledge": "2025-12-17",
        "investigation.respond": "2026-01-23",  # 16-23, 29-31 Dec, 2, 5-9, 12-16, 19-23 Jan
        "investigation.respond_extended": "2026-03-20",  # 40 more: 65 in all
        "review_panel.acknowledge": "2025-12-17",
        "review_panel.respond": "2026-02-27",  # 30 to the panel, 5 to its report, 15 more
        "concern.respond": "2025-12-22",
        "enquiry.respond": "2025-12-17",
        "compliment.acknowledge": "2025-12-22",
    },
    # St Patrick's Day, Monday 17 March 2025.
    ("northern-ireland-hsc", "2025-03-14"): {
        "local_resolution.acknowledge": "2025-03-19",  # 18 (1), 19 (2)
        "local_resolution.respond": "2025-04-14",
        "concern.respond": "2025-03-24",
        "enquiry.respond": "2025-03-19",
        "compliment.acknowledge": "2025-03-24",
    },
    # The Twelfth on a Saturday in 2025: observed Monday 14 July.
    ("northern-ireland-hsc", "2025-07-10"): {
        "local_resolution.acknowledge": "2025-07-15",  # Fri 11 (1), Tue 15 (2)
        "local_resolution.respond": "2025-08-08",
        "concern.respond": "2025-07-18",
        "enquiry.respond": "2025-07-15",
        "compliment.acknowledge": "2025-07-18",
    },
}


def _dates(output: str) -> dict[str, str]:
    lines = [line for line in output.splitlines() if line and not line.startswith("#")]
    return {line.split("\t")[0]: line.split("\t")[1] for line in lines}


@pytest.mark.parametrize(("profile", "received"), sorted(CASES))
def test_deadlines_match_hand_worked_dates(app, profile, received):
    result = app.test_cli_runner().invoke(
        deadlines_command, ["--profile", profile, "--received", received]
    )
    assert result.exit_code == 0, result.output
    printed = _dates(result.output)
    for what, expected in CASES[(profile, received)].items():
        assert printed[what] == expected, f"{profile} {received} {what}"


def test_every_profile_is_hand_worked(app):
    result = app.test_cli_runner().invoke(deadlines_command, ["--list-profiles"])
    listed = {line.split("\t")[0] for line in result.output.splitlines()}
    assert len(listed) == 8
    assert listed == {profile for profile, _ in CASES}


def test_closure_days_can_be_left_out(app):
    runner = app.test_cli_runner()
    args = ["--profile", "charity-help-and-care", "--received", "2024-12-20"]
    with_closures = _dates(runner.invoke(deadlines_command, args).output)
    without = _dates(runner.invoke(deadlines_command, [*args, "--no-closures"]).output)
    # From Fri 20 Dec: 23 (1), [24 closed], 27 (2), 30 (3); without the closure 24 is day 2.
    assert with_closures["stage1.acknowledge"] == "2024-12-30"
    assert without["stage1.acknowledge"] == "2024-12-27"


def test_bad_input_is_refused(app):
    runner = app.test_cli_runner()
    assert runner.invoke(
        deadlines_command, ["--profile", "nope", "--received", "2025-01-01"]
    ).exit_code
    assert runner.invoke(
        deadlines_command, ["--profile", "scotland-spso", "--received", "1/1/25"]
    ).exit_code
    assert runner.invoke(deadlines_command, []).exit_code


def test_the_installed_command_prints_iso_dates(data_dir):
    # The real console script, as a person would run it.
    feedback = [sys.executable, "-c", "from forms_app.cli.group import main; main()"]
    result = subprocess.run(
        [*feedback, "deadlines", "--profile", "scotland-spso", "--received", "2025-12-31"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "frontline.respond\t2026-01-09\t" in result.stdout


def test_deadlines_print_the_statutory_and_the_promised_date(app):
    result = app.test_cli_runner().invoke(
        deadlines_command, ["--profile", "charity-help-and-care", "--received", "2026-12-04"]
    )
    assert result.exit_code == 0, result.output
    assert "# what\tstatutory\tpromised\trule" in result.output
    lines = {line.split("\t")[0]: line.split("\t") for line in result.output.splitlines()}
    # 28 days from Friday 4 December 2026 is New Year's Day: promised on Thursday 31 December.
    assert lines["stage1.respond"][1:3] == ["2027-01-01", "2026-12-31"]
    # Working-day targets are the same both ways.
    assert lines["stage1.acknowledge"][1:3] == ["2026-12-09", "2026-12-09"]
    assert lines["stage2.respond"][1:3] == ["2026-12-30", "2026-12-30"]
    assert lines["appeal.respond"][1:3] == ["none", "none"]
