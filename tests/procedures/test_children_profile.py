"""The England children's social care profile (Children Act 1989 representations procedure):
its stages, timescales, extensions and review panel, with deadlines worked by hand.

Every expected date was counted by hand on the England calendar, the day of receipt being
day 0: Christmas 2025 (Thu 25 and Fri 26 Dec) and New Year's Day 2026 (Thu 1 Jan); Easter 2026
(Good Friday 3 Apr, Easter Monday 6 Apr) and the May bank holidays (Mon 4 and Mon 25 May
2026); Christmas 2026 (Fri 25 Dec, with Boxing Day's substitute on Mon 28 Dec) and New Year's
Day 2027 (Fri 1 Jan).
"""

from datetime import date

from forms_app.language.welsh import ESCALATION_NAMES_CY, STAGE_NAMES_CY
from forms_app.procedures.profiles import Target, load_procedure

CHILDREN = load_procedure("england-children-act-1989")
CAL = CHILDREN.calendar()


def test_three_stages_local_resolution_investigation_and_review_panel():
    assert [s.code for s in CHILDREN.stages] == [
        "local_resolution",
        "investigation",
        "review_panel",
    ]
    assert CHILDREN.nation == "ENG"
    assert "SI 2006/1738" in CHILDREN.legal_basis
    assert CHILDREN.time_limit_to_complain_months == 12  # one year (regulation 9)
    assert CHILDREN.day_zero == "receipt"


def test_the_figures_of_the_regulations():
    stage1, stage2, stage3 = CHILDREN.stages
    assert stage1.respond == Target(10, "working")
    assert stage1.extension_limit == Target(10, "working")  # 20 working days in all
    assert stage2.respond == Target(25, "working")
    assert stage2.extension_limit == Target(40, "working")  # 65 working days in all
    assert stage2.ask_within == Target(20, "working")
    assert stage3.ask_within == Target(20, "working")
    # 30 working days to the panel, 5 to its report, 15 to the council's response.
    assert stage3.respond == Target(30 + 5 + 15, "working")


def test_advocacy_independence_and_the_ombudsman_are_stated():
    stage1, stage2, stage3 = CHILDREN.stages
    assert "advocate" in stage1.handler_rule and "26A" in stage1.handler_rule
    assert "advocate" in stage1.extension
    assert "independent person" in stage2.handler_rule
    assert stage2.independent_of_previous_stage is True
    assert "three independent people" in stage3.handler_rule
    assert stage3.independent_of_previous_stage is False
    assert CHILDREN.escalation["name"] == "Local Government and Social Care Ombudsman"
    assert CHILDREN.escalation["url"] == "https://www.lgo.org.uk"


def test_stage_and_ombudsman_names_have_welsh():
    for stage in CHILDREN.stages:
        assert stage.name in STAGE_NAMES_CY, stage.name
    assert CHILDREN.escalation["name"] in ESCALATION_NAMES_CY


def test_stage_1_over_christmas_2025():
    received = date(2025, 12, 15)  # a Monday
    assert CHILDREN.hear_back_by("complaint", received, CAL) == {
        "acknowledge": date(2025, 12, 17),  # 2 working days
        # 16, 17, 18, 19, 22, 23, 24, (25, 26 holidays) 29, 30, 31 Dec.
        "respond": date(2025, 12, 31),
    }
    stage1 = CHILDREN.stage("local_resolution")
    # The extension: 10 more working days, (1 Jan a holiday) 2, 5 to 9, 12 to 15 Jan.
    extended = CHILDREN.due(date(2025, 12, 31), stage1.extension_limit, CAL)
    assert extended == date(2026, 1, 15)
    assert CHILDREN.due(received, Target(20, "working"), CAL) == extended


def test_stage_2_over_easter_and_the_may_bank_holidays_2026():
    stage2 = CHILDREN.stage("investigation")
    asked = date(2026, 3, 23)  # a Monday
    # 24 to 27 Mar, 30 Mar to 2 Apr, (3 and 6 Apr holidays) 7 to 29 Apr: the 25th is Wed 29 Apr.
    assert CHILDREN.due(asked, stage2.respond, CAL) == date(2026, 4, 29)
    # At most 65 working days from the request: past 4 and 25 May, Friday 26 June.
    longest = CHILDREN.due(CHILDREN.due(asked, stage2.respond, CAL), stage2.extension_limit, CAL)
    assert longest == date(2026, 6, 26)
    assert CHILDREN.due(asked, Target(65, "working"), CAL) == longest


def test_asking_for_the_review_panel_within_20_working_days():
    # The Stage 2 response sent on Wed 29 Apr 2026: 20 working days, skipping 4 and 25 May,
    # end on Fri 29 May.
    panel = CHILDREN.stage("review_panel")
    assert CHILDREN.due(date(2026, 4, 29), panel.ask_within, CAL) == date(2026, 5, 29)


def test_review_panel_over_christmas_2026():
    panel = CHILDREN.stage("review_panel")
    asked = date(2026, 12, 11)  # a Friday
    # The panel meets within 30 working days: 14 to 24 Dec (9), (25 and 28 Dec holidays)
    # 29 to 31 Dec (12), (1 Jan holiday) 4 to 27 Jan 2027 (30): Wednesday 27 January.
    met = CHILDREN.due(asked, Target(30, "working"), CAL)
    assert met == date(2027, 1, 27)
    report = CHILDREN.due(met, Target(5, "working"), CAL)
    assert report == date(2027, 2, 3)
    response = CHILDREN.due(report, Target(15, "working"), CAL)
    assert response == date(2027, 2, 24)
    # The stage's own target is the same date counted from the request.
    assert CHILDREN.due(asked, panel.respond, CAL) == response
    assert CHILDREN.promised_by(asked, panel.acknowledge, CAL) == date(2026, 12, 15)


def test_a_closure_day_moves_stage_1_on():
    closed = CHILDREN.calendar([date(2025, 12, 24)])
    # Without 24 Dec the 10th working day after Mon 15 Dec 2025 is Fri 2 Jan 2026.
    assert CHILDREN.hear_back_by("complaint", date(2025, 12, 15), closed)["respond"] == date(
        2026, 1, 2
    )
