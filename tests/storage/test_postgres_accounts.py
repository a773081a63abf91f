"""Staff accounts and the sign-in throttle in PostgreSQL: made on one app server, signed in on
another, changes from both at once all kept, guesses counted on every server together (against
a real server)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from forms_app.accounts.throttle import Limits, SignInThrottle
from forms_app.accounts.users import MAX_FAILURES, UserBook, use_document
from forms_app.storage.postgres.accounts import DocumentTable

PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def books(postgres_url, tmp_path):
    """Two app servers' data directories, whose accounts are the one database's."""
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder in folders:
        use_document(folder, lambda: DocumentTable(postgres_url, "users"))
    yield [UserBook(folder) for folder in folders]
    for folder in folders:
        use_document(folder, None)


def test_postgres_accounts_made_on_one_server_sign_in_on_the_other(books, tmp_path):
    one, other = books
    one.add("amara.okafor", name="Amara Okafor", password=PASSWORD, roles=["officer"])
    now = datetime.now(UTC)
    user, why = other.attempt_password("amara.okafor", PASSWORD, now)
    assert user is not None and why == "" and user.roles == ["officer"]
    one.update("amara.okafor", disabled=True)
    assert other.attempt_password("amara.okafor", PASSWORD, now) == (None, "disabled")
    assert [u.username for u in other.all()] == ["amara.okafor"]
    assert not list(tmp_path.rglob("users.json")), "no accounts file in a data directory"


def test_postgres_accounts_back_off_counts_guesses_on_every_server(books):
    one, other = books
    one.add("dylan.pugh", name="Dylan Pugh", password=PASSWORD, roles=["admin"])
    now = datetime.now(UTC)
    results = []

    def guess(book) -> None:
        results.append(book.attempt_password("dylan.pugh", "wrong password guess", now)[1])

    threads = [threading.Thread(target=guess, args=(books[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("password") == MAX_FAILURES and results.count("locked") == 3
    assert other.attempt_password("dylan.pugh", PASSWORD, now) == (None, "locked")
    assert one.get("dylan.pugh").failures == MAX_FAILURES


def test_postgres_accounts_changes_from_both_servers_at_once_are_all_kept(books):
    one, other = books

    def add(book, prefix: str) -> None:
        for number in range(5):
            book.add(f"{prefix}{number}", name="Staff", password=PASSWORD, roles=["officer"])

    threads = [threading.Thread(target=add, args=(b, p)) for b, p in zip(books, "xy", strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(one.all()) == len(other.all()) == 10


def test_postgres_sign_in_throttle_counts_one_address_across_servers(postgres_url, tmp_path):
    limits = Limits(address_limit=10, address_seconds=900, overall_limit=100)
    servers = [
        SignInThrottle(tmp_path / name, limits, document=DocumentTable(postgres_url, "throttle"))
        for name in "ab"
    ]
    now = 1_000_000.0
    waits = []

    def attempt(throttle) -> None:
        for _ in range(6):
            waits.append(throttle.admit("2001:db8::7", now=now))

    threads = [threading.Thread(target=attempt, args=(server,)) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert waits.count(0) == 10 and all(wait > 0 for wait in waits if wait), waits
    assert servers[0].count("2001:db8::99", now) == 12, "the /64 is counted as one network"
    servers[1].trust("amara.okafor", "198.51.100.7", now)
    assert servers[0].trusted("amara.okafor", "198.51.100.7", now + 10)
    assert not list(tmp_path.rglob("sign_in_throttle.json")), "nothing in a data directory"
