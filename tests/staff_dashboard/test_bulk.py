"""Bulk actions: each ticked case goes through its own casework change and audit line; a case
the change does not fit is refused on its own, with the reason, on the result page; crafted
posts (unknown references, references the member of staff may not open, thousands of them,
bytes no keyboard types) get a clear answer and never a server error."""

from __future__ import annotations

import re

import pytest

from tests.support.staff import add_events, csrf, submit

from .conftest import audit_entries, events_of


@pytest.fixture
def olive(signed_in):
    # Oscar exists so cases can be assigned to him.
    return signed_in("olive", others=("oscar",))


def _post(client, data, *, page="/staff/inbox"):
    token = csrf(client.get(page).text)
    return client.post("/staff/bulk", data={"csrf_token": token, **data})


def _outcomes(html: str) -> dict[str, str]:
    """{reference: "yes"|"no"} from the result page."""
    return dict(re.findall(r'data-ref="([^"]*)" data-done="(yes|no)"', html))


def _types(parts, ref) -> list[str]:
    return [row["type"] for row in events_of(parts, ref)]


def test_the_inbox_and_the_case_list_offer_a_checkbox_per_case(olive, app_parts):
    refs = {submit(app_parts) for _ in range(3)}
    for page in ("/staff/inbox", "/staff/cases"):
        html = olive.get(page).text
        ticks = set(re.findall(r'name="refs" type="checkbox" value="([^"]+)"', html))
        assert ticks == refs, page
        assert 'action="/staff/bulk"' in html
        assert 'name="csrf_token"' in html.split('action="/staff/bulk"', 1)[1]


def test_bulk_acknowledge_records_each_case_and_refuses_one(olive, app_parts):
    fresh = [submit(app_parts) for _ in range(3)]
    done_before = submit(app_parts)
    add_events(app_parts, done_before, "olive", ("acknowledged", {"stage": "stage1"}))
    response = _post(olive, {"action": "acknowledge", "refs": [*fresh, done_before]})
    assert response.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", response.text).split())
    assert "3 acknowledged; 1 refused" in text
    assert "Already acknowledged on" in text
    assert _outcomes(response.text) == {**{ref: "yes" for ref in fresh}, done_before: "no"}
    for ref in fresh:
        assert _types(app_parts, ref).count("acknowledged") == 1
    assert _types(app_parts, done_before).count("acknowledged") == 1
    # One audit line per case changed, and one for the refusal.
    changes = [e for e in audit_entries(app_parts) if e["action"] == "case.change"]
    assert sorted(e["ref"] for e in changes) == sorted(fresh)
    assert all(e["detail"] == "bulk acknowledge" for e in changes)
    refused = [e for e in audit_entries(app_parts) if e["action"] == "case.bulk_refused"]
    assert [e["ref"] for e in refused] == [done_before]


def test_bulk_assign_gives_each_case_its_owner_and_refuses_a_closed_one(olive, app_parts):
    new = [submit(app_parts) for _ in range(2)]
    closed = submit(app_parts, kind="compliment")
    add_events(app_parts, closed, "olive", ("closed", {}))
    response = _post(
        olive, {"action": "assign", "owner": "oscar", "independent": "yes", "refs": [*new, closed]}
    )
    assert response.status_code == 200
    assert _outcomes(response.text) == {new[0]: "yes", new[1]: "yes", closed: "no"}
    assert "The case is closed: reopen it before changing the owner" in response.text
    for ref in new:
        assigned = [r for r in events_of(app_parts, ref) if r["type"] == "assigned"]
        assert [(r["value"], r["actor"]) for r in assigned] == [("oscar", "olive")]
    assert "assigned" not in _types(app_parts, closed)
    assert olive.get("/staff/inbox").text.count('name="refs"') == 0


def test_bulk_close_closes_compliments_and_comments_and_refuses_a_complaint(olive, app_parts):
    compliment = submit(app_parts, kind="compliment")
    comment = submit(app_parts, kind="comment")
    complaint = submit(app_parts, kind="complaint")
    response = _post(olive, {"action": "close", "refs": [compliment, comment, complaint]})
    assert response.status_code == 200
    assert _outcomes(response.text) == {compliment: "yes", comment: "yes", complaint: "no"}
    assert f"{complaint} is a complaint and cannot be closed this way" in response.text
    assert "closed" in _types(app_parts, compliment)
    assert "closed" in _types(app_parts, comment)
    assert "closed" not in _types(app_parts, complaint)


def test_unknown_references_and_those_not_visible_get_the_same_refusal(olive, app_parts):
    theirs = submit(app_parts, service="mental-health", kind="compliment")
    mine = submit(app_parts, kind="compliment")
    made_up = "ZZZZ-ZZZZZ"
    response = _post(olive, {"action": "close", "refs": [theirs, made_up, mine]})
    assert response.status_code == 200
    assert _outcomes(response.text) == {theirs: "no", made_up: "no", mine: "yes"}
    rows = dict(re.findall(r'data-ref="([^"]*)" data-done="no">(.*?)</tr>', response.text, re.S))
    assert rows[theirs].replace(theirs, "REF") == rows[made_up].replace(made_up, "REF")
    assert "closed" not in _types(app_parts, theirs)
    # Not even a link: the page says nothing more of a case that may exist.
    assert f'href="/staff/cases/{theirs}"' not in response.text


