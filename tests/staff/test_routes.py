"""Every staff route for every role, and for the public with no session; officers see only
their services; a forbidden case and a missing case both answer 404."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.web.parts import parts as current_parts
from tests.support.staff import add_events, csrf, make_people, sign_in, submit

ROLES = ("olive", "oscar", "mina", "sam", "pat", "ada")  # officer x2, manager, sg lead, pub, admin
ALL = set(ROLES)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    # One app and one set of signed-in users for the module: argon2 is slow on purpose.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FORMS_APP_DATA_DIR", str(tmp_path_factory.mktemp("routes") / "data"))
        patch.delenv("FORMS_APP_SETTINGS", raising=False)
        app = create_app(str(EXAMPLE_SETTINGS))
        app.config.update(TESTING=True)
        # No app context stays pushed: each request must get its own (and its own g).
        with app.app_context():
            built = _world(app, current_parts())
        built["clients"] = {}
        for username in ROLES:
            client = app.test_client()
            assert sign_in(client, username, built["secrets"][username]).status_code == 302
            built["clients"][username] = client
        yield built


@pytest.fixture
def app_parts(world):
    return world["parts"]


def _world(app, app_parts):
    secrets_by_user = make_people(app_parts.settings.data_dir)
    home = submit(app_parts, service="home-care")  # olive's service
    mental = submit(app_parts, service="mental-health")  # oscar's
    flagged = submit(app_parts, service="learning-disability")  # nobody's service
    add_events(
        app_parts,
        flagged,
        "mina",
        ("flag_set", {"value": "safeguarding", "note": "Bruising seen on a visit"}),
    )
    secret = submit(app_parts, service="home-care")
    add_events(app_parts, secret, "mina", ("flag_set", {"value": "confidential", "note": "Staff"}))
    closed = submit(
        app_parts,
        service="home-care",
        kind="compliment",
        received=datetime(2025, 1, 6, 10, tzinfo=UTC),
    )
    add_events(app_parts, closed, "olive", ("closed", {}))
    return {
        "parts": app_parts,
        "secrets": secrets_by_user,
        "home": home,
        "mental": mental,
        "flagged": flagged,
        "secret": secret,
        "closed": closed,
        "anonymous": app.test_client(),
    }


def _routes(w):
    h = w["home"]
    # (path, users who get 200; everyone else signed in gets `other`)
    return [
        ("/staff/", ALL, None),
        ("/staff/inbox", {"olive", "oscar", "mina"}, 403),
        ("/staff/cases", {"olive", "oscar", "mina", "sam"}, 403),
        ("/staff/weekly", {"mina"}, 403),
        ("/staff/week", {"mina"}, 403),
        ("/staff/work?figure=overdue", {"olive", "oscar", "mina", "sam"}, 403),
        ("/staff/actions", {"olive", "oscar", "mina"}, 403),
        ("/staff/log", {"olive", "oscar", "mina"}, 403),
        ("/staff/publication", {"pat", "mina"}, 403),
        ("/staff/accounts", {"ada"}, 403),
        ("/staff/audit", {"ada"}, 403),
        (f"/staff/cases/{h}", {"olive", "mina"}, 404),
        (f"/staff/cases/{h}/do/triage", {"olive", "mina"}, 404),
        (f"/staff/cases/{h}/do/note", {"olive", "mina"}, 404),
        (f"/staff/cases/{h}/do/flag", {"olive", "mina"}, 404),
        (f"/staff/cases/{h}/letters", {"olive", "mina"}, 404),
        (f"/staff/cases/{h}/letters/new/acknowledgement", {"olive", "mina"}, 404),
        (f"/staff/cases/{w['mental']}", {"oscar", "mina"}, 404),
        (f"/staff/cases/{w['flagged']}", {"mina", "sam"}, 404),
        (f"/staff/cases/{w['secret']}", {"mina"}, 404),  # confidential: not olive
        (f"/staff/publication/{w['closed']}", {"pat", "mina"}, 404),
        (f"/staff/publication/{h}", set(), 404),  # still open: nobody publishes it
        ("/staff/cases/NONE-SUCH", set(), 404),
        ("/staff/cases/NONE-SUCH/do/triage", set(), 404),
        ("/staff/cases/NONE-SUCH/letters", set(), 404),
        (f"/staff/cases/{h}/do/no-such-action", set(), 404),
    ]


def test_every_route_for_every_role(world):
    failures = []
    for path, allowed, other in _routes(world):
        for username, client in world["clients"].items():
            expected = 200 if username in allowed else other
            status = client.get(path).status_code
            if status != expected:
                failures.append(f"{username} GET {path}: {status}, expected {expected}")
        anonymous = world["anonymous"].get(path)
        if anonymous.status_code != 302 or "/staff/sign-in" not in anonymous.headers["Location"]:
            failures.append(f"anonymous GET {path}: {anonymous.status_code}")
    assert failures == []


def test_forbidden_and_missing_cases_look_the_same(world):
    oscar = world["clients"]["oscar"]
    forbidden = oscar.get(f"/staff/cases/{world['home']}")
    missing = oscar.get("/staff/cases/NONE-SUCH")
    assert forbidden.status_code == missing.status_code == 404
    nonce = re.compile(r'nonce="[^"]*"')
    assert nonce.sub("", forbidden.text) == nonce.sub("", missing.text)


def test_officers_list_only_their_services(world):
    olive = world["clients"]["olive"].get("/staff/cases").text
    assert world["home"] in olive and world["mental"] not in olive
    assert world["flagged"] not in olive and world["secret"] not in olive
    oscar = world["clients"]["oscar"].get("/staff/cases").text
    assert world["mental"] in oscar and world["home"] not in oscar
    manager = world["clients"]["mina"].get("/staff/cases").text
    assert all(world[k] in manager for k in ("home", "mental", "flagged", "secret"))
    # The safeguarding lead sees flagged cases on the home page, with the concern.
    sam = world["clients"]["sam"].get("/staff/").text
    assert world["flagged"] in sam and "Bruising seen on a visit" in sam


def test_a_forbidden_change_is_refused_and_nothing_is_written(world, app_parts):
    oscar = world["clients"]["oscar"]
    page = oscar.get("/staff/")
    before = app_parts.store.tables["events"].length()
    response = oscar.post(
        f"/staff/cases/{world['home']}/do/note",
        data={"note": "sneaky", "csrf_token": csrf(page.text)},
    )
    assert response.status_code == 404
    assert app_parts.store.tables["events"].length() == before


def test_anonymous_posts_go_to_sign_in_and_open_pages_work(world):
    anonymous = world["anonymous"]
    response = anonymous.post(f"/staff/cases/{world['home']}/do/note", data={"note": "x"})
    assert response.status_code in (302, 400)  # no session: sign-in (or CSRF refuses first)
    assert anonymous.get("/staff/sign-in").status_code == 200
    assert anonymous.get("/staff/letter.css").status_code == 200


def test_every_view_is_in_the_audit_log(world, app_parts):
    from forms_app.records import audit

    world["clients"]["mina"].get(f"/staff/cases/{world['home']}")
    world["clients"]["oscar"].get(f"/staff/cases/{world['home']}")
    lines = (app_parts.settings.data_dir / audit.LOG_NAME).read_text().splitlines()
    assert any(
        '"action":"case.view"' in line and world["home"] in line and '"actor":"mina"' in line
        for line in lines
    )
    assert any('"action":"case.denied"' in line and '"actor":"oscar"' in line for line in lines)
    assert audit.verify(app_parts.settings.data_dir).ok
