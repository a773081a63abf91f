"""Staff accounts: argon2id hashes, TOTP with replay refused, lockout, atomic file, commands."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from forms_app.accounts import UserBook, UserError
from forms_app.accounts.totp import matching_step
from forms_app.cli.staff import users_command
from tests.support.staff import PASSWORD


def test_accounts_file_holds_hashes_never_passwords(data_dir):
    book = UserBook(data_dir)
    user = book.add(
        "Olive", name="Olive Officer", password=PASSWORD, roles=["officer"], services=["home-care"]
    )
    assert user.username == "olive"
    text = (data_dir / "users.json").read_text()
    assert PASSWORD not in text
    assert json.loads(text)["users"]["olive"]["password_hash"].startswith("$argon2id$")
    assert stat.S_IMODE((data_dir / "users.json").stat().st_mode) == 0o600
    assert not list(data_dir.glob("*.tmp"))
    with pytest.raises(UserError):
        book.add("olive", name="Again", password=PASSWORD, roles=["officer"])
    with pytest.raises(UserError):
        book.add("short", name="Short", password="too short", roles=["officer"])
    with pytest.raises(UserError):
        book.add("bad", name="Bad", password=PASSWORD, roles=["superuser"])


def test_password_then_code_and_a_code_is_never_accepted_twice(data_dir):
    book = UserBook(data_dir)
    user = book.add("olive", name="Olive", password=PASSWORD, roles=["officer"])
    now = datetime.now(UTC)
    assert book.check_password("olive", PASSWORD, now) is not None
    assert book.check_password("olive", "wrong password!", now) is None
    assert book.check_password("nobody", PASSWORD, now) is None
    code = pyotp.TOTP(user.totp_secret).at(now)
    assert book.check_code("olive", code, now) is not None
    assert book.check_code("olive", code, now) is None  # replayed
    assert matching_step(user.totp_secret, "12345", 0) is None


def test_lockout_after_five_failures_and_unlock(data_dir, app):
    book = UserBook(data_dir)
    book.add("olive", name="Olive", password=PASSWORD, roles=["officer"])
    now = datetime.now(UTC)
    for _ in range(5):
        assert book.check_password("olive", "wrong password!", now) is None
    assert book.get("olive").locked(now)
    assert book.check_password("olive", PASSWORD, now) is None  # locked, even when right
    assert book.check_password("olive", PASSWORD, now + timedelta(minutes=16)) is not None
    result = app.test_cli_runner().invoke(users_command, ["unlock", "olive"])
    assert result.exit_code == 0 and not book.get("olive").locked_until


def test_users_commands(app, data_dir):
    runner = app.test_cli_runner()
    result = runner.invoke(
        users_command,
        [
            "add",
            "olive",
            "--name",
            "Olive Officer",
            "--role",
            "officer",
            "--service",
            "home-care",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "otpauth://totp/" in result.output
    secret = UserBook(data_dir).get("olive").totp_secret
    assert secret in result.output
    bad = runner.invoke(
        users_command,
        [
            "add",
            "x1",
            "--name",
            "X",
            "--role",
            "officer",
            "--service",
            "no-such",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert bad.exit_code != 0
    assert (
        runner.invoke(
            users_command, ["set-roles", "olive", "--role", "manager", "--role", "officer"]
        ).exit_code
        == 0
    )
    assert UserBook(data_dir).get("olive").roles == ["manager", "officer"]
    assert runner.invoke(users_command, ["reset-totp", "olive"]).exit_code == 0
    assert UserBook(data_dir).get("olive").totp_secret != secret
    assert runner.invoke(users_command, ["disable", "olive"]).exit_code == 0
    listing = runner.invoke(users_command, ["list"]).output
    assert "olive" in listing and "disabled" in listing and secret not in listing
    assert runner.invoke(users_command, ["disable", "nobody"]).exit_code != 0
