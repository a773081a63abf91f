"""The rules for changing staff accounts, in one place for the admin pages and ``feedback users``.

Whoever makes a change (an admin in the browser, or someone with a shell on the server running
the ``feedback users`` command) goes through ``Administration``, which:

- checks what was typed (a name, a username, an email address, roles and services that exist)
  and says what is wrong field by field, never with a server error;
- refuses to leave the service without an active admin: the last active admin cannot be
  disabled or lose the admin role (checked under the accounts file's lock, so two admins
  removing each other at the same moment cannot both succeed);
- refuses to let an admin raise their own access: they cannot add roles or services to their
  own account (another admin must do it), nor disable their own account;
- ends the account's sessions at once when it is disabled, or its password or second factor is
  replaced;
- hands every change to ``record`` (the audit log, written by the caller, who knows who made
  it), with the same action names whichever way the change was made.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from forms_app.language.invisible import INVISIBLE

from . import totp
from .users import ROLES, USERNAME, User, UserBook, UserError

MAX_NAME = 100
MAX_EMAIL = 254
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Four groups of five letters and digits from an alphabet without look-alikes (no 0/O, 1/l/I):
# about 95 bits, easy to read out or type from a note.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_NOT_YOURSELF = "You cannot add {} to your own account: ask another admin"


class AccountRefused(UserError):
    """A change that breaks a rule; ``errors`` maps each form field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Change:
    """One change for the audit log: the action, the account's username, and a note holding
    only usernames, role names and service codes (never a name or an email address)."""

    action: str
    username: str
    detail: str = ""


def initial_password() -> str:
    """A strong random password, shown once to the admin who made or reset the account."""
    groups = ("".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(5)) for _ in range(4))
    return "-".join(groups)


