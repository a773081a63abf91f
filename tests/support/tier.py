"""How hard the tests push: the every-change tier or the nightly tier (`make test-nightly`).

The reliability plan names two pass figures for several tests (e.g. 20 kills on every change,
200 nightly). Tests ask `scaled(pr, nightly)` for their count, so one variable switches tiers.
"""

import os

NIGHTLY = os.environ.get("FEEDBACK_TIER", "pr") == "nightly"


def scaled(pr: int, nightly: int) -> int:
    """The count for the tier in force."""
    return nightly if NIGHTLY else pr
