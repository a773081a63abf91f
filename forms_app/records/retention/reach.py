"""What a case leaves outside the three tables, and clearing it: a purge or erasure that
left them would keep what it was meant to remove.

- letters: ``<data_dir>/letters/<ref>/`` (``/`` in imported references written as ``_``), and
  the shared database's letters table when the installation has one
  (``forms_app.letters.database_letters``);
- drafts: ``<data_dir>/drafts/**/*.json`` (and ``*.sent``), answers in progress, which name no
  reference but hold the submission's idempotency key, and may hold a person's details in
  their answers (in the shared database's drafts table too, when the installation has one,
  and then the files held for the drafts that go, ``forms_app.storage.postgres.files``);

The cases' evidence files go with their rows, by the store (``Store.remove_cases``), in the data
directory or in the database.
- the Google Sheet outbox: ``<data_dir>/sheets/outbox.sqlite3`` (``forms_app.sheets.outbox``),
  which holds references, what staff typed in the sheet and problem rows. Cleared with its own
  ``Outbox.forget`` under ``PRAGMA secure_delete`` (deleted cells are zeroed, not just unlinked
  from the b-tree), then the write-ahead log is checkpointed and truncated and the file vacuumed,
  so no copy of the old pages is left in the WAL or on free pages.

- the message outbox: ``<data_dir>/messages/outbox.sqlite3`` (``forms_app.messages.outbox``),
  which holds each email or text to the person: the address or number and what it says. Cleared
  the same way (``Outbox.forget``: ``secure_delete``, the log truncated, the file vacuumed).
  A message already sent is beyond reach: it is in the person's inbox, and GOV.UK Notify keeps
  its copy for its own retention period (7 days by default).

- the tracking page's access file: ``<data_dir>/tracking/access.sqlite3``
  (``forms_app.tracking.access``): each case's tracking secret (its salted hash) and its
  latest one-time code (a keyed hash). Cleared the same way.

- the questionnaires' file: ``<data_dir>/questionnaires/answers.sqlite3``
  (``forms_app.questionnaires.store``): each case's invitation to the survey (a keyed hash of
  its link, the month, whether it was used). Cleared the same way. The answers in the same file
  name no case and cannot be found by person: they are anonymous, and go by their age instead
  (``purge``).

- the request links' file: ``<data_dir>/requests/links.sqlite3``
  (``forms_app.casework.request_links``): keyed hashes of the links sent to investigating
  managers, and the reminders claimed. Removed with the case.

With a shared database (``store_url``), each of these is a table in it instead of a file; the
same ``for_refs`` and ``forget`` reach them there.

The Google Sheet itself is not reached from here: the references that were sent to it are
queued in the outbox for the sheet sync to clear their rows at its next step, and returned so
that a person knows which rows go (and can delete them by hand where the sync does not run).
The sheet's version history is out of reach (README, "Privacy, retention and erasure").
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from forms_app.casework.request_links import Links, links_exist
from forms_app.messages.outbox import Outbox
from forms_app.messages.outbox import outbox_path as messages_path
from forms_app.questionnaires.store import Answers
from forms_app.storage.shared_database import database_for
from forms_app.storage.table import fsync_directory
from forms_app.tracking.access import Access, access_exists


def letters_folder(data_dir: Path, ref: str) -> Path:
    return Path(data_dir) / "letters" / ref.replace("/", "_")


def _database_letters(data_dir: Path):
    """The letters table of the data directory's database, or None when it has none."""
    if not database_for(data_dir):
        return None
    from forms_app.letters.database_letters import DatabaseLetters

    return DatabaseLetters(data_dir)


def letter_files(data_dir: Path, ref: str) -> dict[str, bytes]:
    """A case's letters as files (``letters/<folder>/<id>.md`` and ``.json``: the names and
    bytes the data directory keeps them under), from the folder and from the database."""
    folder = letters_folder(data_dir, ref)
    found: dict[str, bytes] = {}
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                found[f"letters/{folder.name}/{path.relative_to(folder)}"] = path.read_bytes()
    letters = _database_letters(data_dir)
    if letters is not None:
        from forms_app.letters.database_letters import meta_text

        for letter_id, text, meta in letters.of_case(ref):
            found[f"letters/{folder.name}/{letter_id}.json"] = meta_text(meta).encode("utf-8")
            found[f"letters/{folder.name}/{letter_id}.md"] = text.encode("utf-8")
    return dict(sorted(found.items()))


