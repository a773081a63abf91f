"""Two app servers on one PostgreSQL database, one killed (kill -9) while people submit.

Both servers are real gunicorns (two workers each) with ``FORMS_APP_STORE_URL`` naming the same
database; clients walk the public comment journey on each, over HTTP
(``tests/support/http_submitter.py``: acknowledged means the send was answered 303 to the
confirmation page). One server is killed, master and workers at once, while its clients are
sending; the other keeps taking submissions. Afterwards every acknowledged submission is in the
database exactly once, with the reference its person was shown.

What this does not show yet: the servers share one machine's data directory, because drafts,
staff sessions and the outboxes are still files there. Behind a proxy on separate machines they
would need those in the database too.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from forms_app.storage.contract import Contract
from forms_app.storage.postgres import PostgresStore
from tests.support.http_submitter import Outcome, stream
from tests.support.served import Gunicorn

pytestmark = pytest.mark.slow
CONTRACT = Contract()
TABLES = {name: CONTRACT.columns(name) for name in CONTRACT.resource_names}
CLIENTS_EACH = 2


def _wait_for(outcomes: list[Outcome], prefix: str, count: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sum(o.acknowledged and o.token.startswith(prefix) for o in list(outcomes)) >= count:
            return
        time.sleep(0.05)


def test_postgres_two_servers_one_killed_lose_and_duplicate_nothing(postgres_url, tmp_path):
    data_dir: Path = tmp_path / "data"
    environment = {"FORMS_APP_STORE_URL": postgres_url}
    doomed = Gunicorn(data_dir, env=environment)
    survivor = Gunicorn(data_dir, env=environment)
    doomed.start(timeout=60)
    survivor.start(timeout=60)
    outcomes: list[Outcome] = []
    stop = threading.Event()
    clients = [
        threading.Thread(
            target=stream, args=(server.url, f"{name}{n}", stop, outcomes), daemon=True
        )
        for server, name in ((doomed, "doomed"), (survivor, "survivor"))
        for n in range(CLIENTS_EACH)
    ]
    try:
        for thread in clients:
            thread.start()
        _wait_for(outcomes, "doomed", 6, 120)
        time.sleep(random.Random(21).uniform(0.05, 0.4))
        doomed.kill()
        killed_at = len(outcomes)
        # The survivor keeps serving its people after the other server died.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            after = outcomes[killed_at:]
            if sum(o.acknowledged and o.token.startswith("survivor") for o in after) >= 4:
                break
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in clients:
            thread.join(timeout=30)
        doomed.kill()
        survivor.stop()

    rows = list(PostgresStore(postgres_url, data_dir, TABLES).rows("submissions"))
    tokens = Counter(row["details"].rsplit("\n", 1)[-1] for row in rows)
    ref_of = {row["details"].rsplit("\n", 1)[-1]: row["ref"] for row in rows}
    acknowledged = [o for o in outcomes if o.acknowledged]
    lost = [o.token for o in acknowledged if tokens[o.token] == 0]
    duplicates = sum(count - 1 for count in tokens.values() if count > 1)
    wrong = [o.token for o in acknowledged if o.reference and ref_of.get(o.token) != o.reference]
    figures = (
        f"{len(outcomes)} started, {len(acknowledged)} acknowledged, {len(lost)} lost, "
        f"{duplicates} duplicated, {len(wrong)} with another reference, {len(rows)} stored"
    )
    print(figures)
    assert not lost and not duplicates and not wrong, figures
    assert sum(o.token.startswith("doomed") for o in acknowledged) >= 6, figures
    after_kill = [o for o in outcomes[killed_at:] if o.token.startswith("survivor")]
    assert sum(o.acknowledged for o in after_kill) >= 4, figures
