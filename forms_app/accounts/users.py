"""Staff accounts in ``<data_dir>/users.json``, written atomically (temporary file, fsync,
rename, fsync directory) under a lock, so two processes never lose each other's changes.

Each account holds an argon2id password hash, a TOTP secret, roles, the services an officer
covers, and the counters for its sign-in back-off (5 failed attempts, then 15 minutes; counted
atomically, see throttle.py). Never the password itself.

With a shared database (``store_url``), the same document lives there instead, so every app
server has the same accounts: whoever builds the app's parts calls ``use_document`` with a
maker of the database's document (``storage.postgres.accounts``), and every ``UserBook`` of
that data directory reads and changes it (``read`` and ``editing``, the file's cached read and
locked rewrite).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from . import passwords, totp

ROLES = ("officer", "manager", "safeguarding_lead", "publisher", "admin")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MAX_FAILURES = 5
LOCK_MINUTES = 15
# The ``source`` of an account signed in by the organisation's OpenID provider.
DIRECTORY = "directory"


class UserError(ValueError):
    """An account change that cannot be made (unknown user, bad role, weak password...)."""


@dataclass
class User:
    username: str
    name: str
    email: str = ""
    roles: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    password_hash: str = ""
    totp_secret: str = ""
    last_totp_step: int = 0
    disabled: bool = False
    failures: int = 0
    locked_until: str = ""  # ISO datetime, empty when not locked
    created: str = ""
    # Single sign-on: "directory" for an account the organisation's OpenID provider signs in
    # (no password, no second factor here: the provider does both), empty for a local one.
    source: str = ""
    subject: str = ""  # the provider's issuer and the person's subject there
    last_sign_in: str = ""  # ISO datetime of the last completed sign-in, empty if never

    def has(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    def locked(self, now: datetime) -> bool:
        return bool(self.locked_until) and datetime.fromisoformat(self.locked_until) > now

    @property
    def active(self) -> bool:
        return not self.disabled


#: Data directories whose accounts are a document elsewhere: resolved path -> its maker.
_DOCUMENTS: dict[str, Callable[[], object]] = {}


def use_document(data_dir: Path, make: Callable[[], object] | None) -> None:
    """Keep the accounts of ``data_dir`` in the document ``make()`` gives (None: the file)."""
    key = str(Path(data_dir).resolve())
    if make is None:
        _DOCUMENTS.pop(key, None)
    else:
        _DOCUMENTS[key] = make


class UserBook:
    """The accounts file. Reads are cached by the file's modification time and size."""

    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / "users.json"
        self._cache: tuple[tuple[int, int], dict[str, User]] | None = None
        make = _DOCUMENTS.get(str(Path(data_dir).resolve())) if _DOCUMENTS else None
        self.document = make() if make else None

    # -- reading ----------------------------------------------------------------------------

    def _load(self) -> dict[str, User]:
        if self.document is not None:
            return self._load_document()
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return {}
        stamp = (st.st_mtime_ns, st.st_size)
        if self._cache is not None and self._cache[0] == stamp:
            return self._cache[1]
        data = json.loads(self.path.read_text("utf-8"))
        users = {name: User(**values) for name, values in data.get("users", {}).items()}
        self._cache = (stamp, users)
        return users

    def _load_document(self) -> dict[str, User]:
        found = self.document.read()
        if found is None:
            return {}
        version, data = found
        stamp = (-1, version)
        if self._cache is not None and self._cache[0] == stamp:
            return self._cache[1]
        users = {name: User(**values) for name, values in data.get("users", {}).items()}
        self._cache = (stamp, users)
        return users

    def get(self, username: str) -> User | None:
        return self._load().get((username or "").strip().lower())

    def all(self) -> list[User]:
        return sorted(self._load().values(), key=lambda u: u.username)

    def with_role(self, role: str) -> list[User]:
        return [u for u in self.all() if role in u.roles and u.active]

    # -- writing ----------------------------------------------------------------------------

    @contextmanager
    def _editing(self, *, durable: bool = True) -> Iterator[dict[str, User]]:
        """Hold the lock, hand out a fresh copy of the accounts, write them back atomically
        (``durable=False``: without fsync, for sign-in counters a power cut may lose)."""
        if self.document is not None:
            with self.document.editing(durable=durable) as data:
                self._cache = None
                users = {n: User(**values) for n, values in data.get("users", {}).items()}
                yield users
                data.clear()
                data.update(_document(users))
            self._cache = None
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock_path = self.path.with_suffix(".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._cache = None
            users = {name: User(**asdict(user)) for name, user in self._load().items()}
            yield users
            self._write(users, durable=durable)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _write(self, users: dict[str, User], *, durable: bool = True) -> None:
        data = _document(users)
        temporary = self.path.with_suffix(".json.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        if durable:
            directory = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        self._cache = None

    # -- account management (the ``feedback users`` commands) -------------------------------

    def add(
        self,
        username: str,
        *,
        name: str,
        password: str,
        email: str = "",
        roles: list[str] = (),
        services: list[str] = (),
    ) -> User:
        """Create an account with a new TOTP secret; returns it (secret included, once)."""
        username = username.strip().lower()
        if not USERNAME.match(username):
            raise UserError("a username is 2 to 40 lower case letters, digits, '.', '_' or '-'")
        _check_roles(roles)
        with self._editing() as users:
            if username in users:
                raise UserError(f"there is already a user called {username}")
            user = User(
                username=username,
                name=name.strip() or username,
                email=email.strip(),
                roles=list(dict.fromkeys(roles)),
                services=list(dict.fromkeys(services)),
                password_hash=_hash(password),
                totp_secret=totp.new_secret(),
                created=datetime.now(UTC).isoformat(timespec="seconds"),
            )
            users[username] = user
        return user

    def update(self, username: str, **changes) -> User:
        """Change some fields of an account (roles are checked)."""
        if "roles" in changes:
            _check_roles(changes["roles"])
        with self._editing() as users:
            user = users.get(username.strip().lower())
            if user is None:
                raise UserError(f"no user called {username}")
            for key, value in changes.items():
                setattr(user, key, value)
        return user

    def change(self, username: str, apply: Callable[[User, dict[str, User]], None]) -> User:
        """Change one account under the lock: ``apply(account, everyone)`` edits the account in
        place, seeing every other account as it is now, or raises to leave everything as it was
        (the rules in administration.py check "the last active admin" this way, so two admins
        changing each other at once cannot both succeed)."""
        with self._editing() as users:
            user = users.get((username or "").strip().lower())
            if user is None:
                raise UserError(f"no user called {username}")
            apply(user, users)
        return user

    def set_password(self, username: str, password: str) -> User:
        return self.update(username, password_hash=_hash(password), failures=0, locked_until="")

    def reset_totp(self, username: str) -> User:
        return self.update(username, totp_secret=totp.new_secret(), last_totp_step=0)

    # -- signing in -------------------------------------------------------------------------

    def check_password(
        self, username: str, password: str, now: datetime, *, trusted: bool = False
    ) -> User | None:
        """The account if the password is right and the account may sign in; counts failures."""
        return self.attempt_password(username, password, now, trusted=trusted)[0]

    def attempt_password(
        self, username: str, password: str, now: datetime, *, trusted: bool = False
    ) -> tuple[User | None, str]:
        """(the account, "") if the password is right and the account may sign in, else (None,
        why): "unknown", "disabled", "locked" or "password".

        The attempt takes one of the account's slots under the accounts file's lock **before**
        the password is checked, and gives it back if the password was right: parallel guesses
        take the slots one at a time, and once ``MAX_FAILURES`` are taken every further guess is
        refused unchecked until the back-off ends (see throttle.py for the whole design).
        ``trusted``: the attempt comes from a network where this person completed sign-in
        recently, which the back-off does not refuse (it is still counted)."""
        name = (username or "").strip().lower()
        refusal, hashed = "unknown", None
        if name and name in self._load():
            with self._editing(durable=False) as users:
                user = users.get(name)
                if user is not None:
                    refusal, hashed = _claim(user, now, trusted), user.password_hash
        # Always one verification, so the time taken does not say whether the name exists or
        # the account is backing off.
        ok = passwords.verify_password(hashed, password)
        if refusal:
            return None, refusal
        with self._editing(durable=False) as users:
            user = users.get(name)
            if user is None:
                return None, "unknown"
            if ok:
                _give_back(user)
                return User(**asdict(user)), ""
        return None, "password"

    def check_code(
        self, username: str, code: str, now: datetime, *, trusted: bool = False
    ) -> User | None:
        """The account if the one-time code is right (and not used before); counts failures."""
        name = (username or "").strip().lower()
        if self.get(name) is None:
            return None
        with self._editing() as users:
            user = users.get(name)
            if user is None or user.disabled or user.source == DIRECTORY or not user.totp_secret:
                return None
            _end_back_off_if_over(user, now)
            if not trusted and _backing_off(user, now):
                return None
            step = totp.matching_step(user.totp_secret, code, user.last_totp_step, now.timestamp())
            if step is None:
                _count_failure(user, now)
                return None
            user.last_totp_step = step
            user.last_sign_in = now.isoformat(timespec="seconds")
            if not user.locked(now):
                # A trusted sign-in during a back-off leaves the back-off running for the rest.
                user.failures, user.locked_until = 0, ""
        return user

    def from_directory(
        self,
        *,
        subject: str,
        username: str,
        name: str,
        email: str,
        roles: list[str],
        services: list[str],
    ) -> User | None:
        """The account of a person the organisation's OpenID provider has just signed in, with
        their roles and services as the provider's claims give them now (so a role removed in
        the directory is gone at their next sign-in). Found by the provider's subject; made
        the first time only if they have a role (None otherwise). Raises ``UserError`` when
        the username belongs to another account (a local one, or another subject): that is
        never taken over. A disabled account stays disabled."""
        _check_roles(roles)
        with self._editing() as users:
            user = next((u for u in users.values() if u.subject == subject), None)
            if user is None:
                if not roles:
                    return None
                if username in users:
                    raise UserError(f"the username {username} belongs to another account")
                user = users[username] = User(
                    username=username,
                    name=name or username,
                    source=DIRECTORY,
                    subject=subject,
                    created=datetime.now(UTC).isoformat(timespec="seconds"),
                )
            user.name, user.email = name or user.name, email
            user.roles = list(dict.fromkeys(roles))
            user.services = list(dict.fromkeys(services))
            if roles and not user.disabled:
                # The provider has signed them in and they may come in: a completed sign-in.
                user.last_sign_in = datetime.now(UTC).isoformat(timespec="seconds")
        return User(**asdict(user))

    def failed(self, username: str, now: datetime) -> None:
        with self._editing() as users:
            user = users.get(username)
            if user is not None:
                _count_failure(user, now)


def _document(users: dict[str, User]) -> dict:
    """The accounts as the file (or the database's document) holds them."""
    return {"version": 1, "users": {name: asdict(user) for name, user in sorted(users.items())}}


def _end_back_off_if_over(user: User, now: datetime) -> None:
    """A back-off that has run its time ends, and the count starts afresh."""
    if user.locked_until and not user.locked(now):
        user.locked_until, user.failures = "", 0


def _backing_off(user: User, now: datetime) -> bool:
    # Taken slots count even before their guesses are checked.
    return user.locked(now) or user.failures >= MAX_FAILURES


def _claim(user: User, now: datetime, trusted: bool) -> str:
    """Take a slot for one password check; the refusal's reason, or "" when it may go ahead."""
    if user.disabled:
        return "disabled"
    if user.source == DIRECTORY or not user.password_hash:
        # Signed in by the provider only: no password here (an empty hash must never be
        # checked, it would be compared with the timing hash, whose password is public).
        return "directory"
    _end_back_off_if_over(user, now)
    if not trusted and _backing_off(user, now):
        return "locked"
    _count_failure(user, now)
    return ""


def _give_back(user: User) -> None:
    """The checked password was right: its slot was not a failure."""
    user.failures = max(0, user.failures - 1)
    if user.failures < MAX_FAILURES:
        # The back-off its slot started (if it was the last one) was never earned.
        user.locked_until = ""


def _count_failure(user: User, now: datetime) -> None:
    user.failures += 1
    if user.failures >= MAX_FAILURES and not user.locked(now):
        user.locked_until = (now + timedelta(minutes=LOCK_MINUTES)).isoformat(timespec="seconds")


def _check_roles(roles) -> None:
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise UserError(f"unknown role(s) {', '.join(unknown)}; roles are {', '.join(ROLES)}")


def _hash(password: str) -> str:
    try:
        return passwords.hash_password(password)
    except ValueError as error:
        raise UserError(str(error)) from error