def remove_letters(data_dir: Path, refs: Iterable[str]) -> int:
    """Delete each case's letters folder, and its letters in the database; return how many
    files went (a letter in the database counts as its two files)."""
    refs = list(refs)
    letters = _database_letters(data_dir)
    removed = letters.remove(refs) if letters is not None else 0
    parent = Path(data_dir) / "letters"
    for ref in refs:
        folder = letters_folder(data_dir, ref)
        if folder.is_dir():
            removed += sum(1 for path in folder.rglob("*") if path.is_file())
            shutil.rmtree(folder)
    if removed and parent.is_dir():
        fsync_directory(parent)
    return removed


def remove_drafts(data_dir: Path, keys: Iterable[str] = (), tokens: Iterable[str] = ()) -> int:
    """Delete drafts holding any of the idempotency keys, or any token (casefolded match)."""
    directory = Path(data_dir) / "drafts"
    keys = [key for key in keys if key]
    tokens = [token.casefold() for token in tokens if token]
    removed = 0
    url = database_for(data_dir)
    if url and (keys or tokens):
        from forms_app.storage.postgres.drafts import remove_matching
        from forms_app.storage.postgres.files import purge_held

        removed += remove_matching(url, keys, tokens)
        purge_held(url)  # the files held for the drafts that went
    if not directory.is_dir() or not (keys or tokens):
        return removed
    # Drafts sit in one folder per owner (storage.drafts), older ones at the top.
    for path in directory.rglob("*"):
        if path.suffix not in (".json", ".sent") or not path.is_file():
            continue
        try:
            text = path.read_text("utf-8", errors="replace")
        except OSError:
            continue
        # Drafts are JSON written with ensure_ascii=False; also look at the decoded form.
        with contextlib.suppress(ValueError):
            text += "\n" + json.dumps(json.loads(text), ensure_ascii=False)
        folded = text.casefold()
        if any(key in text for key in keys) or any(token in folded for token in tokens):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


# -- the Google Sheet outbox ----------------------------------------------------------------


def outbox_file(data_dir: Path) -> Path:
    return Path(data_dir) / "sheets" / "outbox.sqlite3"


def outbox_entries(data_dir: Path, refs: Iterable[str]) -> dict[str, dict]:
    """What the outbox holds about each case (read only; {} if there is no outbox)."""
    path = outbox_file(data_dir)
    if database_for(data_dir):
        from forms_app.sheets.outbox import Outbox  # the sheet sync's own code

        outbox = Outbox(path)
        try:
            return outbox.entries_for(refs)
        finally:
            outbox.close()
    if not path.exists():
        return {}
    out: dict[str, dict] = {}
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        for ref in refs:
            items = [
                {"tab": tab, "state": state, "payload": payload}
                for tab, state, payload in db.execute(
                    "SELECT tab, state, payload FROM items WHERE key = ? "
                    "OR (tab = 'Problems' AND payload LIKE ?)",
                    (ref, f'%"ref": {json.dumps(ref)}%'),
                )
            ]
            seen = [
                json.loads(v)
                for (v,) in db.execute("SELECT editable FROM seen WHERE ref = ?", (ref,))
            ]
            reported = [
                {"column": col, "value": value, "problem": problem}
                for col, value, problem in db.execute(
                    "SELECT col, value, problem FROM reported WHERE ref = ?", (ref,)
                )
            ]
            if items or seen or reported:
                out[ref] = {"items": items, "staff_columns": seen, "reported": reported}
    except sqlite3.OperationalError:
        return out  # an outbox from before these tables existed
    finally:
        db.close()
    return out


