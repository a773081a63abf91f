"""The staff pages that list things: home, inbox, case list, weekly view, learning actions,
publication queue, and the audit log (accounts are in admin_accounts.py)."""

from __future__ import annotations

from flask import request, url_for

from forms_app.casework.actions import action_rows
from forms_app.casework.listing import Filters, case_rows, needs_attention
from forms_app.records import audit
from forms_app.tracking.conversation import unanswered_replies, unseen_files
from forms_app.web.parts import parts

from . import blueprint, labels
from .access import can_publish, visible
from .auth import need
from .context import audit_log, confidential, index, render, today, user, users

PAGE_SIZE = 50


def _names() -> dict[str, str]:
    return {u.username: u.name for u in users().all()}


def _common():
    p = parts()
    return {
        "names": _names(),
        "kinds": labels.KINDS,
        "status_labels": labels.STATUS,
        "services": {s.code: s.name for s in p.settings.services},
        "themes": {t.code: t.name for t in p.settings.themes},
        "flag_labels": labels.FLAGS,
        "stage_names": {s.code: s.name for pr in reversed(p.procedures) for s in pr.stages},
    }


def _my_open_cases():
    me = user()
    # Remembered until any case changes: the home page and the inbox ask for it on every view.
    key = ("open cases seen by", me.username, tuple(me.roles), tuple(me.services))
    return index().memo(key, lambda: visible(me, index().open_cases(), confidential()))


def visible_briefs(*, open_only: bool = False):
    """Every case (or every open one) this member of staff may see, in brief
    (``casework.briefs``): the lists and the home page's figures fold only the cases they draw.
    Remembered until any case changes or the day does."""
    me, day = user(), today()
    key = ("briefs seen by", me.username, tuple(me.roles), tuple(me.services), day, open_only)
    if open_only:
        return index().memo(key, lambda: [c for c in visible_briefs() if c.is_open])
    return index().memo(key, lambda: visible(me, index().briefs(day), confidential()))


def _my_open_briefs():
    return visible_briefs(open_only=True)


@blueprint.route("/")
def home():
    me = user()
    rows = []
    safeguarding = []
    if me.has("officer", "manager", "safeguarding_lead"):
        cases = _my_open_briefs()
        rows = case_rows(index(), [c for c in cases if c.owner == me.username], today())
        if me.has("safeguarding_lead", "manager"):
            safeguarding = case_rows(
                index(), [c for c in cases if "safeguarding" in c.flags], today(), Filters()
            )
    audit_log("home.view", detail=f"{len(rows)} own cases")
    # The person wrote, or added files, on the tracking page since anyone on the staff last
    # acted on the case (only their own cases are folded to find out).
    own = sorted(row.ref for row in rows)
    replied = [
        (c.ref, n, f)
        for c in (index().peek(ref) for ref in own)
        if c is not None and ((n := unanswered_replies(c)) + (f := unseen_files(c)))
    ]
    return render(
        "staff/home.html",
        title="Home",
        rows=rows,
        safeguarding=safeguarding,
        replied=replied,
        **_common(),
    )


@blueprint.route("/inbox")
@need("officer", "manager")
def inbox():
    cases = [c for c in _my_open_briefs() if c.in_inbox]
    rows = case_rows(index(), cases, today(), Filters(sort="received"))
    audit_log("inbox.view", detail=f"{len(rows)} cases")
    return render("staff/inbox.html", title="Inbox", rows=rows, **_common())


#: Which cases the list shows (``status=closed`` or ``status=all``; open ones otherwise).
SCOPES = {"open": "Open cases", "closed": "Closed cases", "all": "All cases"}
#: The only query parameters the list's own links carry on (anything else typed into the
#: address is dropped: a parameter such as ``_method`` would otherwise reach ``url_for``).
LIST_PARAMETERS = ("service", "stage", "owner", "status", "kind", "sort")


def _scope(args) -> str:
    wanted = args.get("status", "")
    return wanted if wanted in ("closed", "all") else "open"


