"""The report pages (``/staff/reports``), for managers and publishers: choose a quarter or a
financial year, make the report in the background (a page that reloads itself shows how far
it has got, and can be told not to), preview it as the public will read it with what
disclosure control hid and what the PII gate found, and publish it (only when the gate
passed). Exports are ``export_pages``.

The work is done by ``report_jobs`` in a process of its own; its progress is a file any server
process can read (``forms_app.web.background``). Every start and every publication is in the
audit log.
"""

from __future__ import annotations

import json
from datetime import date

from flask import abort, current_app, make_response, redirect, request, url_for

from forms_app.reports.build import SITE_DIR
from forms_app.reports.periods import PeriodError, financial_year, fy_quarter, long_date
from forms_app.reports.publish import SITE_OUT
from forms_app.web.background import DONE, FAILED, Busy, Jobs
from forms_app.web.parts import parts

from . import blueprint
from .auth import need
from .context import audit_log, render, today, user
from .report_jobs import PREVIEW, REPORT_STEPS, period_of

REPORT = "report"
REPORT_ROLES = ("manager", "publisher")
OTHER = "other"
#: How many quarters and years the page offers (another can be typed).
QUARTERS_OFFERED, YEARS_OFFERED = 5, 2
#: How often a progress page asks again (GOV.UK's pattern for a page that waits).
REFRESH_SECONDS = 2


def jobs() -> Jobs:
    return Jobs(parts().settings.data_dir)


def period_choices(day: date) -> list[tuple[str, str]]:
    """(code, words) for the latest quarters and financial years that have started, newest
    first; the one still running says so."""
    out = []
    year = day.year if day.month >= 4 else day.year - 1
    q = (day.month - 4) % 12 // 3 + 1
    for _ in range(QUARTERS_OFFERED):
        period = fy_quarter(year, q)
        running = " (so far)" if day <= period.end else ""
        out.append((f"{year}Q{q}", f"{period.label()}: {period.span()}{running}"))
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    start = day.year if day.month >= 4 else day.year - 1
    for year in range(start, start - YEARS_OFFERED, -1):
        period = financial_year(year)
        running = " (so far)" if day <= period.end else ""
        out.append((str(year), f"Financial year {period.label()}: {period.span()}{running}"))
    return out


def read_period(form, day: date) -> tuple[str | None, dict[str, str]]:
    """The period code chosen (``2025Q3`` or ``2025``), or the errors to show beside it."""
    choice = (form.get("period") or "").strip()
    if not choice:
        return None, {"period": "Choose the period"}
    if choice == OTHER:
        code = "".join((form.get("other") or "").split()).upper()
        if not code:
            return None, {"other": "Type a quarter, like 2025Q3, or a year, like 2025"}
    else:
        code = choice
    try:
        period = period_of(code) if (code.isdigit() and len(code) == 4) or "Q" in code else None
    except (PeriodError, ValueError):
        period = None
    field = "other" if choice == OTHER else "period"
    if period is None:
        return None, {field: "Type a quarter, like 2025Q3, or a year, like 2025"}
    if period.start > day:
        return None, {field: f"{period.label()} has not started yet: choose an earlier period"}
    if period.end.year < 2000:
        return None, {field: "Choose a period from the year 2000 on"}
    return code.replace("-", ""), {}


def labelled(job: dict | None) -> dict | None:
    """The job with its period in words (``2025-26 Q1``), for the pages."""
    if job is not None:
        job["label"] = period_of(job["params"]["period"]).label()
    return job


def job_or_404(kind: str, job_id: str) -> dict:
    job = jobs().get(kind, job_id)
    if job is None:
        abort(404)
    return job


def _report_params(code: str, action: str) -> dict:
    config = current_app.config
    return {
        "action": action,
        "period": code,
        "as_at": today().isoformat(),
        "site_dir": str(config.get("REPORTS_SITE_DIR") or SITE_DIR),
        "site_out": str(config.get("REPORTS_SITE_OUT") or SITE_OUT),
        "data_out": str(config["REPORTS_DATA_OUT"]) if config.get("REPORTS_DATA_OUT") else None,
        "pdfs": config.get("REPORTS_PDFS"),
    }


def start(kind: str, params: dict, steps: list[str]) -> dict:
    """Start a job for the signed-in user (raises Busy)."""
    settings = parts().settings
    return jobs().start(
        kind,
        module="forms_app.staff.report_worker",
        params=params,
        actor=user().username,
        steps=steps,
        settings_path=settings.source,
        data_dir=settings.data_dir,
    )


