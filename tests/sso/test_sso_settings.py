"""The ``sign_in`` settings are checked when the app starts: settings that cannot work (or
would be unsafe) stop it with a message naming the key."""

from __future__ import annotations

import pytest

from forms_app.identity import SingleSignOnError, sign_in_settings
from tests.support.oidc import SECRET_ENV, single_sign_on_settings

SERVICES = ["home-care", "mental-health"]


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    monkeypatch.setenv(SECRET_ENV, "a-test-only-client-secret")


def _raw(issuer="https://login.example.org/t/v2.0", **changes):
    return {"sign_in": single_sign_on_settings(issuer, **changes)}


def test_sso_settings_are_read_with_their_maps():
    options = sign_in_settings(_raw(), SERVICES)
    assert options.local_accounts is True
    assert options.single_sign_on.role_map["Casework.Manager"] == ("manager",)
    assert options.single_sign_on.client_secret() == "a-test-only-client-secret"
    assert sign_in_settings({}, SERVICES).single_sign_on is None


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        (_raw(role_map={"Casework.Boss": ["superuser"]}), "role_map"),
        (_raw(role_map={}), "role_map"),
        (_raw(service_map={"grp": ["no-such-service"]}), "service_map"),
        (_raw(issuer="http://login.example.org/t/v2.0"), "https"),
        (_raw(client_secret_env="s3cr3t-pasted-here"), "client_secret_env"),
        (_raw(client_secret_env="FEEDBACK_UNSET_SECRET"), "FEEDBACK_UNSET_SECRET"),
        ({"sign_in": {"local_accounts": False}}, "nobody could sign in"),
        ({"sign_in": {"local_accounts": "no"}}, "local_accounts"),
    ],
    ids=[
        "unknown-role",
        "no-roles",
        "unknown-service",
        "plain-http",
        "secret-in-file",
        "secret-unset",
        "nobody",
        "not-a-boolean",
    ],
)
def test_sso_settings_that_cannot_work_are_refused(raw, named, monkeypatch):
    monkeypatch.delenv("FEEDBACK_UNSET_SECRET", raising=False)
    with pytest.raises(SingleSignOnError, match=named):
        sign_in_settings(raw, SERVICES)
