"""``feedback sheets sync`` with app servers sharing a PostgreSQL database: one sync worker for
every server (the database's lock), so ``--once`` is refused while a worker on another server
holds it, and syncs once it is free."""

from __future__ import annotations

import pytest

from forms_app import create_app
from forms_app.cli.group import main
from forms_app.storage.postgres.worker_lock import WorkerLock
from forms_app.storage.shared_database import use_database
from tests.support.fake_sheets import SERVICE_ACCOUNT, FakeClock
from tests.support.sheets import settings_file, submit


@pytest.fixture
def shared_sheet_app(tmp_path, data_dir, fake, postgres_url, monkeypatch):
    path = settings_file(
        tmp_path,
        {
            "spreadsheet_key": fake.spreadsheet.id,
            "api_base_url": fake.base_url,
            "service_account_email": SERVICE_ACCOUNT,
            "request_timeout_seconds": 2,
        },
    )
    monkeypatch.setenv("FORMS_APP_SETTINGS", str(path))
    monkeypatch.setenv("FORMS_APP_STORE_URL", postgres_url)
    app = create_app(str(path))
    yield app, postgres_url
    use_database(data_dir, "")


def test_postgres_sync_once_waits_its_turn_behind_a_worker_on_another_server(
    shared_sheet_app, fake, data_dir
):
    app, url = shared_sheet_app
    runner = app.test_cli_runner()
    assert runner.invoke(main, ["sheets", "setup"]).exit_code == 0
    ref = submit(app.extensions["feedback"], FakeClock(fake.clock.time()))
    elsewhere = WorkerLock(url, "sheets")
    try:
        assert elsewhere.take()
        refused = runner.invoke(main, ["sheets", "sync", "--once"])
        assert refused.exit_code == 1, refused.output
        assert "another sheets sync worker is running on a server sharing" in refused.output
        assert fake.keys("Intake") == []
        elsewhere.release()
        synced = runner.invoke(main, ["sheets", "sync", "--once"])
        assert synced.exit_code == 0, synced.output
        assert "intake +1, triage +1" in synced.output
        assert fake.keys("Intake") == [ref]
        assert not (data_dir / "sheets" / "worker.lock").exists(), "no local lock file"
    finally:
        elsewhere.release()
