"""NHS England's KO41a return from hand-made complaints, with every figure worked out by hand:
the actual numbers in the return file, small numbers hidden on the page, the settings' mapping
of services and themes to the return's categories, and what is missing before it can be sent.

The organisation: the example settings (community nursing, home care, mental health ...) with
the NHS England procedure and ``ko41a:`` mapping mental health to its service area and staff
groups; community nursing and the themes communication, quality of care, staff attitude and
assessment map by default; home care and the theme "charging" map to nothing.

Period: the financial year 2025-26 (1 April 2025 to 31 March 2026).

Each case: received; service; who complained; themes; how it ended.

- K1: 10 Mar 2025; community nursing; patient; communication; upheld, closed 20 Apr 2025.
- K2: 1 May 2025; community nursing; patient; communication and quality of care; partially
  upheld, closed 1 Jun 2025.
- K3: 10 Jun 2025; mental health; someone on their behalf; staff attitude and communication;
  not upheld, closed 15 Jul 2025.
- K4: 1 Aug 2025; home care; patient; charging; open.
- K5: 1 Sep 2025; mental health; not said; no theme; open.
- K6: 1 Oct 2025; community nursing; patient; assessment; withdrawn 20 Oct 2025.
- K7: 5 Apr 2026 (after the period); community nursing; patient; communication; open.
- K8: 1 Dec 2024; community nursing; patient; communication; not upheld, closed 1 Feb 2025.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
from click.testing import CliRunner

from forms_app.cli import main
from forms_app.organisation.returns_mapping import (
    AGE_BANDS,
    COMPLAINANT_STATUS,
    KO41A_GUIDANCE,
    KO41B_GUIDANCE,
    OURS,
    SERVICE_AREAS,
    STAFF_GROUPS,
    SUBJECTS,
    TRUST_LIST,
)
from forms_app.organisation.settings import SettingsError
from forms_app.reports.figures.ko41a import form_checks, submission_csv
from forms_app.reports.pages import render
from forms_app.reports.periods import financial_year
from forms_app.reports.tables import HIDDEN
from tests.support.returns_cases import (
    complaint,
    event,
    report_for,
    settings_for,
    write_cases,
)

NHS = "england-nhs-social-care-2009"
LR = "local_resolution"
MAPPING = {
    "organisation_code": "RXX",
    "services": {
        "mental-health": {"service_area": "mental-health", "staff_groups": ["medical", "nursing"]}
    },
}


def _closed(ref, responded, outcome, closed):
    return [
        event(ref, responded, "responded", stage=LR),
        event(ref, responded, "outcome_recorded", stage=LR, outcome=outcome),
        event(ref, closed, "closed"),
    ]


def _themes(ref, day, *themes):
    return [event(ref, day, "theme_added", value=theme) for theme in themes]


def cases():
    subs = [
        complaint("K1", "2025-03-10", "community-nursing"),
        complaint("K2", "2025-05-01", "community-nursing"),
        complaint("K3", "2025-06-10", "mental-health", on_behalf="someone_else"),
        complaint("K4", "2025-08-01", "home-care"),
        complaint("K5", "2025-09-01", "mental-health", on_behalf=""),
        complaint("K6", "2025-10-01", "community-nursing"),
        complaint("K7", "2026-04-05", "community-nursing"),
        complaint("K8", "2024-12-01", "community-nursing"),
    ]
    events = [
        *_themes("K1", "2025-03-11", "communication"),
        *_closed("K1", "2025-04-18", "upheld", "2025-04-20"),
        *_themes("K2", "2025-05-02", "communication", "quality-of-care"),
        *_closed("K2", "2025-05-30", "partially_upheld", "2025-06-01"),
        *_themes("K3", "2025-06-11", "staff-attitude", "communication"),
        *_closed("K3", "2025-07-14", "not_upheld", "2025-07-15"),
        *_themes("K4", "2025-08-02", "charging"),
        *_themes("K6", "2025-10-02", "assessment"),
        event("K6", "2025-10-20", "withdrawn"),
        *_themes("K7", "2026-04-06", "communication"),
        *_themes("K8", "2024-12-02", "communication"),
        *_closed("K8", "2025-01-30", "not_upheld", "2025-02-01"),
    ]
    return subs, events


@pytest.fixture(scope="module")
def nhs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ko41a")
    data = write_cases(tmp / "data", NHS, *cases())
    settings = settings_for(tmp, data, NHS, ko41a=MAPPING)
    return settings, report_for(settings, financial_year(2025))


def test_the_summary_balances_from_hand_worked_cases(nhs):
    ret = nhs[1].ko41a
    assert ret.value("2", "brought-forward") == 1  # K1 (K8 closed before the period)
    assert ret.value("2", "new") == 5  # K2 to K6 (K7 is after the period)
    assert ret.value("2", "resolved") == 4  # K1, K2, K3, K6
    # Upheld K1, partly K2, not upheld K3; K6 was withdrawn, with no finding.
    assert [ret.value("2", k) for k in ("upheld", "partially-upheld", "not-upheld")] == [1, 1, 1]
    assert ret.value("2", "carried-forward") == 2  # K4, K5 = 1 + 5 - 4


def test_new_complaints_by_status_service_area_subject_and_staff_group(nhs):
    ret = nhs[1].ko41a
    assert dict(ret.counts["3"]) == {"unknown": 5}  # the service does not ask the age
    assert dict(ret.counts["4"]) == {"patient": 3, "representative": 1, "unknown": 1}
    # Home care (K4) has no service area; mental health is mapped in the settings and
    # community nursing by default.
    assert dict(ret.counts["5"]) == {"community-services": 2, "mental-health": 2}
    # Each complaint once under each subject: K2 communication + quality of care, K3 staff
    # attitude + communication, K6 assessment; K4's "charging" maps to nothing, K5 has no theme.
    assert dict(ret.counts["7"]) == {
        "communications": 2,
        "patient-care": 1,
        "values-behaviours": 1,
        "clinical-treatment": 1,
    }
    # Community nursing: nursing (K2, K6); mental health: medical and nursing (K3, K5).
    assert dict(ret.counts["8"]) == {"nursing": 4, "medical": 2}


def test_what_maps_to_no_code_is_listed_as_missing(nhs):
    ret = nhs[1].ko41a
    missing = {gap.key: gap.refs for gap in ret.missing}
    assert missing == {
        "service:home-care": ["K4"],
        "staff:home-care": ["K4"],
        "theme:charging": ["K4"],
        "no-theme": ["K5"],
        "no-finding": ["K6"],
    }
    assert not ret.ready
    words = {gap.key: gap.what for gap in ret.missing}
    assert "Home care" in words["service:home-care"]["en"]
    assert "Gofal cartref" in words["service:home-care"]["cy"]
    assert "Charging and finance" in words["theme:charging"]["en"]
    notes = {note.key: note.refs for note in ret.notes}
    assert notes == {"age": [], "status": ["K5"], "clinical": ["K6"]}


def test_the_return_file_has_every_box_with_the_actual_numbers(nhs):
    rows = list(csv.DictReader(io.StringIO(submission_csv(nhs[1].ko41a))))
    sizes = 7 + len(AGE_BANDS) + len(COMPLAINANT_STATUS) + len(SERVICE_AREAS)
    assert len(rows) == sizes + len(SUBJECTS) + len(STAFF_GROUPS)
    assert all(row["value"] != "" for row in rows)  # 0 where there is none, never blank
    assert {row["organisation_code"] for row in rows} == {"RXX"}
    assert {(row["period_start"], row["period_end"]) for row in rows} == {
        ("2025-04-01", "2026-03-31")
    }
    value = {(row["section"], row["item_code"]): int(row["value"]) for row in rows}
    # Small numbers are there as they are: the collection wants them.
    assert value["4", "representative"] == 1
    assert value["5", "community-services"] == 2
    assert value["7", "values-behaviours"] == 1
    assert value["8", "medical"] == 2
    assert value["5", "maternity"] == 0
    names = {(row["section"], row["item_code"]): row["item_name"] for row in rows}
    assert names["7", "values-behaviours"] == "Values and behaviours (staff)"


def test_the_page_hides_small_numbers_that_the_return_file_keeps(nhs):
    report = nhs[1]
    table = report.returns["ko41a-summary"]
    shown = {row.key: row.values[2] for row in table.rows}
    assert shown["new"] == 5 and shown["resolved"] == 4  # whole-organisation counts
    # 1 to 4 are hidden (the default threshold), and the rest of each part with them, so
    # nothing hidden can be worked out from the new complaints.
    assert shown["4:representative"] is HIDDEN and shown["5:community-services"] is HIDDEN
    assert shown["7:values-behaviours"] is HIDDEN and shown["8:medical"] is HIDDEN
    page = render(
        report,
        language="en",
        organisation="Riverside",
        nation_text="in England",
        data_base="/outcomes/data/2025-26",
        data_files=[],
        items=[],
        plan=None,
    )
    assert "NHS England: written complaints (KO41a)" in page
    assert "give the service Home care a KO41a service area" in page
    assert "K4" not in page and "K5" not in page  # no reference of a complaint


def test_the_welsh_page_names_the_return_and_what_is_missing_in_welsh(nhs):
    page = render(
        nhs[1],
        language="cy",
        organisation="Riverside",
        nation_text="yn Lloegr",
        data_base="/outcomes/data/2025-26",
        data_files=[],
        items=[],
        plan=None,
    )
    assert "GIG Lloegr: cwynion ysgrifenedig (KO41a)" in page
    # The form's categories by their Welsh names on the Welsh page.
    assert "Gwerthoedd ac ymddygiad (staff)" in page and "Values and behaviours" not in page
    assert "rhoi maes gwasanaeth KO41a i&#39;r gwasanaeth Gofal cartref" in page or (
        "rhoi maes gwasanaeth KO41a i'r gwasanaeth Gofal cartref" in page
    )


def test_an_nhs_england_organisation_gets_ko41a_and_a_scottish_one_does_not(tmp_path):
    subs, events = cases()
    nhs = settings_for(tmp_path, write_cases(tmp_path / "eng", NHS, subs, events), NHS)
    assert "ko41a-summary" in report_for(nhs, financial_year(2025)).returns
    scottish_subs = [{**s} for s in subs]
    data = write_cases(tmp_path / "sct", "scotland-spso", scottish_subs, [])
    scottish = settings_for(tmp_path, data, "scotland-spso", organisation={"sector": "nhs"})
    report = report_for(scottish, financial_year(2025))
    assert report.ko41a is None
    assert not any(key.startswith("ko41a") for key in report.returns)
    assert "spso-indicators" in report.returns


def test_a_mapping_to_a_category_the_return_lacks_is_refused(tmp_path):
    data = write_cases(tmp_path / "data", NHS, [], [])
    with pytest.raises(SettingsError, match="must be one of"):
        settings_for(tmp_path, data, NHS, ko41a={"themes": {"charging": "money"}})
    with pytest.raises(SettingsError, match="not a service"):
        settings_for(
            tmp_path,
            data,
            NHS,
            ko41a={"services": {"dentistry": {"service_area": "other", "staff_groups": []}}},
        )


def test_the_command_writes_the_return_and_lists_what_is_missing(nhs, tmp_path):
    settings = nhs[0]
    out = tmp_path / "ko41a.csv"
    env = {"FORMS_APP_SETTINGS": str(settings.source), "FORMS_APP_DATA_DIR": str(settings.data_dir)}
    done = CliRunner().invoke(
        main, ["ko41a", "--year", "2025", "--as-at", "2026-04-20", "--out", str(out)], env=env
    )
    assert done.exit_code == 0, done.output
    assert "NOT READY" in done.output
    assert "give the service Home care a KO41a service area in the settings (1 complaint: K4)" in (
        done.output
    )
    assert "record at least one theme on new complaints that have none (1 complaint: K5)" in (
        done.output
    )
    assert out.read_text("utf-8") == submission_csv(nhs[1].ko41a)


def test_the_command_will_not_write_the_return_where_the_site_publishes_it(nhs):
    from forms_app.organisation.settings import PROJECT_DIR

    settings = nhs[0]
    env = {"FORMS_APP_SETTINGS": str(settings.source), "FORMS_APP_DATA_DIR": str(settings.data_dir)}
    target = PROJECT_DIR / "site" / "outcomes" / "ko41a-test.csv"
    done = CliRunner().invoke(main, ["ko41a", "--year", "2025", "--out", str(target)], env=env)
    assert done.exit_code == 1
    assert "folder the site publishes" in done.output
    assert not target.exists()


def test_the_return_file_says_where_each_category_name_comes_from(nhs):
    rows = list(csv.DictReader(io.StringIO(submission_csv(nhs[1].ko41a))))
    source = {(row["section"], row["item_code"]): row["name_source"] for row in rows}
    assert source["2", "new"] == KO41A_GUIDANCE  # "Total New Complaints"
    assert source["8", "scientific"] == KO41A_GUIDANCE
    assert source["3", "unknown"] == KO41B_GUIDANCE  # "Age Unknown"
    assert source["7", "patient-care"] == TRUST_LIST
    assert source["7", "values-behaviours"] == OURS
    assert source["4", "patient"] == OURS
    # The form's age bands are not public, so the file has only the box this service fills.
    assert [code for section, code in source if section == "3"] == ["unknown"]


def _counts(**sections):
    summary = {"brought-forward": 1, "new": 2, "resolved": 1, "carried-forward": 2}
    counts = {"2": Counter(summary), "3": Counter(unknown=2), "4": Counter(patient=2)}
    counts |= {"7": Counter(communications=2), "8": Counter(nursing=2)}
    for section, values in sections.items():
        counts[section.removeprefix("s")] = Counter(values)
    return counts


def test_the_forms_own_checks_pass_on_balanced_counts_and_name_each_that_fails():
    assert form_checks(_counts()) == []
    # Age or status not adding up to the 2 new complaints.
    assert form_checks(_counts(s3={"unknown": 1})) == ["age-status"]
    assert form_checks(_counts(s4={"patient": 1, "unknown": 2})) == ["age-status"]
    # Subject areas or staff groups adding up to fewer than the new complaints; more is right.
    assert form_checks(_counts(s7={"communications": 1})) == ["subject-staff"]
    assert form_checks(_counts(s8={})) == ["subject-staff"]
    assert form_checks(_counts(s7={"communications": 2, "consent": 1})) == []
    # Carried forward must be 1 + 2 - 1 = 2, and never negative.
    summary = {"brought-forward": 1, "new": 2, "resolved": 1, "carried-forward": 3}
    assert form_checks(_counts(s2=summary)) == ["carried-forward"]
    summary = {"brought-forward": 0, "new": 2, "resolved": 3, "carried-forward": -1}
    assert form_checks(_counts(s2=summary)) == ["carried-forward"]


def test_counts_the_form_would_refuse_hold_the_return_back(tmp_path):
    # One new complaint, about community nursing (nursing by default), whose only theme
    # ("charging") maps to no subject area: no subject area adds up to the one new complaint.
    subs = [complaint("C1", "2025-05-01", "community-nursing")]
    events = _themes("C1", "2025-05-02", "charging")
    data = write_cases(tmp_path / "data", NHS, subs, events)
    ret = report_for(settings_for(tmp_path, data, NHS, ko41a=MAPPING), financial_year(2025)).ko41a
    missing = {gap.key: gap for gap in ret.missing}
    assert set(missing) == {"theme:charging", "check:subject-staff"}
    assert "at least the new complaints" in missing["check:subject-staff"].what["en"]
    assert "o leiaf nifer y cwynion newydd" in missing["check:subject-staff"].what["cy"]
    assert not ret.ready
