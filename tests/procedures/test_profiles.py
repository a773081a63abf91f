"""Procedure profiles and working-day arithmetic.

Every expected date below was checked against holidays.UK (holidays 0.109) by hand, counting
the day of receipt as day 0.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import yaml

from forms_app.procedures.profiles import (
    KINDS,
    NATIONS,
    PROCEDURES_DIR,
    Procedure,
    ProcedureError,
    Target,
    WorkingCalendar,
    available_procedures,
    closure_years,
    load_procedure,
)

SHIPPED = [
    "charity-help-and-care",
    "england-children-act-1989",
    "england-council-lgsco-2026",
    "england-nhs-social-care-2009",
    "nhs-wales-ptr",
    "northern-ireland-hsc",
    "scotland-spso",
    "wales-social-services-2014",
]
ENG, SCT, NIR, WLS = (WorkingCalendar(n) for n in ("ENG", "SCT", "NIR", "WLS"))
WD = Target(3, "working")


# ---- the shipped profiles -----------------------------------------------------------------


def test_available_procedures_lists_all_seven():
    assert available_procedures() == SHIPPED


@pytest.mark.parametrize("code", SHIPPED)
def test_every_profile_loads_and_is_complete(code):
    proc = load_procedure(code)
    assert isinstance(proc, Procedure)
    assert proc.code == code
    assert proc.nation in NATIONS
    assert proc.name and proc.legal_basis
    assert proc.day_zero in ("receipt", "acknowledgement")
    assert proc.stages, "a procedure needs at least one stage"
    for stage in proc.stages:
        assert stage.name.strip()
        assert proc.stage(stage.code) is stage
        # Somebody must hear something by a date, or the time must be agreed (None).
        for target in (stage.acknowledge, stage.respond):
            assert target is None or (target.days > 0 and target.unit in ("working", "calendar"))
    assert set(proc.escalation) >= {"name", "url", "phone"}
    assert proc.escalation["url"].startswith("https://")
    assert set(proc.kinds) == set(KINDS) - {"complaint"}
    for targets in proc.kinds.values():
        assert set(targets) == {"acknowledge", "respond"}


def test_figures_from_the_rules():
    """A few figures from shared/reference/rules.md, so a typo in a profile is caught."""
    lgsco = load_procedure("england-council-lgsco-2026")
    assert lgsco.stage("stage1").respond == Target(10, "working")
    assert lgsco.stage("stage1").extension_limit == Target(10, "working")
    assert lgsco.stage("stage2").respond == Target(20, "working")
    assert "different person" in lgsco.stage("stage2").handler_rule
    spso = load_procedure("scotland-spso")
    assert [s.code for s in spso.stages] == ["frontline", "investigation"]
    assert spso.stage("frontline").respond == Target(5, "working")
    assert spso.stage("investigation").acknowledge == Target(3, "working")
    assert load_procedure("nhs-wales-ptr").first_stage.respond == Target(30, "working")
    assert load_procedure("northern-ireland-hsc").escalation["name"].startswith("Northern Ireland")
    england = load_procedure("england-nhs-social-care-2009")
    assert england.first_stage.acknowledge == Target(3, "working")
    assert england.first_stage.respond is None  # agreed with the person
    assert england.time_limit_to_complain_months == 12
    charity = load_procedure("charity-help-and-care")
    assert [s.code for s in charity.stages] == ["stage1", "stage2", "appeal"]
    assert charity.stage("stage1").respond == Target(28, "calendar")
    assert charity.stage("stage2").respond == Target(15, "working")
    assert charity.stage("appeal").respond is None
    assert all(s.acknowledge == Target(3, "working") for s in charity.stages)
    assert charity.escalation["name"] == "Charity Commission for England and Wales"


def test_the_independence_rule_is_a_field_beside_its_words():
    """The rule the service enforces is read from a field, never from the handler_rule prose
    (which stays, for people)."""
    lgsco = load_procedure("england-council-lgsco-2026")
    assert lgsco.stage("stage2").independent_of_previous_stage is True
    assert lgsco.stage("stage1").independent_of_previous_stage is False
    # Prose alone enforces nothing: the Welsh stage 2 wants an independent investigator (from
    # outside the council), which no owner in the service can be checked against.
    wales = load_procedure("wales-social-services-2014")
    assert "independent" in wales.stage("investigation").handler_rule
    assert wales.stage("investigation").independent_of_previous_stage is False


def test_unknown_stage_is_a_clear_key_error():
    with pytest.raises(KeyError, match="no stage 'stage9'.*stage1, stage2, appeal"):
        load_procedure("charity-help-and-care").stage("stage9")


# ---- deadline arithmetic: England ---------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "n", "expected"),
    [
        # Friday + 3 WD -> Wednesday (day of receipt is day 0).
        (date(2024, 6, 7), 3, date(2024, 6, 12)),
        # Mon 21 Dec 2020 -> Thu 24 Dec.
        (date(2020, 12, 21), 3, date(2020, 12, 24)),
        # Wed 23 Dec 2020: 25 Dec (Fri) and 28 Dec (Boxing Day substitute) are holidays.
        (date(2020, 12, 23), 3, date(2020, 12, 30)),
        # Christmas 2021 on a weekend: 27 and 28 Dec are the substitute days.
        (date(2021, 12, 23), 3, date(2021, 12, 30)),
        (date(2021, 12, 24), 1, date(2021, 12, 29)),
        # Across the new year: 1 Jan 2022 was a Saturday, so Mon 3 Jan was the holiday.
        (date(2021, 12, 31), 1, date(2022, 1, 4)),
        # Easter 2024: Good Friday 29 Mar, Easter Monday 1 Apr. Thu 28 Mar is day 0, Tue 2 Apr
        # day 1, Wed 3 day 2, Thu 4 Apr day 3.
        (date(2024, 3, 28), 3, date(2024, 4, 4)),
        (date(2024, 3, 28), 2, date(2024, 4, 3)),
        # 2020: the May Day holiday moved to Fri 8 May (VE Day); Mon 4 May was a working day.
        (date(2020, 5, 7), 1, date(2020, 5, 11)),
        (date(2020, 5, 1), 1, date(2020, 5, 4)),
        # One-offs: the Queen's funeral (19 Sep 2022) and the coronation (8 May 2023).
        (date(2022, 9, 16), 1, date(2022, 9, 20)),
        (date(2023, 5, 5), 1, date(2023, 5, 9)),
    ],
)
def test_england_working_days(received, n, expected):
    assert ENG.add_working_days(received, n) == expected


def test_may_day_2020_moved():
    assert ENG.is_working_day(date(2020, 5, 4))
    assert not ENG.is_working_day(date(2020, 5, 8))


def test_day_zero_on_a_weekend_or_holiday():
    # Received Saturday: Monday is day 0, so 3 WD is Thursday (not Wednesday).
    assert ENG.add_working_days(date(2024, 6, 8), 3) == date(2024, 6, 13)
    assert ENG.add_working_days(date(2024, 6, 9), 3) == date(2024, 6, 13)
    assert ENG.add_working_days(date(2024, 6, 8), 0) == date(2024, 6, 10)
    # Received on Good Friday 2024: Tue 2 Apr is day 0.
    assert ENG.add_working_days(date(2024, 3, 29), 1) == date(2024, 4, 3)


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        ENG.add_working_days(date(2024, 6, 7), -1)


# ---- other nations ------------------------------------------------------------------------


def test_scotland_2_january_and_st_andrews_day():
    assert not SCT.is_working_day(date(2020, 1, 2))
    assert ENG.is_working_day(date(2020, 1, 2))
    # Tue 31 Dec 2019 + 1 WD: England Thu 2 Jan 2020, Scotland Fri 3 Jan 2020.
    assert ENG.add_working_days(date(2019, 12, 31), 1) == date(2020, 1, 2)
    assert SCT.add_working_days(date(2019, 12, 31), 1) == date(2020, 1, 3)
    # St Andrew's Day, Mon 30 Nov 2020.
    assert not SCT.is_working_day(date(2020, 11, 30))
    assert SCT.add_working_days(date(2020, 11, 27), 1) == date(2020, 12, 1)
    assert ENG.add_working_days(date(2020, 11, 27), 1) == date(2020, 11, 30)


def test_northern_ireland_17_march_and_12_july():
    assert not NIR.is_working_day(date(2020, 3, 17))
    assert NIR.add_working_days(date(2020, 3, 16), 1) == date(2020, 3, 18)
    assert ENG.add_working_days(date(2020, 3, 16), 1) == date(2020, 3, 17)
    assert not NIR.is_working_day(date(2021, 7, 12))
    assert NIR.add_working_days(date(2021, 7, 9), 1) == date(2021, 7, 13)
    assert ENG.add_working_days(date(2021, 7, 9), 1) == date(2021, 7, 12)


def test_wales_has_the_england_bank_holidays():
    day = date(2019, 1, 1)
    while day < date(2031, 1, 1):
        assert WLS.is_working_day(day) == ENG.is_working_day(day), day
        day += timedelta(days=1)


def test_unknown_nation_is_refused():
    with pytest.raises(ValueError, match="nation"):
        WorkingCalendar("UK")


def test_years_are_loaded_as_needed():
    # Christmas Day 2039 is a Sunday: Boxing Day Mon 26, Christmas substitute Tue 27 Dec.
    assert ENG.add_working_days(date(2039, 12, 23), 1) == date(2039, 12, 28)


# ---- closure days -------------------------------------------------------------------------


def test_closure_day_is_not_a_working_day():
    closed = WorkingCalendar("ENG", [date(2024, 12, 24)])
    assert ENG.is_working_day(date(2024, 12, 24))
    assert not closed.is_working_day(date(2024, 12, 24))
    assert ENG.add_working_days(date(2024, 12, 23), 1) == date(2024, 12, 24)
    assert closed.add_working_days(date(2024, 12, 23), 1) == date(2024, 12, 27)
    # Received on the closure day: Fri 27 Dec is day 0.
    assert closed.add_working_days(date(2024, 12, 24), 1) == date(2024, 12, 30)
    proc_cal = load_procedure("england-nhs-social-care-2009").calendar([date(2024, 12, 24)])
    assert not proc_cal.is_working_day(date(2024, 12, 24))


def test_closure_years_reach_back_for_old_cases_and_past_every_deadline():
    years = closure_years(date(2024, 12, 20))
    assert years == range(2009, 2027)
    # A complaint received on 20 December 2024 under the slowest shipped profile, extensions
    # and all, is due before the last year whose closure days the calendar is given.
    slowest = max(
        (load_procedure(code) for code in available_procedures()),
        key=lambda p: sum((s.respond.days if s.respond else 0) for s in p.stages),
    )
    calendar = slowest.calendar([date(year, 12, 24) for year in years])
    last = date(2024, 12, 20)
    for stage in slowest.stages:
        for target in (stage.acknowledge, stage.respond, stage.extension_limit):
            if target is not None:
                last = slowest.due(last, target, calendar)
    assert last.year in years
    assert closure_years() == closure_years(date.today())


# ---- working_days_between -----------------------------------------------------------------


def test_working_days_between():
    assert ENG.working_days_between(date(2024, 6, 7), date(2024, 6, 12)) == 3
    assert ENG.working_days_between(date(2024, 6, 12), date(2024, 6, 7)) == 0
    assert ENG.working_days_between(date(2024, 6, 7), date(2024, 6, 7)) == 0
    assert ENG.working_days_between(date(2020, 12, 23), date(2020, 12, 30)) == 3
    # Received Saturday: Monday is day 0, so Thursday is 3 working days on.
    assert ENG.working_days_between(date(2024, 6, 8), date(2024, 6, 13)) == 3
    assert ENG.working_days_between(date(2024, 6, 8), date(2024, 6, 9)) == 0


def test_working_days_between_inverts_add_working_days():
    cal = WorkingCalendar("SCT", [date(2024, 12, 24)])
    start = date(2023, 12, 1)
    while start < date(2025, 2, 1):
        for n in (0, 1, 3, 5, 20):
            due = cal.add_working_days(start, n)
            assert cal.is_working_day(due)
            assert cal.working_days_between(start, due) == n, (start, n)
        start += timedelta(days=1)


# ---- Procedure.due ------------------------------------------------------------------------


def test_calendar_day_target_is_not_moved():
    charity = load_procedure("charity-help-and-care")
    cal = charity.calendar()
    stage1 = charity.stage("stage1").respond
    # 28 calendar days from Fri 1 Mar 2024 is Good Friday: the due date stays there.
    assert charity.due(date(2024, 3, 1), stage1, cal) == date(2024, 3, 29)
    # Received Saturday 8 Jun 2024: calendar days count from the day of receipt.
    assert charity.due(date(2024, 6, 8), stage1, cal) == date(2024, 7, 6)


def test_due_takes_datetimes_in_london_time():
    proc = load_procedure("england-nhs-social-care-2009")
    cal = proc.calendar()
    # 23:30 UTC on Fri 7 Jun 2024 is 00:30 BST on Sat 8 Jun: received Saturday, so Thursday.
    aware = datetime(2024, 6, 7, 23, 30, tzinfo=UTC)
    assert proc.due(aware, WD, cal) == date(2024, 6, 13)
    # Naive datetimes are taken as local time: received Friday, so Wednesday.
    assert proc.due(datetime(2024, 6, 7, 23, 30), WD, cal) == date(2024, 6, 12)
    # In winter London is on GMT: 23:30 UTC on Fri 6 Dec is still Friday.
    assert proc.due(datetime(2024, 12, 6, 23, 30, tzinfo=UTC), WD, cal) == date(2024, 12, 11)


# ---- hear_back_by -------------------------------------------------------------------------


def test_hear_back_by_charity():
    charity = load_procedure("charity-help-and-care")
    cal = charity.calendar()
    friday = date(2024, 6, 7)  # no bank holidays in June 2024
    assert charity.hear_back_by("complaint", friday, cal) == {
        "acknowledge": date(2024, 6, 12),  # 3 WD
        "respond": date(2024, 7, 5),  # 28 calendar days
    }
    assert charity.hear_back_by("concern", friday, cal) == {
        "acknowledge": None,
        "respond": date(2024, 6, 14),  # 5 WD
    }
    assert charity.hear_back_by("enquiry", friday, cal) == {
        "acknowledge": None,
        "respond": date(2024, 6, 11),  # 2 WD
    }
    assert charity.hear_back_by("compliment", friday, cal) == {
        "acknowledge": date(2024, 6, 14),  # 5 WD
        "respond": None,
    }
    assert charity.hear_back_by("comment", friday, cal) == {"acknowledge": None, "respond": None}


def test_hear_back_by_england_over_christmas():
    england = load_procedure("england-nhs-social-care-2009")
    cal = england.calendar([date(2020, 12, 24)])
    received = datetime(2020, 12, 23, 16, 45)
    # Working days: 29, 30, 31 Dec, 4 Jan (1 Jan holiday), 5 Jan.
    assert england.hear_back_by("complaint", received, cal) == {
        "acknowledge": date(2020, 12, 31),
        "respond": None,  # agreed with the person
    }
    assert england.hear_back_by("enquiry", received, cal)["respond"] == date(2020, 12, 30)
    assert england.hear_back_by("concern", received, cal)["respond"] == date(2021, 1, 5)
    assert england.hear_back_by("compliment", received, cal)["acknowledge"] == date(2021, 1, 5)
    assert england.hear_back_by("comment", received, cal) == {"acknowledge": None, "respond": None}


def test_hear_back_by_counts_from_acknowledgement_when_the_profile_says_so():
    lgsco = load_procedure("england-council-lgsco-2026")
    assert lgsco.day_zero == "acknowledgement"
    # Acknowledge Fri 7 Jun + 5 WD = Fri 14 Jun; respond 10 WD after that = Fri 28 Jun.
    assert lgsco.hear_back_by("complaint", date(2024, 6, 7), lgsco.calendar()) == {
        "acknowledge": date(2024, 6, 14),
        "respond": date(2024, 6, 28),
    }
    # Other kinds still count from receipt.
    assert lgsco.hear_back_by("enquiry", date(2024, 6, 7), lgsco.calendar()) == {
        "acknowledge": None,
        "respond": date(2024, 6, 11),
    }


def test_hear_back_by_unknown_kind():
    proc = load_procedure("scotland-spso")
    with pytest.raises(KeyError, match="unknown kind"):
        proc.hear_back_by("grumble", date(2024, 6, 7), proc.calendar())


# ---- bad profiles -------------------------------------------------------------------------


def _write(tmp_path, data, code="test-proc"):
    data = {**data, "code": code}
    (tmp_path / f"{code}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return code


@pytest.fixture
def good():
    return yaml.safe_load((PROCEDURES_DIR / "charity-help-and-care.yaml").read_text())


def test_copy_of_a_good_profile_loads_from_a_directory(tmp_path, good):
    del good["day_zero"]  # defaults to receipt
    code = _write(tmp_path, good)
    proc = load_procedure(code, directory=tmp_path)
    assert proc.day_zero == "receipt"
    assert available_procedures(tmp_path) == [code]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(colour="blue"), r"profile: unknown key\(s\) colour"),
        (lambda d: d.pop("nation"), r"profile: missing key\(s\) nation"),
        (lambda d: d.update(nation="UK"), r"nation: must be one of ENG, WLS, SCT, NIR"),
        (lambda d: d.update(day_zero="someday"), r"day_zero: must be one of"),
        (
            lambda d: d["stages"][1]["respond"].update(unit="weeks"),
            r"stages\[1\] \(stage2\)\.respond\.unit: must be 'working' or 'calendar'",
        ),
        (
            lambda d: d["stages"][0]["acknowledge"].update(days=-3),
            r"stages\[0\] \(stage1\)\.acknowledge\.days: must not be negative",
        ),
        (
            lambda d: d["stages"][0]["acknowledge"].update(days=True),
            r"acknowledge\.days: must be a whole number",
        ),
        (
            lambda d: d["stages"][0]["acknowledge"].update(days="3"),
            r"acknowledge\.days: must be a whole number",
        ),
        (lambda d: d["stages"][2].pop("name"), r"stages\[2\]: missing key\(s\) name"),
        (lambda d: d["stages"][0].update(deadline=3), r"stages\[0\]: unknown key\(s\) deadline"),
        (lambda d: d["stages"][1].update(code="stage1"), r"stage codes must be unique"),
        (lambda d: d.update(stages=[]), r"stages: must be a non-empty list"),
        (lambda d: d["escalation"].pop("phone"), r"escalation: missing key\(s\) phone"),
        (lambda d: d["escalation"].update(url="http://x.example"), r"escalation\.url"),
        (lambda d: d["kinds"].pop("comment"), r"kinds: missing key\(s\) comment"),
        (
            lambda d: d["kinds"]["enquiry"]["respond"].update(unit="hours"),
            r"kinds\.enquiry\.respond\.unit",
        ),
        (lambda d: d["kinds"].update(rant=None), r"kinds: unknown key\(s\) rant"),
        (lambda d: d.update(time_limit_to_complain_months=-1), r"must not be negative"),
        (
            lambda d: d["stages"][0].update(extension={"days": 5}),
            r"stages\[0\] \(stage1\)\.extension: missing key\(s\) unit",
        ),
        (
            lambda d: d["stages"][1].update(independent_of_previous_stage="yes"),
            r"stages\[1\] \(stage2\)\.independent_of_previous_stage: must be true or false",
        ),
        (
            lambda d: d["stages"][0].update(independent_of_previous_stage=True),
            r"stages\[0\] \(stage1\)\.independent_of_previous_stage: the first stage has no",
        ),
    ],
)
def test_bad_profile_names_file_and_problem(tmp_path, good, change, message):
    change(good)
    code = _write(tmp_path, good)
    with pytest.raises(ProcedureError, match=rf"^{code}\.yaml: .*{message}"):
        load_procedure(code, directory=tmp_path)


def test_code_must_match_file_name(tmp_path, good):
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(good))
    with pytest.raises(ProcedureError, match=r"other\.yaml: code: .*must match the file name"):
        load_procedure("other", directory=tmp_path)


def test_broken_yaml(tmp_path):
    (tmp_path / "broken.yaml").write_text("code: broken\nstages: [\n")
    with pytest.raises(ProcedureError, match=r"broken\.yaml: cannot read YAML"):
        load_procedure("broken", directory=tmp_path)


def test_not_a_mapping(tmp_path):
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    with pytest.raises(ProcedureError, match=r"list\.yaml: profile: must be a mapping"):
        load_procedure("list", directory=tmp_path)


def test_unknown_or_unsafe_code(tmp_path):
    with pytest.raises(ProcedureError, match="no procedure 'nowhere'"):
        load_procedure("nowhere", directory=tmp_path)
    with pytest.raises(ProcedureError, match="invalid procedure code"):
        load_procedure("../charity-help-and-care")


def test_edited_profile_is_read_again(tmp_path, good):
    code = _write(tmp_path, good)
    assert load_procedure(code, directory=tmp_path).name == good["name"]
    good["name"] = "A renamed procedure with a longer name"  # size changes too
    _write(tmp_path, good)
    assert load_procedure(code, directory=tmp_path).name == good["name"]
