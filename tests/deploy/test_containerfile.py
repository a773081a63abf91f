"""deploy/Containerfile builds the image production runs: runtime packages only, installed from
the hashed lock, the app's own files all there, production mode, not root. Read, not built (a
build takes minutes; `make stack` builds it)."""

from __future__ import annotations

import re
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
CONTAINERFILE = PROJECT / "deploy" / "Containerfile"
# What the app reads beside its package is found as PROJECT_DIR / "name" (or the same path
# reached through parents[2]); build/ and instance/ are made at run time, never shipped.
BESIDE_THE_PACKAGE = re.compile(r'(?:PROJECT_DIR|parents\[2\]) / "([^"]+)"')
MADE_AT_RUN_TIME = {"build", "instance"}


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continued lines joined and comments left out."""
    text = CONTAINERFILE.read_text("utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    result = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            result.append((word.upper(), " ".join(rest.split())))
    return result


def copied() -> set[str]:
    names = set()
    for word, args in instructions():
        if word == "COPY":
            names |= {
                Path(part).parts[0] for part in args.split()[:-1] if not part.startswith("--")
            }
    return names


def test_python_packages_come_only_from_the_hashed_runtime_lock():
    installs = [args for word, args in instructions() if word == "RUN" and "pip install" in args]
    assert installs
    text = " ".join(installs)
    assert "--require-hashes -r /tmp/requirements/runtime.txt" in text
    assert "--require-hashes --no-deps -r /tmp/requirements/bootstrap.txt" in text
    assert "dev.txt" not in text and "[dev]" not in text
    app_install = [args for args in installs if " -e ." in args]
    assert app_install and "--no-deps" in app_install[0]


def test_every_file_the_app_reads_beside_its_package_is_in_the_image():
    needed = set()
    for module in (PROJECT / "forms_app").rglob("*.py"):
        needed |= set(BESIDE_THE_PACKAGE.findall(module.read_text("utf-8")))
    needed -= MADE_AT_RUN_TIME
    assert {"datapackage", "config", "letters"} <= needed  # the check still finds them
    assert sorted(needed - copied()) == []


def test_the_image_runs_production_as_its_own_user():
    settings = dict(instructions())
    env = " ".join(args for word, args in instructions() if word == "ENV")
    assert "FORMS_APP_ENV=production" in env
    assert settings["USER"] not in ("root", "0")
    assert "gunicorn.conf.py" in settings["CMD"]
