"""Who may see and do what with a case, whichever way they work: the staff pages and the
shared sheet apply the same rules. (The staff pages report a forbidden case exactly like a
missing one, 404, so they never say whether a reference exists.)

- officer: cases of the services they cover, and cases they own;
- manager: every case; the weekly view; signs off responses;
- safeguarding_lead: cases flagged for safeguarding (and their own services if an officer too);
- publisher: closed cases' publication pages only (never personal details);
- admin: accounts and the audit log, no cases.

A case flagged confidential opens only for its owner and the roles named in the settings
(``staff: confidential_roles``, default manager and safeguarding_lead).
"""

from __future__ import annotations

from forms_app.accounts import User

from .flags import is_restricted
from .state import Case

CASE_ROLES = ("officer", "manager", "safeguarding_lead")
DEFAULT_CONFIDENTIAL_ROLES = ("manager", "safeguarding_lead")


def confidential_roles(raw_settings: dict) -> tuple[str, ...]:
    staff = raw_settings.get("staff") or {}
    roles = staff.get("confidential_roles") if isinstance(staff, dict) else None
    return tuple(roles) if roles else DEFAULT_CONFIDENTIAL_ROLES


def can_see(user: User, case: Case, confidential: tuple[str, ...]) -> bool:
    """May this user open this case?"""
    if case.owner == user.username and user.has(*CASE_ROLES):
        return True
    if "confidential" in case.flags and not user.has(*confidential):
        return False
    if user.has("manager"):
        return True
    if user.has("officer") and case.service in user.services:
        return True
    return user.has("safeguarding_lead") and "safeguarding" in case.flags


def visible(user: User, cases, confidential: tuple[str, ...]) -> list[Case]:
    return [case for case in cases if can_see(user, case, confidential)]


def can_publish(user: User, case: Case) -> bool:
    """Publishers (and managers) approve closed, non-confidential cases for publication; never
    a case whose processing is restricted (UK GDPR Article 18)."""
    return (
        user.has("publisher", "manager")
        and case.status == "closed"
        and "confidential" not in case.flags
        and "safeguarding" not in case.flags
        and not is_restricted(case)
    )
