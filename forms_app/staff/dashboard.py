"""The officer's figures: the table of work on the home page (new, to acknowledge, due this week,
overdue, answered on time this quarter), the list behind each number (``/staff/work``), and the
manager's view of the same figures per service (``/staff/week``).

Thin: the counting is in ``forms_app.casework.workload``; this module only chooses the cases
the member of staff may see (``access.visible``, the rule of the case pages) and draws them.
"""

from __future__ import annotations

from flask import abort, request, url_for

from forms_app.casework.listing import Filters, case_rows
from forms_app.casework.workload import FIGURES, Quarter, Workload, by_service, week_end, workload
from forms_app.web.parts import parts

from . import blueprint
from .access import CASE_ROLES
from .auth import need
from .context import audit_log, index, render, today, user
from .pages import _common as common_context
from .pages import visible_briefs

#: The figures as staff read them: (heading, words for the list page).
WORDS = {
    "new": ("New", "New feedback nobody owns yet"),
    "to_acknowledge": ("To acknowledge", "Open cases waiting to be acknowledged"),
    "due_this_week": ("Due this week", "Open cases due by Sunday"),
    "overdue": ("Overdue", "Open cases past their due date"),
}
#: Figures in an address (``/staff/work?figure=due-this-week``), and back.
SLUGS = {figure: figure.replace("_", "-") for figure in FIGURES}
FROM_SLUG = {slug: figure for figure, slug in SLUGS.items()}


def _visible_cases():
    """Every case (open and closed) this member of staff may open, in brief: counting them
    folds none (``casework.briefs``)."""
    return visible_briefs()


def _figures() -> dict:
    me = user()
    key = ("workload", me.username, tuple(me.roles), tuple(me.services), today())

    def compute():
        cases = _visible_cases()
        mine = [c for c in cases if c.owner == me.username]
        return {"all": workload(index(), cases, today()), "mine": workload(index(), mine, today())}

    return index().memo(key, compute)


def home_figures() -> dict | None:
    """What the home page's table of work shows, or None for someone who handles no cases."""
    if not user().has(*CASE_ROLES):
        return None
    figures = _figures()
    return {
        "all": figures["all"],
        "mine": figures["mine"],
        "figures": FIGURES,
        "words": WORDS,
        "link": _link,
        "week_end": week_end(today()),
        "quarter": Quarter.of(today()),
    }


def _link(figure: str, *, mine: bool = False, service: str | None = None) -> str:
    """The list behind one number."""
    if figure == "new" and not mine and service is None and user().has("officer", "manager"):
        return url_for("staff.inbox")  # the same cases, where they are triaged
    args = {"figure": SLUGS[figure]}
    if mine:
        args["mine"] = "1"
    if service is not None:
        args["service"] = service
    return url_for("staff.work", **args)


@blueprint.context_processor
def _workload_for_templates():
    # A function, not figures: only the pages that show them (the home page) pay for them.
    return {"workload_figures": home_figures}


@blueprint.route("/work")
@need(*CASE_ROLES)
def work():
    """The cases behind one figure: all those this person may see, only their own
    (``mine=1``), or one service's (``service=...``)."""
    figure = FROM_SLUG.get(request.args.get("figure", ""))
    if figure is None:
        abort(404)
    mine = request.args.get("mine") == "1"
    services = {s.code for s in parts().settings.services}
    service = request.args.get("service")
    if service is not None and service not in services and service != "":
        abort(404)
    figures = _figures()["mine" if mine else "all"]
    cases = getattr(figures, figure)
    if service is not None:
        cases = [c for c in cases if c.service == service]
    rows = case_rows(index(), cases, today(), Filters(sort="due"))
    audit_log("work.view", detail=f"figure={figure} mine={mine} service={service or ''}")
    heading, words = WORDS[figure]
    common = common_context()
    if mine:
        words = f"{words}: your cases"
    if service is not None:
        words = f"{words}: {common['services'].get(service, 'service not known')}"
    return render(
        "staff/work.html",
        title=heading,
        heading=words,
        rows=rows,
        bulk=user().has("officer", "manager"),
        back_to="work",
        **common,
    )


@blueprint.route("/week")
@need("manager")
def week():
    """The manager's view: the home page's figures for each service."""
    me = user()
    key = ("week by service", me.username, tuple(me.roles), tuple(me.services), today())
    per_service: dict[str, Workload] = index().memo(
        key, lambda: by_service(index(), _visible_cases(), today())
    )
    total = _figures()["all"]
    audit_log("week.view", detail=f"{len(per_service)} services")
    common = common_context()
    return render(
        "staff/week.html",
        title="This week by service",
        per_service=per_service,
        total=total,
        figures=FIGURES,
        words=WORDS,
        link=_link,
        week_end=week_end(today()),
        quarter=Quarter.of(today()),
        **common,
    )
