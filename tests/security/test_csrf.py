"""S2: CSRF over every state-changing route found in ``app.url_map`` (public and staff): no token
and a token from another session are both refused with 400 and change nothing; no GET route
changes state; a public-form token still works after two hours idle; a refused public page is
shown again with everything the person typed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from markupsafe import escape

from forms_app import create_app
from forms_app.journeys import JOURNEYS
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from tests.support.security_world import (
    WRITE_METHODS,
    concrete_urls,
    first_question_page,
    fresh_world,
    rules,
    state_snapshot,
)
from tests.support.staff import PASSWORD, csrf
from tests.support.walker import ANSWERS

# Synthetic typed text with Welsh letters and markup, so escaping is part of the check.
TYPED = {
    "textarea": "Nid oedd y nyrs wedi dod <b>ddydd Mawrth</b> & Mam yn aros, ŵ ŷ",
    "text": "Ffion Ŵyn ap Rhys <i>O'Brien</i>",
    "email": "ffion.wyn@example.com",
    "tel": "07700 900654",
    "postcode": "CF10 1AA",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with fresh_world(tmp_path_factory, "csrf") as built:
        yield built


def _form_for(url: str, ref: str = "", other: str = "") -> dict:
    """Plausible answers for whatever the URL's form asks (staff or public); ``ref`` is a
    case the bulk actions would change, ``other`` a case the linking pages would link or merge
    it with."""
    return {
        "note": "Galwodd Ffion am 3pm",
        "text": "Annwyl Ffion,\nDiolch am ysgrifennu.\n",
        "summary": "A short public summary.",
        "username": "mair",
        "password": PASSWORD,
        "code": "123456",
        "kind": "complaint",
        "details": TYPED["textarea"],
        "happening_now": "no",
        "tried_already": "no",
        "service": "home-care",
        # The bulk actions: a real case and an action that would change it.
        "refs": ref,
        "action": "acknowledge",
        # Linking and merging: another real case, confirmed, so a missing check would change it.
        "other": other,
        "confirmed": "yes",
    }


def _foreign_token(world, url: str) -> str:
    """A valid token, but from another browser's session."""
    other = world.app.test_client()
    # Followed: a page not offered here (files, with no scanner) sends the person on.
    page = other.get("/staff/sign-in" if url.startswith("/staff/") else url, follow_redirects=True)
    if 'name="csrf_token"' not in page.text:
        # A public route that only takes posts (a reply from the tracking page): the token of
        # the public page that leads to it, which any browser of the site can get.
        page = other.get("/track")
    return csrf(page.text)


def _clients_for(world, url: str):
    if not url.startswith("/staff/"):
        return world.app.test_client()
    if url.startswith("/staff/sign-in/code"):
        # The code page needs a pending sign-in (password accepted) in this session.
        client = world.app.test_client()
        page = client.get("/staff/sign-in")
        step = client.post(
            "/staff/sign-in",
            data={"username": "olive", "password": PASSWORD, "csrf_token": csrf(page.text)},
        )
        assert step.status_code == 302
        return client
    if url.startswith("/staff/sign-in"):
        return world.app.test_client()
    return world.signed_in("mair")


def test_every_write_route_refuses_missing_and_foreign_tokens(world):
    data_dir = world.parts.settings.data_dir
    tried = 0
    write_rules = list(rules(world.app, WRITE_METHODS))
    assert len(write_rules) >= 10, "the url_map lost its POST routes?"
    for rule in write_rules:
        for url in concrete_urls(world, rule):
            client = _clients_for(world, url)
            for method in sorted(rule.methods & WRITE_METHODS):
                for token in (None, _foreign_token(world, url)):
                    before = state_snapshot(data_dir)
                    data = _form_for(url, world.ref, world.other_ref)
                    if token:
                        data["csrf_token"] = token
                    response = client.open(url, method=method, data=data)
                    assert response.status_code == 400, (url, method, bool(token))
                    assert state_snapshot(data_dir) == before, (url, method, bool(token))
                    tried += 1
    # The signed-in session survived the refused sign-out.
    assert world.signed_in("mair").get("/staff/").status_code == 200
    print(f"S2: {tried} refused write requests over {len(write_rules)} url_map rules")


