"""What the sheet tests share besides fixtures: staff accounts for a data directory, a
submission committed as the public form does, a settings file naming a sheet, and a sync
worker that talks to the local stand-in for Google Sheets (tests/support/fake_sheets.py)
through gspread's real client over HTTP on 127.0.0.1. The fixtures (``clock``, ``fake``,
``staffed``) are in tests/sheets/conftest.py, ``fast_disk`` in tests/conftest.py."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

import yaml

from forms_app.accounts import UserBook
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.records import audit
from forms_app.sheets.client import BaseURLSession
from forms_app.sheets.config import SheetsConfig
from forms_app.sheets.worker import SyncWorker
from tests.support.fake_sheets import SERVICE_ACCOUNT, FakeSheets

STAFF = {
    # username: (roles, email); the officers cover the service ``submit`` uses
    "olive": (["officer"], "olive@staff.example.org"),
    "oscar": (["officer"], "oscar@staff.example.org"),
    "mina": (["manager"], "mina@staff.example.org"),
    "ada": (["admin"], "ada@staff.example.org"),
}
PERSON = {"name": "Gwen Pryce", "email": "gwen.pryce@example.com", "phone": "07700 900123"}


_ACCOUNTS: dict[str, bytes] = {}


def make_staff(data_dir) -> None:
    """The accounts in STAFF (made once per test run: hashing passwords is slow on purpose)."""
    target = Path(data_dir) / "users.json"
    if "users.json" in _ACCOUNTS:
        # (The folder may not be made yet: the first call's UserBook made it.)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_ACCOUNTS["users.json"])
        return
    book = UserBook(data_dir)
    for username, (roles, email) in STAFF.items():
        book.add(
            username,
            name=username.title(),
            password="correct horse battery staple",
            roles=roles,
            email=email,
            services=["home-care"] if "officer" in roles else [],
        )
    _ACCOUNTS["users.json"] = target.read_bytes()


def submit(parts, clock, *, kind="complaint", details="The carer came late again.", **extra):
    """Commit one submission, as the public form does, received now on ``clock``."""
    row = {name: "" for name in parts.contract.columns("submissions") if name != "crc"}
    row.update(
        received=datetime.fromtimestamp(clock.time(), UTC).isoformat(timespec="seconds"),
        kind=kind,
        variant="standard",
        language="en",
        channel="online",
        procedure="charity-help-and-care",
        service="home-care",
        details=details,
        anonymous="false",
        **extra,
    )
    personal = {n: "" for n in parts.contract.columns("personal") if n not in ("ref", "crc")}
    personal.update(PERSON, preferred_contact="email")
    ref, created = parts.store.commit_submission(
        idempotency_key=secrets.token_urlsafe(18), submission=row, personal=personal
    )
    assert created
    return ref


def settings_file(tmp_path: Path, sheets: dict | None) -> Path:
    """A settings file: the example settings with ``sheets`` as their ``sheets:`` section
    (none if None), written in ``tmp_path``."""
    raw = yaml.safe_load(EXAMPLE_SETTINGS.read_text("utf-8"))
    if sheets is not None:
        raw["sheets"] = sheets
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(raw), "utf-8")
    return path


def config_for(fake: FakeSheets, **overrides) -> SheetsConfig:
    values = dict(
        spreadsheet_key=fake.spreadsheet.id,
        api_base_url=fake.base_url,
        service_account_email=SERVICE_ACCOUNT,
        request_timeout_seconds=0.3,
    )
    values.update(overrides)
    return SheetsConfig(**values)


def worker_for(parts, fake: FakeSheets, clock, *, sent=None, seed=7, **overrides) -> SyncWorker:
    """A worker on the fake; ``sent`` (a list) collects the alert emails it would send."""
    import random

    def send(config, to, subject, body, *, sender=""):
        if sent is not None:
            sent.append({"to": to, "subject": subject, "body": body})
        return True

    return SyncWorker(
        parts,
        config_for(fake, **overrides),
        clock=clock,
        session=BaseURLSession(fake.base_url),
        rng=random.Random(seed),
        send=send,
        audit=audit.record,
    )


def triage(fake: FakeSheets, ref: str) -> dict[str, str]:
    return next(r for r in fake.records("Triage") if r["Reference"] == ref)


def events_of(parts, ref: str) -> list[dict]:
    return [e for e in parts.store.rows("events") if e["ref"] == ref]
