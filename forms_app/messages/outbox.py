"""The durable outbox of messages to the public: ``<data_dir>/messages/outbox.sqlite3``.

SQLite (WAL, ``synchronous=FULL``: a committed row survives a crash or a power cut) holds each
message with its id, which is also the idempotency key the provider is given (GOV.UK Notify's
``reference``). A message goes by ``email``, ``sms`` or ``letter`` (its recipient then is the
postal address, one line per line), and is in one of five states:

- ``queued``: to be sent at ``next_try``;
- ``sending``: a send was started. This is committed *before* the request goes, so a crash or
  an unclear reply (a timeout, a 5xx) is never forgotten: before sending again the worker asks
  the provider whether a message with this reference already exists;
- ``sent``: the provider accepted it (its own id kept in ``provider_id``);
- ``failed``: the provider refused it for good, or it ran out of tries; ``reason`` says why,
  in words about the message, never its contents;
- ``to_post``: a letter with no letter service to send it (SMTP has none): it waits on the
  staff's "letters to post" page, to be printed and posted by hand; "mark as posted" makes it
  ``sent``.

A value named in ``KEPT_UNTIL_SENT`` (a letter's ``tracking`` paragraph, which holds the plain
tracking secret) or ``KEPT_UNTIL_SENT_BY_TYPE`` (the link a request to an investigator carries,
whose secret opens the answer page) is emptied when the message is sent or posted: the provider
or the printed page has it then, and the outbox keeps it no longer. A failed message keeps it,
so that it can be sent again.

A few messages about a case go to someone other than the person (``NOT_TO_THE_PERSON``: the
link emailed to an investigating manager, and the emails to staff of ``staff_mail``: the
safeguarding lead's alert, requests and their reminders, the shared sheet's alerts). They are
sent, retried and listed as failed like the rest, and erased with the case, but ``for_refs``
(what the tracking page and subject access show the person) leaves them out: they name
someone else. An email to staff keeps its words only until it is sent.

The outbox holds personal data (an address or number, and the message's values), so retention,
subject access and erasure reach it by reference (``for_refs``, ``forget``).

With a shared database (``store_url``), ``Outbox(path)`` gives ``database_outbox.DatabaseOutbox``
instead, with the same methods and rows in that database, so every app server queues into one
outbox: ``use_database`` tells this module, at start-up, which data directory uses which.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from forms_app.storage import shared_database
from forms_app.storage.sqlite_files import Transaction, open_durable

QUEUED, SENDING, SENT, FAILED, TO_POST = "queued", "sending", "sent", "failed", "to_post"
STATES = (QUEUED, SENDING, SENT, FAILED, TO_POST)
CHANNELS = ("email", "sms", "letter")
#: Values emptied once a message of that channel is sent or posted (see the module's words).
KEPT_UNTIL_SENT = {"letter": ("tracking",)}
#: An email to staff (``staff_mail``): its subject and words are in its values, not templates.
STAFF_MAIL = "staff_mail"
#: Values emptied once a message of that type is sent, whatever its channel.
KEPT_UNTIL_SENT_BY_TYPE = {"request_link": ("link",), STAFF_MAIL: ("subject", "body")}
#: Message types to someone other than the person the case is about (see the module's words).
NOT_TO_THE_PERSON = ("request_link", STAFF_MAIL)

_TABLE = """
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY,
    ref TEXT NOT NULL,
    type TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms', 'letter')),
    recipient TEXT NOT NULL,
    language TEXT NOT NULL,
    wording TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'to_post')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL,
    queued_at REAL NOT NULL,
    sent_at REAL,
    provider_id TEXT,
    reason TEXT NOT NULL DEFAULT ''
);
"""
_SCHEMA = (
    _TABLE
    + """
CREATE INDEX IF NOT EXISTS messages_due ON messages (state, next_try);
CREATE INDEX IF NOT EXISTS messages_ref ON messages (ref);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
)


def kept_until_sent(channel: str, message_type: str) -> tuple[str, ...]:
    """The names of the values a message keeps only until it is sent or posted (both engines
    ask this, so both forget the same)."""
    return KEPT_UNTIL_SENT.get(channel, ()) + KEPT_UNTIL_SENT_BY_TYPE.get(message_type, ())