class Administration:
    """Account changes made by one person: ``actor`` is an admin's username, or None for the
    server's command line (a shell on the server already holds every key, so only the rules that
    protect the service itself, such as keeping an active admin, apply to it)."""

    def __init__(
        self,
        book: UserBook,
        *,
        actor: str | None,
        services: Collection[str],
        record: Callable[[Change], None],
        end_sessions: Callable[[str], object],
    ):
        self.book = book
        self.actor = actor
        self.services = tuple(services)
        self.record = record
        self.end_sessions = end_sessions

    # -- checking what was typed -------------------------------------------------------------

    def check_new(
        self, *, username: str, name: str, email: str, roles: Iterable[str], services
    ) -> dict[str, str]:
        """What is wrong with a new account's details, by field (empty when nothing is)."""
        errors: dict[str, str] = {}
        name_error = _check_name(name)
        if name_error:
            errors["name"] = name_error
        username = (username or "").strip().lower()
        if not username:
            errors["username"] = "Enter a username"
        elif not USERNAME.match(username):
            errors["username"] = (
                "A username must be 2 to 40 characters: lower case letters, digits, dots, "
                "hyphens or underscores, starting with a letter or digit"
            )
        elif self.book.get(username) is not None:
            errors["username"] = "There is already an account with that username"
        email_error = _check_email(email)
        if email_error:
            errors["email"] = email_error
        errors.update(self.check_access(roles, services))
        return errors

    def check_access(self, roles: Iterable[str], services: Iterable[str]) -> dict[str, str]:
        """What is wrong with a choice of roles and services, by field."""
        errors: dict[str, str] = {}
        roles, services = list(roles), list(services)
        if not roles:
            errors["roles"] = "Choose at least one role"
        elif any(role not in ROLES for role in roles):
            errors["roles"] = "Choose roles from the list"
        if any(service not in self.services for service in services):
            errors["services"] = "Choose services from the list"
        return errors

    # -- the changes --------------------------------------------------------------------------

    def add(
        self,
        *,
        username: str,
        name: str,
        email: str = "",
        roles: Iterable[str],
        services: Iterable[str] = (),
        password: str | None = None,
    ) -> tuple[User, str]:
        """Add an account with a new second-factor secret. Returns it and, when no password was
        given, the random one made for it: both are shown once and kept nowhere else."""
        roles, services = list(dict.fromkeys(roles)), list(dict.fromkeys(services))
        errors = self.check_new(
            username=username, name=name, email=email, roles=roles, services=services
        )
        if errors:
            raise AccountRefused(errors)
        made = password is None
        password = initial_password() if made else password
        try:
            user = self.book.add(
                username,
                name=name.strip(),
                email=email.strip(),
                roles=roles,
                services=services,
                password=password,
            )
        except UserError as error:
            # Added by someone else since the check, or a password too short for the CLI.
            field = "username" if "already" in str(error) else "password"
            raise AccountRefused({field: _sentence(str(error))}) from error
        self.record(Change("account.add", user.username, _access_note(roles, services)))
        return user, (password if made else "")

    def set_access(
        self, username: str, roles: Iterable[str], services: Iterable[str] | None = None
    ) -> User:
        """Replace an account's roles, and its services unless ``services`` is None."""
        roles = list(dict.fromkeys(roles))
        services = None if services is None else list(dict.fromkeys(services))
        errors = self.check_access(roles, services or [])
        if errors:
            raise AccountRefused(errors)

        def apply(user: User, everyone: dict[str, User]) -> None:
            if user.username == self.actor:
                added_roles = set(roles) - set(user.roles)
                added_services = set(services or []) - set(user.services)
                if added_roles:
                    raise AccountRefused({"roles": _NOT_YOURSELF.format("roles")})
                if added_services:
                    raise AccountRefused({"services": _NOT_YOURSELF.format("services")})
            if "admin" not in roles:
                _keep_an_admin(user, everyone, "roles", "take the admin role from")
            user.roles = roles
            if services is not None:
                user.services = services

        user = self._change(username, apply)
        self.record(Change("account.set_roles", user.username, _access_note(roles, services)))
        return user

    def disable(self, username: str) -> User:
        """Stop the account signing in and end its sessions now."""

        def apply(user: User, everyone: dict[str, User]) -> None:
            if user.username == self.actor:
                raise AccountRefused(
                    {"account": "You cannot disable your own account: ask another admin"}
                )
            _keep_an_admin(user, everyone, "account", "disable")
            user.disabled = True

        user = self._change(username, apply)
        self.end_sessions(user.username)
        self.record(Change("account.disable", user.username))
        return user

    def enable(self, username: str) -> User:
        """Let a disabled account sign in again (with a fresh count of failed attempts)."""
        user = self._change(username, _enable)
        self.record(Change("account.enable", user.username))
        return user

    def unlock(self, username: str) -> User:
        """End the account's sign-in back-off now and start its count of failures afresh."""
        user = self._change(username, _unlock)
        self.record(Change("account.unlock", user.username))
        return user

    def reset_second_factor(self, username: str) -> User:
        """A new second-factor secret (a lost phone): every code of the old one stops working
        and the account's sessions end. Returns the account, secret included, to show once."""

        def apply(user: User, _everyone) -> None:
            user.totp_secret, user.last_totp_step = totp.new_secret(), 0

        user = self._change(username, apply)
        self.end_sessions(user.username)
        self.record(Change("account.reset_totp", user.username))
        return user

    def set_password(self, username: str, password: str | None = None) -> tuple[User, str]:
        """A new password (a random one when none is given, returned to show once); the
        account's sessions end and its back-off is cleared."""
        made = password is None
        password = initial_password() if made else password
        try:
            user = self.book.set_password(username, password)
        except UserError as error:
            raise AccountRefused({"password": _sentence(str(error))}) from error
        self.end_sessions(user.username)
        self.record(Change("account.set_password", user.username))
        return user, (password if made else "")

    def _change(self, username: str, apply) -> User:
        try:
            return self.book.change(username, apply)
        except AccountRefused:
            raise
        except UserError as error:
            raise AccountRefused({"account": _sentence(str(error))}) from error


def _enable(user: User, _everyone) -> None:
    user.disabled, user.failures, user.locked_until = False, 0, ""


def _unlock(user: User, _everyone) -> None:
    user.failures, user.locked_until = 0, ""


def _keep_an_admin(user: User, everyone: dict[str, User], field: str, doing: str) -> None:
    """Refuse a change that would leave no active admin (``user`` is the one being changed)."""
    if not (user.active and "admin" in user.roles):
        return
    others = [u for u in everyone.values() if u is not user and u.active and "admin" in u.roles]
    if not others:
        raise AccountRefused(
            {field: f"You cannot {doing} the last active admin: make another admin first"}
        )


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        return "Enter the person's full name"
    if len(name) > MAX_NAME:
        return f"A name must be {MAX_NAME} characters or fewer"
    if _has_hidden_characters(name):
        return "A name cannot contain control or invisible characters"
    return ""


def _check_email(email: str) -> str:
    email = (email or "").strip()
    if not email:
        return ""
    if len(email) > MAX_EMAIL:
        return f"An email address must be {MAX_EMAIL} characters or fewer"
    if _has_hidden_characters(email) or not EMAIL.match(email):
        return "Enter an email address in the correct format, like name@example.org"
    return ""


def _has_hidden_characters(text: str) -> bool:
    return bool(INVISIBLE.search(text)) or any(
        unicodedata.category(character) in ("Cc", "Cs") for character in text
    )


def _access_note(roles, services) -> str:
    note = f"roles={','.join(roles)}"
    return note if services is None else f"{note} services={','.join(services)}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
