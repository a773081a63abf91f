"""A real ClamAV daemon (Debian's ``clamav-daemon``) for the tests, with a socket, a
configuration and a signature database of its own in a temporary folder.

ClamAV's signature mirror cannot be reached from the test machines, so the database is one
signature made here with ``sigtool --md5`` from the EICAR test file (the industry's harmless
test string that every scanner reports as a virus: https://www.eicar.org/download-anti-malware-testfile/).
``clamd`` refuses to run as root unless its configuration says ``User root``; under another user
it runs as that user.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"
SIGTOOL = shutil.which("sigtool") or "/usr/bin/sigtool"
# Kept in two parts so this source file is not itself reported by a scanner reading it.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def available() -> bool:
    return os.access(CLAMD, os.X_OK) and os.access(SIGTOOL, os.X_OK)


@contextlib.contextmanager
def running_clamd(folder: Path, *, start_timeout: float = 60.0) -> Iterator[Path]:
    """Start ``clamd`` in ``folder`` and yield its unix socket's path; stop it afterwards."""
    if not available():
        raise RuntimeError("clamd is not installed: run `make clamav` (Debian's clamav-daemon)")
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "db"
    database.mkdir(exist_ok=True)
    sample = folder / "eicar.txt"
    sample.write_bytes(EICAR)
    signatures = subprocess.run(
        [SIGTOOL, "--md5", str(sample)], check=True, capture_output=True, cwd=folder
    ).stdout
    (database / "test.hdb").write_bytes(signatures)
    sample.unlink()
    socket_path = folder / "clamd.sock"
    config = folder / "clamd.conf"
    lines = [
        f"LocalSocket {socket_path}",
        f"DatabaseDirectory {database}",
        f"PidFile {folder / 'clamd.pid'}",
        f"LogFile {folder / 'clamd.log'}",
        f"TemporaryDirectory {folder}",
        "Foreground yes",
        # Larger than any file the service accepts, so a refusal is the service's, not clamd's.
        "StreamMaxLength 30M",
    ]
    if os.geteuid() == 0:
        lines.append("User root")
    config.write_text("\n".join(lines) + "\n")
    process = subprocess.Popen(
        [CLAMD, "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "clamd.err", "wb"),  # noqa: SIM115 - the process holds it
    )
    try:
        deadline = time.monotonic() + start_timeout
        while not socket_path.exists():
            if process.poll() is not None:
                raise RuntimeError(
                    "clamd stopped at start: " + (folder / "clamd.err").read_text(errors="replace")
                )
            if time.monotonic() > deadline:
                raise RuntimeError("clamd did not open its socket in time")
            time.sleep(0.1)
        yield socket_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
