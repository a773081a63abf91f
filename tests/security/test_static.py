"""S13 and G5: bandit finds no high-severity issue in forms_app; the git tree holds no private
key, no secret key other than the documented development ones, no real-looking NHS number and no
personal-looking phone number outside Ofcom's drama ranges; in production the app refuses a
data directory others can read, and makes new files 0600 and directories 0700."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.web.config import UnsafeConfiguration

PROJECT = Path(__file__).resolve().parents[2]
BANDIT = Path(sys.executable).parent / "bandit"

PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
SECRET_VALUE = re.compile(
    r"""(?i)(?:secret_key|FORMS_APP_SECRET_KEY)["']?\s*[:=]\s*["']([^"'\s]{3,})["']"""
)
# Test fixtures that name well-known defaults on purpose (the production guard refuses them).
DOCUMENTED_SECRETS = {"dev", "changeme", "short-but-not-default"}
NHS_NUMBER = re.compile(r"(?<![\w-])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\w-])")
# Personal-looking UK numbers: mobiles and geographic numbers (01, 02). Organisations' own
# 03/08 service lines (ombudsmen, ICO, helplines) are published contact details, not people.
PHONE = re.compile(r"(?<!\d)(0[127]\d{1,3})[ ]?(\d{3,4})[ ]?(\d{3,4})(?!\d)")
# Checksums (a lock file's SHA-256 hashes, commit ids) are long runs of hex digits, where any
# eleven digits in a row can look like a phone number: they are left out of the number search.
HEX_RUN = re.compile(r"[0-9a-f]{32,}")
DRAMA = re.compile(r"^(07700900\d{3}|01632960\d{3}|02079460\d{3}|02920180\d{3}|0\d{3}4960\d{3})$")


def test_bandit_finds_no_high_severity_issue():
    if not BANDIT.exists():
        pytest.fail("bandit is not installed: pip install -e '.[dev]'")
    done = subprocess.run(
        [str(BANDIT), "-ll", "-r", "forms_app", "-f", "json", "-q"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(done.stdout)
    high = [r for r in report["results"] if r["issue_severity"] == "HIGH"]
    assert high == [], [(r["filename"], r["line_number"], r["test_id"]) for r in high]
    assert report["metrics"]["_totals"]["loc"] > 5_000  # it really scanned the package


def _tracked_texts():
    names = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, names):
        path = PROJECT / name.decode()
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        data = path.read_bytes()
        if b"\0" in data[:4096]:
            continue  # binary (images, fonts)
        yield path.relative_to(PROJECT).as_posix(), data.decode("utf-8", "replace")


def _nhs_valid(digits: str) -> bool:
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def scan(files) -> list[tuple[str, str, str]]:
    """(file, kind, text) for every secret or real-looking identifier found."""
    found = []
    for name, text in files:
        if PRIVATE_KEY.search(text):
            found.append((name, "private key", ""))
        for match in SECRET_VALUE.finditer(text):
            if match.group(1) not in DOCUMENTED_SECRETS:
                found.append((name, "secret key", match.group(1)[:6] + "…"))
        text = HEX_RUN.sub(" ", text)
        for match in NHS_NUMBER.finditer(text):
            digits = "".join(match.groups())
            if not digits.startswith("999") and _nhs_valid(digits):
                found.append((name, "NHS number", digits[:3] + "…"))
        for match in PHONE.finditer(text):
            digits = "".join(match.groups())
            if len(digits) == 11 and not DRAMA.match(digits):
                found.append((name, "phone", match.group(0)))
    return found


def test_git_tree_holds_no_secrets_or_real_identifiers():
    files = list(_tracked_texts())
    assert len(files) > 200
    assert scan(files) == []


def test_the_scanner_finds_planted_secrets():
    """Negative control: one of each thing the scan looks for, planted in a fake file."""
    # Made at run time, so this file itself never holds a valid non-999 NHS number.
    nhs = next(
        f"401{n:06d}{c}" for n in range(10**6) for c in range(10) if _nhs_valid(f"401{n:06d}{c}")
    )
    planted = (
        "-----BEGIN OPENSSH " + "PRIVATE KEY-----\n"
        'SECRET_KEY = "' + 'k3y-from-a-real-server"\n'
        f"NHS number {nhs[:3]} {nhs[3:6]} {nhs[6:]}\n"
        # Split, so this file (which the scan reads too) holds no such number itself.
        "call 07712 345" + "678 or 0161 496 0123 or 020 7123 " + "4567\n"
    )
    kinds = [kind for _name, kind, _text in scan([("planted.txt", planted)])]
    assert kinds.count("private key") == 1 and kinds.count("secret key") == 1
    assert kinds.count("NHS number") == 1
    assert kinds.count("phone") == 2  # 0161 496 0xxx is a drama range; the other two are not
    safe = "NHS 999 123 4560, phone 07700 900123, 01632 960001, 020 7946 0123, 029 2018 0000"
    assert scan([("safe.txt", safe)]) == []


@pytest.fixture
def production(data_dir, monkeypatch):
    monkeypatch.setenv("FORMS_APP_ENV", "production")
    monkeypatch.setenv("FORMS_APP_SECRET_KEY", "k" * 64)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    old = os.umask(0o022)
    yield data_dir
    os.umask(old)


def test_production_refuses_a_data_directory_others_can_read(production):
    create_app(str(EXAMPLE_SETTINGS))  # a fresh directory: starts
    os.umask(0o022)
    production.chmod(0o755)
    with pytest.raises(UnsafeConfiguration, match="readable or writable by others"):
        create_app(str(EXAMPLE_SETTINGS))
    production.chmod(0o700)
    # An export someone left in the data directory, readable by the group.
    stray = production / "export-2026-03.csv"
    stray.write_text("ref,name\n")
    stray.chmod(0o640)
    with pytest.raises(UnsafeConfiguration, match="export-2026-03.csv"):
        create_app(str(EXAMPLE_SETTINGS))
    stray.chmod(0o600)
    create_app(str(EXAMPLE_SETTINGS))


def test_production_creates_files_0600_and_directories_0700(production):
    from tests.support.security_world import build_world

    build_world(production)  # stores cases, a letter, accounts, a session, the audit log
    loose = {
        path.relative_to(production).as_posix(): oct(stat.S_IMODE(path.stat().st_mode))
        for path in [production, *production.rglob("*")]
        if stat.S_IMODE(path.stat().st_mode) & 0o077 and path.name != "datapackage.json"
    }
    assert loose == {}
    assert any(production.rglob("*.md")), "no letter was written: the check proved nothing"
