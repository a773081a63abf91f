"""``feedback sheets setup|sync|status`` and ``configured`` (what the run command asks)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from forms_app import create_app
from forms_app.cli.group import main
from forms_app.organisation.settings import (
    EXAMPLE_SETTINGS,
    PROJECT_DIR,
    SettingsError,
    load_settings,
)
from forms_app.sheets.config import sheets_config
from forms_app.sheets.worker import configured
from tests.support.fake_sheets import SERVICE_ACCOUNT
from tests.support.sheets import make_staff, settings_file, submit


@pytest.fixture
def sheet_app(tmp_path, data_dir, fake, monkeypatch):
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
    make_staff(data_dir)
    app = create_app(str(path))
    return app


def test_configured_only_with_a_sheet_and_a_way_to_reach_it(tmp_path):
    assert not configured(load_settings(EXAMPLE_SETTINGS))
    on = {"spreadsheet_key": "abc", "credentials_file": "/etc/feedback/key.json"}
    assert configured(load_settings(settings_file(tmp_path, on)))
    assert not configured(load_settings(settings_file(tmp_path, {**on, "enabled": False})))
    assert not configured(load_settings(settings_file(tmp_path, {"spreadsheet_key": "abc"})))
    assert not configured(load_settings(settings_file(tmp_path, {**on, "colour": "red"})))
    with pytest.raises(SettingsError, match="unknown key"):
        sheets_config(load_settings(settings_file(tmp_path, {**on, "colour": "red"})))
    with pytest.raises(SettingsError, match="loopback"):
        sheets_config(
            load_settings(settings_file(tmp_path, {**on, "api_base_url": "https://evil.example"}))
        )
    config = sheets_config(load_settings(settings_file(tmp_path, {**on, "alert_to": "a@b.org"})))
    assert config.alert_to == ("a@b.org",) and config.include_personal is False
    assert config.credentials_file == Path("/etc/feedback/key.json")


def test_the_configured_check_the_run_command_uses(tmp_path):
    """``python -m forms_app.sheets.worker`` exits 0 when a sheet is configured (the
    Makefile's test before starting ``feedback sheets sync``); 1 otherwise."""
    on = {"spreadsheet_key": "abc", "credentials_file": "key.json", "enabled": False}
    env = {"FORMS_APP_SETTINGS": str(settings_file(tmp_path, on)), "PATH": "/usr/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "forms_app.sheets.worker"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr  # turned off: not started


def test_setup_sync_and_status_commands(sheet_app, fake, data_dir):
    runner = sheet_app.test_cli_runner()
    first = runner.invoke(main, ["sheets", "setup"])
    assert first.exit_code == 0, first.output
    assert "created tabs: Intake, Triage, Problems" in first.output
    assert "personal details: not in the sheet" in first.output
    again = runner.invoke(main, ["sheets", "setup"])
    assert again.exit_code == 0 and "created" not in again.output, again.output

    parts = sheet_app.extensions["feedback"]
    from tests.support.fake_sheets import FakeClock

    refs = [submit(parts, FakeClock(fake.clock.time())) for _ in range(3)]
    synced = runner.invoke(main, ["sheets", "sync", "--once"])
    assert synced.exit_code == 0, synced.output
    assert "intake +3, triage +3" in synced.output
    assert sorted(fake.keys("Intake")) == sorted(refs)

    status = runner.invoke(main, ["sheets", "status"])
    assert status.exit_code == 0, status.output
    assert "Waiting: 0 for Intake" in status.output
    assert "Last successful sync:" in status.output

    fake.share_with_anyone()
    refused = runner.invoke(main, ["sheets", "setup"])
    assert refused.exit_code == 1 and "anyone who has the link" in refused.output


def test_commands_say_when_no_sheet_is_configured(app):
    result = app.test_cli_runner().invoke(main, ["sheets", "status"])
    assert result.exit_code == 1 and "no sheet is configured" in result.output
    assert "sheets" in app.test_cli_runner().invoke(main, ["--help"]).output
