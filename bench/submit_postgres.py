"""Submissions with the store and everything the app servers share in PostgreSQL, beside the
same app on its files and the same bare append+fsync baseline, all in one run.

The same 16 clients and the same full submission as ``bench.submit`` (the POST and the
confirmation page it redirects to; drafts made before the clock starts), against three
servers taking turns: the bare endpoint, the app on its data directory, and the app with
``FORMS_APP_STORE_URL`` naming a database on a PostgreSQL server started for the run (Debian's
``postgresql``, as the tests start it: ``make postgresql`` installs it). Each ratio is over the
bare endpoint of the same run; the files engine's ratio is given beside it so the two engines
are compared under the same load.

Memory per worker is each app's gunicorn workers' resident memory after the runs (VmRSS from
/proc), averaged over its workers: the database engine keeps no case index of its own for a
submission, but loads the database client.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from bench.submit import PROJECT, _run, _settings, start_server

WORKERS = 2
POSTGRES = Path("/usr/lib/postgresql/15/bin/postgres")
if not POSTGRES.exists():
    # ``python -m bench`` then notes it as not measured instead of stopping.
    raise ImportError(f"{POSTGRES} is missing: `make postgresql` installs Debian's postgresql")


def _worker_rss_mb(master: int) -> float:
    """Mean resident memory of a gunicorn master's workers, MB."""
    children: list[int] = []
    for path in Path(f"/proc/{master}/task").glob("*/children"):
        children += [int(pid) for pid in path.read_text().split()]
    sizes = []
    for pid in set(children):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return round(sum(sizes) / len(sizes), 1) if sizes else 0.0


def measure(scratch: Path | None = None) -> dict:
    from tests.support.postgres import start_server as start_postgres

    server = start_postgres()
    try:
        database = server.new_database()
        with tempfile.TemporaryDirectory(dir=scratch or PROJECT / "build") as folder:
            return _measure(Path(folder), server.url(database))
    finally:
        server.stop()


def _measure(folder: Path, url: str) -> dict:
    bare_dir = folder / "bare"
    bare_dir.mkdir()
    settings = str(_settings(str(folder)))
    apps = {
        "files": {"FORMS_APP_DATA_DIR": str(folder / "files"), "FORMS_APP_SETTINGS": settings},
        "postgres": {
            "FORMS_APP_DATA_DIR": str(folder / "postgres"),
            "FORMS_APP_SETTINGS": settings,
            "FORMS_APP_STORE_URL": url,
        },
    }
    servers = {
        name: start_server("forms_app:create_app()", env, workers=WORKERS)
        for name, env in apps.items()
    }
    servers["bare"] = start_server(
        "bench.bare_app:create_bare_app()", {"BENCH_BARE_DIR": str(bare_dir)}, workers=WORKERS
    )
    runs: dict[str, list[dict]] = {"bare": [], "files": [], "postgres": []}
    try:
        # Taking turns, twice, so no one gets the quieter moment.
        for _ in range(2):
            for name in runs:
                runs[name].append(_run("bare" if name == "bare" else "app", servers[name][1]))
        rss = {name: _worker_rss_mb(servers[name][0].pid) for name in ("files", "postgres")}
        load = os.getloadavg()
    finally:
        for process, _port in servers.values():
            os.killpg(process.pid, 15)
            process.wait(timeout=10)
    best = {name: max(results, key=lambda r: r["per_second"]) for name, results in runs.items()}
    bare = best["bare"]
    return {
        "submit_throughput_ratio_postgres": round(
            best["postgres"]["per_second"] / bare["per_second"], 3
        ),
        "submit_p99_ratio_postgres": round(best["postgres"]["p99_ms"] / bare["p99_ms"], 3),
        "worker_rss_mb_postgres": rss["postgres"],
        "worker_rss_mb_files": rss["files"],
        "postgres_detail": {
            "bare": bare,
            "files": best["files"],
            "postgres": best["postgres"],
            "files_throughput_ratio": round(best["files"]["per_second"] / bare["per_second"], 3),
            "files_p99_ratio": round(best["files"]["p99_ms"] / bare["p99_ms"], 3),
            "load_average": [round(value, 1) for value in load],
        },
    }


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=2))