@blueprint.route("/reports", methods=["GET", "POST"])
@need(*REPORT_ROLES)
def reports():
    latest = labelled(jobs().latest(REPORT))
    form, errors, busy = request.form, {}, None
    if request.method == "POST":
        code, errors = read_period(form, today())
        if not errors:
            audit_log("report.make", detail=f"period={code}")
            try:
                job = start(REPORT, _report_params(code, "make"), REPORT_STEPS["make"])
            except Busy as refused:
                busy = refused.job
                audit_log("report.make.busy", detail=f"period={code}")
            else:
                return redirect(url_for("staff.report_job", job_id=job["id"]))
    return render(
        "staff/reports.html",
        title="Reports",
        choices=period_choices(today()),
        form=form,
        errors=errors,
        problems=errors,
        busy=busy,
        latest=latest,
    ), (400 if errors else 409 if busy else 200)


@blueprint.route("/reports/jobs/<job_id>")
@need(*REPORT_ROLES)
def report_job(job_id: str):
    job = job_or_404(REPORT, job_id)
    action = job["params"]["action"]
    if job["state"] == DONE and action == "make":
        return redirect(url_for("staff.report_preview", job_id=job_id))
    period = period_of(job["params"]["period"])
    what = "Making" if action == "make" else "Publishing"
    return progress_page(
        "staff/reports_progress.html",
        job,
        title=f"{what} the report for {period.label()}",
        period=period,
        action=action,
        again_url=url_for("staff.reports"),
        site_page=f"{parts().settings.site_url.rstrip('/')}/outcomes/{period.slug}/",
    )


def progress_page(template: str, job: dict, **context):
    """A job's progress page. While the work runs the page reloads itself every
    REFRESH_SECONDS (the ``Refresh`` header: no script needed), unless the person has turned
    that off (``?auto=off``); it is never kept by a cache, so each load shows the news."""
    running = job["state"] not in (DONE, FAILED)
    auto = running and request.args.get("auto") != "off"
    response = make_response(
        render(
            template,
            job=job,
            running=running,
            auto=auto,
            refresh=REFRESH_SECONDS,
            here=request.path,
            **context,
        )
    )
    if auto:
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _preview_of(job: dict) -> dict | None:
    if job["state"] != DONE or job["params"]["action"] != "make":
        return None
    path = jobs().output(job, PREVIEW)
    if path is None:
        return None
    return json.loads(path.read_text("utf-8"))


@blueprint.route("/reports/jobs/<job_id>/preview")
@need(*REPORT_ROLES)
def report_preview(job_id: str):
    job = job_or_404(REPORT, job_id)
    shown = _preview_of(job)
    if shown is None:
        return redirect(url_for("staff.report_job", job_id=job_id))
    language = "cy" if request.args.get("language") == "cy" else "en"
    period = period_of(job["params"]["period"])
    audit_log("report.preview", detail=f"period={period.slug}")
    return render(
        "staff/reports_preview.html",
        title=f"Preview: report for {period.label()}",
        job=job,
        period=period,
        shown=shown,
        as_at=long_date(date.fromisoformat(job["params"]["as_at"])),
        language=language,
        can_publish=shown["gate_passed"] and user().has(*REPORT_ROLES),
    )


@blueprint.route("/reports/jobs/<job_id>/publish", methods=["POST"])
@need(*REPORT_ROLES)
def report_publish(job_id: str):
    job = job_or_404(REPORT, job_id)
    shown = _preview_of(job)
    period = period_of(job["params"]["period"])
    if shown is None or not shown.get("gate_passed"):
        audit_log("report.publish.refused", detail=f"period={period.slug} gate=failed")
        return render(
            "staff/reports_refused.html",
            title="The report cannot be published",
            period=period,
            job=job,
        ), 409
    params = {**_report_params(job["params"]["period"], "publish"), "made": job_id}
    # Recorded before the work starts, so no publication is ever without its line.
    audit_log("report.publish", detail=f"period={period.slug} as_at={params['as_at']}")
    try:
        started = start(REPORT, params, REPORT_STEPS["publish"])
    except Busy as busy:
        audit_log("report.publish.busy", detail=f"period={period.slug}")
        return render(
            "staff/reports.html",
            title="Reports",
            choices=period_choices(today()),
            form={},
            errors={},
            busy=busy.job,
            latest=labelled(jobs().latest(REPORT)),
        ), 409
    return redirect(url_for("staff.report_job", job_id=started["id"]))
