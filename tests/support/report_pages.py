"""A world for the report and export pages: the report tests' synthetic data set (cases in the
financial year 2025-26), settings pointing at it, a copy of the site, and the app with its
report folders in the test's own temporary folder (never the project's ``site/`` or
``build/``). Staff accounts are made as ``tests/support/staff.py`` describes them."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import yaml

from forms_app import create_app
from forms_app.organisation.settings import PROJECT_DIR
from forms_app.web.background import Jobs
from tests.support.reports import write_data, write_settings

#: A quarter of the data set with cases in it (April to June 2025).
QUARTER = "2025Q1"
#: A manager who publishes.
PUBLISHER = {"hafwen.pj": ("Hafwen Price-Jenkins", ["manager"], [])}


def report_app(
    tmp: Path,
    monkeypatch,
    *,
    plan: str | None = None,
    extra_events: list[dict] = (),
    confidential_roles: list[str] | None = None,
    settings_changes: dict | None = None,
):
    """The app over the data set; ``plan``: an improvement plan to publish with the report;
    ``extra_events``: more events on its cases; ``confidential_roles``: who may open a
    confidential case (the settings' ``staff: confidential_roles``); ``settings_changes``:
    settings sections to add or change (each merged into the one there)."""
    data = write_data(tmp / "data", extra_events)
    reports = {}
    if plan is not None:
        path = tmp / "plan.md"
        path.write_text(plan, "utf-8")
        reports["improvement_plan"] = str(path)
    settings = write_settings(tmp, data, **reports)
    if confidential_roles is not None or settings_changes:
        raw = yaml.safe_load(settings.read_text("utf-8"))
        if confidential_roles is not None:
            raw["staff"] = {**(raw.get("staff") or {}), "confidential_roles": confidential_roles}
        for section, values in (settings_changes or {}).items():
            kept = raw.get(section)
            both_sections = isinstance(kept, dict) and isinstance(values, dict)
            raw[section] = {**kept, **values} if both_sections else values
        settings.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    monkeypatch.setenv("FORMS_APP_DATA_DIR", str(data))
    monkeypatch.delenv("FORMS_APP_SETTINGS", raising=False)
    shutil.copytree(PROJECT_DIR / "site", tmp / "site")
    app = create_app(str(settings))
    app.config.update(
        TESTING=True,
        REPORTS_SITE_DIR=str(tmp / "site"),
        REPORTS_SITE_OUT=str(tmp / "built"),
        REPORTS_DATA_OUT=str(tmp / "data-out"),
        REPORTS_PDFS=False,
    )
    return app, data


def job_id_of(location: str) -> str:
    match = re.search(r"/jobs/([0-9a-f-]+)", location)
    assert match, location
    return match.group(1)


def wait_for(data_dir: Path, kind: str, job_id: str, seconds: float = 300) -> dict:
    """The job once it has finished (done or failed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = Jobs(data_dir).get(kind, job_id)
        if job is not None and job["state"] in ("done", "failed"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"the {kind} job {job_id} did not finish in {seconds} s")
