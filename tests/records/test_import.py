"""``feedback import``: a synthetic legacy export of 1,200 cases over three years, imported whole.

The source is ``tests/fixtures/legacy/generate.py`` (seeded; invented people only) with the
mapping beside it. Oracles are independent of the importer where it matters: the ``csv`` module
reads the legacy file and the stored tables, frictionless validates the data directory, and the
audit verifier checks the log.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import re
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from forms_app.cli.group import main
from forms_app.organisation.settings import EXAMPLE_SETTINGS, load_settings
from forms_app.records import audit
from forms_app.storage.package_check import validate_package
from forms_app.web.parts import Parts
from tests.fixtures.legacy import generate

LONDON = ZoneInfo("Europe/London")
TABLES = ("submissions.csv", "personal.csv", "events.csv")


def feedback(data_dir: Path, *args: str):
    """Run the ``feedback`` command on a data directory, as a person would."""
    env = {
        "FORMS_APP_DATA_DIR": str(data_dir),
        "FORMS_APP_SETTINGS": str(EXAMPLE_SETTINGS),
        "FEEDBACK_ACTOR": "officer.test",
    }
    return CliRunner().invoke(main, list(map(str, args)), env=env, catch_exceptions=False)


def make_parts(data_dir: Path) -> Parts:
    settings = dataclasses.replace(load_settings(EXAMPLE_SETTINGS), data_dir=data_dir)
    parts = Parts.build(settings)
    parts.store.recover()
    return parts


def read_table(data_dir: Path, name: str) -> list[dict[str, str]]:
    with open(data_dir / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def digest(data_dir: Path) -> dict[str, str]:
    return {
        name: hashlib.sha256((data_dir / name).read_bytes()).hexdigest()
        for name in TABLES
        if (data_dir / name).exists()
    }


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([header, *rows])
    return path


@pytest.fixture(scope="module")
def legacy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("legacy")
    rows = generate.legacy_rows()
    csv_path = generate.write_csv(folder / "legacy.csv", rows)
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    return {
        "folder": folder,
        "rows": rows,
        "csv": csv_path,
        "xlsx": generate.write_xlsx(folder / "legacy.xlsx", rows),
        "mapping": generate.MAPPING,
        "header": table[0],
        "cells": table[1:],  # as the file holds them, for broken copies
    }


@pytest.fixture(scope="module")
def imported(tmp_path_factory, legacy):
    data_dir = tmp_path_factory.mktemp("imported") / "data"
    result = feedback(data_dir, "import", legacy["csv"], "--mapping", legacy["mapping"])
    return {"data_dir": data_dir, "result": result, "digest": digest(data_dir)}


def kept_rows(legacy) -> list[dict]:
    return [row for row in legacy["rows"] if row["Record Status"] != "Test record"]


def test_the_legacy_export_is_big_enough_and_spans_three_years(legacy):
    rows = legacy["rows"]
    assert len(rows) >= 1000
    received = [row["Date Received"] for row in rows]
    assert (max(received) - min(received)).days >= 3 * 365 - 5
    assert legacy["csv"].read_bytes().startswith(b"\xef\xbb\xbf")  # as Excel saves CSV UTF-8


def test_the_whole_export_imports(imported, legacy):
    result = imported["result"]
    assert result.exit_code == 0, result.output
    data_dir = imported["data_dir"]
    expected = kept_rows(legacy)
    submissions = read_table(data_dir, "submissions")
    assert [row["ref"] for row in submissions] == [row["Case Ref"] for row in expected]
    assert f"imported {len(expected)} case(s)" in result.output
    assert "1 row(s) left out by skip_when" in result.output
    report = validate_package(data_dir)
    assert report.valid, report.lines[:20]
    assert report.rows["submissions"] == len(expected)


def test_imported_cases_keep_their_reference_and_received_date(imported, legacy):
    stored = {row["ref"]: row for row in read_table(imported["data_dir"], "submissions")}
    for source in kept_rows(legacy):
        row = stored[source["Case Ref"]]
        received = datetime.fromisoformat(row["received"])
        assert received.astimezone(LONDON).date() == source["Date Received"]
        assert row["channel"] == "import"
        assert row["procedure"] == "charity-help-and-care"


def test_values_dates_splits_and_personal_details_are_mapped(imported, legacy):
    data_dir = imported["data_dir"]
    stored = {row["ref"]: row for row in read_table(data_dir, "submissions")}
    personal = {row["ref"]: row for row in read_table(data_dir, "personal")}
    events: dict[str, list[dict]] = {}
    for event in read_table(data_dir, "events"):
        events.setdefault(event["ref"], []).append(event)
    kinds = {"Formal Complaint": "complaint", "Compliment": "compliment"}
    outcomes = {"Partly upheld": "partially_upheld", "Not upheld": "not_upheld"}
    checked = {"outcome": 0, "themes": 0, "stage2": 0, "personal": 0}
    for source in kept_rows(legacy):
        ref = source["Case Ref"]
        row, mine = stored[ref], events.get(ref, [])
        if source["Type"] in kinds:
            assert row["kind"] == kinds[source["Type"]]
        assert row["language"] == ("cy" if source["Welsh Language Preference"] == "Y" else "en")
        themes = [e["value"] for e in mine if e["type"] == "theme_added"]
        assert len(themes) == len(source["Themes"].split("; "))
        checked["themes"] += len(themes) > 1
        if source["Outcome"] in outcomes and source["Response Date"]:
            (outcome,) = [e for e in mine if e["type"] == "outcome_recorded"]
            assert outcome["outcome"] == outcomes[source["Outcome"]]
            checked["outcome"] += 1
        if source["Stage 2 Date"]:
            entered = [e for e in mine if e["type"] == "stage_entered" and e["stage"] == "stage2"]
            day = datetime.fromisoformat(entered[0]["at"]).astimezone(LONDON).date()
            assert day == source["Stage 2 Date"]
            checked["stage2"] += 1
        if source["Complainant Name"]:
            person = personal[ref]
            assert person["name"] == source["Complainant Name"]
            assert person["address"] == source["Address"]  # a line break inside a cell
            assert person["phone"] == source["Telephone"]
            assert row["anonymous"] == "false"
            checked["personal"] += 1
        else:
            assert ref not in personal and row["anonymous"] == "true"
    assert all(count > 10 for count in checked.values()), checked


def test_welsh_and_formula_like_text_survive_import_exactly(imported, legacy):
    stored = {row["ref"]: row for row in read_table(imported["data_dir"], "submissions")}
    special = legacy["rows"][: len(generate.FORMULA_LIKE) + 1]
    assert [row["Summary"] for row in special] == [*generate.FORMULA_LIKE, generate.WELSH]
    for source in special:
        assert stored[source["Case Ref"]]["details"] == source["Summary"]
    people = [row for row in legacy["rows"] if "ŷ" in row["Complainant Name"]]
    personal = {row["ref"]: row for row in read_table(imported["data_dir"], "personal")}
    assert people and all(
        personal[row["Case Ref"]]["name"] == row["Complainant Name"] for row in people
    )
    # The bytes on disk, not only what the csv module makes of them.
    raw = (imported["data_dir"] / "submissions.csv").read_bytes()
    assert generate.WELSH.encode("utf-8") in raw
    assert b"=HYPERLINK(" in raw and b"'=HYPERLINK(" not in raw


def test_a_second_run_imports_nothing(imported, legacy, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(imported["data_dir"], data_dir)
    before = digest(data_dir)
    result = feedback(data_dir, "import", legacy["csv"], "--mapping", legacy["mapping"])
    assert result.exit_code == 0, result.output
    assert "imported 0 case(s) and 0 event(s)" in result.output
    assert f"{len(kept_rows(legacy))} case(s) were imported before" in result.output
    assert digest(data_dir) == before


def test_the_xlsx_version_imports_identically(imported, legacy, tmp_path):
    data_dir = tmp_path / "data"
    result = feedback(data_dir, "import", legacy["xlsx"], "--mapping", legacy["mapping"])
    assert result.exit_code == 0, result.output
    assert digest(data_dir) == imported["digest"]


def test_a_copy_with_one_broken_row_imports_nothing_and_names_it(legacy, tmp_path):
    header, cells = legacy["header"], [list(row) for row in legacy["cells"]]
    closed = header.index("Closed Date")
    broken = next(i for i, row in enumerate(cells) if i > 600 and row[closed])
    cells[broken][closed] = "31/02/2023"
    source = write_rows(tmp_path / "broken.csv", header, cells)
    data_dir = tmp_path / "data"
    result = feedback(data_dir, "import", source, "--mapping", legacy["mapping"])
    assert result.exit_code == 1
    row_number = broken + 2  # the header is row 1
    assert f"row {row_number}, column 'Closed Date': '31/02/2023' is not a date" in result.output
    assert "nothing was imported: 1 problem(s) in 1 row(s)" in result.output
    assert all(len(read_table(data_dir, name)) == 0 for name in ("submissions", "events"))
    assert len(read_table(data_dir, "personal")) == 0
    entry = json.loads((data_dir / audit.LOG_NAME).read_text().splitlines()[-1])
    assert entry["action"] == "import" and "result=refused" in entry["detail"]


def test_every_problem_is_listed_with_its_row_column_and_what_was_expected(legacy, tmp_path):
    header, cells = legacy["header"], [list(row) for row in legacy["cells"]]
    column = {name: header.index(name) for name in header}
    email_row = next(i for i, row in enumerate(cells) if i > 100 and row[column["Email"]])
    undated = next(
        i
        for i, row in enumerate(cells)
        if i > 200 and row[column["Type"]] == "Compliment" and not row[column["Outcome"]]
    )
    breaks = {
        10: ("Type", "Formal Complaynt"),
        20: ("Date Received", "2023-31-01"),
        30: ("Case Ref", ""),
        40: ("Themes", "Communication; Parking"),
        50: ("Acknowledged Date", "01/01/2019"),
        60: ("Summary", "   "),
        70: ("Service Area", "Car Park"),
        80: ("Case Ref", cells[81][column["Case Ref"]]),
        email_row: ("Email", "not-an-email"),
        undated: ("Outcome", "Upheld"),
    }
    for index, (name, value) in breaks.items():
        cells[index][column[name]] = value
    source = write_rows(tmp_path / "broken.csv", header, cells)
    result = feedback(tmp_path / "data", "import", source, "--mapping", legacy["mapping"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    expectations = {
        10: ("Type", "is not one of the words mapped for kind"),
        20: ("Date Received", "is not a date: expected dd/mm/yyyy"),
        30: ("Case Ref", "expected the case's reference"),
        40: ("Themes", "'Parking' is not one of the words mapped"),
        50: ("Acknowledged Date", "is before the case was received"),
        60: ("Summary", "details: expected a value"),
        70: ("Service Area", "'Car Park' is not one of the words mapped for service"),
        81: ("Case Ref", "is also the reference in row 82"),
        email_row: ("Email", "expected an email address"),
        undated: ("Response Date", "is empty but Outcome is filled"),
    }
    for index, (name, words) in expectations.items():
        prefix = f"row {index + 2}, column '{name}': "
        assert any(line.startswith(prefix) and words in line for line in lines), (prefix, words)
    assert f"in {len(expectations)} row(s)" in result.output
    assert "not-an-email" not in result.output  # personal columns are named, never repeated


def test_dry_run_shows_what_would_be_imported_by_kind_and_year(legacy, tmp_path):
    data_dir = tmp_path / "data"
    result = feedback(
        data_dir, "import", legacy["csv"], "--mapping", legacy["mapping"], "--dry-run"
    )
    assert result.exit_code == 0, result.output
    assert "dry run: nothing was written" in result.output
    assert all(len(read_table(data_dir, name)) == 0 for name in ("submissions", "events"))
    assert not (data_dir / audit.LOG_NAME).exists()
    lines = {
        line.split()[0]: line.split()[1:] for line in result.output.splitlines() if line.strip()
    }
    heading = lines["year"]
    kinds = {"Formal Complaint": "complaint", "Informal Concern": "concern", "Comment": "comment"}
    kinds |= {"Compliment": "compliment", "PALS Enquiry": "enquiry"}
    for year in (2021, 2022, 2023, 2024):
        expected = {kind: 0 for kind in heading[:-1]}
        for row in kept_rows(legacy):
            if row["Date Received"].year == year:
                expected[kinds[row["Type"]]] += 1
        shown = dict(zip(heading, map(int, lines[str(year)]), strict=True))
        assert shown == {**expected, "total": sum(expected.values())}


def test_the_import_is_audited_with_field_names_only(imported, legacy):
    data_dir = imported["data_dir"]
    assert audit.verify(data_dir).ok
    entry = json.loads((data_dir / audit.LOG_NAME).read_text().splitlines()[0])
    assert entry["actor"] == "officer.test" and entry["action"] == "import"
    assert "name" in entry["fields"] and "email" in entry["fields"]
    log = (data_dir / audit.LOG_NAME).read_text()
    for row in kept_rows(legacy)[:200]:
        for column in ("Complainant Name", "Email", "Telephone", "Postcode"):
            assert not row[column] or row[column] not in log


def test_a_stop_before_the_events_is_completed_by_running_again(imported, legacy, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(imported["data_dir"], data_dir)
    events = data_dir / "events.csv"
    events.write_bytes(events.read_bytes().split(b"\n", 1)[0] + b"\n")  # header only
    result = feedback(data_dir, "import", legacy["csv"], "--mapping", legacy["mapping"])
    assert result.exit_code == 0, result.output
    assert "imported 0 case(s)" in result.output
    assert digest(data_dir) == imported["digest"]


def test_a_later_export_adds_only_what_happened_since(imported, legacy, tmp_path):
    header, cells = legacy["header"], [list(row) for row in legacy["cells"]]
    closed = header.index("Closed Date")
    open_case = max(i for i, row in enumerate(cells) if not row[closed])
    cells[open_case][closed] = "30/04/2024"
    source = write_rows(tmp_path / "later.csv", header, cells)
    data_dir = tmp_path / "data"
    shutil.copytree(imported["data_dir"], data_dir)
    result = feedback(data_dir, "import", source, "--mapping", legacy["mapping"])
    assert result.exit_code == 0, result.output
    assert "imported 0 case(s) and 1 event(s)" in result.output
    last = read_table(data_dir, "events")[-1]
    assert last["ref"] == cells[open_case][0] and last["type"] == "closed"


def test_a_reference_already_used_by_another_case_is_refused(legacy, tmp_path):
    # A case given at the form whose reference happens to equal one in the old system.
    data_dir = tmp_path / "data"
    parts = make_parts(data_dir)
    row = {name: "" for name in parts.contract.columns("submissions")}
    for name in ("crc", "ref", "idempotency_key"):
        del row[name]
    row.update(
        received="2024-01-02T10:00:00+00:00",
        kind="comment",
        variant="standard",
        language="en",
        channel="online",
        procedure="charity-help-and-care",
        details="The signs are hard to read.",
        anonymous="true",
    )
    parts.store.commit_submission(
        idempotency_key="k" * 24, submission=row, personal=None, make_reference=lambda: "ACDE-FHJK"
    )
    before = digest(data_dir)
    header, cells = legacy["header"], [list(row) for row in legacy["cells"][:5]]
    cells[3][header.index("Case Ref")] = "ACDE-FHJK"
    source = write_rows(tmp_path / "clash.csv", header, cells)
    result = feedback(data_dir, "import", source, "--mapping", legacy["mapping"])
    assert result.exit_code == 1
    assert (
        "row 5, column 'Case Ref': ACDE-FHJK is already the reference of a case that was "
        "not imported" in result.output
    )
    assert digest(data_dir) == before


def test_mapping_problems_are_all_listed_before_any_row_is_read(legacy, tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "reference: Case Ref\n"
        "received: Date Received\n"
        "colour: blue\n"
        "submissions:\n"
        "  kind: {column: Type, values: {Formal Complaint: grievance}}\n"
        "  favourite_food: Summary\n"
        "  channel: Type\n"
        "events:\n"
        "  - {type: stage_entered, stage: stage9, date: Stage 2 Date}\n"
        "  - {type: party, date: Closed Date}\n"
        "  - {type: outcome_recorded, date: Response Date}\n",
        encoding="utf-8",
    )
    result = feedback(tmp_path / "data", "import", legacy["csv"], "--mapping", mapping)
    assert result.exit_code == 2
    for words in (
        "colour: unknown key",
        "submissions.kind.values[Formal Complaint]: 'grievance'",
        "submissions.favourite_food: is not a field",
        "submissions.channel: is filled by the import itself",
        "stage.value: 'stage9' is not one of: stage1, stage2, appeal, ombudsman",
        "events[2].type: must be one of",
        "a outcome_recorded event needs its outcome",
    ):
        assert words in result.output, words


def test_a_mapped_column_missing_from_the_file_is_named(legacy, tmp_path):
    header, cells = list(legacy["header"]), legacy["cells"][:3]
    header[header.index("Outcome")] = "Result"
    source = write_rows(tmp_path / "renamed.csv", header, cells)
    result = feedback(tmp_path / "data", "import", source, "--mapping", legacy["mapping"])
    assert result.exit_code == 2
    assert "column(s) not in the header row 1: Outcome" in result.output


def test_a_non_utf8_file_is_refused_with_advice(legacy, tmp_path):
    source = tmp_path / "old.csv"
    source.write_bytes("Case Ref,Summary\nX/1,Siân\n".encode("cp1252"))
    result = feedback(tmp_path / "data", "import", source, "--mapping", legacy["mapping"])
    assert result.exit_code == 2
    assert "CSV UTF-8" in result.output


def _docs_example() -> tuple[str, list[str], list[list[str]], str]:
    """The README's worked example: its mapping, its spreadsheet table and its dry-run line."""
    root = Path(__file__).resolve().parents[2]
    for name in ("README.md", "docs_import.md"):
        path = root / name
        if path.exists() and "<!-- import-example -->" in path.read_text("utf-8"):
            text = path.read_text("utf-8")
            break
    else:
        raise AssertionError("no README section with the import example")
    mapping = text.split("<!-- import-example -->\n```yaml\n", 1)[1].split("```", 1)[0]
    section = text.split("A complaints officer's log", 1)[1].split("Its mapping", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    table = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    said = text.split("A dry run of it says:\n\n```\n", 1)[1].splitlines()[0]
    return mapping, table[0], table[2:], said


def test_the_readme_example_imports_as_it_says(tmp_path):
    from openpyxl import Workbook

    mapping_text, header, rows, said = _docs_example()
    mapping = tmp_path / "log-mapping.yaml"
    mapping.write_text(mapping_text, encoding="utf-8")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Log"
    for row in [header, *rows]:
        sheet.append(row)
    source = tmp_path / "Complaints log 2024-25.xlsx"
    workbook.save(source)
    data_dir = tmp_path / "data"
    result = feedback(data_dir, "import", source, "--mapping", mapping, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == said
    result = feedback(data_dir, "import", source, "--mapping", mapping)
    assert result.exit_code == 0, result.output
    assert validate_package(data_dir).valid
    stored = read_table(data_dir, "submissions")
    assert [row["ref"] for row in stored] == [row[0] for row in rows]
    assert stored[2]["details"] == "Diolch i'r tîm am eu caredigrwydd."


def test_imported_learning_actions_are_named_by_an_identifier_with_their_words_kept(tmp_path):
    """An earlier system's log has a learning action as words in a cell; stored, it is named by
    an identifier (as the staff pages name the actions they add) with the words in its note."""
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "date_formats: ['%d/%m/%Y']\n"
        "reference: Ref\n"
        "received: Date received\n"
        "submissions:\n"
        "  kind: {value: complaint}\n"
        "  details: What happened\n"
        "events:\n"
        "  - type: action_added\n"
        "    date: Date received\n"
        "    value: {column: Action}\n",
        encoding="utf-8",
    )
    source = write_rows(
        tmp_path / "log.csv",
        ["Ref", "Date received", "What happened", "Action"],
        [["LOG-0001", "03/03/2025", "Bu'r ymweliad yn hwyr.", "Rota checked weekly"]],
    )
    data_dir = tmp_path / "data"
    result = feedback(data_dir, "import", source, "--mapping", mapping)
    assert result.exit_code == 0, result.output
    added = [row for row in read_table(data_dir, "events") if row["type"] == "action_added"]
    assert len(added) == 1
    assert re.fullmatch(r"A-[0-9A-F]{6}", added[0]["value"]), added[0]["value"]
    assert added[0]["note"] == "Rota checked weekly"
    assert validate_package(data_dir).valid
