"""What ``feedback sheets status`` shows: when the sheet was last brought up to date, what is
waiting for each tab and for how long, failures, parking, duplicate references and edits not
applied; and whether it is loudly behind or parked (the command then exits with status 2).

It reads the outbox and the submissions, never the sheet, so it answers while Google is down.
"""

from __future__ import annotations

from datetime import datetime

from forms_app.organisation.settings import Settings
from forms_app.storage.store import SUBMISSIONS

from .alerts import clock_text, duration
from .config import SheetsConfig
from .layout import INTAKE, PROBLEMS, TABS, TRIAGE
from .outbox import CLEARING, Outbox, outbox_exists, outbox_path


def status_lines(
    settings: Settings, config: SheetsConfig, store, now: float
) -> tuple[list[str], bool]:
    """What ``feedback sheets status`` prints, and whether it is loudly behind."""
    path = outbox_path(settings.data_dir)
    lines = [f"Spreadsheet: {config.spreadsheet_key}" + ("" if config.enabled else " (turned off)")]
    refs = {row["ref"]: row.get("received", "") for row in store.rows(SUBMISSIONS)}
    if not outbox_exists(path):
        lines.append(f"The sync worker has never run: {len(refs)} submissions are waiting.")
        return lines, bool(refs)
    outbox = Outbox(path)
    try:
        created = float(outbox.get("created_at") or now)
        counts = outbox.counts()
        unseen = [r for r in refs if r not in outbox.known(INTAKE)]
        oldest = outbox.oldest_waiting()
        if unseen:
            times = []
            for r in unseen:
                try:
                    times.append(datetime.fromisoformat(refs[r]).timestamp())
                except ValueError:
                    continue
            if times:
                oldest = min(([oldest] if oldest is not None else []) + [min(times)])
        waiting = {
            tab: sum(n for s, n in counts.get(tab, {}).items() if s != "sent") for tab in TABS
        }
        waiting[INTAKE] += len(unseen)
        maybe = sum(counts.get(tab, {}).get("maybe", 0) for tab in TABS)
        last = outbox.get("last_success_at")
        lines.append(
            f"Last successful sync: {clock_text(last)}"
            + (f" ({duration(now - last)} ago)" if last else "")
        )
        lines.append(
            f"Waiting: {waiting[INTAKE]} for Intake, {waiting[TRIAGE]} for Triage, "
            f"{waiting[PROBLEMS]} for Problems"
            + (f" ({maybe} awaiting a check after an unclear reply)" if maybe else "")
        )
        clearing = counts.get(CLEARING, {}).get("pending", 0)
        if clearing:
            lines.append(f"Erased or purged cases whose rows are still to be cleared: {clearing}")
        age = max(0.0, now - max(oldest, created)) if oldest is not None else None
        lines.append(
            "Oldest waiting: " + (duration(age) if age is not None else "nothing is waiting")
        )
        retry = outbox.get("retry") or {}
        if retry.get("failures"):
            lines.append(
                f"Failures in a row: {retry['failures']} (last: {retry.get('last_error', '')})"
            )
        parked_until = float(outbox.get("parked_until") or 0)
        parked = parked_until > now
        if parked:
            lines.append(
                f"PARKED until {clock_text(parked_until)}: {outbox.get('parked_reason', '')}"
            )
        for tab in (INTAKE, TRIAGE):
            dup = outbox.get(f"{tab.lower()}_duplicates") or 0
            if dup:
                lines.append(f"{tab}: {dup} references appear more than once: a person should look")
        problems = len(outbox.reported())
        lines.append(f"Edits not applied (notes in Triage): {problems}")
        behind = age is not None and age > config.stale_after_seconds
        if behind:
            lines.append(
                f"BEHIND: the oldest row has waited {duration(age)}, more than "
                f"{duration(config.stale_after_seconds)}. Submissions are safe; the sheet is late."
            )
        return lines, behind or parked
    finally:
        outbox.close()
