"""``feedback records``: retention purge, subject access, erasure, refusal, restriction and legal
hold (reliability plan G1 to G3, gotchas 34 and 35), on a real data directory.

Oracles: a byte scanner over every file in the data directory (the plan's P3 scanner) for the
person's name, email and phone; ``frictionless`` validation of the package; ``audit.verify``;
the export read back with the ``csv`` module.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import random
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from forms_app.casework import flags
from forms_app.cli.group import main
from forms_app.organisation.settings import EXAMPLE_SETTINGS, load_settings
from forms_app.records import audit
from forms_app.records.exporting import export_cases
from forms_app.records.retention.erasure import (
    RecordsError,
    erase,
    hold,
    refuse,
    release,
    restrict,
    scan_for_tokens,
    unrestrict,
)
from forms_app.records.retention.purge import purge
from forms_app.records.retention.reach import outbox_file
from forms_app.records.retention.rewrite import finish_pending, intent_path
from forms_app.records.retention.subject_access import due_date, subject_access
from forms_app.storage.package_check import validate_package
from forms_app.web.parts import Parts

NOW = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)


def make_parts(data_dir: Path, **raw) -> Parts:
    settings = load_settings(EXAMPLE_SETTINGS)
    settings = dataclasses.replace(settings, data_dir=data_dir, raw={**settings.raw, **raw})
    parts = Parts.build(settings)
    parts.store.recover()
    return parts


def person(number: int) -> dict[str, str]:
    return {
        "name": f"Testperson Zq{number:04d}x",
        "email": f"zq{number:04d}.person@example.org",
        "phone": f"07700 9{number:05d}",
    }


def add_case(parts: Parts, number: int, received: datetime, details: str = "") -> str:
    row = {name: "" for name in parts.contract.columns("submissions")}
    for name in ("crc", "ref", "idempotency_key"):
        del row[name]
    row.update(
        received=received.isoformat(timespec="seconds"),
        kind="complaint",
        variant="standard",
        language="en",
        channel="online",
        procedure="charity-help-and-care",
        service="home-care",
        details=details or f"Case number {number}: the visits were late.",
        anonymous="false",
    )
    personal = {name: "" for name in parts.contract.columns("personal")}
    del personal["crc"], personal["ref"]
    personal.update(person(number))
    ref, _ = parts.store.commit_submission(
        idempotency_key=f"key-{number:06d}-abcdefghijkl", submission=row, personal=personal
    )
    return ref


def add_event(parts: Parts, ref: str, at: datetime, type_: str, **values) -> None:
    row = {name: "" for name in parts.contract.columns("events") if name != "crc"}
    row.update(
        event_id=f"ev-{ref}-{random.randrange(10**9):09d}",
        ref=ref,
        at=at.isoformat(timespec="seconds"),
        actor="officer.a",
        type=type_,
        **values,
    )
    parts.store.append_events([row])


def add_letter(data_dir: Path, ref: str, who: dict) -> None:
    folder = data_dir / "letters" / ref
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "L0000001.md").write_text(f"Dear {who['name']},\n\nThank you.\n", "utf-8")
    (folder / "L0000001.json").write_text(json.dumps({"ref": ref, "address": [who["name"]]}))


def add_draft(data_dir: Path, number: int, key: str, who: dict) -> Path:
    folder = data_dir / "drafts"
    folder.mkdir(exist_ok=True)
    path = folder / f"{'d' * 30}{number:06d}.json"
    answers = {"name": who["name"], "email": who["email"]}
    path.write_text(json.dumps({"journeys": {"complaint": {"answers": answers, "key": key}}}))
    return path


def add_outbox(data_dir: Path, refs_people: list[tuple[str, dict]]) -> None:
    from forms_app.sheets.outbox import Outbox

    outbox = Outbox(outbox_file(data_dir))
    try:
        outbox.enqueue("Intake", [(ref, 1.0, None) for ref, _ in refs_people])
        outbox.mark_maybe("Intake", [ref for ref, _ in refs_people], "b1")
        outbox.mark_sent("Intake", "b1", 2.0)
        outbox.enqueue(
            "Problems",
            [
                (f"p-{ref}", 1.0, json.dumps({"ref": ref, "row": [ref, who["name"]]}))
                for ref, who in refs_people
            ],
        )
        outbox.set_editable({ref: {"Notes": f"rang {who['phone']}"} for ref, who in refs_people})
    finally:
        outbox.close()


def tokens(who: dict) -> list[str]:
    return [who["name"], who["email"], who["phone"]]


def audit_entries(data_dir: Path) -> list[dict]:
    path = data_dir / audit.LOG_NAME
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def assert_package_sound(parts: Parts) -> None:
    report = validate_package(parts.settings.data_dir)
    assert report.valid, report.lines
    assert audit.verify(parts.settings.data_dir).ok


# -- G1: retention purge --------------------------------------------------------------------


def test_purge_removes_exactly_the_expired_cases(data_dir):
    parts = make_parts(data_dir, retention={"years": 10})
    cutoff = date(2020, 6, 15)  # NOW minus 10 years
    rng = random.Random(7)
    expect_purged, expect_kept, people = set(), set(), {}
    for number in range(300):
        received = datetime(2018, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(200))
        ref = add_case(parts, number, received)
        people[ref] = person(number)
        shape = number % 6
        # closure dates within a few days either side of the threshold
        closed = datetime.combine(cutoff, datetime.min.time(), UTC) + timedelta(
            days=rng.randrange(-3, 4), hours=12
        )
        if shape == 0:  # still open
            expect_kept.add(ref)
            continue
        add_event(parts, ref, closed, "closed")
        if shape == 1:  # expired but under legal hold
            add_event(parts, ref, closed, "flag_set", value=flags.LEGAL_HOLD, note="claim")
            expect_kept.add(ref)
        elif shape == 2:  # closed, then reopened: open again
            add_event(parts, ref, closed + timedelta(days=1), "reopened")
            expect_kept.add(ref)
        elif shape == 3:  # hold set then released: purged like any other
            add_event(parts, ref, closed, "flag_set", value=flags.LEGAL_HOLD, note="claim")
            add_event(parts, ref, closed, "flag_cleared", value=flags.LEGAL_HOLD)
            (expect_purged if closed.date() < cutoff else expect_kept).add(ref)
        else:
            (expect_purged if closed.date() < cutoff else expect_kept).add(ref)
        add_letter(data_dir, ref, people[ref])
        key = next(r for r in parts.store.rows("submissions") if r["ref"] == ref)["idempotency_key"]
        add_draft(data_dir, number, key, people[ref])
    add_outbox(data_dir, list(people.items()))
    assert expect_purged and expect_kept

    dry = purge(parts, actor="officer.a", now=NOW, dry_run=True)
    assert set(dry.expired) == expect_purged
    assert len(list(parts.store.rows("submissions"))) == 300

    before = len(audit_entries(data_dir))
    result = purge(parts, actor="officer.a", now=NOW)
    assert set(result.expired) == expect_purged
    assert set(result.held) <= expect_kept
    remaining = {row["ref"] for row in parts.store.rows("submissions")}
    assert remaining == expect_kept  # 0 open, held or recent cases removed
    for table in ("personal", "events"):
        assert {row["ref"] for row in parts.store.rows(table)} <= expect_kept
    assert result.removed["letters"] == 2 * len(expect_purged)
    assert set(result.removed["sheet_rows_to_delete"]) == expect_purged
    # one audit entry per purge, with no references or values in it
    entries = audit_entries(data_dir)[before:]
    assert [e["action"] for e in entries] == ["records.purge"]
    # P3 scanner: 0 tokens of purged people anywhere in the data dir (CSV, letters, drafts,
    # outbox and its WAL); the kept people are still there
    purged_tokens = [t for ref in expect_purged for t in tokens(people[ref])]
    assert scan_for_tokens(data_dir, purged_tokens) == []
    kept = sorted(expect_kept)[0]
    assert scan_for_tokens(data_dir, [people[kept]["email"]])
    assert parts.store.find(kept) is not None
    assert_package_sound(parts)
    print(f"G1: purged {len(expect_purged)}/{len(expect_purged)}, kept {len(expect_kept)}")


def test_retention_years_is_configurable(data_dir):
    parts = make_parts(data_dir, retention={"years": 3})
    ref = add_case(parts, 1, datetime(2025, 1, 1, tzinfo=UTC))
    add_event(parts, ref, datetime(2027, 6, 1, tzinfo=UTC), "closed")
    assert purge(parts, actor="officer.a", now=NOW, dry_run=True).expired == [ref]
    assert purge(parts, actor="officer.a", now=NOW, years=10, dry_run=True).expired == []
    with pytest.raises(ValueError):
        purge(make_parts(data_dir, retention={"years": 0}), actor="a", now=NOW)


# -- G3: erasure, refusal, restriction ------------------------------------------------------


def test_erasure_leaves_no_residual_tokens(data_dir):
    parts = make_parts(data_dir)
    received = datetime(2029, 1, 1, tzinfo=UTC)
    refs = [add_case(parts, number, received) for number in range(40)]
    target, who = refs[7], person(7)
    add_event(parts, target, received, "note", note=f"Called {who['name']} back")
    for number, ref in enumerate(refs):
        add_letter(data_dir, ref, person(number))
    key = next(r for r in parts.store.rows("submissions") if r["ref"] == target)["idempotency_key"]
    add_draft(data_dir, 7, key, who)
    add_draft(data_dir, 900, "unrelated-key-000000", who)  # a new draft by the same person
    add_outbox(data_dir, [(ref, person(n)) for n, ref in enumerate(refs)])
    assert len(scan_for_tokens(data_dir, tokens(who))) >= 6

    with pytest.raises(RecordsError):
        erase(parts, target, "because", actor="officer.a")
    result = erase(parts, target, "malicious_allegation", actor="officer.a")

    assert result.removed["submissions"] == result.removed["personal"] == 1
    assert result.removed["events"] == 1 and result.removed["drafts"] == 2
    assert result.residual == []
    found = scan_for_tokens(data_dir, tokens(who))
    assert found == [], found  # gotcha 35, plan G3: 0 residual tokens
    assert parts.store.find(target) is None
    others = {row["ref"] for row in parts.store.rows("submissions")}
    assert others == set(refs) - {target}
    assert scan_for_tokens(data_dir, tokens(person(8)))  # the others are untouched
    entry = audit_entries(data_dir)[-1]
    assert entry["action"] == "records.erase" and entry["ref"] == target
    assert "malicious_allegation" in entry["detail"]
    assert_package_sound(parts)
    print(f"G3: residual tokens after erasure: {len(found)}")


def test_erasure_is_refused_under_legal_hold(data_dir):
    parts = make_parts(data_dir)
    ref = add_case(parts, 1, datetime(2029, 1, 1, tzinfo=UTC))
    assert hold(parts, ref, "claim reference on file", actor="officer.a")
    with pytest.raises(RecordsError):
        erase(parts, ref, "error", actor="officer.a")
    assert release(parts, ref, actor="officer.a")
    erase(parts, ref, "error", actor="officer.a")
    assert parts.store.find(ref) is None
    assert [e["action"] for e in audit_entries(data_dir)] == [
        "records.hold",
        "records.release",
        "records.erase",
    ]


def test_every_refusal_carries_a_reason_code(data_dir):
    parts = make_parts(data_dir)
    refs = [add_case(parts, n, datetime(2029, 1, 1, tzinfo=UTC)) for n in range(20)]
    reasons = sorted(flags.REFUSAL_REASONS)
    for number, ref in enumerate(refs):
        refuse(parts, ref, reasons[number % len(reasons)], actor="officer.a")
    for bad in ("", "no", "Legal_Obligation"):
        with pytest.raises(RecordsError):
            refuse(parts, refs[0], bad, actor="officer.a")
    refusals = [e for e in parts.store.rows("events") if e["value"] == "erasure_refused"]
    assert len(refusals) == 20
    assert all(e["note"] in flags.REFUSAL_REASONS for e in refusals)  # 100 %
    logged = [e for e in audit_entries(data_dir) if e["action"] == "records.refuse_erasure"]
    assert len(logged) == 20
    assert all(e["detail"].removeprefix("reason=") in flags.REFUSAL_REASONS for e in logged)
    assert_package_sound(parts)


def test_restriction_blocks_export(data_dir, tmp_path):
    parts = make_parts(data_dir)
    refs = [add_case(parts, n, datetime(2029, 1, 1, tzinfo=UTC)) for n in range(10)]
    with pytest.raises(RecordsError):
        restrict(parts, refs[3], "because", actor="officer.a")
    assert restrict(parts, refs[3], "accuracy_contested", actor="officer.a")
    assert not restrict(parts, refs[3], "accuracy_contested", actor="officer.a")

    def exported() -> set[str]:
        out = tmp_path / "export.csv"
        export_cases(parts, out, actor="officer.a", include_personal=True)
        with open(out, encoding="utf-8-sig", newline="") as handle:
            return {row[0] for row in list(csv.reader(handle))[1:]}

    assert exported() == set(refs) - {refs[3]}
    assert person(3)["email"] not in (tmp_path / "export.csv").read_text("utf-8-sig")
    assert unrestrict(parts, refs[3], actor="officer.a")
    assert exported() == set(refs)
    assert_package_sound(parts)


# -- D8: a crash in the middle of a rewrite ---------------------------------------------------


def test_crash_in_rewrite_leaves_the_old_complete_file(data_dir, monkeypatch):
    parts = make_parts(data_dir)
    refs = [add_case(parts, n, datetime(2029, 1, 1, tzinfo=UTC)) for n in range(30)]
    names = ("submissions.csv", "personal.csv", "events.csv")
    before = {name: (data_dir / name).read_bytes() for name in names}

    def crash(*_args, **_kwargs):
        raise OSError(5, "simulated crash at rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        erase(parts, refs[4], "error", actor="officer.a")
    monkeypatch.undo()
    assert {name: (data_dir / name).read_bytes() for name in names} == before
    assert not list(data_dir.glob(".*.rewrite"))  # no temporary copy of personal data left
    assert intent_path(data_dir).exists()
    assert parts.store.find(refs[4]) is not None

    # the next records operation finishes it; nothing else is touched
    done = finish_pending(parts.store)
    assert done["refs"] == [refs[4]] and done["submissions"] == 1
    assert not intent_path(data_dir).exists()
    assert parts.store.find(refs[4]) is None
    assert {r["ref"] for r in parts.store.rows("submissions")} == set(refs) - {refs[4]}
    assert_package_sound(parts)


def test_other_processes_see_a_rewritten_file(data_dir):
    """A second Store (another worker) with a warm index notices the replaced file."""
    parts = make_parts(data_dir)
    refs = [add_case(parts, n, datetime(2029, 1, 1, tzinfo=UTC)) for n in range(12)]
    other = make_parts(data_dir).store
    assert other.find(refs[11]) is not None
    before = (data_dir / "submissions.csv").read_bytes().splitlines(keepends=True)
    erase(parts, refs[2], "error", actor="officer.a")
    # the rows kept are byte for byte as they were
    after = (data_dir / "submissions.csv").read_bytes().splitlines(keepends=True)
    assert after == [line for line in before if refs[2].encode() not in line]
    assert other.find(refs[2]) is None
    assert other.find(refs[11])["ref"] == refs[11]
    new = add_case(parts, 500, datetime(2029, 2, 1, tzinfo=UTC))
    assert other.find(new) is not None


# -- G2: subject access -----------------------------------------------------------------------


def test_subject_access_finds_everything_and_nothing_else(data_dir, tmp_path):
    parts = make_parts(data_dir)
    received = datetime(2029, 1, 1, tzinfo=UTC)
    refs = [add_case(parts, n, received) for n in range(60)]
    who = person(5)
    # the same person's second case, given with different capitals and phone spacing
    second = add_case(parts, 5, received)
    mine = {refs[5], second}
    add_event(parts, refs[5], received, "closed")
    add_letter(data_dir, refs[5], who)
    add_outbox(data_dir, [(refs[5], who), (refs[6], person(6))])
    result = subject_access(
        parts,
        tmp_path / "sar.zip",
        actor="officer.a",
        email=who["email"].upper(),
        now=NOW,
    )
    assert set(result.refs) == mine
    with zipfile.ZipFile(tmp_path / "sar.zip") as archive:
        names = set(archive.namelist())
        document = json.loads(archive.read("records.json"))
        cover = archive.read("cover-note.txt").decode()
        everything = b"".join(archive.read(name) for name in names).decode("utf-8", "replace")
    assert {"records.json", "cover-note.txt", "submissions.csv", "personal.csv"} <= names
    assert f"letters/{refs[5]}/L0000001.md" in names
    assert {case["ref"] for case in document["cases"]} == mine
    first = next(case for case in document["cases"] if case["ref"] == refs[5])
    assert first["personal"][0]["email"] == who["email"]
    assert len(first["events"]) == 1 and first["sheet_outbox"]
    assert first["submission"]["details"].startswith("Case number 5")
    for n in (4, 6, 59):  # 0 records of others
        assert person(n)["email"] not in everything and person(n)["name"] not in everything
    assert "due by 2030-07-15" in cover
    by_phone = subject_access(
        parts, tmp_path / "sar-phone", actor="officer.a", phone="+44 7700 900005", now=NOW
    )
    assert set(by_phone.refs) == mine and (tmp_path / "sar-phone" / "records.json").exists()
    access = [e for e in audit_entries(data_dir) if e["action"] == "records.subject_access"]
    assert {e["ref"] for e in access} == mine
    assert all(who["email"] not in json.dumps(e) for e in access)
    assert audit.verify(data_dir).ok


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2025, 1, 31), date(2025, 2, 28)),
        (date(2024, 1, 31), date(2024, 2, 29)),
        (date(2024, 1, 30), date(2024, 2, 29)),
        (date(2025, 3, 31), date(2025, 4, 30)),
        (date(2025, 12, 15), date(2026, 1, 15)),
        (date(2025, 12, 31), date(2026, 1, 31)),  # a Saturday... moves on
        (date(2025, 5, 15), date(2025, 6, 16)),  # 15 June 2025 is a Sunday
        (date(2025, 2, 28), date(2025, 3, 28)),
        (date(2025, 8, 31), date(2025, 9, 30)),
        (date(2025, 10, 4), date(2025, 11, 4)),
        (date(2025, 7, 5), date(2025, 8, 5)),
        (date(2025, 11, 30), date(2025, 12, 30)),
    ],
)
def test_subject_access_due_date(received, due):
    # weekends only here; the service passes its working calendar (bank holidays too)
    expected = due
    while expected.weekday() >= 5:
        expected += timedelta(days=1)
    assert due_date(received) == expected


def test_due_date_skips_bank_holidays():
    holidays = {date(2025, 12, 25), date(2025, 12, 26)}
    working = lambda d: d.weekday() < 5 and d not in holidays  # noqa: E731
    assert due_date(date(2025, 11, 25), working) == date(2025, 12, 29)


# -- the command line -------------------------------------------------------------------------


def test_records_commands(data_dir, tmp_path):
    parts = make_parts(data_dir)
    ref = add_case(parts, 1, datetime(2010, 1, 1, tzinfo=UTC))
    add_event(parts, ref, datetime(2011, 1, 1, tzinfo=UTC), "closed")
    env = {
        "FORMS_APP_DATA_DIR": str(data_dir),
        "FORMS_APP_SETTINGS": str(EXAMPLE_SETTINGS),
        "FEEDBACK_ACTOR": "officer.cli",
    }

    def cli(*args):
        return CliRunner().invoke(main, ["records", *args], env=env, catch_exceptions=False)

    assert cli("hold", "--ref", ref, "--reason", "ombudsman case").exit_code == 0
    assert "0 cases" in cli("purge", "--dry-run").output
    assert cli("release", "--ref", ref).exit_code == 0
    out = cli("purge", "--dry-run").output
    assert "would purge 1 cases" in out and ref in out
    assert cli("refuse", "--ref", ref, "--reason", "nonsense").exit_code != 0
    assert cli("refuse", "--ref", ref, "--reason", "legal_obligation").exit_code == 0
    assert cli("restrict", "--ref", ref, "--reason", "legal_claims").exit_code == 0
    assert cli("access", "--ref", ref, "--output", tmp_path / "out").exit_code == 0
    assert (tmp_path / "out" / "cover-note.txt").exists()
    assert "purged 1 cases" in cli("purge").output
    assert cli("erase", "--ref", ref, "--reason", "error").exit_code != 0  # gone already
    assert audit.verify(data_dir).ok
    assert {e["actor"] for e in audit_entries(data_dir)} == {"officer.cli"}
