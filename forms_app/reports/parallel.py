"""Work done in a second process while this one carries on (a report uses both cores of a
small server): ``later = in_background(function, *args)`` then ``later.result()``, and
``later.close()`` once nothing more is wanted of it.

The child is forked (it shares what this process has read, without copying it) and sends its
result back pickled through a pipe. Where fork is unavailable, or this process runs other
threads (forking them is unsafe), the function simply runs here and now.

A function may return ``Then(value, afterwards)``: ``value`` is the result, and
``afterwards()`` runs once it has been handed back, in a process of its own that nobody waits
for (a report saves what it folded for the next one while this process writes its pages and
after it has ended; the saved file is a cache, checked before it is used). Where nothing forks,
it runs before the result is returned.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class Then:
    """A result, and work to do after it has been handed back (None for none)."""

    value: object
    afterwards: Callable[[], object] | None = None


def _split(returned) -> tuple[object, Callable[[], object] | None]:
    if isinstance(returned, Then):
        return returned.value, returned.afterwards
    return returned, None


def _run_afterwards(afterwards: Callable[[], object] | None) -> None:
    if afterwards is None:
        return
    try:
        afterwards()
    except Exception:  # the result is already with the caller: say so, and carry on
        log.exception("the work after a result failed")


class BackgroundError(RuntimeError):
    """The work failed in the background process."""


class _Now:
    def __init__(self, function, args):
        try:
            self._value, afterwards = _split(function(*args))
            self._error = None
        except Exception as error:  # re-raised by result(), as the forked form does
            self._value, self._error = None, error
            return
        _run_afterwards(afterwards)

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
            afterwards = None
            try:
                value, afterwards = _split(function(*args))
                payload = pickle.dumps((True, value), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as error:  # noqa: BLE001 - reported by the parent
                payload = _failure(error)
            with os.fdopen(write, "wb") as pipe:
                pipe.write(payload)
            # The work after the result in a grandchild: this child ends at once, so the
            # caller's wait for it is short, and the grandchild is nobody's to wait for.
            if afterwards is not None and os.fork() == 0:
                # At a lower priority: the caller still has its own work to finish.
                with contextlib.suppress(OSError):
                    os.nice(10)
                _run_afterwards(afterwards)
            os._exit(0)
        os.close(write)
        self._read = read
        self._done = False
        self._value = None

    def result(self):
        if not self._done:
            with os.fdopen(self._read, "rb") as pipe:
                payload = pipe.read()
            self._done = True
            if not payload:
                raise BackgroundError("the background process ended without a result")
            os.waitpid(self._pid, 0)
            ok, self._value = pickle.loads(payload)
            if not ok:
                self._value, failure = None, self._value
                if isinstance(failure, Exception):
                    raise failure  # the error itself, as if the work had run here
                raise BackgroundError(failure)
        return self._value

    def close(self) -> None:
        if not self._done:
            with contextlib.suppress(Exception):
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