def forget_in_outbox(data_dir: Path, refs: Iterable[str]) -> tuple[int, list[str]]:
    """Remove the cases from the outbox, leaving no copy in the file, its WAL or free pages.

    Returns (cases forgotten, references that had been sent to the sheet). Those references
    stay queued for the sheet sync to clear their rows (a reference alone, as the audit log
    keeps it). Does nothing, and creates nothing, if there is no outbox.
    """
    refs = list(refs)
    path = outbox_file(data_dir)
    if not refs or not (path.exists() or database_for(data_dir)):
        return 0, []
    from forms_app.sheets.outbox import Outbox  # the sheet sync's own code: it knows its tables

    found = outbox_entries(data_dir, refs)
    in_sheet = sorted(
        ref
        for ref, entry in found.items()
        if any(item["state"] in ("sent", "maybe") for item in entry["items"])
    )
    outbox = Outbox(path)
    try:
        outbox.secure_delete()
        for ref in refs:
            outbox.forget(ref)
        outbox.clear(in_sheet, time.time())
        outbox.scrub()
    finally:
        outbox.close()
    return len(found), in_sheet


# -- the message outbox ---------------------------------------------------------------------


def message_entries(data_dir: Path, refs: Iterable[str]) -> dict[str, list[dict]]:
    """The messages to the person held for each case ({} if there is no message outbox)."""
    path = messages_path(data_dir)
    if not path.exists() and not database_for(data_dir):
        return {}
    with Outbox(path) as outbox:
        found: dict[str, list[dict]] = {}
        for message in outbox.for_refs(list(refs)):
            found.setdefault(message.ref, []).append(
                {
                    "type": message.type,
                    "channel": message.channel,
                    "to": message.recipient,
                    "language": message.language,
                    "wording": message.wording,
                    "values": message.values,
                    "state": message.state,
                    "queued_at": message.queued_at,
                    "sent_at": message.sent_at,
                    "reason": message.reason,
                }
            )
    return found


def forget_messages(data_dir: Path, refs: Iterable[str]) -> int:
    """Remove the cases' messages from the message outbox; returns how many went."""
    refs = list(refs)
    path = messages_path(data_dir)
    if not refs or not (path.exists() or database_for(data_dir)):
        return 0
    with Outbox(path) as outbox:
        return outbox.forget(refs)


def tracking_entries(data_dir: Path, refs: Iterable[str]) -> dict[str, dict]:
    """What the tracking page holds for each case (never a hash; {} if nothing)."""
    if not access_exists(data_dir):
        return {}
    with Access(data_dir, b"") as access:
        return access.for_refs(list(refs))


def forget_tracking(data_dir: Path, refs: Iterable[str]) -> int:
    """Remove the cases' tracking secrets and codes; returns how many rows went."""
    refs = list(refs)
    if not refs or not access_exists(data_dir):
        return 0
    with Access(data_dir, b"") as access:
        return access.forget(refs)


def invitation_entries(data_dir: Path, refs: Iterable[str]) -> dict[str, list[dict]]:
    """The survey invitations of each case (never a hash; {} if nothing)."""
    answers = Answers.existing(data_dir)
    if answers is None:
        return {}
    with answers:
        return answers.for_refs(list(refs))


def forget_invitations(data_dir: Path, refs: Iterable[str]) -> int:
    """Remove the cases' survey invitations; returns how many rows went."""
    refs = list(refs)
    answers = Answers.existing(data_dir) if refs else None
    if answers is None:
        return 0
    with answers:
        return answers.forget(refs)


def forget_request_links(data_dir: Path, refs: Iterable[str]) -> int:
    """Remove the cases' request links (keyed hashes) and reminder claims; returns how many
    rows went. Subject access leaves them out: they are about the investigating manager a
    request went to, as the link's message is (``NOT_TO_THE_PERSON``)."""
    refs = list(refs)
    if not refs or not links_exist(data_dir):
        return 0
    with Links(data_dir, b"") as links:
        return links.forget(refs)


def clear_beyond(data_dir: Path, tokens: Iterable[str] = ()):
    """The ``beyond`` step of ``rewrite.remove_cases``: letters, drafts and the outboxes."""

    def beyond(refs: list[str], keys: list[str]) -> dict:
        letters = remove_letters(data_dir, refs)
        drafts = remove_drafts(data_dir, keys, tokens)
        forgotten, in_sheet = forget_in_outbox(data_dir, refs)
        return {
            "letters": letters,
            "drafts": drafts,
            "outbox": forgotten,
            "messages": forget_messages(data_dir, refs),
            "tracking": forget_tracking(data_dir, refs),
            "invitations": forget_invitations(data_dir, refs),
            "request_links": forget_request_links(data_dir, refs),
            "sheet_rows_to_delete": in_sheet,
        }

    return beyond
