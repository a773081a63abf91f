"""Related and duplicate cases: possible duplicates are found by the same email (any case), the
same phone (any spacing, +44 or 0) or the same name and postcode, within 90 days and only among
the cases the member of staff may open; links and unlinks are events on both cases; a merge
closes the duplicate as merged naming the survivor and names the duplicate on the survivor,
and is refused into itself, into a closed or merged case, across kinds, for restricted cases
and for cases the member of staff may not open; a merged case is changed no further."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from forms_app.casework import linking, transitions
from forms_app.casework.flags import RESTRICTED
from forms_app.casework.linking import NOT_FOUND, Refused, possible_duplicates
from forms_app.casework.search import SearchIndex
from forms_app.casework.state import Case
from forms_app.casework.transitions import PERSON, Actor
from tests.support.cases import LGSCO, case_with
from tests.support.staff import submit

TODAY = date(2026, 3, 27)
ACTOR = Actor("olive", TODAY, datetime(2026, 3, 27, 10, 0, tzinfo=UTC))


def _case(ref="FB-TEST-0001", kind="complaint", *events, procedure=LGSCO) -> Case:
    return case_with(*events, ref=ref, kind=kind, procedure=procedure)


def _apply(cases: dict[str, Case], rows: list[dict]) -> None:
    for row in rows:
        cases[row["ref"]].apply(row)


def everyone(case: Case) -> bool:
    return True


# -- links --------------------------------------------------------------------------------------


def test_a_link_and_an_unlink_are_events_on_both_cases():
    one, two = _case("FB-TEST-0001"), _case("FB-TEST-0002", "enquiry")
    cases = {one.ref: one, two.ref: two}
    rows = linking.link(one, two, ACTOR, sees=everyone, note="Same family")
    assert [(r["ref"], r["type"], r["value"]) for r in rows] == [
        (one.ref, "case_linked", two.ref),
        (two.ref, "case_linked", one.ref),
    ]
    _apply(cases, rows)
    assert one.links == [two.ref] and two.links == [one.ref]
    with pytest.raises(Refused, match="already linked"):
        linking.link(two, one, ACTOR, sees=everyone)
    rows = linking.unlink(two, one, ACTOR, sees=everyone)
    assert {(r["ref"], r["type"]) for r in rows} == {
        (one.ref, "case_unlinked"),
        (two.ref, "case_unlinked"),
    }
    _apply(cases, rows)
    assert one.links == [] and two.links == []
    with pytest.raises(Refused, match="not linked"):
        linking.unlink(one, two, ACTOR, sees=everyone)


def test_a_case_is_not_linked_to_itself_a_missing_case_or_one_the_actor_may_not_see():
    one, two = _case("FB-TEST-0001"), _case("FB-TEST-0002")
    with pytest.raises(Refused, match="itself"):
        linking.link(one, one, ACTOR, sees=everyone)
    for other, sees in ((None, everyone), (two, lambda case: case.ref != two.ref)):
        with pytest.raises(Refused) as refusal:
            linking.link(one, other, ACTOR, sees=sees)
        # The same words whether the case is missing or hidden: nothing says it exists.
        assert refusal.value.reason == NOT_FOUND


def test_a_restricted_case_is_not_linked():
    one = _case("FB-TEST-0001")
    two = _case("FB-TEST-0002", "complaint", ("flag_set", {"value": RESTRICTED}))
    for a, b in ((one, two), (two, one)):
        with pytest.raises(Refused, match="restricted"):
            linking.link(a, b, ACTOR, sees=everyone)


# -- merging ------------------------------------------------------------------------------------


def test_a_merge_closes_the_duplicate_naming_the_survivor_and_names_the_duplicate_on_it():
    duplicate, survivor = _case("FB-TEST-0001", "concern"), _case("FB-TEST-0002")
    cases = {duplicate.ref: duplicate, survivor.ref: survivor}
    rows = linking.merge(duplicate, survivor, ACTOR, sees=everyone, note="Wrote twice")
    assert [(r["ref"], r["type"], r["value"]) for r in rows] == [
        (duplicate.ref, "merged_into", survivor.ref),
        (survivor.ref, "merged_from", duplicate.ref),
    ]
    events_before = len(duplicate.events)
    _apply(cases, rows)
    assert duplicate.status == "merged" and not duplicate.is_open
    assert duplicate.merged_into == survivor.ref and duplicate.closed_on == TODAY
    assert len(duplicate.events) == events_before + 1  # its own events are kept
    assert survivor.merged_from == [duplicate.ref] and survivor.is_open
    assert linking.survivor_of(duplicate.ref, cases.get) is survivor
    assert linking.survivor_of(survivor.ref, cases.get) is survivor


@pytest.mark.parametrize(
    "survivor, words",
    [
        (_case("FB-TEST-0002", "complaint", ("closed", {})), "only be merged into an open case"),
        (_case("FB-TEST-0002", "complaint", ("withdrawn", {})), "only be merged into an open"),
        (
            _case("FB-TEST-0002", "complaint", ("merged_into", {"value": "FB-TEST-0003"})),
            "itself merged into FB-TEST-0003",
        ),
        (_case("FB-TEST-0002", "compliment"), "cannot be merged into a compliment"),
        (_case("FB-TEST-0002", "complaint", ("flag_set", {"value": RESTRICTED})), "restricted"),
        (_case("FB-TEST-0002", procedure="england-nhs-social-care-2009"), "different procedures"),
    ],
)
def test_a_merge_is_refused_into_a_case_that_cannot_take_it(survivor, words):
    with pytest.raises(Refused, match=words):
        linking.merge(_case("FB-TEST-0001"), survivor, ACTOR, sees=everyone)


def test_a_merge_is_refused_into_itself_from_a_restricted_closed_or_unseen_case():
    survivor = _case("FB-TEST-0002")
    with pytest.raises(Refused, match="itself"):
        linking.merge(survivor, survivor, ACTOR, sees=everyone)
    restricted = _case("FB-TEST-0001", "complaint", ("flag_set", {"value": RESTRICTED}))
    with pytest.raises(Refused, match="restricted"):
        linking.merge(restricted, survivor, ACTOR, sees=everyone)
    closed = _case("FB-TEST-0001", "concern", ("closed", {}))
    with pytest.raises(Refused, match="reopen it before merging"):
        linking.merge(closed, survivor, ACTOR, sees=everyone)
    thanks = _case("FB-TEST-0001", "compliment")
    with pytest.raises(Refused, match="compliment cannot be merged into a complaint"):
        linking.merge(thanks, survivor, ACTOR, sees=everyone)
    for sees in (lambda c: c.ref != survivor.ref, lambda c: c.ref == survivor.ref):
        with pytest.raises(Refused) as refusal:
            linking.merge(_case("FB-TEST-0001"), survivor, ACTOR, sees=sees)
        assert refusal.value.reason == NOT_FOUND
    # Thanks merge with thanks.
    assert linking.merge(thanks, _case("FB-TEST-0002", "comment"), ACTOR, sees=everyone)


def test_a_merged_case_is_changed_no_further_but_the_person_may_still_write():
    merged = _case("FB-TEST-0001", "complaint", ("merged_into", {"value": "FB-TEST-0002"}))
    for change in (
        lambda: transitions.reopen(merged, ACTOR),
        lambda: transitions.set_status(merged, ACTOR, "open"),
        lambda: transitions.enter_stage(
            merged, ACTOR, "ombudsman", procedure=_procedure(), owners={"olive"}
        ),
        lambda: linking.link(merged, _case("FB-TEST-0003"), ACTOR, sees=everyone),
    ):
        with pytest.raises(Refused, match="merged into FB-TEST-0002"):
            change()
    person = Actor(PERSON, TODAY)
    assert transitions.person_reply(merged, person, "One more thing")[0]["type"] == (
        "person_replied"
    )


def _procedure():
    from forms_app.procedures.profiles import load_procedure

    return load_procedure(LGSCO)


# -- possible duplicates ------------------------------------------------------------------------


def _details(app_parts, ref, **values):
    """Correct a case's personal details (a later personal row for the reference)."""
    row = dict(app_parts.store.find_personal(ref))
    row.pop("crc", None)
    row.update(values)
    app_parts.store.tables["personal"].append([row])


