"""ClamAV's clamd, run for real with a signature made from the EICAR test file."""

from __future__ import annotations

import pytest

from forms_app.evidence import (
    CLEAN,
    INFECTED,
    NOT_SCANNED,
    Clamd,
    NoScanner,
    ScannerUnavailable,
    scanner_from,
)

from . import samples


def test_clamd_finds_the_eicar_test_file(clamd_socket):
    verdict = Clamd(path=str(clamd_socket)).scan(samples.EICAR)
    assert verdict.state == INFECTED
    assert "eicar" in verdict.signature.lower()


def test_clamd_passes_an_ordinary_photo_and_a_large_file(clamd_socket):
    scanner = Clamd(path=str(clamd_socket))
    assert scanner.ping()
    assert scanner.scan(samples.jpeg()).state == CLEAN
    # Bigger than one chunk of the stream, to prove the chunking.
    assert scanner.scan(samples.jpeg() + bytes(300_000)).state == CLEAN


def test_a_scanner_that_is_not_running_gives_no_verdict(tmp_path):
    scanner = Clamd(path=str(tmp_path / "nothing.sock"), timeout=2)
    assert not scanner.ping()
    with pytest.raises(ScannerUnavailable):
        scanner.scan(samples.jpeg())


def test_no_scanner_is_refused_in_production_and_explicit_elsewhere():
    assert scanner_from("none", production=True) is None
    assert scanner_from("", production=False) is None
    assert isinstance(scanner_from("none", production=False), NoScanner)
    assert NoScanner().scan(b"x").state == NOT_SCANNED
    assert scanner_from("unix:/run/clamav/clamd.ctl", production=True).path == (
        "/run/clamav/clamd.ctl"
    )
    tcp = scanner_from("tcp:scanner.internal:3310", production=True)
    assert (tcp.host, tcp.port) == ("scanner.internal", 3310)
    with pytest.raises(ValueError):
        scanner_from("tcp:nohost", production=True)
