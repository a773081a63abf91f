"""The export pages (``/staff/exports``), for managers: the cases received in a quarter or a
financial year as CSV or XLSX (what ``feedback export`` writes, safe to open in a spreadsheet),
written in the background, then downloaded by the manager who asked for it. Only cases that
manager may see are in it; every export and every download is in the audit log, and the file
is sent as an attachment that no browser or proxy keeps."""

from __future__ import annotations

from flask import abort, redirect, request, send_file, url_for

from forms_app.records.exporting import FORMATS
from forms_app.web.background import DONE, Busy
from forms_app.web.downloads import attachment

from . import blueprint
from .auth import need
from .context import audit_log, render, today, user
from .report_jobs import EXPORT_STEPS, period_of
from .report_pages import (
    job_or_404,
    jobs,
    labelled,
    period_choices,
    progress_page,
    read_period,
    start,
)

EXPORT = "export"
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@blueprint.route("/exports", methods=["GET", "POST"])
@need("manager")
def exports():
    form, errors, busy = request.form, {}, None
    if request.method == "POST":
        code, errors = read_period(form, today())
        fmt = form.get("format") or ""
        if fmt not in FORMATS:
            errors["format"] = "Choose CSV or XLSX"
        if not errors:
            params = {"action": "export", "period": code, "format": fmt}
            audit_log("export.start", detail=f"period={code} format={fmt}")
            try:
                job = start(EXPORT, params, EXPORT_STEPS)
            except Busy as refused:
                busy = refused.job
                audit_log("export.busy", detail=f"period={code} format={fmt}")
            else:
                return redirect(url_for("staff.export_job", job_id=job["id"]))
    latest = labelled(jobs().latest(EXPORT))
    return render(
        "staff/exports.html",
        title="Export cases",
        choices=period_choices(today()),
        form=form,
        errors=errors,
        problems=errors,
        busy=busy,
        latest=latest if latest and latest["actor"] == user().username else None,
    ), (400 if errors else 409 if busy else 200)


def _own(job_id: str) -> dict:
    job = job_or_404(EXPORT, job_id)
    # Another manager's export holds what they chose to take: it is theirs alone.
    if job["actor"] != user().username:
        abort(404)
    return job


@blueprint.route("/exports/jobs/<job_id>")
@need("manager")
def export_job(job_id: str):
    job = _own(job_id)
    period = period_of(job["params"]["period"])
    return progress_page(
        "staff/exports_progress.html",
        job,
        title=f"Export of cases received in {period.label()}",
        period=period,
        again_url=url_for("staff.exports"),
    )


@blueprint.route("/exports/jobs/<job_id>/download")
@need("manager")
def export_download(job_id: str):
    job = _own(job_id)
    name = job["result"].get("file", "") if job["state"] == DONE else ""
    path = jobs().output(job, name) if name else None
    if path is None:
        return redirect(url_for("staff.export_job", job_id=job_id))
    audit_log(
        "export.download",
        detail=(
            f"file={name} period={job['params']['period']} format={job['params']['format']} "
            f"cases={job['result'].get('cases')}"
        ),
    )
    response = send_file(
        path, mimetype=MEDIA_TYPES[job["params"]["format"]], conditional=False, etag=False
    )
    response.headers["Content-Disposition"] = attachment(name)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
