"""Which environment the app runs in: production unless FORMS_APP_ENV names development, demo
or testing, so a server started without it gets the production guard, never the reverse."""

from __future__ import annotations

import os
import stat

import pytest

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.web.config import UnsafeConfiguration
from tests.support.staff import submit


@pytest.fixture
def unset(data_dir, monkeypatch):
    monkeypatch.delenv("FORMS_APP_ENV", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    old = os.umask(0o022)
    yield data_dir
    os.umask(old)


def test_an_unset_environment_is_production_and_refuses_a_weak_secret(unset, monkeypatch):
    monkeypatch.setenv("FORMS_APP_SECRET_KEY", "changeme")
    with pytest.raises(UnsafeConfiguration, match="well-known default"):
        create_app(str(EXAMPLE_SETTINGS))


def test_an_unset_environment_gets_secure_cookies(unset, monkeypatch):
    monkeypatch.setenv("FORMS_APP_SECRET_KEY", "k" * 64)
    app = create_app(str(EXAMPLE_SETTINGS))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"


def test_an_unknown_environment_refuses_to_start_and_names_the_choices(unset, monkeypatch):
    monkeypatch.setenv("FORMS_APP_ENV", "prod")
    monkeypatch.setenv("FORMS_APP_SECRET_KEY", "k" * 64)
    with pytest.raises(UnsafeConfiguration) as refused:
        create_app(str(EXAMPLE_SETTINGS))
    message = str(refused.value)
    assert "FORMS_APP_ENV" in message and "'prod'" in message
    for name in ("production", "development", "demo", "testing"):
        assert name in message


@pytest.mark.parametrize("name", ["development", "demo", "testing", " Demo "])
def test_development_demo_and_testing_are_plain_http_on_localhost(unset, monkeypatch, name):
    monkeypatch.setenv("FORMS_APP_ENV", name)
    monkeypatch.setenv("FORMS_APP_SECRET_KEY", "dev")  # refused in production, fine here
    app = create_app(str(EXAMPLE_SETTINGS))
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["SESSION_COOKIE_NAME"] == "session"


def test_production_keeps_the_data_directory_and_personal_details_private(unset, monkeypatch):
    monkeypatch.setenv("FORMS_APP_SECRET_KEY", "k" * 64)
    app = create_app(str(EXAMPLE_SETTINGS))
    submit(_parts(app))
    assert stat.S_IMODE(unset.stat().st_mode) == 0o700
    held = [path for path in unset.rglob("*") if path.is_file()]
    assert any(path.name == "personal.csv" for path in held)
    for path in held:
        if path.name != "datapackage.json":  # the published schemas, nothing personal
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_production_refusal_says_which_chmod_to_run(unset, monkeypatch):
    monkeypatch.setenv("FORMS_APP_SECRET_KEY", "k" * 64)
    create_app(str(EXAMPLE_SETTINGS))
    os.umask(0o022)
    unset.chmod(0o750)
    with pytest.raises(UnsafeConfiguration) as refused:
        create_app(str(EXAMPLE_SETTINGS))
    assert f"chmod -R go-rwx {unset}" in str(refused.value)


def _parts(app):
    from forms_app.web.parts import EXTENSION

    return app.extensions[EXTENSION]
