"""A message worker in a process of its own, for the tests of one worker across app servers:
the real ``Sender`` on the database's outbox with the database's worker lock
(``Sender.run_as_the_one``), sending through a stub provider that writes each message's id to a
file, one line per send (appends of one short line are never interleaved).

    python -m tests.support.stub_message_worker DATABASE_URL DATA_DIR SENDS_FILE

The stub answers ``find`` from the same file, as GOV.UK Notify answers a look-up by reference,
so a message left ``sending`` by a worker killed mid-send is found rather than sent again.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from pathlib import Path

from forms_app.messages.database_outbox import DatabaseOutbox
from forms_app.messages.outbox import outbox_path
from forms_app.messages.sending import Sender

#: Seconds each send takes, so that a worker killed part-way leaves messages for the other.
SEND_SECONDS = 0.02


class FileProvider:
    can_find = True

    def __init__(self, sends: Path):
        self.sends = sends

    def send(self, message) -> str:
        time.sleep(SEND_SECONDS)
        fd = os.open(self.sends, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{message.id} {os.getpid()}\n".encode())
        finally:
            os.close(fd)
        return f"stub-{message.id}"

    def find(self, message) -> str | None:
        if not self.sends.exists():
            return None
        ids = {line.split()[0] for line in self.sends.read_text().splitlines() if line}
        return f"stub-{message.id}" if message.id in ids else None


def main(url: str, data_dir: str, sends: str) -> None:
    logging.basicConfig(level=logging.INFO, format="%(process)d %(levelname)s %(message)s")
    sender = Sender(DatabaseOutbox(outbox_path(Path(data_dir)), url), FileProvider(Path(sends)))

    def stop(_signum, _frame):
        sender.clock.stopping.set()

    signal.signal(signal.SIGTERM, stop)
    sender.run_as_the_one(url, every=0.3)


if __name__ == "__main__":
    main(*sys.argv[1:4])
