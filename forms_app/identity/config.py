"""The ``sign_in`` section of the settings file, checked when the app starts::

    sign_in:
      local_accounts: true          # password and second factor; false needs single_sign_on
      single_sign_on:
        issuer: https://login.microsoftonline.com/<tenant id>/v2.0
        metadata_url: ...           # optional; the issuer's /.well-known/openid-configuration
        client_id: <application (client) id>
        client_secret_env: FEEDBACK_SSO_CLIENT_SECRET   # the secret itself is never in the file
        directory_name: Riverside staff account          # "Sign in with <directory_name>"
        scopes: [openid, profile, email]
        role_claim: roles           # the claim holding app roles (or groups)
        role_map: {Casework.Officer: [officer]}
        service_claim: groups       # optional, the role claim when left out
        service_map: {<group id>: [home-care]}
        username_claim: preferred_username
        name_claim: name
        email_claim: email

A person whose claims map to no role gets no access: there is no default role.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from forms_app.accounts import ROLES

ENVIRONMENT_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,63}$")
# Plain HTTP is accepted only for a provider on this machine (the tests' own provider):
# anywhere else the discovery document, keys and tokens must come over TLS.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class SingleSignOnError(ValueError):
    """The ``sign_in`` settings cannot work: the message says which key and why."""


@dataclass(frozen=True)
class SingleSignOn:
    issuer: str
    metadata_url: str
    client_id: str
    client_secret_env: str
    directory_name: str
    scopes: tuple[str, ...]
    role_claim: str
    role_map: dict[str, tuple[str, ...]] = field(hash=False)
    service_claim: str
    service_map: dict[str, tuple[str, ...]] = field(hash=False)
    username_claim: str = "preferred_username"
    name_claim: str = "name"
    email_claim: str = "email"

    def client_secret(self) -> str:
        return os.environ.get(self.client_secret_env, "")


@dataclass(frozen=True)
class SignInSettings:
    single_sign_on: SingleSignOn | None
    local_accounts: bool


def sign_in_settings(raw: dict | None, service_codes: Iterable[str]) -> SignInSettings:
    """The checked ``sign_in`` section (local accounts only when it is absent)."""
    section = (raw or {}).get("sign_in") or {}
    if not isinstance(section, dict):
        raise SingleSignOnError("sign_in must be a mapping")
    local_accounts = section.get("local_accounts", True)
    if not isinstance(local_accounts, bool):
        raise SingleSignOnError("sign_in.local_accounts must be true or false")
    sso = section.get("single_sign_on")
    single_sign_on = _single_sign_on(sso, set(service_codes)) if sso else None
    if single_sign_on is None and not local_accounts:
        raise SingleSignOnError(
            "sign_in.local_accounts is false but sign_in.single_sign_on is not set: "
            "nobody could sign in"
        )
    return SignInSettings(single_sign_on, local_accounts)


def _single_sign_on(section, service_codes: set[str]) -> SingleSignOn:
    if not isinstance(section, dict):
        raise SingleSignOnError("sign_in.single_sign_on must be a mapping")

    def text(key: str, default: str | None = None) -> str:
        value = section.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise SingleSignOnError(f"sign_in.single_sign_on.{key} is needed (text)")
        return value.strip()

    issuer = text("issuer").rstrip("/") if section.get("issuer") else ""
    metadata_url = section.get("metadata_url") or (
        f"{issuer}/.well-known/openid-configuration" if issuer else ""
    )
    if not metadata_url:
        raise SingleSignOnError("sign_in.single_sign_on needs issuer (or metadata_url)")
    for key, address in (("issuer", issuer), ("metadata_url", metadata_url)):
        if address:
            _check_address(key, address)
    secret_env = text("client_secret_env")
    if not ENVIRONMENT_NAME.match(secret_env):
        raise SingleSignOnError(
            "sign_in.single_sign_on.client_secret_env is the NAME of an environment variable "
            "(capital letters, digits and _), never the secret itself"
        )
    if not os.environ.get(secret_env):
        raise SingleSignOnError(
            f"the environment variable {secret_env} (sign_in.single_sign_on.client_secret_env) "
            "is empty: set it to the client secret"
        )
    scopes = section.get("scopes") or ["openid", "profile", "email"]
    if not isinstance(scopes, list) or "openid" not in scopes:
        raise SingleSignOnError("sign_in.single_sign_on.scopes is a list including openid")
    role_claim = text("role_claim", "roles")
    return SingleSignOn(
        issuer=issuer,
        metadata_url=metadata_url,
        client_id=text("client_id"),
        client_secret_env=secret_env,
        directory_name=text("directory_name", "your organisation's account"),
        scopes=tuple(str(scope) for scope in scopes),
        role_claim=role_claim,
        role_map=_mapping("role_map", section.get("role_map"), set(ROLES), required=True),
        service_claim=text("service_claim", role_claim),
        service_map=_mapping("service_map", section.get("service_map"), service_codes),
        username_claim=text("username_claim", "preferred_username"),
        name_claim=text("name_claim", "name"),
        email_claim=text("email_claim", "email"),
    )


def _check_address(key: str, address: str) -> None:
    parts = urlsplit(address)
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    )
    if not secure or not parts.hostname:
        raise SingleSignOnError(f"sign_in.single_sign_on.{key} must be an https:// address")


def _mapping(key: str, value, allowed: set[str], *, required: bool = False) -> dict:
    """{claim value: (role or service, ...)}, every target one we know."""
    if not value:
        if required:
            raise SingleSignOnError(
                f"sign_in.single_sign_on.{key} is needed: which claim values give which roles"
            )
        return {}
    if not isinstance(value, dict):
        raise SingleSignOnError(f"sign_in.single_sign_on.{key} must be a mapping")
    out = {}
    for claim_value, targets in value.items():
        targets = [targets] if isinstance(targets, str) else targets
        if not isinstance(targets, list) or not targets:
            raise SingleSignOnError(f"sign_in.single_sign_on.{key}.{claim_value}: give a list")
        unknown = [target for target in targets if target not in allowed]
        if unknown:
            unknown_text = ", ".join(map(str, unknown))
            raise SingleSignOnError(
                f"sign_in.single_sign_on.{key}.{claim_value}: unknown {unknown_text}"
                f" (known: {', '.join(sorted(allowed))})"
            )
        out[str(claim_value)] = tuple(targets)
    return out