def for_the_person(message_type: str) -> bool:
    """Whether messages of this type are the person's own (shown to them, see the module)."""
    return message_type not in NOT_TO_THE_PERSON


def outbox_path(data_dir: Path) -> Path:
    return Path(data_dir) / "messages" / "outbox.sqlite3"


def use_database(data_dir: Path, url: str) -> None:
    """Keep the outbox of ``data_dir`` in the database at ``url`` ("" for the SQLite file)."""
    shared_database.use_database(data_dir, url)


def database_for(path: Path) -> str:
    """The database holding the outbox at ``path`` (``outbox_path``), or "" for the file."""
    return shared_database.database_for(Path(path).parent.parent)


@dataclass
class Message:
    """One message to one person. ``values`` fill the template's placeholders."""

    id: str
    ref: str
    type: str
    channel: str
    recipient: str
    language: str
    wording: str
    values: dict = field(default_factory=dict)
    state: str = QUEUED
    attempts: int = 0
    next_try: float = 0.0
    queued_at: float = 0.0
    sent_at: float | None = None
    provider_id: str | None = None
    reason: str = ""

    @property
    def template_key(self) -> str:
        return f"{self.type}.{self.language}.{self.wording}.{self.channel}"


_COLUMNS = (
    "id, ref, type, channel, recipient, language, wording, payload, state, attempts, "
    "next_try, queued_at, sent_at, provider_id, reason"
)


def _new_row(m: Message, at: float) -> tuple:
    """The cells of a newly queued message that come from the message itself, in ``_COLUMNS``
    order (the state, tries and results are the query's own)."""
    values = json.dumps(m.values, ensure_ascii=False, sort_keys=True)
    return (m.id, m.ref, m.type, m.channel, m.recipient, m.language, m.wording, values, at, at)


def _message(row: tuple) -> Message:
    values = list(row)
    values[7] = json.loads(values[7])
    return Message(*values)


#: Who first opened an outbox (its ``opened_for``): the messages to the public, or email to
#: staff while messages to the public were off.
PUBLIC, STAFF_ONLY = "public", "staff_only"