def _new(app_parts, days_ago=0, **personal):
    received = datetime.now(UTC) - timedelta(days=days_ago)
    contact = {k: personal.pop(k) for k in ("phone", "postcode") if k in personal}
    ref = submit(app_parts, received=received, **personal)
    # submit() gives every case one postcode: each case here has its own unless given.
    _details(app_parts, ref, postcode=contact.get("postcode", ""), phone=contact.get("phone", ""))
    return ref


def _duplicates(app_parts, ref, sees=everyone):
    index = SearchIndex(app_parts.store)
    cases = {c.ref: c for c in _all_cases(app_parts)}
    personal = app_parts.store.find_personal(ref)
    found = possible_duplicates(cases[ref], personal, index, cases.get, sees)
    return {d.case.ref: d.reasons for d in found}


def _all_cases(app_parts):
    from forms_app.casework.index import CaseIndex

    index = CaseIndex(app_parts.store, app_parts.procedure)
    return index.all_cases()


def test_duplicates_are_found_by_email_in_any_case(app_parts):
    first = _new(app_parts, 10, name="Ceri Jones", email="Ceri.Jones@Example.com")
    second = _new(app_parts, name="C Jones", email="ceri.jones@example.com ")
    _new(app_parts, name="Ceri Jones", email="someone.else@example.com")
    assert _duplicates(app_parts, second) == {first: ["email"]}
    assert _duplicates(app_parts, first) == {second: ["email"]}


