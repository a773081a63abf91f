"""D5: simulated power loss at random points of a workload of commits, events and rewrites.

The shim (``tests/support/powerloss.py``) watches every system call the store and the atomic rewrite
make and, for each chosen crash point, lays out four disks a power cut could leave (unsynced
data dropped; a random prefix of it kept; its region zeros or garbage; renames persisted but no
unsynced data). Each is recovered with ``Store.recover()`` as start-up does, then checked with
an oracle independent of the store (the ``csv`` module and ``zlib``): every acknowledged row is
there exactly once with its text, nothing is duplicated, and every file parses.

The negative controls run the same checks with one fsync forgotten by the model, and must find
losses: the test can fail, and the model is not too kind.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from forms_app.storage import Store
from tests.support.oracle import oracle_rows
from tests.support.powerloss import STATES, PowerLoss, crash_states, write_state
from tests.support.tier import scaled

TABLES = {
    "submissions": ["ref", "idempotency_key", "kind", "language", "text", "crc"],
    "personal": ["ref", "name", "address", "crc"],
    "events": ["ref", "type", "detail", "crc"],
}
TEXTS = [
    "Dŵr a thŷ, ŵŷ ŴŶ: roedd y gofalwr yn hwyr",
    "emoji 😀👍🏽 and a flag 🏴󠁧󠁢󠁷󠁬󠁳󠁿",
    "line one\nline two\n\nline four",
    "textarea\r\nwith CRLF",
    'she said "no", then "yes", then, well',
    "Llanfairpwllgwyngyll ward, bed 4" * 6,
]
NAMES = ["Zebedee Quarrington-Ŵyn", "Gwenllian ap Rhys", "Eirlys Prothero-Ŷates", "Olamide Pryce"]
SEED = 5


def expected(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def run_workload(data_dir: Path, monkeypatch, commits: int, forget: str | None) -> PowerLoss:
    """Commits (with personal rows and events) and two erasures by atomic rewrite, watched."""
    rng = random.Random(SEED)
    data_dir.mkdir(parents=True)
    shim = PowerLoss(data_dir, forget_fsync_of=forget)
    acknowledged: list[tuple[str, str, str]] = []  # (key, ref, text) once commit returned
    erasing: set[str] = set()
    shim.notes.update(acknowledged=0, erasing=erasing)
    store = Store(data_dir, TABLES)
    with shim.installed(monkeypatch):
        shim.phase = "start"
        store.recover()
        for number in range(commits):
            key = f"k{number:04d}"
            text = f"{rng.choice(TEXTS)} #{number}"
            shim.phase = "commit"
            ref, created = store.commit_submission(
                idempotency_key=key,
                submission={"kind": "complaint", "language": "cy", "text": text},
                personal={"name": rng.choice(NAMES), "address": "12 Heol y Felin\nTrefenghraifft"},
            )
            assert created
            acknowledged.append((key, ref, text))
            shim.notes["acknowledged"] = len(acknowledged)
            if number % 5 == 2:
                shim.phase = "events"
                store.append_events([{"ref": ref, "type": "acknowledged", "detail": "Diolch 🙏"}])
            if number in (commits // 3, 2 * commits // 3):
                # An erasure of two earlier cases, in remove_cases's order: personal first,
                # then submissions (each rewrite under the lock), then recovery reloads the index.
                gone = {ref for key, ref, _ in acknowledged[-6:-4]}
                erasing.update(key for key, ref, _ in acknowledged[-6:-4])
                shim.notes["erasing"] = erasing
                shim.phase = "rewrite"
                for table in ("personal", "submissions"):
                    assert store.rewrite(table, lambda row, gone=gone: row["ref"] not in gone)
                shim.phase = "recover"
                store.recover()
        shim.phase = "end"
    shim.acknowledged = acknowledged
    return shim


def check_state(directory: Path, acknowledged, erasing) -> list[str]:
    """Recover a crash state and list what is wrong with it (nothing, when all is well)."""
    try:
        Store(directory, TABLES).recover()
        submissions = oracle_rows(directory / "submissions.csv", TABLES["submissions"])
        personal = oracle_rows(directory / "personal.csv", TABLES["personal"])
        oracle_rows(directory / "events.csv", TABLES["events"])
    except Exception as error:  # any failure to recover or parse is what is being counted
        return [f"unrecoverable: {type(error).__name__}: {error}"]
    problems = []
    keys = [row[1] for row in submissions]
    refs = [row[0] for row in submissions]
    if len(set(keys)) != len(keys) or len(set(refs)) != len(refs):
        problems.append("duplicate")
    by_key = {row[1]: row for row in submissions}
    personal_refs = [row[0] for row in personal]
    if len(set(personal_refs)) != len(personal_refs):
        problems.append("duplicate personal")
    for key, ref, text in acknowledged:
        if key in erasing:
            continue  # being erased: old file or new file, either is right
        row = by_key.get(key)
        if row is None or row[0] != ref or row[4] != expected(text):
            problems.append(f"missing {key}")
        elif personal_refs.count(ref) != 1:
            problems.append(f"missing personal {key}")
    return problems


def crash_and_recover(shim: PowerLoss, points: int, scratch: Path) -> dict:
    """Recover every crash state of ``points`` snapshots (all rewrite steps among them)."""
    rng = random.Random(SEED)
    snapshots = shim.snapshots
    rewrite = [snap for snap in snapshots if snap.phase == "rewrite"]
    others = [snap for snap in snapshots if snap.phase != "rewrite"]
    assert len(snapshots) >= points, f"only {len(snapshots)} crash points in the workload"
    chosen = rewrite + rng.sample(others, points - len(rewrite))
    figures = {"points": len(chosen), "states": 0, "missing": 0, "unrecoverable": 0}
    figures["duplicates"] = 0  # count of problems of each kind, over all states
    examples: list[str] = []
    for snap in chosen:
        acknowledged = shim.acknowledged[: snap.notes["acknowledged"]]
        for state, files in crash_states(snap, rng).items():
            directory = scratch / "state"
            shutil.rmtree(directory, ignore_errors=True)
            write_state(directory, files)
            problems = check_state(directory, acknowledged, snap.notes["erasing"])
            figures["states"] += 1
            for problem in problems:
                if problem.startswith("unrecoverable"):
                    figures["unrecoverable"] += 1
                elif problem.startswith("duplicate"):
                    figures["duplicates"] += 1
                else:
                    figures["missing"] += 1
            if problems and len(examples) < 5:
                examples.append(f"{state} before call {snap.index} ({snap.call}): {problems[:3]}")
    figures["examples"] = examples
    return figures


@pytest.mark.slow
def test_power_loss_at_random_points_loses_nothing_acknowledged(tmp_path, monkeypatch) -> None:
    """D5: K crash points x 4 states (PR 100, nightly 500), every rewrite step among them."""
    points = scaled(100, 500)
    shim = run_workload(tmp_path / "data", monkeypatch, scaled(60, 160), forget=None)
    assert set(STATES) == {"drop", "prefix", "garbage", "names"}
    figures = crash_and_recover(shim, points, tmp_path)
    summary = (
        f"{figures['points']} crash points x 4 states = {figures['states']} states: "
        f"{figures['missing']} acknowledged rows missing, {figures['unrecoverable']} "
        f"unrecoverable, {figures['duplicates']} duplicates; {figures['examples']}"
    )
    print(summary)
    assert figures["states"] == 4 * points, summary
    assert figures["missing"] == figures["unrecoverable"] == figures["duplicates"] == 0, summary


@pytest.mark.parametrize(
    "forgotten",
    [
        # The commit's fsync: a reference shown for a row a power cut can take away.
        "submissions.csv",
        # The rewrite's fsync before os.replace: the rename can land before the data.
        ".rewrite",
    ],
)
def test_the_check_finds_a_forgotten_fsync(tmp_path, monkeypatch, forgotten: str) -> None:
    """Negative control: with one fsync not counted, the same check reports lost rows."""
    shim = run_workload(tmp_path / "data", monkeypatch, 30, forget=forgotten)
    figures = crash_and_recover(shim, 60, tmp_path)
    assert figures["missing"] + figures["unrecoverable"] > 0, figures
