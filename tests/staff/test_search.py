"""The staff search: a case is found by its reference, the person's name, email, phone and
postcode however they are typed, and by words they wrote, open or closed; results are ranked
and paged; a case the member of staff may not open is never a result and never counted; every
search is audited without the query; no input gives a server error."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import unescape

import pytest

from forms_app.records import audit
from tests.support.staff import add_events, submit


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _refs(html: str) -> list[str]:
    """The references in the results table, in order."""
    table = html.split('<tbody class="govuk-table__body">', 1)
    if len(table) == 1:
        return []
    return re.findall(r'href="/staff/cases/([^"]+)"', table[1].split("</tbody>", 1)[0])


def _person(app_parts, **extra):
    """Store a case, then set its personal details (submit() fixes some of them)."""
    personal = {k: extra.pop(k) for k in ("phone", "postcode", "subject_name") if k in extra}
    ref = submit(app_parts, **extra)
    if personal:
        # The same case with its details corrected: a new personal row for the reference.
        row = dict(app_parts.store.find_personal(ref))
        row.pop("crc", None)
        row.update(personal)
        app_parts.store.tables["personal"].append([row])
    return ref


@pytest.fixture
def olive(signed_in):
    return signed_in("olive", others=("oscar", "mina", "pat"))


def _search(client, q, **params):
    response = client.get("/staff/search", query_string={"q": q, **params})
    assert response.status_code == 200, response.status_code
    return response.text


def test_a_case_is_found_by_its_reference_typed_any_way(olive, app_parts):
    ref = submit(app_parts)
    for typed in (ref, ref.lower(), ref.replace("-", " "), ref.replace("-", "")):
        assert _refs(_search(olive, typed)) == [ref]


def test_a_case_is_found_by_name_email_phone_and_postcode(olive, app_parts):
    ref = _person(
        app_parts,
        name="Bronwen Prydderch",
        email="Bronwen.P@example.com",
        phone="07700 900 412",
        postcode="CF10 1AA",
    )
    submit(app_parts, name="Someone Else", email="else@example.com")
    for typed in (
        "Prydderch",
        "bronwen prydderch",
        "BRONWEN.P@EXAMPLE.COM",
        "07700900412",
        "+44 7700 900412",
        "0044 (7700) 900-412",
        "cf101aa",
        "Cf10 1aa",
    ):
        html = _search(olive, typed)
        assert _refs(html) == [ref], typed


def test_a_case_is_found_by_words_in_what_was_written(olive, app_parts):
    ref = submit(app_parts, details="The hoist in the bathroom was broken for a fortnight.")
    submit(app_parts)
    html = _search(olive, "HOIST fortnight")
    assert _refs(html) == [ref]
    assert "hoist in the bathroom" in _text(html)
    assert "Matched: words in what they wrote" in _text(html)
    assert _refs(_search(olive, "hoist elephant")) == []


def test_closed_cases_are_found_and_shown_as_closed(olive, app_parts):
    ref = submit(app_parts, name="Ceri Closedcase", received=datetime(2025, 2, 3, 9, tzinfo=UTC))
    add_events(app_parts, ref, "olive", ("closed", {}))
    html = _search(olive, "Closedcase")
    assert _refs(html) == [ref]
    text = _text(html)
    assert "Closed" in text
    assert "3 Feb 2025" in text


def test_the_exact_reference_comes_first_then_contact_matches_then_words(olive, app_parts):
    in_words = submit(app_parts, details="Mrs Gwenllian from the council was very kind.")
    by_name = submit(app_parts, name="Gwenllian Jones")
    assert _refs(_search(olive, "gwenllian")) == [by_name, in_words]
    # A reference beats everything, and each case appears once.
    html = _search(olive, in_words)
    assert _refs(html)[0] == in_words


def test_results_are_paged(olive, app_parts):
    refs = [submit(app_parts, details="Pagination marker word zebracrossing.") for _ in range(23)]
    first = _refs(_search(olive, "zebracrossing"))
    second = _refs(_search(olive, "zebracrossing", page=2))
    assert len(first) == 20 and len(second) == 3
    assert sorted(first + second) == sorted(refs)
    assert "23 cases match" in _text(_search(olive, "zebracrossing", page=2))


def test_an_officer_of_another_service_finds_nothing_and_sees_no_count(signed_in, app_parts):
    oscar = signed_in("oscar", others=("olive",))
    ref = submit(app_parts, service="home-care", name="Dilys Hiddencase")
    html = _search(oscar, "Hiddencase")
    assert _refs(html) == []
    text = _text(html)
    assert "No cases match." in text
    assert ref not in html and "1 case" not in text
    # Nor by its reference.
    html = _search(oscar, ref)
    assert _refs(html) == [] and f"/staff/cases/{ref}" not in html
    assert "No cases match." in _text(html)


def test_a_confidential_case_is_not_found_by_an_officer_of_its_service(olive, app_parts):
    ref = submit(app_parts, name="Emrys Secretcase")
    add_events(app_parts, ref, "mina", ("flag_set", {"value": "confidential", "note": "Staff"}))
    assert _refs(_search(olive, "Secretcase")) == []


def test_a_manager_finds_every_service_but_confidential_words_are_not_shown(signed_in, app_parts):
    mina = signed_in("mina")
    ref = submit(app_parts, service="mental-health", details="Secret detail about the ward.")
    add_events(app_parts, ref, "mina", ("flag_set", {"value": "confidential", "note": "Staff"}))
    html = _search(mina, ref)
    assert _refs(html) == [ref]
    assert "Secret detail" not in html


def test_publishers_and_admins_cannot_search(signed_in, app_parts):
    pat = signed_in("pat")
    assert pat.get("/staff/search?q=x").status_code == 403


def test_every_search_is_audited_with_its_kind_and_count_but_not_the_query(olive, app_parts):
    submit(app_parts, name="Ffion Auditcase", email="ffion.audit@example.com")
    for typed, kind in (
        ("ffion.audit@example.com", "email"),
        ("Auditcase", "name"),
        ("07700 900999", "phone"),
        ("EX1 2AB", "postcode"),
        ("medication", "text"),
    ):
        _search(olive, typed)
        log = (app_parts.settings.data_dir / audit.LOG_NAME).read_text("utf-8")
        last = json.loads(log.strip().splitlines()[-1])
        assert last["action"] == "search"
        assert last["actor"] == "olive"
        assert f"kind={kind} " in last["detail"], (typed, last)
        assert typed.lower() not in log.lower()
    assert "results=1" in json.loads(log.strip().splitlines()[-5])["detail"]
    assert audit.verify(app_parts.settings.data_dir).ok


def test_a_reference_search_records_the_reference(olive, app_parts):
    ref = submit(app_parts)
    _search(olive, ref.lower())
    log = (app_parts.settings.data_dir / audit.LOG_NAME).read_text("utf-8")
    last = json.loads(log.strip().splitlines()[-1])
    assert last["ref"] == ref and "kind=reference results=1" in last["detail"]


@pytest.mark.parametrize(
    "query",
    [
        {"q": "\x00"},
        {"q": "a\x00b"},
        {"q": "x" * 10_000},
        {"q": ["one", "two"]},
        {"q": "<script>alert(1)</script>"},
        {"q": "%"},
        {"q": "((("},
        {"q": "+"},
        {"q": "Alys", "page": "abc"},
        {"q": "Alys", "page": "-3"},
        {"q": "Alys", "page": "99999999999999999999"},
        {"q": "", "_method": "POST", "endpoint": "x"},
        {},
    ],
)
def test_crafted_searches_give_a_clear_page_never_a_server_error(olive, app_parts, query):
    submit(app_parts)
    response = olive.get("/staff/search", query_string=query)
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert "Search cases" in response.text


def test_the_home_page_has_a_search_box(olive):
    html = olive.get("/staff/").text
    assert 'action="/staff/search"' in html and 'name="q"' in html


def test_an_imported_reference_is_found_as_written_in_any_case(olive, app_parts):
    columns = app_parts.contract.columns("submissions")
    row = {c: "" for c in columns if c != "crc"}
    row.update(
        ref="CMP/2021/0001",
        idempotency_key="imported-1",
        received="2021-03-01T10:00:00+00:00",
        kind="complaint",
        variant="standard",
        language="en",
        channel="import",
        procedure=app_parts.procedure.code,
        service="home-care",
        details="Imported from the earlier system.",
        anonymous="true",
    )
    app_parts.store.tables["submissions"].append([row])
    assert _refs(_search(olive, "cmp/2021/0001")) == ["CMP/2021/0001"]
    log = (app_parts.settings.data_dir / audit.LOG_NAME).read_text("utf-8")
    last = json.loads(log.strip().splitlines()[-1])
    assert last["ref"] == "CMP/2021/0001" and "kind=reference" in last["detail"]
