"""Demo staff accounts, so someone trying the service can sign in to the staff pages.

Made only by ``feedback demo-data`` into a data directory with no accounts, and marked by a
``.demo`` file there; ``feedback demo-code`` prints a current second-factor code for them and
refuses anywhere else. Never use them for real data.
"""

from __future__ import annotations

from pathlib import Path

import pyotp

from forms_app.accounts.users import UserBook

DEMO_PASSWORD = "demo-only-not-for-real-data"
MARKER = ".demo"
ACCOUNTS = (
    ("demo.officer", "Alys Bowen (demo officer)", ["officer"]),
    ("demo.manager", "Rhodri Evans (demo manager)", ["manager", "publisher", "admin"]),
    ("demo.safeguarding", "Priya Ashdown (demo safeguarding lead)", ["safeguarding_lead"]),
)


def make_demo_staff(data_dir: Path, service_codes: list[str]) -> list[str]:
    """Create the demo accounts if the data directory has no accounts; return their names."""
    book = UserBook(data_dir)
    if book.all():
        return []
    for username, name, roles in ACCOUNTS:
        services = service_codes if "officer" in roles else []
        book.add(username, name=name, password=DEMO_PASSWORD, roles=roles, services=services)
    (data_dir / MARKER).write_text("demo data: never use these accounts for real data\n")
    return [username for username, _name, _roles in ACCOUNTS]


def demo_code(data_dir: Path, username: str) -> str:
    """The current second-factor code of a demo account."""
    if not (data_dir / MARKER).exists() or username not in {a[0] for a in ACCOUNTS}:
        raise PermissionError("codes are only shown for the demo accounts of demo data")
    user = UserBook(data_dir).get(username)
    if user is None:
        raise PermissionError(f"there is no demo account called {username}")
    return pyotp.TOTP(user.totp_secret).now()
