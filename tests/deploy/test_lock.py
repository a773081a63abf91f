"""The dependency lock (requirements/, made by `make lock`) matches pyproject.toml: every
dependency is pinned there with its hashes, and the runtime lock the image installs holds no
test or development tool."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = Path(__file__).resolve().parents[2]
REQUIREMENTS = PROJECT / "requirements"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def pyproject() -> dict:
    return tomllib.loads((PROJECT / "pyproject.toml").read_text("utf-8"))


def runtime_dependencies() -> list[Requirement]:
    return [Requirement(text) for text in pyproject()["project"]["dependencies"]]


def dev_dependencies() -> list[Requirement]:
    return [Requirement(text) for text in pyproject()["project"]["optional-dependencies"]["dev"]]


def read_lock(path: Path) -> dict[str, tuple[str, int]]:
    """Each pinned package of a lock file: its version and how many hashes it carries."""
    pins: dict[str, tuple[str, int]] = {}
    current = None
    for line in path.read_text("utf-8").splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            pins[current] = (match.group(2), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
        elif not line.startswith(" "):
            current = None
    return pins


def unpinned(requirements: list[Requirement], lock: dict[str, tuple[str, int]]) -> list[str]:
    """The requirements the lock does not satisfy: missing, or pinned to a version outside what
    pyproject.toml asks for."""
    missing = []
    for requirement in requirements:
        pinned = lock.get(canonicalize_name(requirement.name))
        if pinned is None or not requirement.specifier.contains(pinned[0], prereleases=True):
            missing.append(f"{requirement} (locked: {pinned[0] if pinned else 'absent'})")
    return missing


def test_every_runtime_dependency_is_pinned_in_the_runtime_lock():
    lock = read_lock(REQUIREMENTS / "runtime.txt")
    assert unpinned(runtime_dependencies(), lock) == [], "run `make lock` after changing pyproject"


def test_every_dependency_and_dev_extra_is_pinned_in_the_dev_lock():
    lock = read_lock(REQUIREMENTS / "dev.txt")
    assert unpinned(runtime_dependencies() + dev_dependencies(), lock) == []


@pytest.mark.parametrize("name", ["runtime.txt", "dev.txt", "bootstrap.txt"])
def test_every_pin_carries_its_hashes(name):
    lock = read_lock(REQUIREMENTS / name)
    assert lock, f"{name} pins nothing"
    assert [package for package, (_, hashes) in lock.items() if hashes == 0] == []


def test_the_runtime_lock_holds_no_test_or_development_tool():
    # Everything in the dev extra is a tool for tests, linting or benchmarks, except what it
    # repeats of a run-time extra (psycopg: the tests talk to PostgreSQL as the app does);
    # should another ever be needed at run time, it belongs in the runtime dependencies.
    lock = read_lock(REQUIREMENTS / "runtime.txt")
    extras = pyproject()["project"]["optional-dependencies"]
    at_run_time = {canonicalize_name(Requirement(text).name) for text in extras["postgres"]}
    tools = {canonicalize_name(r.name) for r in dev_dependencies()} | {"pytest", "playwright"}
    tools -= at_run_time
    assert sorted(tools & set(lock)) == []


def test_the_image_upgrades_pip_and_setuptools_from_the_bootstrap_lock():
    lock = read_lock(REQUIREMENTS / "bootstrap.txt")
    assert set(lock) == {"pip", "setuptools"}
    assert int(lock["pip"][0].split(".")[0]) >= 25  # the venv's bundled pip is older and flawed


def test_the_lock_check_sees_a_missing_or_wrong_pin(tmp_path):
    lock_file = tmp_path / "runtime.txt"
    lock_file.write_text(
        "flask==3.1.2 \\\n    --hash=sha256:" + "0" * 64 + "\n    # via x\n", "utf-8"
    )
    lock = read_lock(lock_file)
    assert lock == {"flask": ("3.1.2", 1)}
    wanted = [Requirement("flask==3.1.3"), Requirement("gunicorn==27.0.1")]
    assert len(unpinned(wanted, lock)) == 2
