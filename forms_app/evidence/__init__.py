"""Files people and staff add to a case: what a file is (decided by its bytes, never its name),
whether it is allowed, and ClamAV's verdict on it.

- ``content``: the allow-list of kinds, sniffing the bytes, the refusals (empty, too large, an
  executable, a PDF with JavaScript, a Word document that is a zip bomb), safe file names.
- ``scanner``: ClamAV's ``clamd`` over its socket (``INSTREAM``), and the explicit "no scanner"
  stand-in allowed outside production.

Nothing here stores a file: ``storage.evidence`` does, and only through the store.
"""

from .content import (
    KINDS,
    Limits,
    Refusal,
    check_file,
    download_name,
    safe_name,
)
from .scanner import (
    CLEAN,
    INFECTED,
    NOT_SCANNED,
    PENDING,
    Clamd,
    NoScanner,
    ScannerUnavailable,
    Verdict,
    scanner_from,
)

__all__ = [
    "CLEAN",
    "INFECTED",
    "KINDS",
    "NOT_SCANNED",
    "PENDING",
    "Clamd",
    "Limits",
    "NoScanner",
    "Refusal",
    "ScannerUnavailable",
    "Verdict",
    "check_file",
    "download_name",
    "safe_name",
    "scanner_from",
]
