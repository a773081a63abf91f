"""What every staff view needs: the signed-in user, the case index, the audit log, rendering."""

from __future__ import annotations

from datetime import date

from flask import abort, g, render_template

from forms_app.accounts import User, UserBook
from forms_app.casework.index import CaseIndex
from forms_app.casework.state import Case
from forms_app.records import audit
from forms_app.web.parts import case_index, parts

from .access import can_see, confidential_roles

_BOOKS: dict[str, UserBook] = {}


def users() -> UserBook:
    """The accounts file of this data directory (one cached reader per process)."""
    data_dir = str(parts().settings.data_dir)
    book = _BOOKS.get(data_dir)
    if book is None:
        book = _BOOKS[data_dir] = UserBook(parts().settings.data_dir)
    return book


def user() -> User:
    return g.staff_user


def index() -> CaseIndex:
    return case_index()


def today() -> date:
    return date.today()


def confidential() -> tuple[str, ...]:
    return confidential_roles(parts().settings.raw)


def visible_case(ref: str) -> Case:
    """The case if this user may see it; 404 if not, exactly as if it did not exist."""
    case = index().get(ref)
    if case is None or not can_see(user(), case, confidential()):
        audit_log("case.denied", ref=ref if case is not None else None)
        abort(404)
    return case


def audit_log(action: str, *, ref: str | None = None, fields=(), detail: str = "") -> None:
    """Record a staff view, change or export in the hash-chained audit log."""
    audit.record(
        parts().settings.data_dir,
        actor=g.staff_user.username if g.get("staff_user") else "anonymous",
        action=action,
        ref=ref,
        fields=tuple(fields),
        detail=detail,
    )


def render(template_name: str, **context):
    """Render a staff page with the service name, navigation and signed-in user."""
    return render_template(
        template_name,
        service_name="Casework",
        staff_user=g.get("staff_user"),
        **context,
    )
