"""Staff pages at ``/staff/``: sign-in with a second factor, the inbox, the case list, the
officer's figures and bulk actions, case pages with every action, letters, learning actions,
the manager's weekly view and figures per service, and account management for admins."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("staff", __name__, url_prefix="/staff")
staff_pages = blueprint

# The modules register their routes on the blueprint.
from . import (  # noqa: E402,F401
    admin_accounts,
    admin_changes,
    auth,
    bulk,
    case_actions,
    case_files,
    case_page,
    dashboard,
    export_pages,
    letter_pages,
    linking_pages,
    log_feedback,
    message_pages,
    pages,
    publication_approval,
    report_pages,
    request_pages,
    search_pages,
    single_sign_on,
)

__all__ = ["staff_pages"]