def test_no_get_route_changes_state(world):
    data_dir = world.parts.settings.data_dir
    clients = {"public": world.app.test_client(), "staff": world.signed_in("mair")}
    checked = 0
    for rule in rules(world.app, {"GET"}):
        for url in concrete_urls(world, rule):
            for client in clients.values():
                before = state_snapshot(data_dir)
                response = client.get(url)
                assert response.status_code < 500, url
                assert state_snapshot(data_dir) == before, url
                checked += 1
    assert checked >= 100
    print(f"S2: {checked} GET requests, 0 state changes")


def test_public_token_still_valid_after_two_hours_idle(world):
    client = world.app.test_client()
    url = "/complaint/" + first_question_page("complaint")
    page = client.get(url)
    later = datetime.now(UTC) + timedelta(hours=2, minutes=5)
    with freeze_time(later):
        response = client.post(
            url,
            data={"csrf_token": csrf(page.text), "happening_now": "no", "tried_already": "no"},
        )
    assert response.status_code == 302, response.status_code


def test_an_expiring_token_would_be_caught(data_dir):
    """Negative control: with Flask-WTF's one-hour default the same wait is refused, so the
    test above would notice a token that expires."""
    app = create_app(str(EXAMPLE_SETTINGS), WTF_CSRF_TIME_LIMIT=3600)
    app.config.update(TESTING=True)
    client = app.test_client()
    url = "/complaint/" + first_question_page("complaint")
    page = client.get(url)
    with freeze_time(datetime.now(UTC) + timedelta(hours=2, minutes=5)):
        response = client.post(
            url, data={"csrf_token": csrf(page.text), "happening_now": "no", "tried_already": "no"}
        )
    assert response.status_code == 400


def test_refused_page_shows_everything_typed(world):
    """Every question page of every journey, posted without a token: every typed text is on the
    page that comes back (escaped), so nothing the person wrote is lost."""
    kept = missing = 0
    lost = []
    for slug, journey in JOURNEYS.items():
        answers = dict(ANSWERS.get(journey.kind, ANSWERS.get(slug, {})))
        for step in journey.pages:
            if not step.questions:
                continue
            typed = {}
            for question in step.questions:
                if question.widget in TYPED:
                    typed[question.name] = TYPED[question.widget]
            if not typed:
                continue
            client = world.app.test_client()
            response = client.post(f"/{slug}/{step.slug}", data={**answers, **typed})
            assert response.status_code == 400
            for name, value in typed.items():
                if str(escape(value)) in response.text:
                    kept += 1
                else:
                    missing += 1
                    lost.append(f"{slug}/{step.slug}:{name}")
    assert kept > 0
    assert missing == 0, lost
    print(f"S2: {kept}/{kept + missing} typed answers kept after a refused token")


def test_a_refused_staff_form_shows_back_what_was_typed(world):
    """A staff note refused for its token (say, a session that ended while it was written): not
    saved, but the text is on the page to copy back, and no secret is ever shown back."""
    note = "Ffoniodd Mrs Parry am 3pm <b>yn gofyn</b> am y llythyr.\nDiolch."
    client = world.signed_in("mair")
    before = state_snapshot(world.parts.settings.data_dir)
    response = client.post(
        f"/staff/cases/{world.ref}/do/note",
        data={
            "note": note,
            "postcode": "CF10 1AA",
            "csrf_token": "not-a-token",
            "password": "hunter2-secret",
            "code": "123456",
        },
    )
    assert response.status_code == 400
    assert str(escape(note)) in response.text
    assert "hunter2-secret" not in response.text and "<b>yn gofyn</b>" not in response.text
    assert "CF10 1AA" in response.text and "123456" not in response.text
    assert state_snapshot(world.parts.settings.data_dir) == before
