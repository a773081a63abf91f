"""The tracking page's codes and secrets in the shared database, for app servers that share one
(``store_url``).

The same rows, hashes and rules as the SQLite file (``access``), so a caller that opens
``Access(data_dir, key)`` cannot tell which it got: ``Access`` gives this one when its data
directory was told to use a database (at start-up). Only hashes are kept, as in the file.

A try at a code locks the code's row (``SELECT ... FOR UPDATE``) until its count is written:
two app servers checking wrong codes for one reference at the same moment each see the other's
try, so no more than ``MAX_TRIES`` are ever allowed.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from forms_app.storage.postgres.small_tables import SmallTable
from forms_app.storage.shared_database import database_for

from .access import (
    CODE_MINUTES,
    COUNT,
    KEEP_CODES_SECONDS,
    SPEND,
    Access,
    Attempt,
    _matches,
    _secret_hash,
    access_path,
    new_secret,
)

SECRETS = "feedback_tracking_secrets"
CODES = "feedback_tracking_codes"


class AccessTables(SmallTable):
    name = "feedback_tracking"
    statements = (
        f"""CREATE TABLE IF NOT EXISTS {SECRETS} (
            ref text PRIMARY KEY,
            salt text NOT NULL,
            hash text NOT NULL,
            made_at double precision NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS {CODES} (
            ref text PRIMARY KEY,
            hash text NOT NULL,
            expires double precision NOT NULL,
            tries integer NOT NULL DEFAULT 0,
            used boolean NOT NULL DEFAULT false,
            made_at double precision NOT NULL)""",
        f"CREATE INDEX IF NOT EXISTS {CODES}_made ON {CODES} (made_at)",
    )


class DatabaseAccess(Access):
    """``Access`` with its rows in the database the data directory uses (or at ``url``)."""

    def __init__(self, data_dir: Path, key: str | bytes, url: str | None = None):
        self.path = access_path(data_dir)
        self.key = key.encode() if isinstance(key, str) else bytes(key)
        self.table = AccessTables(url or database_for(data_dir))

    def close(self) -> None:
        """Nothing to close: the process's connections stay open for the next call."""

    # -- tracking secrets ---------------------------------------------------------------------

    def make_secret(self, ref: str) -> str | None:
        secret, salt = new_secret(), secrets.token_hex(16)
        made = self.table.change(
            f"INSERT INTO {SECRETS} (ref, salt, hash, made_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (ref) DO NOTHING",
            (ref, salt, _secret_hash(salt, secret), time.time()),
        )
        return secret if made == 1 else None

    def _secret_matches(self, ref: str, secret: str) -> bool:
        rows = self.table.rows(f"SELECT salt, hash FROM {SECRETS} WHERE ref = %s", (ref,))
        return _matches(rows[0] if rows else None, secret)

    # -- one-time codes -----------------------------------------------------------------------

    def make_code(self, ref: str, now: float | None = None) -> str:
        now = time.time() if now is None else now
        code = f"{secrets.randbelow(10**6):06d}"
        with self.table.durable() as connection:
            connection.execute(
                f"INSERT INTO {CODES} (ref, hash, expires, tries, used, made_at) "
                "VALUES (%s, %s, %s, 0, false, %s) ON CONFLICT (ref) DO UPDATE SET "
                "hash = EXCLUDED.hash, expires = EXCLUDED.expires, tries = 0, used = false, "
                "made_at = EXCLUDED.made_at",
                (ref, self._code_hash(ref, code), now + CODE_MINUTES * 60, now),
            )
            connection.execute(
                f"DELETE FROM {CODES} WHERE made_at < %s AND ref != %s",
                (now - KEEP_CODES_SECONDS, ref),
            )
        return code

    def attempt(self, ref: str, typed: str, now: float | None = None) -> Attempt:
        now = time.time() if now is None else now
        typed = (typed or "").strip()
        with self.table.durable() as connection:
            row = connection.execute(
                f"SELECT hash, expires, tries, used FROM {CODES} WHERE ref = %s FOR UPDATE",
                (ref,),
            ).fetchone()
            result, change = self._judge(ref, typed, row, now)
            if change == SPEND:
                connection.execute(f"UPDATE {CODES} SET used = true WHERE ref = %s", (ref,))
            elif change == COUNT:
                connection.execute(f"UPDATE {CODES} SET tries = tries + 1 WHERE ref = %s", (ref,))
        return result

    # -- retention, subject access, erasure ------------------------------------------------------

    def for_refs(self, refs: list[str]) -> dict[str, dict]:
        refs = list(refs)
        made = dict(
            self.table.rows(f"SELECT ref, made_at FROM {SECRETS} WHERE ref = ANY(%s)", (refs,))
        )
        codes = {
            ref: (asked, used)
            for ref, asked, used in self.table.rows(
                f"SELECT ref, made_at, used FROM {CODES} WHERE ref = ANY(%s)", (refs,)
            )
        }
        found: dict[str, dict] = {}
        for ref in refs:
            if ref in made or ref in codes:
                code = codes.get(ref)
                found[ref] = {
                    "tracking_secret_made_at": made.get(ref),
                    "code_asked_at": code[0] if code else None,
                    "code_used": bool(code[1]) if code else None,
                }
        return found

    def forget(self, refs: list[str]) -> int:
        return self.table.forget_cases(refs, SECRETS, CODES)