def test_more_than_a_hundred_cases_are_refused_whole_with_nothing_done(olive, app_parts):
    mine = submit(app_parts, kind="compliment")
    response = _post(
        olive, {"action": "close", "refs": [mine] + [f"AAAA-{n:05d}" for n in range(100)]}
    )
    assert response.status_code == 400
    assert "You selected 101 cases. Choose at most 100 cases at a time." in response.text
    assert "closed" not in _types(app_parts, mine)


@pytest.mark.parametrize("encoding", ["application/x-www-form-urlencoded", "multipart/form-data"])
def test_ten_thousand_references_get_a_clear_refusal(olive, app_parts, encoding):
    mine = submit(app_parts, kind="compliment")
    token = csrf(olive.get("/staff/inbox").text)
    data = {"csrf_token": token, "action": "close", "refs": [mine] * 10_000}
    response = olive.post("/staff/bulk", data=data, content_type=encoding)
    # Over the request's limit on its parts (multipart) the refusal is a 413, else a 400.
    assert response.status_code in (400, 413)
    assert "at most 100 cases at a time" in response.text
    assert "closed" not in _types(app_parts, mine)


def test_assigning_without_a_person_shows_the_choice_again_with_the_cases_ticked(olive, app_parts):
    refs = [submit(app_parts) for _ in range(2)]
    response = _post(olive, {"action": "assign", "refs": refs})
    assert response.status_code == 400
    assert "Choose the person to assign the cases to" in response.text
    assert "Confirm the person is not someone the feedback is about" in response.text
    ticked = re.findall(r'name="refs" type="checkbox" value="([^"]+)" checked', response.text)
    assert sorted(ticked) == sorted(refs)
    assert 'value="assign" checked' in response.text
    for ref in refs:
        assert "assigned" not in _types(app_parts, ref)


def test_nothing_ticked_or_no_action_gets_a_clear_message(olive, app_parts):
    submit(app_parts)
    response = _post(olive, {"action": "acknowledge"})
    assert response.status_code == 400
    assert "Select at least one case" in response.text
    response = _post(olive, {"refs": [submit(app_parts)]})
    assert response.status_code == 400
    assert "Choose what to do with the selected cases" in response.text


@pytest.mark.parametrize(
    "body",
    [
        b"refs=%00&action=acknowledge",
        b"refs=%FF%FE&action=close",
        b"refs=" + b"x" * 150_000 + b"&action=close",
        b"refs=AAAA-AAAAA&action=%FF",
        b"refs=AAAA-AAAAA&action=assign&owner=%00&independent=%FF",
        b"refs=\xff\xfe\xfd&action=close",
        b"refs=AAAA-AAAAA&refs=AAAA-AAAAA&action=acknowledge&back=%0D%0Ahttp://evil",
        b"&&&==&action=close",
    ],
)
def test_crafted_bulk_posts_never_give_a_server_error(olive, app_parts, body):
    token = csrf(olive.get("/staff/inbox").text).encode()
    response = olive.post(
        "/staff/bulk",
        data=b"csrf_token=" + token + b"&" + body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (200, 400, 413), response.status_code
    # A clear page: the bulk form's own message or result, or (for bytes no browser sends,
    # refused whole before any view reads them) the service's plain "there is a problem".
    assert any(
        words in response.text
        for words in ("There is a problem", "data-bulk-summary", "Sorry, there is a problem")
    )
    assert list(app_parts.store.rows("events")) == []
    assert "evil" not in response.headers.get("Location", "")


def test_bulk_needs_a_csrf_token(olive, app_parts):
    ref = submit(app_parts, kind="compliment")
    response = olive.post("/staff/bulk", data={"action": "close", "refs": [ref]})
    assert response.status_code == 400
    assert "closed" not in _types(app_parts, ref)


def test_people_who_handle_no_cases_cannot_use_bulk(signed_in, app_parts):
    ref = submit(app_parts, kind="compliment")
    pat = signed_in("pat")
    token = csrf(pat.get("/staff/").text)
    response = pat.post("/staff/bulk", data={"csrf_token": token, "action": "close", "refs": [ref]})
    assert response.status_code == 403
    assert "closed" not in _types(app_parts, ref)


def test_thousands_of_references_from_someone_signed_out_change_nothing(app, app_parts):
    mine = submit(app_parts, kind="compliment")
    data = {"action": "close", "refs": [mine] * 10_000}
    response = app.test_client().post("/staff/bulk", data=data, content_type="multipart/form-data")
    assert response.status_code in (302, 400, 413)
    assert mine not in response.text
    assert "Signed in as" not in response.text
    assert "closed" not in _types(app_parts, mine)


def test_references_of_invisible_characters_alone_count_as_none(olive, app_parts):
    response = _post(olive, {"action": "acknowledge", "refs": ["\u200b", "\u2066"]})
    assert response.status_code == 400
    assert "Select at least one case" in response.text
