"""Who may see and do what on the staff pages. The rules are casework's
(``forms_app.casework.access``), so the shared sheet applies the very same ones."""

from __future__ import annotations

from forms_app.casework.access import (
    CASE_ROLES,
    DEFAULT_CONFIDENTIAL_ROLES,
    can_publish,
    can_see,
    confidential_roles,
    visible,
)

__all__ = [
    "CASE_ROLES",
    "DEFAULT_CONFIDENTIAL_ROLES",
    "can_publish",
    "can_see",
    "confidential_roles",
    "visible",
]