class Outbox:
    def __new__(cls, *args, **kwargs):
        if cls is Outbox and database_for(args[0] if args else kwargs["path"]):
            from .database_outbox import DatabaseOutbox

            return super().__new__(DatabaseOutbox)
        return super().__new__(cls)

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db = open_durable(self.path, _SCHEMA)
        self._allow_letters()
        # Deleted and overwritten cells are zeroed (a posted letter's secret must not linger).
        self.db.execute("PRAGMA secure_delete = ON")
        self.db.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('created_at', ?)",
            (json.dumps(time.time()),),
        )

    def _allow_letters(self) -> None:
        """An outbox made before letters has checks that refuse them; SQLite cannot change a
        check in place, so the table is copied into one with the new checks, in one
        transaction (a crash leaves the old table as it was)."""
        (sql,) = self.db.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'messages'"
        ).fetchone()
        if "'letter'" in sql:
            return
        with self._tx():
            self.db.execute("ALTER TABLE messages RENAME TO messages_before_letters")
            self.db.execute(_TABLE)
            self.db.execute(
                f"INSERT INTO messages ({_COLUMNS}) SELECT {_COLUMNS} FROM messages_before_letters"
            )
            self.db.execute("DROP TABLE messages_before_letters")
            # The old indexes went with the old table.
            self.db.execute("CREATE INDEX IF NOT EXISTS messages_due ON messages (state, next_try)")
            self.db.execute("CREATE INDEX IF NOT EXISTS messages_ref ON messages (ref)")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _tx(self):
        return Transaction(self.db)

    # -- queueing -----------------------------------------------------------------------------

    def queue(self, messages: list[Message], at: float | None = None) -> int:
        """Add messages not already known by id (queueing is idempotent); returns how many."""
        at = time.time() if at is None else at
        with self._tx():
            before = self.db.total_changes
            self.db.executemany(
                f"INSERT OR IGNORE INTO messages ({_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, NULL, NULL, '')",
                [_new_row(m, at) for m in messages],
            )
            return self.db.total_changes - before

    def known(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                i
                for (i,) in self.db.execute(f"SELECT id FROM messages WHERE id IN ({marks})", chunk)
            )
        return found

    # -- the worker's steps ---------------------------------------------------------------------

    def due(self, now: float, limit: int = 100) -> list[Message]:
        """Messages to send or to settle now, oldest first."""
        return [
            _message(row)
            for row in self.db.execute(
                f"SELECT {_COLUMNS} FROM messages WHERE state IN ('queued', 'sending') "
                "AND next_try <= ? ORDER BY next_try, queued_at, rowid LIMIT ?",
                (now, int(limit)),
            )
        ]

    def next_due(self) -> float | None:
        (value,) = self.db.execute(
            "SELECT MIN(next_try) FROM messages WHERE state IN ('queued', 'sending')"
        ).fetchone()
        return value

    def mark_sending(self, message_id: str, attempts: int | None = None) -> bool:
        """Claim the message for sending: committed (fsynced) before the request that sends it
        goes. Only a message still waiting (queued or sending) is claimed, and, given
        ``attempts`` (the count the worker read), only if no one has tried it since: a message
        another worker has claimed or sent meanwhile is left alone (False)."""
        with self._tx():
            cursor = self.db.execute(
                "UPDATE messages SET state = 'sending', attempts = attempts + 1 WHERE id = ? "
                "AND state IN ('queued', 'sending') AND (? IS NULL OR attempts = ?)",
                (message_id, attempts, attempts),
            )
            return cursor.rowcount == 1

    def mark_sent(self, message_id: str, at: float, provider_id: str | None) -> None:
        """Sent (or posted); the values kept only until then are emptied in the same write."""
        with self._tx():
            self.db.execute(
                "UPDATE messages SET state = 'sent', sent_at = ?, provider_id = ?, reason = '' "
                "WHERE id = ?",
                (at, provider_id, message_id),
            )
            forgot = self._forget_kept_until_sent(message_id)
        if forgot:
            self._clear_log()

    def _clear_log(self) -> None:
        """Copy the write-ahead log into the file and empty it, so an emptied value's earlier
        copy is not left in the log either (a reader holding it open can delay this)."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _forget_kept_until_sent(self, message_id: str) -> bool:
        row = self.db.execute(
            "SELECT channel, payload, type FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        names = kept_until_sent(row[0], row[2]) if row else ()
        values = json.loads(row[1]) if row else {}
        if not any(values.get(name) for name in names):
            return False
        values.update(dict.fromkeys(names, ""))
        self.db.execute(
            "UPDATE messages SET payload = ? WHERE id = ?",
            (json.dumps(values, ensure_ascii=False, sort_keys=True), message_id),
        )
        return True

    def mark_to_post(self, message_id: str, reason: str) -> None:
        """A letter no provider can send: it waits for staff to print and post it."""
        with self._tx():
            self.db.execute(
                "UPDATE messages SET state = 'to_post', reason = ? WHERE id = ?",
                (reason, message_id),
            )

    def mark_posted(self, message_id: str, at: float, by: str) -> bool:
        """A member of staff ``by`` posted a letter waiting to be posted; False if it was not
        waiting (posted already, or no such letter), so posting twice records nothing twice."""
        with self._tx():
            cursor = self.db.execute(
                "UPDATE messages SET state = 'sent', sent_at = ?, provider_id = ?, reason = '' "
                "WHERE id = ? AND state = 'to_post' AND channel = 'letter'",
                (at, f"posted by {by}"[:200], message_id),
            )
            if cursor.rowcount != 1:
                return False
            forgot = self._forget_kept_until_sent(message_id)
        if forgot:
            self._clear_log()
        return True

    def later(self, message_id: str, next_try: float, reason: str, *, unsure: bool) -> None:
        """Try again at ``next_try``. ``unsure``: the last send may have landed, so it stays
        ``sending`` and is looked up by reference first."""
        with self._tx():
            self.db.execute(
                "UPDATE messages SET state = ?, next_try = ?, reason = ? WHERE id = ?",
                (SENDING if unsure else QUEUED, next_try, reason, message_id),
            )

    def not_counted(self, message_id: str) -> None:
        """Give back a try that never reached the provider (a rate limit)."""
        with self._tx():
            self.db.execute(
                "UPDATE messages SET attempts = MAX(attempts - 1, 0) WHERE id = ?", (message_id,)
            )

    def mark_failed(self, message_id: str, reason: str) -> None:
        with self._tx():
            self.db.execute(
                "UPDATE messages SET state = 'failed', reason = ? WHERE id = ?",
                (reason, message_id),
            )

    def send_again(self, message_id: str, at: float) -> bool:
        """Put a failed message back in the queue (a member of staff fixed the cause)."""
        with self._tx():
            cursor = self.db.execute(
                "UPDATE messages SET state = 'queued', attempts = 0, next_try = ?, reason = '' "
                "WHERE id = ? AND state = 'failed'",
                (at, message_id),
            )
            return cursor.rowcount == 1

    # -- what staff and people see -----------------------------------------------------------

    def for_refs(self, refs: list[str]) -> list[Message]:
        """The messages to the person of each case, oldest first (not ``NOT_TO_THE_PERSON``)."""
        out: list[Message] = []
        for ref in refs:
            out += [
                _message(row)
                for row in self.db.execute(
                    f"SELECT {_COLUMNS} FROM messages WHERE ref = ? ORDER BY queued_at, rowid",
                    (ref,),
                )
                if for_the_person(row[2])
            ]
        return out

    def failed(self, limit: int = 500) -> list[Message]:
        return [
            _message(row)
            for row in self.db.execute(
                f"SELECT {_COLUMNS} FROM messages WHERE state = 'failed' "
                "ORDER BY queued_at DESC LIMIT ?",
                (int(limit),),
            )
        ]

    def to_post(self, limit: int = 500) -> list[Message]:
        """Letters waiting to be printed and posted by hand, oldest first."""
        return [
            _message(row)
            for row in self.db.execute(
                f"SELECT {_COLUMNS} FROM messages WHERE state = 'to_post' "
                "ORDER BY queued_at, rowid LIMIT ?",
                (int(limit),),
            )
        ]

    def one(self, message_id: str) -> Message | None:
        row = self.db.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        return _message(row) if row else None

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATES, 0)
        counts.update(self.db.execute("SELECT state, COUNT(*) FROM messages GROUP BY state"))
        return counts

    def oldest_waiting(self) -> float | None:
        (value,) = self.db.execute(
            "SELECT MIN(queued_at) FROM messages WHERE state IN ('queued', 'sending')"
        ).fetchone()
        return value

    def get(self, key: str, default=None):
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set(self, **values) -> None:
        with self._tx():
            self.db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [(k, json.dumps(v)) for k, v in values.items()],
            )

    def set_first(self, **values) -> None:
        """``set`` for each key not set yet; a key already set keeps its value (whichever
        process set it first)."""
        with self._tx():
            self.db.executemany(
                "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                [(k, json.dumps(v)) for k, v in values.items()],
            )

    def public_since(self, now: float) -> float:
        """When messages to the public were turned on for this outbox, recorded the first time
        it is asked (``now``). An outbox first opened for email to staff, while messages to the
        public were off, dates from this call; one opened by the messages themselves (or made
        before email to staff used it) dates from its making, as it always has."""
        found = self.get("public_since")
        if found is not None:
            return float(found)
        self.set_first(opened_for=PUBLIC)
        if self.get("opened_for") == PUBLIC:
            self.set_first(public_since=float(self.get("created_at", now)))
        else:
            self.set_first(public_since=now)
        return float(self.get("public_since"))

    # -- erasure ------------------------------------------------------------------------------

    def forget(self, refs: list[str]) -> int:
        """Remove every message of these cases, leaving no copy in the file, its write-ahead
        log or its free pages (``secure_delete`` zeroes deleted cells; the log is truncated and
        the file vacuumed). Returns how many messages went."""
        self.db.execute("PRAGMA secure_delete = ON")
        with self._tx():
            before = self.db.total_changes
            self.db.executemany("DELETE FROM messages WHERE ref = ?", [(r,) for r in refs])
            removed = self.db.total_changes - before
        if removed:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.db.execute("VACUUM")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed
