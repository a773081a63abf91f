"""A staff form refused for an expired session token: nothing is saved, but what was typed is
shown, to copy back after signing in again."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue

from .context import render

#: Never shown back: the token, the second-factor code, and any password field.
_NOT_SHOWN = frozenset({"csrf_token", "code", "totp"})


def staff_typed_text() -> ResponseReturnValue:
    """A staff form refused for its token (a sign-in that timed out while a long note was
    written): nothing is saved, but every text typed is shown, to copy back after signing in."""
    typed = [
        (name, value)
        for name, value in request.form.items(multi=True)
        # Whole names: a substring test would hide a postcode along with the code.
        if value.strip() and name not in _NOT_SHOWN and "password" not in name
    ]
    return render("staff/session_ended.html", typed=typed, title="Your session has ended"), 400
