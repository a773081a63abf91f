"""With app servers sharing one PostgreSQL database, one message worker sends and the others
stand by: every message goes exactly once, and when the active worker is killed (SIGKILL) a
standing-by one takes over and sends the rest. Each worker is a process of its own
(``tests/support/stub_message_worker.py``: the real sender and lock, a stub provider)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from forms_app.messages.database_outbox import DatabaseOutbox
from forms_app.messages.outbox import Message, outbox_path
from forms_app.storage.postgres.worker_lock import WorkerLock

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _messages(count: int) -> list[Message]:
    return [
        Message(
            id=f"m{number:04d}",
            ref=f"AB{number % 100:02d}-CD34",
            type="acknowledgement",
            channel="email",
            recipient="person@example.com",
            language="en",
            wording="standard",
            values={"name": "Siân Prydderch"},
        )
        for number in range(count)
    ]


class Workers:
    """Worker processes on one database and one sends file."""

    def __init__(self, url: str, folder: Path):
        self.url, self.folder = url, folder
        self.data_dir = folder / "data"
        self.sends = folder / "sends.txt"
        self.processes: list[subprocess.Popen] = []

    def queue(self, count: int) -> None:
        outbox = DatabaseOutbox(outbox_path(self.data_dir), self.url)
        assert outbox.queue(_messages(count), at=time.time() - 1) == count

    def start(self) -> subprocess.Popen:
        log = open(self.folder / f"worker-{len(self.processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.stub_message_worker", self.url]
            + [str(self.data_dir), str(self.sends)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def log(self, process: subprocess.Popen) -> str:
        number = self.processes.index(process)
        return (self.folder / f"worker-{number}.log").read_text(errors="replace")

    def sent(self) -> list[tuple[str, int]]:
        if not self.sends.exists():
            return []
        lines = self.sends.read_text().splitlines()
        return [(line.split()[0], int(line.split()[1])) for line in lines if line]

    def wait_for(self, done, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                logs = "\n".join(self.log(p) for p in self.processes)
                raise AssertionError(f"timed out; the workers said:\n{logs}")
            time.sleep(0.05)

    def counts(self) -> dict[str, int]:
        return DatabaseOutbox(outbox_path(self.data_dir), self.url).counts()

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def workers(postgres_url, tmp_path):
    running = Workers(postgres_url, tmp_path)
    yield running
    running.stop()


def test_postgres_two_message_workers_send_each_message_exactly_once(workers):
    workers.queue(60)
    first, second = workers.start(), workers.start()
    workers.wait_for(lambda: workers.counts()["sent"] == 60)
    sent = workers.sent()
    assert Counter(Counter(message for message, _pid in sent).values()) == {1: 60}
    senders = {pid for _message, pid in sent}
    assert len(senders) == 1, "one worker sends, the other stands by"
    standby = second if first.pid in senders else first
    workers.wait_for(lambda: "standing by" in workers.log(standby), timeout=10)


def test_postgres_standby_message_worker_sends_the_rest_after_the_active_one_is_killed(workers):
    workers.queue(200)
    workers.start(), workers.start()
    workers.wait_for(lambda: len(workers.sent()) >= 30)
    (active,) = {pid for _message, pid in workers.sent()}
    os.kill(active, signal.SIGKILL)
    workers.wait_for(lambda: workers.counts()["sent"] == 200)
    sent = workers.sent()
    assert Counter(Counter(message for message, _pid in sent).values()) == {1: 200}, (
        "nothing sent twice, nothing left out"
    )
    by_pid = Counter(pid for _message, pid in sent)
    assert len(by_pid) == 2 and by_pid[active] < 200, by_pid
    (survivor,) = (p for p in workers.processes if p.pid != active)
    assert "took over" in workers.log(survivor)


def test_postgres_worker_lock_is_held_by_one_and_freed_when_its_holder_lets_go(postgres_url):
    one, other = WorkerLock(postgres_url, "messages"), WorkerLock(postgres_url, "messages")
    sheets = WorkerLock(postgres_url, "sheets")
    try:
        assert one.take() and one.still_held()
        assert not other.take(), "a second worker stands by"
        assert sheets.take(), "the sheet worker's lock is another lock"
        one.release()
        assert not one.still_held()
        assert other.take(), "taken over once the first let go"
    finally:
        for lock in (one, other, sheets):
            lock.release()


def test_postgres_a_message_claimed_by_another_worker_is_not_claimed_again(postgres_url, tmp_path):
    path = outbox_path(tmp_path / "data")
    mine, theirs = DatabaseOutbox(path, postgres_url), DatabaseOutbox(path, postgres_url)
    mine.queue(_messages(1), at=1.0)
    (read_by_me,) = mine.due(2.0)
    (read_by_them,) = theirs.due(2.0)
    assert theirs.mark_sending(read_by_them.id, read_by_them.attempts)
    assert not mine.mark_sending(read_by_me.id, read_by_me.attempts), "claimed already"
    theirs.mark_sent(read_by_them.id, 3.0, "provider-1")
    assert not mine.mark_sending(read_by_me.id), "a sent message is never claimed"
    assert theirs.one(read_by_me.id).attempts == 1


def test_postgres_send_once_is_refused_while_a_worker_on_another_server_sends(
    postgres_url, data_dir, monkeypatch
):
    from forms_app import create_app
    from forms_app.cli.messages import messages_group
    from forms_app.organisation.settings import EXAMPLE_SETTINGS
    from forms_app.storage.shared_database import use_database
    from tests.support.notify_standin import KEY

    monkeypatch.setenv("FORMS_APP_STORE_URL", postgres_url)
    monkeypatch.setenv("NOTIFY_API_KEY", KEY)
    app = create_app(str(EXAMPLE_SETTINGS))
    runner = app.test_cli_runner()
    elsewhere = WorkerLock(postgres_url, "messages")
    try:
        assert elsewhere.take()
        refused = runner.invoke(messages_group, ["send", "--once"])
        assert refused.exit_code == 1, refused.output
        assert "another message worker is running on a server sharing" in refused.output
        elsewhere.release()
        once = runner.invoke(messages_group, ["send", "--once"])
        assert once.exit_code == 0 and "sent 0" in once.output, once.output
        assert not (data_dir / "messages" / "outbox.lock").exists(), "no lock file"
    finally:
        elsewhere.release()
        use_database(data_dir, "")
