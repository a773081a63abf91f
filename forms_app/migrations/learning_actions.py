"""Schema 1.1.0: every learning action has an identifier, and the events about it name it."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator

#: What an identifier looks like since 1.1.0 (``A-`` and six hex digits, as staff pages make).
IDENTIFIER = re.compile(r"A-[0-9A-F]{6}")
#: The events about a learning action after it was added, each naming it in ``value``.
ACTION_EVENTS = frozenset(
    {"action_completed", "action_owner_set", "action_target_set", "action_updated"}
)
#: The longest ``note`` the events schema allowed at 1.1.0 (a step keeps the rules of its day).
NOTE_LIMIT = 10_000


def give_learning_actions_identifiers(rows: Iterable[dict[str, str]]) -> Iterator[dict[str, str]]:
    """A learning action's ``action_added`` event names it by an identifier in ``value``, with
    the action's words in ``note``; before, ``value`` held the words themselves.

    Why: staff now give each learning action an owner, a target date and progress, each its own
    event naming the action; words are no name (two actions can say the same, and words are
    corrected), so since 1.1.0 an action is named by ``A-`` and six hex digits. Rows written
    before (the first release's demo data, and learning actions imported from an earlier
    system) held the words in ``value`` and anything said with them in ``note``.

    What the step does: each such ``action_added`` row gets an identifier made from its
    ``event_id`` (the same on every run, unique within its case), and its ``note`` becomes the
    words as the case page already showed them (the words, then the old note in brackets);
    later action events of the same case that named the action by its words name the
    identifier instead. Rows already in the new form, and all other rows, are left as they are,
    so running the step twice changes nothing. Reads ``rows`` twice.
    """
    assigned: dict[str, str] = {}  # event_id -> the identifier its action_added row gets
    by_words: dict[tuple[str, str], str] = {}  # (ref, words) -> identifier
    used: dict[str, set[str]] = {}  # ref -> identifiers already in the case
    for row in rows:
        if row["type"] == "action_added" and IDENTIFIER.fullmatch(row["value"]):
            used.setdefault(row["ref"], set()).add(row["value"])
    for row in rows:
        if row["type"] != "action_added" or IDENTIFIER.fullmatch(row["value"]):
            continue
        taken = used.setdefault(row["ref"], set())
        ident = _identifier(row["event_id"], taken)
        taken.add(ident)
        assigned[row["event_id"]] = ident
        # The last action with these words is the one the case page showed for them.
        by_words[(row["ref"], row["value"])] = ident
    for row in rows:
        ident = assigned.get(row["event_id"]) if row["type"] == "action_added" else None
        if ident is not None:
            yield from _named(row, ident)
        elif row["type"] in ACTION_EVENTS and not IDENTIFIER.fullmatch(row["value"]):
            named = by_words.get((row["ref"], row["value"]))
            yield row if named is None else {**row, "value": named}
        else:
            yield row


def _identifier(event_id: str, taken: set[str]) -> str:
    for attempt in range(1000):
        digest = hashlib.blake2b(f"{event_id}/{attempt}".encode(), digest_size=3).hexdigest()
        ident = "A-" + digest.upper()
        if ident not in taken:
            return ident
    raise ValueError(f"no free learning action identifier for event {event_id}")


def _named(row: dict[str, str], ident: str) -> Iterator[dict[str, str]]:
    words, said = row["value"], row["note"]
    description = f"{words} ({said})" if words and said else words or said
    if len(description) <= NOTE_LIMIT:
        yield {**row, "value": ident, "note": description}
        return
    # Too long for one note together: the words name the action, and what was said with them
    # follows as the action's first progress note, so nothing is cut.
    yield {**row, "value": ident, "note": words}
    extra = hashlib.blake2b(row["event_id"].encode(), digest_size=12).hexdigest()
    yield {**row, "event_id": f"migrated-{extra}", "type": "action_updated", "value": ident}
