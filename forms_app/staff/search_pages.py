"""The staff search at ``/staff/search?q=``: a reference, a name, an email, a phone number, a
postcode or words the person wrote, over open and closed cases.

A case the member of staff may not open (the same rule as the case page, ``access.can_see``) is
never a result and never counted. Results are ranked (the exact reference, then contact
matches, then words), newest first within each, and paged.

Every search is audited with what the query was taken to be (reference, email, phone,
postcode, name or text) and how many results it had. The query itself is not written to the
audit log: a name, an email, a phone number, a postcode or words from a complaint are personal
data, and the audit log is kept longer than the cases are. Only a reference, which names a case
and nothing about a person, is recorded (as the case pages record the cases they show).
"""

from __future__ import annotations

from flask import current_app, request, url_for

from forms_app.casework.linking import survivor_of
from forms_app.casework.search import Hit, SearchIndex, snippet, understand
from forms_app.web.parts import parts

from . import blueprint, labels
from .access import CASE_ROLES, can_see
from .auth import need
from .context import audit_log, confidential, index, render, user

PAGE_SIZE = 20
#: Results counted at most: a query matching more asks for more words instead of paging on.
MOST = 1000
SEARCH_INDEX = "search"
#: Flags whose cases show no words in the results (read them on the case page, where the
#: view is audited case by case).
QUIET_FLAGS = ("confidential", "safeguarding", "restricted")


def search_index() -> SearchIndex:
    """This process's search index, made on the first search."""
    found = current_app.extensions.get(SEARCH_INDEX)
    if found is None:
        found = current_app.extensions[SEARCH_INDEX] = SearchIndex(parts().store)
    return found


def visible_hits(query, me, confidential_roles) -> tuple[list, bool]:
    """The hits this person may open, best first, at most ``MOST`` (and whether there were
    more)."""
    # One look at the tables for the whole search (``get`` reads the tables' tails each time);
    # only the cases found are folded (a process just started may not have folded the rest).
    index().refresh()
    get = index().peek
    kept, listed = [], set()
    for hit in search_index().search(query):
        case = get(hit.ref)
        if case is None or case.ref in listed or not can_see(me, case, confidential_roles):
            continue
        kept.append((hit, case))
        listed.add(case.ref)
        # A merged case's reference leads to the case it was merged into, listed next.
        survivor = survivor_of(case.ref, get)
        if (
            survivor is not case
            and survivor.ref not in listed
            and can_see(me, survivor, confidential_roles)
        ):
            kept.append((Hit(survivor.ref, "merged"), survivor))
            listed.add(survivor.ref)
        if len(kept) > MOST:
            return kept[:MOST], True
    return kept, False


@blueprint.route("/search")
@need(*CASE_ROLES)
def search():
    raw = request.args.get("q", "")
    query = understand(raw)
    me = user()
    hits, more = visible_hits(query, me, confidential()) if query.kind != "empty" else ([], False)
    kind = query.kind
    reference = query.reference
    if kind == "text" and hits and hits[0][0].how in ("name", "reference"):
        # Words that turned out to be a name, or an imported reference kept as written.
        kind = hits[0][0].how
        reference = hits[0][1].ref if kind == "reference" else ""
    pages = max(1, -(-len(hits) // PAGE_SIZE))
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    shown = [_result(hit, case, query) for hit, case in hits[(page - 1) * PAGE_SIZE :][:PAGE_SIZE]]
    audit_log(
        "search",
        ref=reference if kind == "reference" else None,
        detail=f"kind={kind} results={len(hits)}{'+' if more else ''} page={page}",
    )
    p = parts()
    return render(
        "staff/search.html",
        title=f"Search: {query.text}" if query.text else "Search",
        q=query.text,
        query=query,
        results=shown,
        total=len(hits),
        more=more,
        most=MOST,
        page=page,
        pages=pages,
        page_url=lambda number: url_for("staff.search", q=query.text, page=number),
        kinds=labels.KINDS,
        case_status=labels.CASE_STATUS,
        matched=labels.MATCHED,
        services={s.code: s.name for s in p.settings.services},
    )


def _result(hit, case, query) -> dict:
    quiet = [flag for flag in QUIET_FLAGS if flag in case.flags]
    text = ""
    if not quiet:
        row = parts().store.find(case.ref) or {}
        text = snippet(row.get("details") or row.get("thank_who") or "", query.terms)
    return {"case": case, "how": hit.how, "snippet": text, "quiet": quiet}
