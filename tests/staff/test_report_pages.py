"""The report and export pages through the test client: who may use them, CSRF, the progress
page in each state (running, stopped, failed in words), the preview with what disclosure
control hid, publishing refused when the PII gate found something, and a download that is an
attachment nobody caches, written to the audit log, for the manager who asked only. The
background work itself (one job of a kind at a time, a failure in words, old files removed)
is tested on ``forms_app.web.background`` directly."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from forms_app.web import background
from forms_app.web.background import Busy, JobFailed, Jobs
from tests.support.report_pages import QUARTER, job_id_of, report_app, wait_for
from tests.support.staff import PEOPLE, csrf, make_people, sign_in

pytestmark = pytest.mark.slow


@pytest.fixture
def world(tmp_path, monkeypatch):
    app, data = report_app(tmp_path, monkeypatch)
    people = {name: PEOPLE[name] for name in ("mina", "pat", "olive")}
    people["max"] = ("Max Manager", ["manager"], [])
    secrets = make_people(data, people)

    def client(username: str):
        signed = app.test_client()
        sign_in(signed, username, secrets[username])
        return signed

    return app, data, client


def _audit(data) -> list[dict]:
    return [json.loads(line) for line in (data / "audit.jsonl").read_text("utf-8").splitlines()]


def _make(client, period: str = QUARTER):
    page = client.get("/staff/reports")
    return client.post(
        "/staff/reports", data={"period": "other", "other": period, "csrf_token": csrf(page.text)}
    )


def _lingering_job(jobs: Jobs, kind: str, state: str = "running") -> tuple[dict, object]:
    """A job of ``kind`` whose process is a stand-in that waits (so it counts as running)."""
    folder = jobs.folder(kind)
    folder.mkdir(parents=True, exist_ok=True)
    job_id = f"{time.time_ns():020d}-abcd1234"
    job_dir = folder / job_id
    job_dir.mkdir()
    waiting = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", str(job_dir)])
    # Until the stand-in has started, its command line is still this process's.
    deadline = time.monotonic() + 10
    while str(job_dir).encode() not in Path(f"/proc/{waiting.pid}/cmdline").read_bytes():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    job = {
        "id": job_id,
        "kind": kind,
        "actor": "mina",
        "params": {"action": "make", "period": QUARTER, "format": "csv"},
        "steps": ["First", "Second"],
        "done": 1,
        "state": state,
        "created": time.time(),
        "updated": time.time(),
        "pid": waiting.pid,
        "result": {},
        "words": "",
        "detail": "",
    }
    background.write(job_dir, job)
    return job, waiting


def test_officers_cannot_use_the_report_or_export_pages_and_publishers_cannot_export(world):
    _app, _data, client = world
    olive, pat = client("olive"), client("pat")
    assert olive.get("/staff/reports").status_code == 403
    assert olive.get("/staff/exports").status_code == 403
    assert pat.get("/staff/exports").status_code == 403
    assert pat.get("/staff/reports").status_code == 200
    assert "Reports" in pat.get("/staff/").text and "Exports" not in pat.get("/staff/").text
    page = olive.get("/staff/")
    assert 'href="/staff/reports"' not in page.text and 'href="/staff/exports"' not in page.text


def test_making_a_report_without_the_csrf_token_is_refused_and_starts_nothing(world):
    _app, data, client = world
    mina = client("mina")
    response = mina.post("/staff/reports", data={"period": "other", "other": QUARTER})
    assert response.status_code == 400
    assert Jobs(data).latest("report") is None


def test_a_period_that_cannot_be_reported_is_explained_and_what_was_typed_is_kept(world):
    _app, data, client = world
    mina = client("mina")
    page = mina.get("/staff/reports")
    response = mina.post(
        "/staff/reports",
        data={"period": "other", "other": "2025Q9", "csrf_token": csrf(page.text)},
    )
    assert response.status_code == 400
    assert "Type a quarter, like 2025Q3, or a year, like 2025" in response.text
    assert 'value="2025Q9"' in response.text
    response = mina.post("/staff/reports", data={"csrf_token": csrf(page.text)})
    assert response.status_code == 400 and "Choose the period" in response.text
    assert Jobs(data).latest("report") is None


def test_the_report_is_made_in_the_background_then_previewed_with_what_was_hidden(world):
    _app, data, client = world
    pat = client("pat")
    response = _make(pat)
    assert response.status_code == 302
    job_id = job_id_of(response.headers["Location"])
    progress = pat.get(response.headers["Location"])
    if progress.status_code == 200:  # still running: the page reloads itself, uncached
        assert progress.headers["Refresh"] == "2"
        assert progress.headers["Cache-Control"] == "no-store"
        assert 'role="status"' in progress.text
        stopped = pat.get(response.headers["Location"] + "?auto=off")
        assert "Refresh" not in stopped.headers and "Check again" in stopped.text
    assert wait_for(data, "report", job_id)["state"] == "done"
    done = pat.get(f"/staff/reports/jobs/{job_id}")
    assert done.status_code == 302 and done.headers["Location"].endswith("/preview")
    preview = pat.get(done.headers["Location"])
    assert preview.status_code == 200
    assert 'id="gate-passed"' in preview.text
    assert "Numbers hidden to protect people" in preview.text
    assert "Summary" in preview.text and "govuk-table" in preview.text
    assert "<style>" not in preview.text  # the page's own style block is left out
    welsh = pat.get(done.headers["Location"] + "?language=cy")
    assert 'lang="cy"' in welsh.text
    actions = [(a["actor"], a["action"]) for a in _audit(data)]
    assert ("pat", "report.make") in actions and ("pat", "report.preview") in actions


def test_publishing_is_refused_when_the_pii_gate_found_a_personal_detail(tmp_path, monkeypatch):
    app, data = report_app(
        tmp_path, monkeypatch, plan="# Plan\n\nThank you to Bronwen Tudur-Hall for her ideas.\n"
    )
    secrets = make_people(data, {"mina": PEOPLE["mina"]})
    mina = app.test_client()
    sign_in(mina, "mina", secrets["mina"])
    job_id = job_id_of(_make(mina).headers["Location"])
    job = wait_for(data, "report", job_id)
    assert job["state"] == "done" and job["result"]["gate_passed"] is False
    preview = mina.get(f"/staff/reports/jobs/{job_id}/preview")
    assert 'id="gate-failed"' in preview.text and "2025-26-q1.md" in preview.text
    assert "Tudur" not in preview.text  # the finding is masked, never the detail
    assert ">Publish<" not in preview.text
    response = mina.post(
        f"/staff/reports/jobs/{job_id}/publish", data={"csrf_token": csrf(preview.text)}
    )
    assert response.status_code == 409
    assert "cannot be published" in response.text
    assert Jobs(data).latest("report")["id"] == job_id  # no publishing job was started
    assert not (tmp_path / "built").exists()
    assert ("mina", "report.publish.refused") in [(a["actor"], a["action"]) for a in _audit(data)]


def test_publishing_without_the_csrf_token_is_refused(world):
    _app, data, client = world
    mina = client("mina")
    job_id = job_id_of(_make(mina).headers["Location"])
    wait_for(data, "report", job_id)
    response = mina.post(f"/staff/reports/jobs/{job_id}/publish")
    assert response.status_code == 400
    assert Jobs(data).latest("report")["id"] == job_id


def test_a_second_report_waits_for_the_one_running_and_a_vanished_one_is_shown_in_words(world):
    _app, data, client = world
    mina = client("mina")
    job, waiting = _lingering_job(Jobs(data), "report")
    try:
        response = _make(mina)
        assert response.status_code == 409
        assert "already running" in response.text
        page = mina.get(f"/staff/reports/jobs/{job['id']}")
        assert page.status_code == 200 and "In progress" in page.text
    finally:
        waiting.kill()
        waiting.wait()
    page = mina.get(f"/staff/reports/jobs/{job['id']}")
    assert page.status_code == 200
    assert "The work stopped before it finished" in page.text
    assert "Refresh" not in page.headers


def test_a_failure_is_shown_in_plain_words_never_as_a_server_error(world):
    _app, data, client = world
    mina = client("mina")
    job, waiting = _lingering_job(Jobs(data), "report")
    waiting.kill()
    waiting.wait()
    job_dir = Jobs(data).folder("report") / job["id"]
    job.update(state="failed", words="The site could not be built, so nothing was published.")
    job.update(detail="mkdocs build --strict failed: <script>x</script>")
    background.write(job_dir, job)
    page = mina.get(f"/staff/reports/jobs/{job['id']}")
    assert page.status_code == 200
    assert "The site could not be built, so nothing was published." in page.text
    assert "<script>x</script>" not in page.text and "&lt;script&gt;" in page.text
    assert mina.get("/staff/reports/jobs/not-a-job").status_code == 404
    assert mina.get(f"/staff/reports/jobs/{job['id']}/preview").status_code == 302


def test_an_export_downloads_as_an_uncached_attachment_for_its_manager_only_and_is_audited(
    world,
):
    _app, data, client = world
    mina, max_ = client("mina"), client("max")
    page = mina.get("/staff/exports")
    response = mina.post(
        "/staff/exports",
        data={
            "period": "other",
            "other": QUARTER,
            "format": "xlsx",
            "csrf_token": csrf(page.text),
        },
    )
    assert response.status_code == 302
    job_id = job_id_of(response.headers["Location"])
    assert wait_for(data, "export", job_id)["state"] == "done"
    ready = mina.get(f"/staff/exports/jobs/{job_id}")
    assert "Download feedback-cases-2025-26-q1.xlsx" in ready.text
    assert max_.get(f"/staff/exports/jobs/{job_id}/download").status_code == 404
    download = mina.get(f"/staff/exports/jobs/{job_id}/download")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Cache-Control"] == "no-store"
    saved = data.parent / "export.xlsx"
    saved.write_bytes(download.data)
    rows = list(openpyxl.load_workbook(saved, read_only=True).active.iter_rows(values_only=True))
    refs = {row[0] for row in rows[1:]}
    # Received April to June 2025: C1, C2, C7 are; C3 (March) and C9 (August) are not.
    assert {"C1", "C2", "C7"} <= refs and not {"C3", "C9"} & refs
    downloads = [a for a in _audit(data) if a["action"] == "export.download"]
    assert [a["actor"] for a in downloads] == ["mina"]
    assert "feedback-cases-2025-26-q1.xlsx" in downloads[0]["detail"]


def test_an_export_leaves_out_confidential_cases_a_manager_may_not_open(tmp_path, monkeypatch):
    confidential = {"ref": "C2", "at": "2025-05-02T12:00:00+00:00", "type": "flag_set"}
    app, data = report_app(
        tmp_path,
        monkeypatch,
        extra_events=[{**confidential, "value": "confidential"}],
        confidential_roles=["safeguarding_lead"],
    )
    secrets = make_people(data, {"mina": PEOPLE["mina"]})
    mina = app.test_client()
    sign_in(mina, "mina", secrets["mina"])
    page = mina.get("/staff/exports")
    response = mina.post(
        "/staff/exports",
        data={"period": "other", "other": QUARTER, "format": "csv", "csrf_token": csrf(page.text)},
    )
    job = wait_for(data, "export", job_id_of(response.headers["Location"]))
    assert job["state"] == "done", job["words"]
    text = mina.get(f"/staff/exports/jobs/{job['id']}/download").data.decode("utf-8-sig")
    refs = {line.split(",")[0].strip('"') for line in text.splitlines()[1:]}
    assert "C1" in refs and "C7" in refs
    assert "C2" not in refs  # confidential, and managers are not among who may open it


def test_an_export_without_a_format_says_so_and_starts_nothing(world):
    _app, data, client = world
    mina = client("mina")
    page = mina.get("/staff/exports")
    response = mina.post("/staff/exports", data={"period": "2025", "csrf_token": csrf(page.text)})
    assert response.status_code == 400 and "Choose CSV or XLSX" in response.text
    assert Jobs(data).latest("export") is None


# -- the background work itself ---------------------------------------------------------------


def test_work_that_fails_is_recorded_in_words_and_an_unexpected_error_hides_its_text(tmp_path):
    jobs = Jobs(tmp_path)
    for kind, work in (
        ("known", lambda progress: (_ for _ in ()).throw(JobFailed("Plain words.", "detail"))),
        ("unknown", lambda progress: (_ for _ in ()).throw(ValueError("secret 07700 900123"))),
    ):
        folder = jobs.folder(kind) / f"{time.time_ns():020d}-00000000"
        folder.mkdir(parents=True)
        background.write(
            folder,
            {
                "id": folder.name,
                "state": "queued",
                "params": {},
                "actor": "mina",
                "steps": ["One"],
                "done": 0,
                "created": time.time(),
                "result": {},
                "words": "",
                "detail": "",
            },
        )
        assert background.run(folder, work) == 1
    known, unknown = jobs.latest("known"), jobs.latest("unknown")
    assert known["state"] == "failed" and known["words"] == "Plain words."
    assert unknown["state"] == "failed" and "Something went wrong" in unknown["words"]
    assert "07700" not in json.dumps(unknown)


def test_only_one_job_of_a_kind_runs_at_a_time(tmp_path):
    jobs = Jobs(tmp_path)
    _job, waiting = _lingering_job(jobs, "report")
    try:
        with pytest.raises(Busy):
            jobs.start(
                "report",
                module="forms_app.staff.report_worker",
                params={"action": "make", "period": QUARTER},
                actor="mina",
                steps=["One"],
                settings_path=tmp_path / "settings.yaml",
                data_dir=tmp_path,
            )
    finally:
        waiting.kill()
        waiting.wait()


def test_old_finished_jobs_and_their_files_are_removed(tmp_path):
    jobs = Jobs(tmp_path)
    job, waiting = _lingering_job(jobs, "export")
    waiting.kill()
    waiting.wait()
    job_dir = jobs.folder("export") / job["id"]
    (job_dir / "feedback-cases.csv").write_text("ref\nC1\n", "utf-8")
    job.update(state="done")
    background.write(job_dir, job)
    jobs.clean("export", now=time.time() + 60)
    assert job_dir.exists()  # an hour is not up
    jobs.clean("export", now=time.time() + background.KEEP_SECONDS + 60)
    assert not job_dir.exists()


def test_the_periods_offered_are_the_latest_quarters_and_years_that_have_started():
    from datetime import date

    from forms_app.staff.report_pages import period_choices

    december = [code for code, _words in period_choices(date(2026, 12, 7))]
    assert december == ["2026Q3", "2026Q2", "2026Q1", "2025Q4", "2025Q3", "2026", "2025"]
    january = dict(period_choices(date(2026, 1, 15)))
    assert list(january)[0] == "2025Q4"
    assert january["2025Q4"].endswith("(so far)") and not january["2025Q3"].endswith("(so far)")
    assert january["2025"] == "Financial year 2025-26: 1 April 2025 to 31 March 2026 (so far)"
