"""Hand-made complaints for the tests of the returns (KO41a, the SPSO indicators, the LGSCO
figures): a data directory written from a few rows, and settings for it. Every case is
invented; the figures each test expects are worked out by hand in the test's comments.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from forms_app.organisation.settings import EXAMPLE_SETTINGS, load_settings
from forms_app.reports.figures import compute
from forms_app.reports.loading import load
from forms_app.storage.contract import Contract
from forms_app.storage.table import Table

AS_AT = date(2026, 4, 20)


def at(day: str, hour: str = "12:00") -> str:
    """A UTC time on ``day`` (the date is what counts)."""
    return f"{day}T{hour}:00+00:00"


def complaint(ref: str, received: str, service: str, on_behalf: str = "self") -> dict:
    return {
        "ref": ref,
        "received": at(received, "10:00"),
        "kind": "complaint",
        "service": service,
        "on_behalf": on_behalf,
    }


def event(ref: str, day: str, type_: str, **values) -> dict:
    return {"ref": ref, "at": at(day), "type": type_, **values}


def write_cases(data_dir: Path, procedure: str, subs: list[dict], events: list[dict]) -> Path:
    """The cases as a data directory, each row checked and encoded by the store's contract."""
    contract = Contract()
    data_dir.mkdir(parents=True, exist_ok=True)
    contract.write_descriptor(data_dir)
    blank = {
        name: {c: "" for c in contract.columns(name) if c != "crc"}
        for name in contract.resource_names
    }
    rows = [
        {
            **blank["submissions"],
            "idempotency_key": f"returns-test-{k:06d}",
            "variant": "standard",
            "language": "en",
            "channel": "online",
            "procedure": procedure,
            "details": "Details.",
            "anonymous": "true",
            **sub,
        }
        for k, sub in enumerate(subs)
    ]
    Table(data_dir / "submissions.csv", contract.columns("submissions")).append(rows)
    rows = [
        {**blank["events"], "event_id": f"evt{k:08d}", "actor": "olive.officer", **e}
        for k, e in enumerate(events)
    ]
    Table(data_dir / "events.csv", contract.columns("events")).append(rows)
    return data_dir


def settings_for(tmp: Path, data_dir: Path, procedure: str, **top):
    """The example settings with another procedure and data directory, and any other top-level
    keys (``organisation`` is merged into the example's)."""
    raw = yaml.safe_load(EXAMPLE_SETTINGS.read_text(encoding="utf-8"))
    raw["procedure"] = procedure
    raw["data_dir"] = str(data_dir)
    raw["organisation"].update(top.pop("organisation", {}))
    raw.update(top)
    path = tmp / "settings.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return load_settings(path)


def report_for(settings, period):
    return compute(load(settings.data_dir, settings), settings, period, as_at=AS_AT)
