"""A small staffed world for the security and robustness tests, and every route of the app made
into concrete URLs from ``app.url_map`` (never a hand-kept list).

Argon2 makes signing in slow on purpose, so tests build one world per module and reuse the
signed-in clients.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask

from forms_app import create_app
from forms_app.journeys import JOURNEYS
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.web.parts import EXTENSION, Parts
from tests.support.staff import add_events, csrf, make_people, sign_in, submit

# Synthetic people only (07700 900xxx, example.com, invented Welsh and English names).
PEOPLE = {
    # A manager who is also the admin, so every staff page opens for one client.
    "mair": ("Mair Rheolwr", ["manager", "admin"], []),
    "olive": ("Olive Officer", ["officer"], ["home-care"]),
}
CASE_PERSON = {
    "name": "Ffion Ŵyn ap Rhys",
    "email": "ffion.wyn@example.com",
    "details": "Roedd y gofalwr yn hwyr bob nos, ac fe gollodd Mam ei meddyginiaeth.",
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Files that change on every request by design (the audit log of staff views, the staff
# session's last-seen time, the rate-limit counters): not case state.
# The audit log, counters, locks and sessions change on every request; compiled templates are
# kept the first time a page is drawn (``web.templating``) and hold no case state.
VOLATILE = re.compile(
    r"^(\.?audit[^/]*|\.ratelimit[^/]*|[^/]*\.lock|staff_sessions/.*|run/templates-[^/]*/.*)$"
)


@dataclass
class World:
    app: Flask
    parts: Parts
    secrets: dict[str, str]
    ref: str  # a case mair can open (home-care)
    other_ref: str  # a closed compliment, for the publication page
    letter_id: str
    clients: dict = field(default_factory=dict)

    def signed_in(self, username: str = "mair"):
        if username not in self.clients:
            client = self.app.test_client()
            assert sign_in(client, username, self.secrets[username]).status_code == 302
            self.clients[username] = client
        return self.clients[username]


@contextlib.contextmanager
def fresh_world(tmp_path_factory, name: str, env: dict[str, str] | None = None):
    """``build_world`` in a new data directory, with the environment pointing at it (and
    ``env`` set) for as long as the world is in use: for module-scoped fixtures."""
    with pytest.MonkeyPatch.context() as patch:
        data_dir = tmp_path_factory.mktemp(name) / "data"
        patch.setenv("FORMS_APP_DATA_DIR", str(data_dir))
        patch.delenv("FORMS_APP_SETTINGS", raising=False)
        for key, value in (env or {}).items():
            patch.setenv(key, value)
        yield build_world(data_dir)


def build_world(data_dir: Path, **overrides) -> World:
    """An app on ``data_dir`` (FORMS_APP_DATA_DIR must point there) with two staff accounts,
    two cases about a synthetic Welsh-speaking person and one stored letter."""
    app = create_app(str(EXAMPLE_SETTINGS), **overrides)
    app.config.update(TESTING=True)
    parts = app.extensions[EXTENSION]
    secrets = make_people(data_dir, PEOPLE)
    ref = submit(
        parts,
        service="home-care",
        name=CASE_PERSON["name"],
        email=CASE_PERSON["email"],
        details=CASE_PERSON["details"],
    )
    from datetime import UTC, datetime

    other = submit(
        parts,
        service="home-care",
        kind="compliment",
        received=datetime(2025, 1, 6, 10, tzinfo=UTC),
        name="Iolo Prydderch-Ŷd",
    )
    add_events(parts, other, "mair", ("closed", {}))
    world = World(app, parts, secrets, ref, other, letter_id="")
    client = world.signed_in("mair")
    url = f"/staff/cases/{ref}/letters/new/acknowledgement"
    page = client.get(url)
    made = client.post(url, data={"csrf_token": csrf(page.text), "text": page_text(page.text)})
    assert made.status_code == 302, made.status_code
    world.letter_id = made.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    return world


def page_text(html: str) -> str:
    """The letter text from the new-letter page's textarea (unescaped)."""
    import html as html_lib

    match = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S)
    return html_lib.unescape(match.group(1)) if match else "Dear Ffion,\nThank you.\n"


def first_question_page(slug: str) -> str:
    journey = JOURNEYS[slug]
    return next(page.slug for page in journey.shown_pages({}) if page.questions)


def concrete_urls(world: World, rule) -> list[str]:
    """Every URL worth trying for one url_map rule: each journey for the public pages, the
    world's case, letter and a real action for the staff pages."""
    values = {
        "filename": ["app.css"],
        "ref": [world.ref],
        "name": ["note"] if rule.endpoint == "staff.case_action" else ["acknowledgement"],
        "letter_id": [world.letter_id],
        # No file is stored in this world: the download address answers 404, like any other.
        "file_id": ["NoSuchFile0123456789ab"],
        "journey": sorted(JOURNEYS),
        "username": ["olive"],
        # A survey or equality link's token of the right shape that no invitation or offer
        # has: the page says so.
        "token": ["NoSuchInvitation0123456789abcdef"],
        # A request link's secret of the right shape that no request has; a request that is
        # not on the case; the officer's change to a request.
        "secret": ["NoSuchRequestLink0123456789abcdefghijklmnop"],
        "ident": ["R-NoSuchOne"],
        "change": ["revoke"],
        # A report or export job no one started: its pages answer 404.
        "job_id": ["NoSuchJob0123456789ab"],
    }
    if rule.endpoint == "staff.publish":
        values["ref"] = [world.other_ref]
    urls = []
    defaults = dict(rule.defaults or {})
    if "journey" in rule.arguments:
        slugs = sorted(JOURNEYS)
        if rule.endpoint == "public.add_files":
            # Only the journeys that have a file page (the others answer 404).
            slugs = [slug for slug in slugs if any(page.files for page in JOURNEYS[slug].pages)]
        for slug in slugs:
            args = {**defaults, "journey": slug}
            if "page" in rule.arguments:
                args["page"] = first_question_page(slug)
            urls.append(_build(world.app, rule, args))
        return urls
    args = {name: values[name][0] for name in rule.arguments if name not in defaults}
    return [_build(world.app, rule, {**defaults, **args})]


def _build(app: Flask, rule, args: dict) -> str:
    # Build through the rule itself: the public rules share one endpoint across prefixes.
    _domain, path = rule.build(args, append_unknown=False)
    return path


def rules(app: Flask, methods: set[str] | None = None):
    """The app's rules, optionally only those accepting one of ``methods``."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if methods is None or rule.methods & methods:
            yield rule


def state_snapshot(data_dir: Path) -> dict[str, str]:
    """A hash of every file in the data directory that holds case state (store rows, events,
    personal details, drafts, letters, accounts), leaving out what changes on every request."""
    snapshot = {}
    for path in sorted(data_dir.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(data_dir).as_posix()
        if VOLATILE.search(name):
            continue
        snapshot[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return snapshot
