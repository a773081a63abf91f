"""The systemd units in deploy/systemd/ cannot rot: every command they start is a real
``feedback`` subcommand with options it has, every file they name is in this repository, every
timer starts a unit that exists, and the jobs the service needs are all there."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import click
import pytest

from forms_app.cli import main as feedback

PROJECT = Path(__file__).resolve().parents[2]
UNITS = PROJECT / "deploy" / "systemd"
# Where the units expect the repository and its venv (the same layout as the image's).
INSTALLED_APP = "/opt/feedback/app/"
INSTALLED_FEEDBACK = "/opt/feedback/venv/bin/feedback"


def parse_unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A unit file's sections, each a list of (key, value): systemd allows a key more than once."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for raw in path.read_text("utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"{path.name}: {line!r} is outside any section"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: {line!r} is not key=value"
        current.append((key.strip(), value.strip()))
    return sections


def values(sections: dict, section: str, key: str) -> list[str]:
    return [value for name, value in sections.get(section, []) if name == key]


def unit_files() -> list[Path]:
    return sorted(p for p in UNITS.rglob("*") if p.suffix in (".service", ".timer", ".conf"))


def feedback_command(argv: list[str]) -> tuple[str, list[str]]:
    """Where ``argv`` runs the feedback command: the subcommand's full name, and what is wrong
    with the rest (an unknown subcommand, an option it does not have, too many arguments)."""
    index = argv.index(INSTALLED_FEEDBACK)
    command: click.Command = feedback
    names: list[str] = []
    rest = argv[index + 1 :]
    while isinstance(command, click.Group):
        if not rest or rest[0] not in command.commands:
            return " ".join(names), [
                f"no subcommand {rest[:1]} under {' '.join(names) or 'feedback'}"
            ]
        names.append(rest[0])
        command = command.commands[rest[0]]
        rest = rest[1:]
    problems = []
    options = {opt for param in command.params for opt in param.opts + param.secondary_opts}
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    takes_value = {
        opt
        for p in command.params
        if isinstance(p, click.Option) and not p.is_flag
        for opt in p.opts
    }
    positional = []
    skip = False
    for token in rest:
        if skip:
            skip = False
            continue
        if token.startswith("--"):
            name = token.split("=", 1)[0]
            if name not in options:
                problems.append(f"feedback {' '.join(names)} has no option {name}")
            skip = name in takes_value and "=" not in token
        else:
            positional.append(token)
    if len(positional) > len(arguments):
        problems.append(f"feedback {' '.join(names)} takes {len(arguments)} argument(s)")
    return " ".join(names), problems


def exec_lines(sections: dict) -> list[list[str]]:
    lines = []
    for key in ("ExecStart", "ExecStartPre", "ExecStartPost", "ExecReload", "ExecStop"):
        lines += [shlex.split(value.lstrip("-@+!")) for value in values(sections, "Service", key)]
    return lines


def test_every_feedback_command_in_a_unit_exists_with_its_options():
    problems = []
    for path in unit_files():
        for argv in exec_lines(parse_unit(path)):
            if INSTALLED_FEEDBACK in argv:
                problems += [f"{path.name}: {p}" for p in feedback_command(argv)[1]]
    assert problems == []


def test_the_units_run_the_jobs_the_service_needs():
    commands = {}
    for path in UNITS.glob("*.service"):
        for argv in exec_lines(parse_unit(path)):
            if INSTALLED_FEEDBACK in argv:
                commands[feedback_command(argv)[0]] = path.stem
    assert {"sheets sync", "due", "purge-drafts", "backup"} <= set(commands), commands
    app = parse_unit(UNITS / "feedback-app.service")
    assert any("gunicorn" in argv[1] for argv in exec_lines(app) if len(argv) > 1)


def test_every_repository_file_a_unit_names_exists():
    missing = []
    for path in unit_files():
        for argv in exec_lines(parse_unit(path)):
            for token in argv:
                in_repository = PROJECT / token.removeprefix(INSTALLED_APP)
                if token.startswith(INSTALLED_APP) and not in_repository.is_file():
                    missing.append(f"{path.name}: {token}")
    assert missing == []


def test_every_timer_starts_a_oneshot_service_that_exists():
    timers = sorted(UNITS.glob("*.timer"))
    assert timers
    for timer in timers:
        sections = parse_unit(timer)
        target = (values(sections, "Timer", "Unit") or [timer.stem + ".service"])[0]
        assert (UNITS / target).is_file(), f"{timer.name} starts {target}, which is missing"
        assert values(parse_unit(UNITS / target), "Service", "Type") == ["oneshot"]
        assert values(sections, "Timer", "OnCalendar"), timer.name
        assert values(sections, "Install", "WantedBy") == ["timers.target"]


def test_drafts_are_purged_hourly_and_backups_taken_daily():
    purge = parse_unit(UNITS / "feedback-purge-drafts.timer")
    assert values(purge, "Timer", "OnCalendar") == ["hourly"]
    backup = values(parse_unit(UNITS / "feedback-backup.timer"), "Timer", "OnCalendar")
    assert len(backup) == 1 and backup[0].startswith("*-*-* ")


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is missing")
def test_every_timer_calendar_is_one_systemd_understands():
    for timer in UNITS.glob("*.timer"):
        for spec in values(parse_unit(timer), "Timer", "OnCalendar"):
            result = subprocess.run(
                ["systemd-analyze", "calendar", spec], capture_output=True, text=True
            )
            assert result.returncode == 0, f"{timer.name}: {spec}: {result.stderr}"


def test_units_that_others_name_exist():
    named = []
    for path in unit_files():
        sections = parse_unit(path)
        for key in ("Wants", "Requires", "After", "BindsTo"):
            for value in values(sections, "Unit", key):
                named += [u for u in value.split() if u.startswith("feedback")]
    assert named
    assert [u for u in named if not (UNITS / u).is_file()] == []


def test_the_unit_check_sees_a_command_that_does_not_exist():
    _, problems = feedback_command([INSTALLED_FEEDBACK, "sheets", "synch"])
    assert problems
    _, problems = feedback_command([INSTALLED_FEEDBACK, "due", "--mail"])
    assert problems == ["feedback due has no option --mail"]
    name, problems = feedback_command([INSTALLED_FEEDBACK, "purge-drafts", "--hours", "2"])
    assert (name, problems) == ("purge-drafts", [])
