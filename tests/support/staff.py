"""Helpers for the staff tests: accounts with known passwords and TOTP secrets, signing in
through the real pages (password, then a one-time code computed with pyotp), and cases."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

import pyotp

from forms_app.accounts import UserBook
from forms_app.casework.events import event, record

PASSWORD = "correct horse battery staple"
PEOPLE = {
    # username: (name, roles, services)
    "olive": ("Olive Officer", ["officer"], ["home-care"]),
    "oscar": ("Oscar Officer", ["officer"], ["mental-health"]),
    "mina": ("Mina Manager", ["manager"], []),
    "sam": ("Sam Safeguarding", ["safeguarding_lead"], []),
    "pat": ("Pat Publisher", ["publisher"], []),
    "ada": ("Ada Admin", ["admin"], []),
}


def make_people(data_dir, people=PEOPLE) -> dict[str, str]:
    """Create the accounts; return {username: TOTP secret}."""
    book = UserBook(data_dir)
    secrets_by_user = {}
    for username, (name, roles, services) in people.items():
        user = book.add(
            username,
            name=name,
            password=PASSWORD,
            roles=roles,
            services=services,
            email=f"{username}@staff.example.org",
        )
        secrets_by_user[username] = user.totp_secret
    return secrets_by_user


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(client, username: str, secret: str, *, at: float | None = None):
    """Sign in through the two pages; returns the final response."""
    page = client.get("/staff/sign-in")
    response = client.post(
        "/staff/sign-in",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf(page.text)},
    )
    assert response.status_code == 302, response.text
    page = client.get(response.headers["Location"])
    code = pyotp.TOTP(secret).at(at) if at is not None else pyotp.TOTP(secret).now()
    return client.post("/staff/sign-in/code", data={"code": code, "csrf_token": csrf(page.text)})


def submit(
    parts,
    *,
    kind="complaint",
    service="home-care",
    received=None,
    language="en",
    name="Alys Example",
    email="alys@example.com",
    preferred_contact="post",
    **extra,
) -> str:
    """Store a submission as the public form would; return its reference. ``preferred_contact``:
    how the person chose to be contacted (``post``, ``email``, ``phone``)."""
    columns = parts.contract.columns("submissions")
    row = {c: "" for c in columns if c not in ("crc", "ref")}
    row.update(
        idempotency_key=secrets.token_urlsafe(24),
        received=(received or datetime.now(UTC)).isoformat(timespec="seconds"),
        kind=kind,
        variant="standard",
        language=language,
        channel="online",
        procedure=parts.procedure.code,
        service=service,
        details="The evening visit was four hours late and my father missed his medication.",
        anonymous="false",
    )
    row.update(extra)
    personal = {c: "" for c in parts.contract.columns("personal") if c not in ("crc", "ref")}
    personal.update(
        name=name,
        email=email,
        address="1 Mill Lane\nExampleton",
        postcode="EX1 2AB",
        preferred_contact=preferred_contact,
    )
    ref, _ = parts.store.commit_submission(
        idempotency_key=row["idempotency_key"], submission=row, personal=personal
    )
    return ref


def add_events(parts, ref, actor, *specs):
    """Append events given as (type, {field: value}) pairs."""
    rows = [event(ref, actor, type_, **values) for type_, values in specs]
    record(parts.store, parts.contract, rows)
    return rows
