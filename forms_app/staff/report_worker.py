"""The command a report or export job's own process runs (``forms_app.web.background`` starts
it): ``python -m forms_app.staff.report_worker <job folder>``. The work is ``report_jobs``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from forms_app.web.background import STATE, run

from .report_jobs import WORK


def main(argv: list[str]) -> int:
    job_dir = Path(argv[0])
    job = json.loads((job_dir / STATE).read_text("utf-8"))
    return run(job_dir, WORK[job["params"]["action"]])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
