"""The work behind the report and export pages, done in a process of its own
(``forms_app.web.background``, started by ``report_worker``).

- ``make``: what ``feedback report`` does up to the point of putting files in place (count,
  protect, write, PII gate) into the job's folder, then the preview staff see (``preview.json``).
  Nothing is written into the site.
- ``publish``: what ``feedback publish`` does (the report again, the site built, the PII gate
  over every built file; all or nothing), then a line in the audit log.
- ``export``: what ``feedback export`` does, with only the cases the person asking may see.

With app servers sharing a database, the job's state and files are shared through it
(``web.database_jobs``), and the work builds the app's parts before it reads the accounts or
writes the audit log, so that both are the database's, as they are for the servers.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from forms_app.web.background import JobFailed, Progress

PREVIEW = "preview.json"

REPORT_STEPS = {
    "make": [
        "Count the figures, hide small numbers and check the pages for personal details",
        "Prepare the preview",
    ],
    "publish": [
        "Count the figures again, build the site and check every file for personal details",
        "Record the publication in the audit log",
    ],
}
EXPORT_STEPS = ["Read and fold every case", "Write the file"]


def period_of(code: str):
    """``2025Q3`` (a quarter) or ``2025`` (the financial year starting in April 2025)."""
    from forms_app.reports.periods import financial_year, quarter

    return financial_year(int(code)) if code.isdigit() else quarter(code)


def _settings():
    from forms_app.organisation.settings import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as error:
        raise JobFailed("The service's settings could not be read.", str(error)) from error


def _data_failure(error: Exception) -> JobFailed:
    return JobFailed(
        "The report could not be made from the cases as they are stored. Nothing was "
        "published. Tell the service's administrator.",
        str(error),
    )


def make(progress: Progress) -> dict:
    from forms_app.reports.build import stage_report
    from forms_app.reports.datapackage import DataPackageError
    from forms_app.reports.loading import DataError
    from forms_app.reports.pii_gate import GateFailed
    from forms_app.reports.preview import preview, refused

    settings, params = _settings(), progress.params
    period = period_of(params["period"])
    progress.step(1)
    try:
        staged = stage_report(
            settings,
            period,
            site_dir=Path(params["site_dir"]),
            data_out=Path(params["data_out"]) if params.get("data_out") else None,
            as_at=date.fromisoformat(params["as_at"]),
            staging_parent=progress.dir,
        )
    except GateFailed as failed:
        progress.step(2)
        _keep(progress, refused(failed.findings))
        return {"gate_passed": False, "findings": len(failed.findings)}
    except (DataError, DataPackageError) as error:
        raise _data_failure(error) from error
    try:
        progress.step(2)
        shown = preview(staged)
    finally:
        staged.discard()
    _keep(progress, shown)
    return {"gate_passed": True, "findings": 0}


def publish(progress: Progress) -> dict:
    from forms_app.records import audit
    from forms_app.reports.build import OUTCOMES
    from forms_app.reports.datapackage import DataPackageError
    from forms_app.reports.loading import DataError
    from forms_app.reports.pii_gate import GateFailed
    from forms_app.reports.publish import PublishError
    from forms_app.reports.publish import publish as publish_site
    from forms_app.web.parts import Parts

    settings, params = _settings(), progress.params
    period = period_of(params["period"])
    progress.step(1)
    try:
        done = publish_site(
            settings,
            period,
            site_source=Path(params["site_dir"]),
            site_out=Path(params["site_out"]),
            data_out=Path(params["data_out"]) if params.get("data_out") else None,
            as_at=date.fromisoformat(params["as_at"]),
            pdfs=params.get("pdfs"),
        )
    except GateFailed as failed:
        raise JobFailed(
            f"The PII gate found {len(failed.findings)} personal detail(s) or look-alikes in "
            "the built site, so nothing was published. Make the report again to see where.",
            "\n".join(str(f) for f in failed.findings[:50]),
        ) from failed
    except PublishError as error:
        raise JobFailed(
            "The site could not be built, so nothing was published. Tell the service's "
            "administrator.",
            str(error),
        ) from error
    except (DataError, DataPackageError) as error:
        raise _data_failure(error) from error
    # The server's processes make every file private (umask 077, for the data directory), but
    # the published site is read by the web server, which runs as another user, as it is
    # when an administrator runs ``feedback publish`` with the usual umask.
    for folder in (Path(params["site_out"]), Path(params["site_dir"]) / OUTCOMES):
        readable_by_all(folder)
    progress.step(2)
    # With a shared database the audit log is there: the parts tell this process so.
    Parts.build(settings)
    audit.record(
        settings.data_dir,
        actor=progress.actor,
        action="report.published",
        detail=f"period={period.slug} files={done.files}",
    )
    return {"files": done.files, "label": period.label(), "slug": period.slug}


def export(progress: Progress) -> dict:
    from forms_app.accounts import UserBook
    from forms_app.casework.access import can_see, confidential_roles
    from forms_app.records.exporting import ExportFilter, export_cases
    from forms_app.web.parts import Parts

    settings, params = _settings(), progress.params
    period = period_of(params["period"])
    # Built first: with a shared database it tells this process where the accounts are.
    parts = Parts.build(settings)
    me = UserBook(settings.data_dir).get(progress.actor)
    if me is None or not me.active or not me.has("manager"):
        raise JobFailed("Only a manager can export cases, and your account is not one now.")
    confidential = confidential_roles(settings.raw)
    progress.step(1)
    name = f"feedback-cases-{period.slug}.{params['format']}"
    progress.step(2)
    result = export_cases(
        parts,
        progress.dir / name,
        actor=progress.actor,
        selection=ExportFilter(start=period.start, end=period.end),
        fmt=params["format"],
        keep=lambda case: can_see(me, case, confidential),
    )
    return {"file": name, "cases": result.cases, "label": period.label()}


def readable_by_all(folder: Path) -> None:
    """Folders 0755 and files 0644 (never more), from ``folder`` down."""
    if not folder.is_dir():
        return
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        path.chmod(0o755 if path.is_dir() else 0o644)


WORK = {"make": make, "publish": publish, "export": export}


def _keep(progress: Progress, shown: dict) -> None:
    (progress.dir / PREVIEW).write_text(json.dumps(shown, ensure_ascii=False), "utf-8")