def test_duplicates_are_found_by_phone_however_it_was_typed(app_parts):
    first = _new(app_parts, 30, name="Dai Evans", email="dai@example.com", phone="+44 7700 900412")
    second = _new(app_parts, name="D Evans", email="d.evans@example.com", phone="07700900412")
    third = _new(app_parts, name="Dafydd", email="dafydd@example.com", phone="(07700) 900-412")
    _new(app_parts, name="Other", email="other@example.com", phone="07700 900413")
    assert _duplicates(app_parts, second) == {first: ["phone"], third: ["phone"]}


def test_duplicates_are_found_by_name_and_postcode_together_only(app_parts):
    first = _new(app_parts, 5, name="Gwen Price", email="g1@example.com", postcode="CF10 1AA")
    second = _new(app_parts, name="gwen  PRICE", email="g2@example.com", postcode="cf101aa")
    _new(app_parts, name="Gwen Price", email="g3@example.com", postcode="CF10 1AB")
    _new(app_parts, name="Huw Price", email="g4@example.com", postcode="CF10 1AA")
    assert _duplicates(app_parts, second) == {first: ["name and postcode"]}


def test_a_case_matching_several_ways_lists_every_reason(app_parts):
    first = _new(app_parts, 1, name="Iolo Morgan", email="iolo@example.com", phone="07700900500")
    second = _new(app_parts, name="Iolo Morgan", email="IOLO@example.com", phone="07700 900 500")
    assert _duplicates(app_parts, second) == {first: ["email", "phone"]}


def test_duplicates_are_not_found_beyond_90_days(app_parts):
    old = _new(app_parts, 91, name="Jac Owen", email="jac@example.com")
    recent = _new(app_parts, 89, name="Jac Owen", email="jac@example.com")
    today = _new(app_parts, name="Jac Owen", email="jac@example.com")
    assert _duplicates(app_parts, today) == {recent: ["email"]}
    assert set(_duplicates(app_parts, recent)) == {old, today}


def test_duplicates_the_member_of_staff_may_not_open_are_never_listed(app_parts):
    hidden = _new(app_parts, 2, name="Lowri Bevan", email="lowri@example.com", service="other")
    shown = _new(app_parts, 1, name="Lowri Bevan", email="lowri@example.com")
    mine = _new(app_parts, name="Lowri Bevan", email="lowri@example.com")
    assert set(_duplicates(app_parts, mine)) == {hidden, shown}
    only_home_care = lambda case: case.service == "home-care"  # noqa: E731
    assert set(_duplicates(app_parts, mine, only_home_care)) == {shown}


def test_an_anonymous_case_has_no_duplicates(app_parts):
    _new(app_parts, 1, name="", email="")
    ref = _new(app_parts, name="", email="")
    assert _duplicates(app_parts, ref) == {}