@blueprint.route("/cases")
@need("officer", "manager", "safeguarding_lead")
def case_list():
    filters = Filters.from_args(request.args)
    scope = _scope(request.args)
    me = user()
    key = ("cases", me.username, tuple(me.roles), tuple(me.services), filters, scope, today())
    rows, owners = index().memo(key, lambda: _list(filters, scope))
    page = max(1, request.args.get("page", 1, type=int) or 1)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(page, pages)
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    audit_log(
        "cases.view",
        detail=f"filters service={_code(filters.service)} stage={_code(filters.stage)}"
        f" status={filters.status}"
        f" scope={scope} sort={filters.sort} page={page}",
    )
    query = {
        name: value
        for name in LIST_PARAMETERS
        if (value := _kept(name, filters, scope, request.args.get(name, "")))
    }

    def page_url(number):
        return url_for("staff.case_list", page=number, **query)

    return render(
        "staff/cases.html",
        title=SCOPES[scope],
        scope=scope,
        rows=shown,
        total=len(rows),
        filters=filters,
        page=page,
        pages=pages,
        page_url=page_url,
        owners=owners,
        sort_url=lambda sort: url_for("staff.case_list", **{**query, "sort": sort}),
        **_common(),
    )


def _code(value: str) -> str:
    """A filter value as the audit log may keep it: a known service or stage code, else
    "other" (a typed value could be a name or a number that is personal data)."""
    p = parts()
    known = {s.code for s in p.settings.services} | {s.code for r in p.procedures for s in r.stages}
    return value if not value or value in known else "other"


def _kept(name: str, filters: Filters, scope: str, raw: str) -> str:
    """The value of one list parameter to carry on in links: as understood, never as typed."""
    if name == "status":
        return scope if scope != "open" else filters.status
    if name == "sort":
        return filters.sort if filters.sort != "due" else ""
    return getattr(filters, name) if raw else ""


def _list(filters: Filters, scope: str = "open"):
    if scope == "open":
        cases = _my_open_briefs()
    else:
        everything = visible_briefs()
        cases = everything if scope == "all" else [c for c in everything if not c.is_open]
    rows = case_rows(index(), cases, today(), filters)
    if scope != "open" and filters.sort == "due":
        # Closed cases have nothing due: the most recently received first reads best.
        rows.sort(key=lambda row: (row.brief.is_open, row.brief.received_at), reverse=True)
    return rows, sorted({row.brief.owner for row in rows if row.brief.owner})


@blueprint.route("/weekly")
@need("manager")
def weekly():
    me = user()
    key = ("weekly", me.username, tuple(me.roles), tuple(me.services), today())
    rows, attention, unsigned, overdue_actions, reviews = index().memo(key, _weekly)
    audit_log("weekly.view", detail=f"{len(attention)} need attention")
    return render(
        "staff/weekly.html",
        title="Weekly view",
        attention=attention,
        unsigned=unsigned,
        overdue_actions=overdue_actions,
        reviews=reviews,
        open_count=len(rows),
        **_common(),
    )


def _weekly():
    rows = case_rows(index(), _my_open_cases(), today())
    cases = visible(user(), index().all_cases(), confidential())
    return (
        rows,
        needs_attention(rows),
        [r for r in rows if r.case.unsigned],
        [r for r in action_rows(cases, today()) if r.overdue],
        [c for c in cases if c.is_open and c.review_on and c.review_on <= today()],
    )


@blueprint.route("/actions")
@need("officer", "manager")
def actions():
    show_all = request.args.get("show") == "all"
    me = user()
    key = ("actions", me.username, tuple(me.roles), tuple(me.services), show_all, today())
    rows = index().memo(
        key,
        lambda: action_rows(
            visible(me, index().all_cases(), confidential()), today(), include_completed=show_all
        ),
    )
    audit_log("actions.view", detail=f"{len(rows)} actions")
    return render(
        "staff/actions.html",
        title="Learning actions",
        rows=rows,
        show_all=show_all,
        action_status=labels.ACTION_STATUS,
        **_common(),
    )


@blueprint.route("/publication")
@need("publisher", "manager")
def publication():
    cases = [c for c in index().all_cases() if can_publish(user(), c)]
    cases.sort(key=lambda c: c.closed_on or c.received.date(), reverse=True)
    audit_log("publication.view", detail=f"{len(cases)} cases")
    return render(
        "staff/publication.html",
        title="Approve for publication",
        cases=cases[:200],
        outcome_labels=labels.OUTCOMES,
        **_common(),
    )


@blueprint.route("/audit")
@need("admin")
def audit_page():
    report = audit.verify(parts().settings.data_dir)
    entries = audit.last_entries(parts().settings.data_dir, 100)
    audit_log("audit.view")
    return render("staff/audit.html", title="Audit log", report=report, entries=entries)


@blueprint.errorhandler(403)
def forbidden(_error):
    return render("staff/forbidden.html", title="You cannot see this page"), 403


@blueprint.errorhandler(404)
def not_found(_error):
    # The same page for a case that does not exist and one this user may not see.
    return render("staff/not_found.html", title="Page not found"), 404
