"""``feedback publish`` after ``feedback import`` of three years of a legacy system's records.

The export (tests/fixtures/legacy/generate.py, invented people only) is handled by staff whose
account names are ordinary words ("will", "mark", "grant", "rose"), with their full names in the
staff directory, and one complaint in it went straight to Stage 2. Publishing must pass the PII
gate, ship no source maps, leak no imported person's name, email or phone number, and count that
complaint only at Stage 2. The oracle for the counts is the legacy rows themselves, read
without the importer.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from forms_app.organisation.settings import EXAMPLE_SETTINGS, PROJECT_DIR
from forms_app.reports.pii_patterns import BINARY, fold, phone_digits
from tests.fixtures.legacy import generate

pytestmark = pytest.mark.slow

YEAR_START, YEAR_END = date(2023, 4, 1), date(2024, 3, 31)
FIRST_STAGE = "First Stage"


def feedback(*args, settings: Path, data_dir: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "FORMS_APP_SETTINGS": str(settings),
        "FORMS_APP_DATA_DIR": str(data_dir),
        "FEEDBACK_ACTOR": "officer.test",
        "NO_MKDOCS_2_WARNING": "1",
    }
    code = "import sys; from forms_app.cli.group import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def started_at_stage_2(rows: list[dict]) -> dict:
    """Make the first answered Stage 1 complaint of 2023-24 one that went straight to Stage 2."""
    for row in rows:
        day = row["Date Received"]
        answered = row["Response Date"] and not row["Stage 2 Date"]
        if row["Type"] == "Formal Complaint" and YEAR_START <= day <= YEAR_END and answered:
            row[FIRST_STAGE] = "Stage 2"
            row["Current Stage"] = "Stage 2"
            row["Stage 2 Date"] = day
            row["Ombudsman Referral Date"] = None
            return row
    raise AssertionError("no complaint to start at Stage 2")


def mapping_with_first_stage(target: Path) -> Path:
    """The fixture's mapping, with the first stage read from the export's own column (edited
    as text: read and written again, YAML would turn its Yes and No into true and false)."""
    text = generate.MAPPING.read_text("utf-8")
    old = "  - type: stage_entered\n    stage: stage1\n"
    new = (
        "  - type: stage_entered\n    stage:\n      column: First Stage\n"
        "      values: {Stage 1: stage1, Stage 2: stage2}\n      default: stage1\n"
    )
    assert text.count(old) == 1
    target.write_text(text.replace(old, new), "utf-8")
    return target


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("import-publish")
    rows = generate.legacy_rows(handlers=list(generate.STAFF))
    moved = started_at_stage_2(rows)
    csv_path = generate.write_csv(tmp / "legacy.csv", rows, [*generate.HEADER, FIRST_STAGE])
    data = tmp / "data"
    raw = yaml.safe_load(EXAMPLE_SETTINGS.read_text("utf-8"))
    raw["data_dir"] = str(data)
    settings = tmp / "settings.yaml"
    settings.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    mapping = mapping_with_first_stage(tmp / "mapping.yaml")
    done = feedback("import", csv_path, "--mapping", mapping, settings=settings, data_dir=data)
    assert done.returncode == 0, done.stdout + done.stderr
    (data / "users.json").write_text(json.dumps(generate.staff_directory()), "utf-8")
    shutil.copytree(PROJECT_DIR / "site", tmp / "site")
    shutil.rmtree(tmp / "site" / "outcomes" / "data", ignore_errors=True)
    out = tmp / "out" / "site"
    done = feedback(
        "publish",
        "--year",
        "2023",
        "--as-at",
        "2024-04-15",
        "--no-pdfs",
        "--site-dir",
        tmp / "site",
        "--site-out",
        out,
        "--data-out",
        tmp / "data-out",
        settings=settings,
        data_dir=data,
    )
    return {"done": done, "rows": rows, "moved": moved, "out": out, "data_out": tmp / "data-out"}


def test_publishing_after_an_import_passes_the_gate(published):
    done = published["done"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the PII gate found nothing" in done.stdout
    assert (published["out"] / "outcomes" / "2023-24" / "index.html").exists()


def test_the_published_site_has_no_source_maps(published):
    out = published["out"]
    assert (out / "assets" / "javascripts").is_dir()
    assert list(out.rglob("*.map")) == []
    for path in [*out.rglob("*.js"), *out.rglob("*.css")]:
        assert "sourceMappingURL" not in path.read_text("utf-8", errors="replace"), path


def test_nothing_personal_from_the_import_is_published(published):
    texts = [
        fold(path.read_text("utf-8", errors="replace"))
        for path in published["out"].rglob("*")
        if path.is_file() and not path.name.lower().endswith(BINARY)
    ]
    blob = "\n".join(texts)
    digits = "".join(ch for ch in blob if ch.isdigit() or ch == "\n")
    people = [row for row in published["rows"] if row["Complainant Name"]]
    assert len(people) > 500
    for row in people:
        assert fold(row["Complainant Name"]) not in blob
        assert fold(row["Email"]) not in blob
        assert phone_digits(row["Telephone"]) not in digits
    for name in generate.STAFF.values():
        assert fold(name) not in blob


def test_a_complaint_that_started_at_stage_2_counts_only_at_stage_2(published):
    path = published["data_out"] / "2023-24" / "complaints-by-stage.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        table = {row["code"]: row for row in csv.DictReader(handle)}
    kept = [row for row in published["rows"] if row["Record Status"] != "Test record"]

    def this_year(day) -> bool:
        return day is not None and YEAR_START <= day <= YEAR_END

    complaints = [r for r in kept if r["Type"] == "Formal Complaint"]
    at_stage_1 = [
        r for r in complaints if this_year(r["Date Received"]) and r is not published["moved"]
    ]
    at_stage_2 = [r for r in complaints if this_year(r["Stage 2 Date"])]
    assert published["moved"] in at_stage_2
    assert int(table["stage1"]["2023-24"]) == len(at_stage_1)
    assert int(table["stage2"]["2023-24"]) == len(at_stage_2)
    assert int(table["received"]["2023-24"]) == len(at_stage_1) + 1
