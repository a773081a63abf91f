"""A logging handler that keeps every record, for tests that look for what must not be logged."""

from __future__ import annotations

import json
import logging


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def text(self) -> str:
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        return "\n".join(formatter.format(record) for record in self.records)


def json_lines(capsys) -> list[dict]:
    """The JSON log lines written to pytest's captured standard output since it was last read
    (an app asked for JSON logs writes them there)."""
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def drop_json_handlers(level: int) -> None:
    """Take the app's JSON log handler off the root logger again and put back its ``level``, so
    the next test starts with logging as it was."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_forms_app_json", False):
            root.removeHandler(handler)
    root.setLevel(level)
