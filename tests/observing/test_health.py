"""``/healthz`` answers at once; ``/readyz`` answers 503 naming the check that failed (data
directory, store lock, free disk, sheet outbox) and nothing a person or an attacker could use."""

from __future__ import annotations

import builtins
import errno
import os
import shutil
import time
from collections import namedtuple

import pytest

from forms_app.observing import health
from forms_app.organisation.settings import SettingsError
from forms_app.records.audit import LOG_NAME as AUDIT_LOG
from forms_app.sheets.outbox import Outbox, outbox_path
from forms_app.storage.lock import StoreLock

Usage = namedtuple("Usage", "total used free")


def _failed(response) -> list[str]:
    return sorted(
        name for name, result in response.get_json()["checks"].items() if result == "failed"
    )


def test_healthz_answers_alive_without_touching_the_disk(app, monkeypatch):
    client = app.test_client()

    def no_disk(*_args, **_kwargs):
        raise AssertionError("healthz touched the disk")

    monkeypatch.setattr(os, "open", no_disk)
    monkeypatch.setattr(builtins, "open", no_disk)
    monkeypatch.setattr(shutil, "disk_usage", no_disk)
    response = client.get("/healthz")
    monkeypatch.undo()
    assert response.status_code == 200
    assert response.get_json() == {"status": "alive"}


def test_readyz_is_ready_on_a_healthy_data_directory(app):
    response = app.test_client().get("/readyz")
    assert response.status_code == 200, response.text
    assert response.get_json() == {
        "status": "ready",
        "checks": {
            "data_dir": "ok",
            "store_lock": "ok",
            "disk_space": "ok",
            "sheet_outbox": "skipped",
        },
    }


def test_health_pages_set_no_cookie_and_write_no_audit_entry(app, data_dir):
    client = app.test_client()
    for _ in range(30):
        for url in ("/healthz", "/readyz"):
            response = client.get(url)
            assert response.status_code == 200
            assert "Set-Cookie" not in response.headers
    assert not (data_dir / AUDIT_LOG).exists()
    # The probe file the writable check makes is always removed.
    assert not list(data_dir.glob(".ready-*"))


def test_readyz_fails_on_a_read_only_data_directory(app, data_dir, monkeypatch):
    real_open = os.open

    def read_only(path, flags, *args):
        if str(path).startswith(str(data_dir)) and flags & os.O_CREAT and "/.ready-" in str(path):
            raise OSError(errno.EROFS, "Read-only file system")
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", read_only)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "not ready"
    assert _failed(response) == ["data_dir"]


def test_readyz_fails_when_the_data_directory_is_gone_and_names_no_path(app, data_dir):
    shutil.rmtree(data_dir)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert _failed(response) == ["data_dir", "disk_space", "store_lock"]
    assert str(data_dir) not in response.text and "/tmp" not in response.text
    assert not data_dir.exists(), "the check must not make the folder it checks"


def test_readyz_fails_while_the_store_lock_is_held(app, data_dir, tune):
    tune(app, lock_seconds=0.2)
    client = app.test_client()
    with StoreLock(data_dir):
        started = time.monotonic()
        held = client.get("/readyz")
        waited = time.monotonic() - started
    assert held.status_code == 503
    assert _failed(held) == ["store_lock"]
    assert waited >= 0.2
    assert client.get("/readyz").status_code == 200


def test_readyz_waits_for_a_lock_released_within_the_time(app, data_dir, tune):
    import threading

    tune(app, lock_seconds=5)
    lock = StoreLock(data_dir)
    lock.__enter__()
    threading.Timer(0.2, lock.__exit__).start()
    assert app.test_client().get("/readyz").status_code == 200


def test_readyz_fails_when_free_disk_is_below_the_threshold(app, monkeypatch, tune):
    tune(app, min_free_bytes=500 * 1024 * 1024)
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: Usage(10**12, 10**12, 499 * 1024**2))
    low = app.test_client().get("/readyz")
    assert low.status_code == 503
    assert _failed(low) == ["disk_space"]
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: Usage(10**12, 10**12, 501 * 1024**2))
    assert app.test_client().get("/readyz").status_code == 200


def test_the_free_disk_threshold_comes_from_the_environment(data_dir, monkeypatch):
    from forms_app import create_app
    from forms_app.organisation.settings import EXAMPLE_SETTINGS

    monkeypatch.setenv("FORMS_APP_READY_MIN_FREE_MB", "2048")
    app = create_app(str(EXAMPLE_SETTINGS))
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: Usage(10**12, 10**12, 2047 * 1024**2))
    assert _failed(app.test_client().get("/readyz")) == ["disk_space"]


def test_a_threshold_that_is_not_a_number_stops_the_app_at_start(data_dir, monkeypatch):
    from forms_app import create_app
    from forms_app.organisation.settings import EXAMPLE_SETTINGS

    monkeypatch.setenv("FORMS_APP_READY_MIN_FREE_MB", "lots")
    with pytest.raises(SettingsError, match="FORMS_APP_READY_MIN_FREE_MB"):
        create_app(str(EXAMPLE_SETTINGS))


def test_readyz_fails_when_a_row_has_waited_too_long_for_the_sheet(sheet_app, data_dir, tune):
    tune(sheet_app, outbox_stuck_seconds=600)
    outbox = Outbox(outbox_path(data_dir))
    try:
        outbox.enqueue("Intake", [("RSH-FRESH", time.time() - 60, None)])
        client = sheet_app.test_client()
        fresh = client.get("/readyz")
        assert fresh.status_code == 200
        assert fresh.get_json()["checks"]["sheet_outbox"] == "ok"
        outbox.enqueue("Intake", [("RSH-STUCK", time.time() - 601, None)])
        stuck = client.get("/readyz")
    finally:
        outbox.close()
    assert stuck.status_code == 503
    assert _failed(stuck) == ["sheet_outbox"]
    assert "RSH-STUCK" not in stuck.text


def test_without_a_limit_the_outbox_uses_the_sheets_own_stale_time(sheet_app, data_dir):
    outbox = Outbox(outbox_path(data_dir))
    try:
        outbox.enqueue("Intake", [("RSH-HALF", time.time() - 1800, None)])
        assert sheet_app.test_client().get("/readyz").status_code == 200
        outbox.enqueue("Intake", [("RSH-OLD", time.time() - 3700, None)])  # default: 3600 s
        assert _failed(sheet_app.test_client().get("/readyz")) == ["sheet_outbox"]
    finally:
        outbox.close()


def test_a_check_that_raises_fails_its_check_and_never_gives_a_500(app, monkeypatch):
    def broken(_watched):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(health, "disk_space_left", broken)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert _failed(response) == ["disk_space"]


def test_a_probe_file_gone_while_a_worker_starts_does_not_stop_it(app, data_dir, monkeypatch):
    """A worker starting in production lists the data directory and checks each file's mode;
    a readiness probe (or a draft being saved) in another worker can vanish in between."""
    from pathlib import Path

    from forms_app.web.security import check_data_dir

    listed = Path.rglob

    def with_a_vanished_probe(self, pattern):
        yield from listed(self, pattern)
        yield data_dir / ".ready-1-0a1b2c3d.tmp"

    monkeypatch.setattr(Path, "rglob", with_a_vanished_probe)
    umask = os.umask(0o077)
    try:
        check_data_dir(app)
    finally:
        os.umask(umask)
