"""Cases that belong together: linking related cases, merging a duplicate into the case that
carries on (the survivor), and finding the possible duplicates of a case at triage.

Linking says two cases are related (the same family writing about two wards, a complaint and
the enquiry before it): both cases get a ``case_linked`` event naming the other, and
``case_unlinked`` undoes it, again on both.

Merging says two cases are one: the duplicate gets a ``merged_into`` event naming the survivor
(its status is then "merged" and nothing more changes on it), and the survivor a
``merged_from`` event naming the duplicate. The duplicate keeps its own events, files and
replies; its reference leads to the survivor.

A merge made in error is undone (``unmerge``) by an ``unmerged`` event on each case naming the
other: the duplicate is open again, its reference leads to itself, reports count it again, and
the survivor no longer lists it. Events are never removed, so both timelines keep the merge and
its undoing.

Like the changes in ``transitions``, each function takes the cases as they stand and who makes
the change, and returns the event rows to append (the caller stores them in one write with
``events.record``), or raises ``Refused`` with the reason.

Who may see a case is the staff pages' rule, not this package's: the caller passes ``sees``, and
a case the member of staff may not open is refused in the same words as one that does not
exist, so a refusal never says whether a reference is in use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from .changes import Actor, Refused, refuse_while_restricted
from .flags import is_restricted
from .search import Query, SearchIndex, email_key, phone_key, postcode_key, words
from .state import Case

#: How far apart two cases may have been received and still be offered as possible duplicates.
DUPLICATE_WINDOW = timedelta(days=90)
#: Kinds of feedback that may be merged into one another: feedback that ends with an outcome
#: (a concern raised again as a complaint is one case), and thanks or comments. A compliment is
#: never merged into a complaint: each is answered in its own way.
MERGE_GROUPS = (("complaint", "concern", "enquiry"), ("compliment", "comment"))
#: The words of the refusal for a case that is missing or that the member of staff may not open.
NOT_FOUND = "There is no case with that reference that you can open"


def _group(kind: str) -> int:
    return next((n for n, kinds in enumerate(MERGE_GROUPS) if kind in kinds), -1)


def _check_other(case: Case, other: Case | None, sees: Callable[[Case], bool]) -> Case:
    if other is None or not sees(other):
        raise Refused(NOT_FOUND, "other")
    if other.ref == case.ref:
        raise Refused("A case cannot be linked or merged with itself", "other")
    return other


# -- links ------------------------------------------------------------------------------------


def link(
    case: Case, other: Case | None, actor: Actor, *, sees: Callable[[Case], bool], note: str = ""
) -> list[dict]:
    """Say ``case`` and ``other`` are related: a ``case_linked`` event on each."""
    other = _check_other(case, other, sees)
    refuse_while_restricted(case, actor, "linking it")
    refuse_while_restricted(other, actor, "linking it")
    if other.ref in case.links:
        raise Refused(f"This case is already linked to {other.ref}", "other")
    return [
        actor.event(case, "case_linked", value=other.ref, note=note),
        actor.event(other, "case_linked", value=case.ref, note=note),
    ]


def unlink(
    case: Case, other: Case | None, actor: Actor, *, sees: Callable[[Case], bool], note: str = ""
) -> list[dict]:
    """Undo a link: a ``case_unlinked`` event on each case."""
    other = _check_other(case, other, sees)
    if other.ref not in case.links:
        raise Refused(f"This case is not linked to {other.ref}", "other")
    refuse_while_restricted(case, actor, "unlinking it")
    refuse_while_restricted(other, actor, "unlinking it")
    return [
        actor.event(case, "case_unlinked", value=other.ref, note=note),
        actor.event(other, "case_unlinked", value=case.ref, note=note),
    ]


# -- merging ------------------------------------------------------------------------------------


def merge(
    duplicate: Case,
    survivor: Case | None,
    actor: Actor,
    *,
    sees: Callable[[Case], bool],
    note: str = "",
) -> list[dict]:
    """Merge ``duplicate`` into ``survivor``: the duplicate is closed as merged, naming the
    survivor; the survivor names the duplicate. Both must be open, of kinds that merge, under
    the same procedure, and neither restricted."""
    survivor = _check_other(duplicate, survivor, sees)
    if not sees(duplicate):
        raise Refused(NOT_FOUND)
    refuse_while_restricted(duplicate, actor, "merging it")
    if survivor.status == "merged":
        raise Refused(
            f"{survivor.ref} was itself merged into {survivor.merged_into}: merge into that case",
            "other",
        )
    refuse_while_restricted(survivor, actor, "merging into it")
    if not survivor.is_open:
        raise Refused(
            f"{survivor.ref} is {survivor.status}: a case can only be merged into an open case",
            "other",
        )
    if not duplicate.is_open:
        raise Refused(f"This case is {duplicate.status}: reopen it before merging it")
    if _group(duplicate.kind) < 0 or _group(duplicate.kind) != _group(survivor.kind):
        raise Refused(
            f"A {duplicate.kind} cannot be merged into a {survivor.kind}: link them instead",
            "other",
        )
    if duplicate.procedure != survivor.procedure:
        raise Refused(
            "The cases are handled under different procedures: link them instead", "other"
        )
    return [
        actor.event(duplicate, "merged_into", value=survivor.ref, note=note),
        actor.event(survivor, "merged_from", value=duplicate.ref, note=note),
    ]


def unmerge(
    duplicate: Case,
    survivor: Case | None,
    actor: Actor,
    *,
    sees: Callable[[Case], bool],
    note: str = "",
) -> list[dict]:
    """Undo the merge of ``duplicate`` into ``survivor``: an ``unmerged`` event on each. The
    duplicate must be merged into that very case, both must be cases the member of staff may
    open, and neither may be restricted."""
    if not sees(duplicate):
        raise Refused(NOT_FOUND)
    if duplicate.status != "merged" or not duplicate.merged_into:
        raise Refused("This case is not merged into another case")
    if survivor is None or survivor.ref != duplicate.merged_into or not sees(survivor):
        raise Refused(
            "You cannot open the case this one was merged into, so you cannot undo the merge. "
            "Ask a manager who covers its service"
        )
    for case in (duplicate, survivor):
        if is_restricted(case):
            raise Refused(
                f"Processing of {case.ref} is restricted (UK GDPR Article 18), so the merge "
                "cannot be undone until the restriction is lifted"
            )
    return [
        actor.event(duplicate, "unmerged", value=survivor.ref, note=note),
        actor.event(survivor, "unmerged", value=duplicate.ref, note=note),
    ]


def can_merge(case: Case) -> bool:
    """Whether the case page offers merging this case into another (the change checks again)."""
    return case.is_open and _group(case.kind) >= 0


def survivor_of(ref: str, get: Callable[[str], Case | None]) -> Case | None:
    """The case a reference leads to: the case itself, or the one it was merged into (followed
    through any chain of merges; None if the reference is not a case)."""
    case = get(ref)
    seen = set()
    while case is not None and case.merged_into and case.ref not in seen:
        seen.add(case.ref)
        found = get(case.merged_into)
        if found is None:
            break
        case = found
    return case


# -- possible duplicates ------------------------------------------------------------------------


@dataclass
class Duplicate:
    """A case that may be from the same person, and why (``email``, ``phone``, ``name and
    postcode``)."""

    case: Case
    reasons: list[str] = field(default_factory=list)


def _refs(index: SearchIndex, query: Query, how: str) -> set[str]:
    return {hit.ref for hit in index.search(query) if hit.how == how}


def same_person(index: SearchIndex, personal: Mapping[str, str]) -> dict[str, list[str]]:
    """References of the cases whose contact details match these: the same email (in any
    case), the same phone number (any spacing, +44 or 0), or the same name and postcode. By
    reference, the reasons each matched."""
    found: dict[str, list[str]] = {}

    def add(refs: Iterable[str], reason: str) -> None:
        for ref in refs:
            found.setdefault(ref, []).append(reason)

    email = email_key(personal.get("email") or "")
    if email:
        add(_refs(index, Query("email", key=email), "email"), "email")
    phone = phone_key(personal.get("phone") or "")
    if len(phone) >= 6:
        add(_refs(index, Query("phone", key=phone), "phone"), "phone")
    name = tuple(dict.fromkeys(words(personal.get("name") or "")))
    postcode = postcode_key(personal.get("postcode") or "")
    if name and postcode:
        named = _refs(index, Query("text", terms=name), "name")
        placed = _refs(index, Query("postcode", key=postcode), "postcode")
        add(named & placed, "name and postcode")
    return found


def possible_duplicates(
    case: Case,
    personal: Mapping[str, str] | None,
    index: SearchIndex,
    get: Callable[[str], Case | None],
    sees: Callable[[Case], bool],
) -> list[Duplicate]:
    """Other cases from the same person received within 90 days of this one (before or after)
    that the member of staff may open, newest first. Cases already merged into this one, or
    that this one was merged into, are not offered again."""
    if not personal or case.anonymous:
        return []
    listed = []
    for ref, reasons in same_person(index, personal).items():
        other = get(ref)
        if other is None or other.ref == case.ref or not sees(other):
            continue
        # Days, not times: an imported record's time may have no offset to compare with.
        if abs(other.received.date() - case.received.date()) > DUPLICATE_WINDOW:
            continue
        if other.ref in case.merged_from or other.ref == case.merged_into:
            continue
        listed.append(Duplicate(other, reasons))
    listed.sort(key=lambda d: d.case.received, reverse=True)
    return listed
