"""A background job for the tests of jobs shared between app servers: it says it has begun,
waits until the file named in its parameters exists (so a test decides when it ends, or kills
it first), then writes ``out.txt`` and finishes.

    python -m tests.support.slow_job <job folder>      (as ``Jobs.start`` runs a job's module)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from forms_app.web.background import Progress, run


def work(progress: Progress) -> dict:
    progress.step(1)
    go = Path(progress.params["go"])
    while not go.exists():
        time.sleep(0.05)
    progress.step(2)
    (progress.dir / "out.txt").write_text(f"made for {progress.actor}\n", "utf-8")
    return {"file": "out.txt"}


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1]), work))
