"""``feedback export``: staff exports that are safe in Excel (reliability plan S7, F2 in part,
gotchas 16, 29 and 30), with case state folded from events.

Oracles: the ``csv`` module and openpyxl read the exports back; the data package's bytes are
hashed before and after, since neutralising must never reach the store.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from forms_app.cli.group import main
from forms_app.organisation.settings import EXAMPLE_SETTINGS, load_settings
from forms_app.records import audit
from forms_app.records.exporting import FORMULA_TRIGGERS, ExportFilter, export_cases, neutralise
from forms_app.storage.records import normalise_newlines
from forms_app.web.parts import Parts
from tests.fixtures.legacy import generate

BOM = b"\xef\xbb\xbf"
WELSH = ["ŵ ŷ Ŵ Ŷ ẁ ẃ ẅ ỳ ý ÿ", "Llanfairpwllgwyngyll", "Siân ap Gruffydd", "Tŷ Gwyn"]
# 60 payloads: every trigger with several bodies, and the quote and separator tricks.
BODIES = ["1+1", 'HYPERLINK("http://example.invalid","x")', "cmd|' /C calc'!A0", "SUM(A1:A9)"]
BODIES += ["44 7700 900123", "5"]
PAYLOADS = [trigger + body for trigger in FORMULA_TRIGGERS for body in BODIES]
PAYLOADS += ['"=1+1', ",=1+1", ";=1+1", "'=1+1", " =1+1", 'a",=1+1,"b']
assert len(PAYLOADS) == 60


def make_parts(data_dir: Path) -> Parts:
    settings = dataclasses.replace(load_settings(EXAMPLE_SETTINGS), data_dir=data_dir)
    parts = Parts.build(settings)
    parts.store.recover()
    return parts


def add_case(parts: Parts, ref: str, received: str, **values) -> str:
    personal = values.pop("personal", None)
    row = {name: "" for name in parts.contract.columns("submissions")}
    for name in ("crc", "ref", "idempotency_key"):
        del row[name]
    row.update(
        received=received,
        kind="complaint",
        variant="standard",
        language="en",
        channel="online",
        procedure="charity-help-and-care",
        service="home-care",
        details="Something went wrong.",
        anonymous="false" if personal else "true",
    )
    row.update(values)
    assert (
        parts.contract.check("submissions", {**row, "ref": ref, "idempotency_key": "k" * 16}) == []
    )
    if personal:
        person = {name: "" for name in parts.contract.columns("personal")}
        del person["crc"], person["ref"]
        personal = {**person, **personal}
    made, _ = parts.store.commit_submission(
        idempotency_key=f"key-{ref}-0000000000",
        submission=row,
        personal=personal,
        make_reference=lambda: ref,
    )
    return made


def add_events(parts: Parts, ref: str, *events: tuple) -> None:
    rows = []
    for number, (at, type_, *rest) in enumerate(events):
        extra = dict(rest[0]) if rest else {}
        row = {name: "" for name in parts.contract.columns("events") if name != "crc"}
        row.update(event_id=f"ev-{ref}-{number:04d}", ref=ref, at=at, actor="officer.a", type=type_)
        row.update(extra)
        rows.append(row)
    parts.store.append_events(rows)


def digest(data_dir: Path) -> dict[str, str]:
    return {
        name: hashlib.sha256((data_dir / name).read_bytes()).hexdigest()
        for name in ("submissions.csv", "personal.csv", "events.csv")
    }


def read_csv_export(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    assert data.startswith(BOM)
    return list(csv.DictReader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline="")))


def read_xlsx_export(path: Path) -> tuple[list[str], list[list], list]:
    sheet = load_workbook(path).active
    cells = [list(row) for row in sheet.iter_rows()]
    return [c.value for c in cells[0]], [[c.value for c in row] for row in cells[1:]], cells


@pytest.fixture
def parts(tmp_path):
    return make_parts(tmp_path / "data")


@pytest.fixture
def payload_cases(parts):
    """One case per payload and per Welsh text, with the text in details, place and name."""
    refs = {}
    symbols = "ACDEFHJKMNPQRTWXY34679"
    for number, text in enumerate(PAYLOADS + WELSH):
        ref = f"{symbols[number // 22]}{symbols[number % 22]}AA-AAAA"
        refs[ref] = text
        add_case(
            parts,
            ref,
            f"2024-05-{1 + number % 28:02d}T10:00:00+01:00",
            details=text,
            service_detail=text[:200],
            personal={"name": text, "email": f"person.{number}@example.com"},
        )
    return refs


def test_neutralise_prefixes_exactly_the_triggers():
    for trigger in FORMULA_TRIGGERS:
        assert neutralise(trigger + "x") == "'" + trigger + "x"
    for safe in ["", "plain", "'=1+1", " =1+1", '"=1+1', "Tŷ Gwyn", "07700 900123", "x=1"]:
        assert neutralise(safe) == safe


def test_csv_export_neutralises_every_trigger_and_keeps_welsh(parts, payload_cases, tmp_path):
    before = digest(parts.settings.data_dir)
    output = tmp_path / "cases.csv"
    result = export_cases(parts, output, actor="officer.a", include_personal=True)
    assert result.cases == len(payload_cases)
    text = output.read_bytes()[len(BOM) :].decode("utf-8")
    assert text.startswith('"Reference","Received",')  # RFC 4180, every cell quoted
    rows = read_csv_export(output)
    neutralised = 0
    for row in rows:
        original = normalise_newlines(payload_cases[row["Reference"]])  # the store keeps LF
        for column in ("Details", "Name"):
            assert row[column] == neutralise(original)
            assert not row[column].startswith(FORMULA_TRIGGERS)
        neutralised += row["Details"] != original
    assert neutralised == 54  # the 6 tricks do not begin with a trigger
    for text in WELSH:
        assert any(row["Details"] == text for row in rows)
    assert digest(parts.settings.data_dir) == before  # the data package is not touched
    stored = {row["ref"]: row for row in parts.store.rows("submissions")}
    for ref, text in payload_cases.items():
        assert stored[ref]["details"] == normalise_newlines(text)


def test_xlsx_export_opens_and_holds_no_formula(parts, payload_cases, tmp_path):
    output = tmp_path / "cases.xlsx"
    export_cases(parts, output, actor="officer.a", fmt="xlsx", include_personal=True)
    headers, rows, cells = read_xlsx_export(output)
    assert all(cell.data_type != "f" for row in cells for cell in row)
    details, name, ref = headers.index("Details"), headers.index("Name"), headers.index("Reference")
    for row in rows:
        original = normalise_newlines(payload_cases[row[ref]])
        assert row[details] == neutralise(original)
        assert row[name] == neutralise(original)
    received = headers.index("Received")
    assert all(isinstance(row[received], datetime) for row in rows)


def test_personal_details_only_with_the_flag_and_then_audited(parts, payload_cases, tmp_path):
    plain = tmp_path / "plain.csv"
    export_cases(parts, plain, actor="officer.a")
    assert "Name" not in read_csv_export(plain)[0]
    assert b"@example.com" not in plain.read_bytes()
    with_personal = tmp_path / "personal.csv"
    export_cases(parts, with_personal, actor="officer.b", include_personal=True)
    assert b"person.0@example.com" in with_personal.read_bytes()
    assert (with_personal.stat().st_mode & 0o777) == 0o600
    entries = [
        json.loads(line)
        for line in (parts.settings.data_dir / audit.LOG_NAME).read_text().splitlines()
    ]
    assert [(e["actor"], e["action"]) for e in entries] == [
        ("officer.a", "export"),
        ("officer.b", "export"),
    ]
    assert entries[0]["fields"] == [] and "personal=no" in entries[0]["detail"]
    assert "name" in entries[1]["fields"] and "email" in entries[1]["fields"]
    assert "personal=yes" in entries[1]["detail"]
    assert "@example.com" not in (parts.settings.data_dir / audit.LOG_NAME).read_text()
    assert audit.verify(parts.settings.data_dir).ok


def test_case_state_is_folded_from_events(parts, tmp_path):
    add_case(parts, "ACDE-FHJK", "2024-04-02T09:30:00+01:00")
    add_events(
        parts,
        "ACDE-FHJK",
        ("2024-04-02T09:30:00+01:00", "stage_entered", {"stage": "stage1"}),
        ("2024-04-03T10:00:00+01:00", "acknowledged"),
        ("2024-04-03T10:01:00+01:00", "theme_added", {"value": "communication"}),
        ("2024-04-03T10:02:00+01:00", "theme_added", {"value": "safety"}),
        ("2024-04-03T10:03:00+01:00", "theme_added", {"value": "quality-of-care"}),
        ("2024-04-04T10:00:00+01:00", "theme_removed", {"value": "safety"}),
        ("2024-04-04T11:00:00+01:00", "assigned", {"value": "officer.b"}),
        ("2024-04-20T10:00:00+01:00", "responded", {"stage": "stage1"}),
        ("2024-04-20T10:00:00+01:00", "outcome_recorded", {"outcome": "not_upheld"}),
        ("2024-05-01T10:00:00+01:00", "stage_entered", {"stage": "stage2"}),
        ("2024-05-02T10:00:00+01:00", "service_changed", {"value": "mental-health"}),
        ("2024-05-19T10:00:00+01:00", "responded", {"stage": "stage2"}),
        ("2024-05-20T10:00:00+01:00", "outcome_recorded", {"outcome": "partially_upheld"}),
        ("2024-05-21T10:00:00+01:00", "closed"),
        ("2024-05-22T10:00:00+01:00", "note", {"note": "called back"}),
    )
    add_case(parts, "ACDE-FHJM", "2024-04-05T09:30:00+01:00", kind="enquiry")
    add_events(parts, "ACDE-FHJM", ("2024-04-06T10:00:00+01:00", "withdrawn"))
    add_case(parts, "ACDE-FHJN", "2024-04-07T09:30:00+01:00")
    add_events(
        parts,
        "ACDE-FHJN",
        ("2024-04-08T10:00:00+01:00", "outcome_recorded", {"outcome": "upheld"}),
        ("2024-04-09T10:00:00+01:00", "closed"),
        ("2024-04-10T10:00:00+01:00", "reopened"),
    )
    output = tmp_path / "state.csv"
    export_cases(parts, output, actor="officer.a")
    first, second, third = read_csv_export(output)
    assert first["Current stage"] == "stage2"
    assert first["Status"] == "closed"
    assert first["Outcome"] == "partially_upheld"
    assert first["Themes"] == "Communication; Quality of care"
    assert first["Service"] == "mental-health" and first["Service name"] == "Mental health services"
    assert first["Handled by"] == "officer.b"
    assert first["Acknowledged"] == "2024-04-03"
    assert first["Responded"] == "2024-05-19"  # the current stage's response
    assert first["Closed"] == "2024-05-21"
    assert first["Received"] == "2024-04-02 09:30"
    assert second["Status"] == "withdrawn" and second["Current stage"] == ""
    assert second["Closed"] == "2024-04-06"
    # Reopened: open again, at its stage, with no outcome and no closing date.
    assert (third["Status"], third["Current stage"], third["Outcome"], third["Closed"]) == (
        "open",
        "stage1",
        "",
        "",
    )


def test_filters_by_period_service_and_stage(parts, tmp_path):
    add_case(parts, "ACDE-FHJK", "2024-03-31T23:30:00+01:00")  # 31 March in the UK
    add_case(parts, "ACDE-FHJM", "2024-04-01T00:30:00+01:00", service="mental-health")
    add_case(parts, "ACDE-FHJN", "2025-03-31T12:00:00+01:00")
    add_events(
        parts, "ACDE-FHJN", ("2025-04-01T10:00:00+01:00", "stage_entered", {"stage": "stage2"})
    )

    def refs(**selection) -> list[str]:
        output = tmp_path / "filtered.csv"
        export_cases(parts, output, actor="officer.a", selection=ExportFilter(**selection))
        return [row["Reference"] for row in read_csv_export(output)]

    assert refs() == ["ACDE-FHJK", "ACDE-FHJM", "ACDE-FHJN"]
    year = {"start": date(2024, 4, 1), "end": date(2025, 3, 31)}
    assert refs(**year) == ["ACDE-FHJM", "ACDE-FHJN"]
    assert refs(**year, service="home-care") == ["ACDE-FHJN"]
    assert refs(stage="stage2") == ["ACDE-FHJN"]
    assert refs(end=date(2024, 3, 31)) == ["ACDE-FHJK"]


def cli(data_dir: Path, *args):
    env = {
        "FORMS_APP_DATA_DIR": str(data_dir),
        "FORMS_APP_SETTINGS": str(EXAMPLE_SETTINGS),
        "FEEDBACK_ACTOR": "officer.cli",
    }
    return CliRunner().invoke(main, list(map(str, args)), env=env, catch_exceptions=False)


def test_imported_legacy_text_is_neutralised_only_in_the_export(tmp_path):
    rows = generate.legacy_rows(count=40, seed=3)
    source = generate.write_csv(tmp_path / "legacy.csv", rows)
    data_dir = tmp_path / "data"
    result = cli(data_dir, "import", source, "--mapping", generate.MAPPING)
    assert result.exit_code == 0, result.output
    before = digest(data_dir)
    csv_out, xlsx_out = tmp_path / "out.csv", tmp_path / "out.xlsx"
    assert cli(data_dir, "export", "--output", csv_out).exit_code == 0
    result = cli(data_dir, "export", "--output", xlsx_out, "--include-personal")
    assert result.exit_code == 0, result.output
    assert "recorded in the audit log" in result.output
    assert digest(data_dir) == before
    assert csv_out.read_bytes().startswith(BOM)
    exported = {row["Reference"]: row for row in read_csv_export(csv_out)}
    headers, xlsx_rows, _cells = read_xlsx_export(xlsx_out)
    in_xlsx = {row[0]: dict(zip(headers, row, strict=True)) for row in xlsx_rows}
    for source_row in rows[: len(generate.FORMULA_LIKE) + 1]:
        text, ref = source_row["Summary"], source_row["Case Ref"]
        assert exported[ref]["Details"] == neutralise(text)
        assert in_xlsx[ref]["Details"] == neutralise(text)
    assert exported[rows[len(generate.FORMULA_LIKE)]["Case Ref"]]["Details"] == generate.WELSH
    stored = (data_dir / "submissions.csv").read_text("utf-8")
    assert generate.FORMULA_LIKE[0].replace('"', '""') in stored and "'=HYPERLINK" not in stored
    actions = [
        json.loads(line)["action"] for line in (data_dir / audit.LOG_NAME).read_text().splitlines()
    ]
    assert actions == ["import", "export", "export"]


def test_the_command_checks_its_options(tmp_path):
    data_dir = tmp_path / "data"
    result = cli(data_dir, "export", "--stage", "stage9", "--output", tmp_path / "x.csv")
    assert result.exit_code == 2 and "stage1, stage2, appeal" in result.output
    result = cli(data_dir, "export", "--service", "parking", "--output", tmp_path / "x.csv")
    assert result.exit_code == 2 and "home-care" in result.output
    result = cli(
        data_dir, "export", "--from", "2025-01-02", "--to", "2025-01-01", "--output", tmp_path / "x"
    )
    assert result.exit_code == 2
    assert not (tmp_path / "x.csv").exists()
    result = cli(data_dir, "export", "--output", tmp_path / "empty.xlsx")
    assert result.exit_code == 0 and "wrote 0 case(s)" in result.output
    assert load_workbook(tmp_path / "empty.xlsx").active.max_row == 1
