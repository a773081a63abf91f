"""The audit log in PostgreSQL: one hash chain written by several processes (as several app
servers would), that still shows an edited, removed or inserted entry, against a real server."""

from __future__ import annotations

import multiprocessing
import threading

import psycopg
import pytest

from forms_app.records import audit


@pytest.fixture
def shared_audit(postgres_url, tmp_path):
    """Two data directories (two app servers) whose audit log is the one database."""
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder in folders:
        audit.use_database(folder, postgres_url)
    yield folders
    for folder in folders:
        audit.use_database(folder, "")


def _write(folder, prefix: str, count: int) -> None:
    def run(thread: int) -> None:
        for number in range(count):
            audit.record(
                folder,
                actor=f"{prefix}-{thread}",
                action="case.view",
                ref="AB12-CD34",
                fields=["details"],
                detail=f"entry {number}",
            )

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _child(folder, url, prefix) -> None:
    audit.use_database(folder, url)
    _write(folder, prefix, 20)


def test_postgres_audit_chain_verifies_across_servers_writing_at_once(shared_audit, postgres_url):
    context = multiprocessing.get_context("fork")
    children = [
        context.Process(target=_child, args=(folder, postgres_url, f"server{n}"))
        for n, folder in enumerate(shared_audit)
    ]
    for child in children:
        child.start()
    _write(shared_audit[0], "parent", 10)
    for child in children:
        child.join(60)
    assert [child.exitcode for child in children] == [0, 0]
    for folder in shared_audit:
        report = audit.verify(folder)
        assert report.ok, report.problem
        assert report.entries == 2 * 2 * 20 + 2 * 10
    actors = {entry["actor"] for entry in audit.last_entries(shared_audit[1], 200)}
    assert {"server0-0", "server0-1", "server1-0", "server1-1", "parent-0"} <= actors
    assert not any(folder.exists() for folder in shared_audit), "nothing is written to files"


def test_postgres_audit_shows_an_edited_entry(shared_audit, postgres_url):
    _write(shared_audit[0], "amara", 3)
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(
            "UPDATE feedback_audit SET line = replace(line, 'case.view', 'case.edit') "
            "WHERE position = 3"
        )
    report = audit.verify(shared_audit[1])
    assert not report.ok and report.problem.startswith("line 3")


def test_postgres_audit_shows_entries_removed_from_the_end(shared_audit, postgres_url):
    _write(shared_audit[0], "amara", 3)
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("DELETE FROM feedback_audit WHERE position = 6")
    report = audit.verify(shared_audit[0])
    assert not report.ok and "removed or added" in report.problem


def test_postgres_audit_shows_an_entry_removed_from_the_middle(shared_audit, postgres_url):
    _write(shared_audit[0], "amara", 3)
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("DELETE FROM feedback_audit WHERE position = 2")
    report = audit.verify(shared_audit[0])
    assert not report.ok and "line 2" in report.problem


def test_postgres_audit_gives_a_case_its_entries_and_refuses_personal_values(shared_audit):
    audit.record(shared_audit[0], actor="dylan", action="case.view", ref="AB12-CD34")
    audit.record(shared_audit[1], actor="dylan", action="case.view", ref="ZZ99-YY88")
    found = audit.entries_for(shared_audit[1], {"AB12-CD34"})
    assert [entry["ref"] for entry in found] == ["AB12-CD34"]
    with pytest.raises(ValueError):
        audit.record(shared_audit[0], actor="dylan", action="x", detail="07700 900123")
    assert audit.verify(shared_audit[0]).entries == 2


def test_postgres_audit_unreachable_database_is_an_audit_error(tmp_path):
    audit.use_database(tmp_path, "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1")
    try:
        with pytest.raises(audit.AuditError):
            audit.record(tmp_path, actor="dylan", action="case.view")
    finally:
        audit.use_database(tmp_path, "")
