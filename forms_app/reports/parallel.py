"""Work done in a second process while this one carries on (a report uses both cores of a
small server): ``later = in_background(function, *args)`` then ``later.result()``.

The child is forked (it shares what this process has read, without copying it) and sends its
result back pickled through a pipe. Where fork is unavailable, or this process runs other
threads (forking them is unsafe), the function simply runs here and now.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import threading


class BackgroundError(RuntimeError):
    """The work failed in the background process."""


class _Now:
    def __init__(self, function, args):
        try:
            self._value, self._error = function(*args), None
        except Exception as error:  # re-raised by result(), as the forked form does
            self._value, self._error = None, error

    def result(self):
        if self._error is not None:
            raise self._error
        return self._value

    def close(self) -> None:
        pass


class _Forked:
    def __init__(self, function, args):
        read, write = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:  # the child: do the work, send it, leave without cleaning up
            os.close(read)
            try:
                payload = pickle.dumps((True, function(*args)), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as error:  # noqa: BLE001 - reported by the parent
                payload = _failure(error)
            with os.fdopen(write, "wb") as pipe:
                pipe.write(payload)
            os._exit(0)
        os.close(write)
        self._read = read
        self._done = False
        self._value = None

    def result(self):
        if not self._done:
            with os.fdopen(self._read, "rb") as pipe:
                payload = pipe.read()
            os.waitpid(self._pid, 0)
            self._done = True
            if not payload:
                raise BackgroundError("the background process ended without a result")
            ok, self._value = pickle.loads(payload)
            if not ok:
                self._value, failure = None, self._value
                if isinstance(failure, Exception):
                    raise failure  # the error itself, as if the work had run here
                raise BackgroundError(failure)
        return self._value

    def close(self) -> None:
        if not self._done:
            with contextlib.suppress(BackgroundError):
                self.result()


def _failure(error: BaseException) -> bytes:
    """How the child reports a failure: the exception itself when it can be pickled (so the
    parent can catch it by its type, as if the work had run there), else its name and text."""
    if isinstance(error, Exception):
        try:
            payload = pickle.dumps((False, error))
            pickle.loads(payload)  # some exceptions pickle but cannot be rebuilt
            return payload
        except Exception:  # noqa: BLE001, S110 - fall back to the text below
            pass
    return pickle.dumps((False, f"{type(error).__name__}: {error}"))


def in_background(function, *args):
    """Start ``function(*args)``; ``.result()`` waits for it (and raises if it failed)."""
    if (
        not hasattr(os, "fork")
        or threading.active_count() > 1
        or os.environ.get("FEEDBACK_REPORT_FORK") == "0"
    ):
        return _Now(function, args)
    return _Forked(function, args)
