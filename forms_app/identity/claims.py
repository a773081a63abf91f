"""From the provider's claims to a member of staff: who they are (the provider's subject,
a username, name and email) and what they may do (roles and services through the maps in the
settings). Only mapped values count; a person none of whose values is mapped has no roles,
and so no access: there is never a default role.

A claim may hold one value or a list (Microsoft Entra ID puts app roles in ``roles`` and
group object ids in ``groups``, both lists).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from forms_app.accounts import ROLES

from .config import SingleSignOn
from .tokens import TokenRefused

# What a username made from a directory claim may hold: the letters the audit log accepts for
# who did something (at most 100). A user principal name or email address gives its part before
# the "@" (olwen.officer@trust.nhs.uk is olwen.officer); an object id is used whole.
DIRECTORY_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,99}$")


@dataclass(frozen=True)
class DirectoryPerson:
    subject: str  # the provider's issuer and the person's subject there: never reused
    username: str
    name: str
    email: str
    roles: tuple[str, ...]
    services: tuple[str, ...]


def _values(claims: dict, name: str) -> list[str]:
    value = claims.get(name)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _mapped(values: list[str], mapping: dict[str, tuple[str, ...]]) -> list[str]:
    found: list[str] = []
    for value in values:
        found.extend(mapping.get(value, ()))
    return list(dict.fromkeys(found))


def person_from_claims(claims: dict, config: SingleSignOn) -> DirectoryPerson:
    """The person the verified ID token describes; ``TokenRefused`` when it names no usable
    username."""
    username = str(claims.get(config.username_claim) or "").strip().lower().split("@")[0]
    if not DIRECTORY_USERNAME.match(username):
        raise TokenRefused(f"{config.username_claim}: not a usable username")
    roles = [
        role
        for role in ROLES
        if role in _mapped(_values(claims, config.role_claim), config.role_map)
    ]
    services = _mapped(_values(claims, config.service_claim), config.service_map)
    name = str(claims.get(config.name_claim) or "").strip()[:100] or username
    email = str(claims.get(config.email_claim) or "").strip()[:200]
    return DirectoryPerson(
        subject=f"{claims['iss']} {claims['sub']}",
        username=username,
        name=name,
        email=email,
        roles=tuple(roles),
        services=tuple(services),
    )
