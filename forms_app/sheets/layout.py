"""The tabs of the shared sheet, their columns, and ``setup`` (safe to run again and again).

- **Intake**: one row per submission as received (no personal details unless
  ``include_personal``), written only by the service account (protected).
- **Triage**: one row per case. Staff may change Stage, Status, Owner, Themes, Outcome and
  Acknowledged on (dropdowns where there is a list); every other column is the service's and
  protected. Overdue rows are red, rows due within two working days amber. Header frozen.
- **Problems**: edits that were not applied, and why (protected).

Column A of every tab is its key (the reference; a problem's identifier): rows are found by
key, never by row number, because people sort, filter and insert rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from forms_app.casework.transitions import RECORDABLE_OUTCOMES
from forms_app.storage.contract import Contract

INTAKE, TRIAGE, PROBLEMS = "Intake", "Triage", "Problems"
TABS = (INTAKE, TRIAGE, PROBLEMS)
PROTECTION = "feedback-service:"  # description prefix of the protected ranges we own

STATUSES = ("open", "closed", "withdrawn")
OUTCOMES = RECORDABLE_OUTCOMES  # those a staff member records (withdrawing is its own action)
DEADLINE_COLOURS = {
    "overdue": {"red": 0.96, "green": 0.78, "blue": 0.76},
    "due_soon": {"red": 1.0, "green": 0.9, "blue": 0.6},
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    editable: bool = False


TRIAGE_COLUMNS = (
    Column("ref", "Reference"),
    Column("received", "Received"),
    Column("kind", "Kind"),
    Column("service", "Service"),
    Column("summary", "Summary"),
    Column("stage", "Stage", True),
    Column("status", "Status", True),
    Column("owner", "Owner", True),
    Column("themes", "Themes", True),
    Column("outcome", "Outcome", True),
    Column("acknowledged", "Acknowledged on", True),
    Column("acknowledge_by", "Acknowledge by"),
    Column("respond_by", "Respond by"),
    Column("next_due", "Next due"),
    Column("deadline", "Deadline"),
)
TRIAGE_HEADER = [c.header for c in TRIAGE_COLUMNS]
TRIAGE_KEYS = [c.key for c in TRIAGE_COLUMNS]
EDITABLE = [c.key for c in TRIAGE_COLUMNS if c.editable]
PROBLEM_HEADER = ["Problem", "Noted", "Reference", "Column", "Value entered", "Why not applied"]

# Intake: the submission's fields as the schema names them, never the idempotency key,
# the procedure's internals or the checksum.
_INTAKE_SKIP = {"idempotency_key", "crc"}
_PERSONAL_SKIP = {"ref", "crc"}


def col_letter(index: int) -> str:
    """0-based column index to letters (0 -> A)."""
    index += 1
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def a1(tab: str, cells: str = "") -> str:
    quoted = "'" + tab.replace("'", "''") + "'"
    return f"{quoted}!{cells}" if cells else quoted


class LayoutError(Exception):
    """The sheet cannot be set up as it is (say what a person must do)."""


@dataclass(frozen=True)
class Layout:
    """Columns and dropdown lists for one organisation's sheet."""

    intake_fields: tuple[tuple[str, str, str], ...]  # (resource, field, header)
    stages: tuple[str, ...]
    owners: tuple[str, ...]
    themes: tuple[str, ...]
    include_personal: bool = False
    personal_headers: tuple[str, ...] = field(default=())

    @classmethod
    def build(
        cls,
        contract: Contract,
        *,
        include_personal: bool,
        stages: list[str],
        owners: list[str],
        themes: list[str],
    ) -> Layout:
        fields = [
            ("submissions", f["name"], f.get("title") or f["name"])
            for f in contract.resource("submissions")["schema"]["fields"]
            if f["name"] not in _INTAKE_SKIP
        ]
        personal = [
            ("personal", f["name"], f.get("title") or f["name"])
            for f in contract.resource("personal")["schema"]["fields"]
            if f["name"] not in _PERSONAL_SKIP
        ]
        if include_personal:
            fields += personal
        return cls(
            intake_fields=tuple(fields),
            stages=tuple(dict.fromkeys([*stages, "ombudsman"])),
            owners=tuple(owners),
            themes=tuple(themes),
            include_personal=include_personal,
            personal_headers=tuple(h for _r, _f, h in personal),
        )

    @property
    def intake_header(self) -> list[str]:
        return [header for _r, _f, header in self.intake_fields]

    def dropdowns(self) -> dict[str, tuple[str, ...]]:
        """Triage column key -> the values its dropdown offers."""
        return {
            "stage": self.stages,
            "status": STATUSES,
            "owner": self.owners,
            "outcome": OUTCOMES,
        }

    def dropdown_hash(self) -> str:
        text = json.dumps(self.dropdowns(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def validation_requests(self, triage_id: int) -> list[dict]:
        """setDataValidation for every editable column (a list, or none: themes are several
        codes and a date is free text, both checked when pulled)."""
        requests = []
        help_text = {
            "stage": "The next stage of the procedure, or ombudsman.",
            "status": "open, closed (after the outcome) or withdrawn.",
            "owner": "The username of the officer or manager handling it.",
            "outcome": "The outcome of the current stage.",
            "themes": "Theme codes separated by commas: " + ", ".join(self.themes),
            "acknowledged": "The date it was acknowledged, as YYYY-MM-DD.",
        }
        lists = self.dropdowns()
        for key in EDITABLE:
            index = TRIAGE_KEYS.index(key)
            grid = {
                "sheetId": triage_id,
                "startRowIndex": 1,
                "startColumnIndex": index,
                "endColumnIndex": index + 1,
            }
            values = lists.get(key)
            if values:
                rule = {
                    "condition": {
                        "type": "ONE_OF_LIST",
                        "values": [{"userEnteredValue": v} for v in values],
                    },
                    "inputMessage": help_text[key],
                    "strict": True,
                    "showCustomUi": True,
                }
            else:
                rule = {
                    "condition": {
                        "type": "CUSTOM_FORMULA",
                        "values": [{"userEnteredValue": "=TRUE"}],
                    },
                    "inputMessage": help_text[key],
                    "strict": False,
                }
            requests.append({"setDataValidation": {"range": grid, "rule": rule}})
        return requests


def conditional_rules(triage_id: int) -> list[dict]:
    deadline = col_letter(TRIAGE_KEYS.index("deadline"))
    rules = []
    for status, colour in DEADLINE_COLOURS.items():
        rules.append(
            {
                "ranges": [
                    {
                        "sheetId": triage_id,
                        "startRowIndex": 1,
                        "startColumnIndex": 0,
                        "endColumnIndex": len(TRIAGE_COLUMNS),
                    }
                ],
                "booleanRule": {
                    "condition": {
                        "type": "CUSTOM_FORMULA",
                        "values": [{"userEnteredValue": f'=${deadline}2="{status}"'}],
                    },
                    "format": {"backgroundColor": colour},
                },
            }
        )
    return rules


def protections(ids: dict[str, int], editors: list[str]) -> list[dict]:
    first = EDITABLE[0]
    start = TRIAGE_KEYS.index(first)
    end = TRIAGE_KEYS.index(EDITABLE[-1]) + 1
    assert [k for k in TRIAGE_KEYS[start:end]] == EDITABLE, "editable columns are contiguous"
    who = {"users": sorted(set(e for e in editors if e))}
    return [
        {
            "range": {"sheetId": ids[INTAKE]},
            "description": f"{PROTECTION} Intake is written by the feedback service only",
            "warningOnly": False,
            "editors": who,
        },
        {
            "range": {"sheetId": ids[TRIAGE]},
            "description": f"{PROTECTION} staff change Stage to Acknowledged on; the service "
            "keeps the rest",
            "warningOnly": False,
            "editors": who,
            "unprotectedRanges": [
                {
                    "sheetId": ids[TRIAGE],
                    "startRowIndex": 1,
                    "startColumnIndex": start,
                    "endColumnIndex": end,
                }
            ],
        },
        {
            "range": {"sheetId": ids[PROBLEMS]},
            "description": f"{PROTECTION} Problems is written by the feedback service only",
            "warningOnly": False,
            "editors": who,
        },
    ]


def _comparable(protected: dict) -> dict:
    keep = ("range", "description", "warningOnly", "editors", "unprotectedRanges")
    out = {k: protected.get(k) for k in keep}
    out["editors"] = {"users": sorted((protected.get("editors") or {}).get("users", []))}
    out["unprotectedRanges"] = protected.get("unprotectedRanges") or []
    return out


def setup(spreadsheet, layout: Layout, editors: list[str]) -> list[str]:
    """Create or update the tabs; returns what was done, line by line. Running it again
    changes nothing that is already right (tabs, headers, rules and protections are compared
    first). Raises LayoutError when a tab holds rows under a header it does not recognise."""
    done: list[str] = []
    meta = spreadsheet.fetch_sheet_metadata()
    existing = {s["properties"]["title"]: s for s in meta.get("sheets", [])}
    widths = {
        INTAKE: len(layout.intake_fields)
        + (0 if layout.include_personal else len(layout.personal_headers)),
        TRIAGE: len(TRIAGE_COLUMNS),
        PROBLEMS: len(PROBLEM_HEADER),
    }
    missing = [t for t in TABS if t not in existing]
    if missing:
        reply = spreadsheet.batch_update(
            {
                "requests": [
                    {
                        "addSheet": {
                            "properties": {
                                "title": tab,
                                "gridProperties": {
                                    "rowCount": 1000,
                                    "columnCount": max(26, widths[tab]),
                                    "frozenRowCount": 1,
                                },
                            }
                        }
                    }
                    for tab in missing
                ]
            }
        )
        for item in reply["replies"]:
            props = item["addSheet"]["properties"]
            existing[props["title"]] = {"properties": props}
        done.append(f"created tabs: {', '.join(missing)}")
    ids = {tab: existing[tab]["properties"]["sheetId"] for tab in TABS}

    # Headers, read first: a header we do not recognise over rows of data is a person's work.
    heads = spreadsheet.values_batch_get([a1(t, "1:1") for t in TABS])["valueRanges"]
    current = {t: (r.get("values") or [[]])[0] for t, r in zip(TABS, heads, strict=True)}
    wanted = {INTAKE: layout.intake_header, TRIAGE: TRIAGE_HEADER, PROBLEMS: PROBLEM_HEADER}
    writes, clears = [], []
    for tab in TABS:
        have, want = current[tab], wanted[tab]
        if have == want:
            continue
        base = [h for h in want if h not in layout.personal_headers]
        with_personal = base + list(layout.personal_headers)
        personal_toggle = tab == INTAKE and have in (base, with_personal)
        if have and not personal_toggle:
            raise LayoutError(
                f"the {tab} tab's first row is not the header the service writes "
                f"({', '.join(have[:4])}...): rename that tab, then run setup again"
            )
        if personal_toggle and have == with_personal and not layout.include_personal:
            first = col_letter(len(base))
            last = col_letter(len(with_personal) - 1)
            clears.append(a1(INTAKE, f"{first}1:{last}"))
            done.append(
                "personal details removed from Intake (the sheet's version history still "
                "holds them: see the README, 'Privacy, retention and erasure')"
            )
        writes.append({"range": a1(tab, f"A1:{col_letter(len(want) - 1)}1"), "values": [want]})
        done.append(f"header written: {tab}")

    requests: list[dict] = []
    for tab in TABS:
        grid = existing[tab]["properties"].get("gridProperties", {})
        if grid.get("frozenRowCount", 0) != 1:
            requests.append(
                {
                    "updateSheetProperties": {
                        "properties": {
                            "sheetId": ids[tab],
                            "gridProperties": {"frozenRowCount": 1},
                        },
                        "fields": "gridProperties.frozenRowCount",
                    }
                }
            )
        if grid.get("columnCount", 26) < widths[tab]:
            requests.append(
                {
                    "updateSheetProperties": {
                        "properties": {
                            "sheetId": ids[tab],
                            "gridProperties": {"columnCount": widths[tab]},
                        },
                        "fields": "gridProperties.columnCount",
                    }
                }
            )
    # Protections: ours are recognised by their description.
    want_protected = protections(ids, editors)
    have_protected = [
        p
        for s in existing.values()
        for p in s.get("protectedRanges", [])
        if str(p.get("description", "")).startswith(PROTECTION)
    ]
    if sorted(map(json.dumps, map(_comparable, have_protected))) != sorted(
        map(json.dumps, map(_comparable, want_protected))
    ):
        requests += [
            {"deleteProtectedRange": {"protectedRangeId": p["protectedRangeId"]}}
            for p in have_protected
        ]
        requests += [{"addProtectedRange": {"protectedRange": p}} for p in want_protected]
        done.append("protected: Intake and Problems entirely, Triage except the staff columns")
    # Highlighting: ours are recognised by their formula.
    want_rules = conditional_rules(ids[TRIAGE])
    ours = {json.dumps(r["booleanRule"]["condition"], sort_keys=True) for r in want_rules}
    have_rules = existing[TRIAGE].get("conditionalFormats", [])
    mine = [
        i
        for i, r in enumerate(have_rules)
        if json.dumps(r.get("booleanRule", {}).get("condition"), sort_keys=True) in ours
    ]
    if [have_rules[i] for i in mine] != want_rules:
        requests += [
            {"deleteConditionalFormatRule": {"sheetId": ids[TRIAGE], "index": i}}
            for i in sorted(mine, reverse=True)
        ]
        requests += [
            {"addConditionalFormatRule": {"rule": rule, "index": n}}
            for n, rule in enumerate(want_rules)
        ]
        done.append("highlighting: overdue rows red, due within 2 working days amber")
    # Dropdowns (replacing is idempotent), the header bold, staff columns kept as text so a
    # typed date stays what was typed.
    requests += layout.validation_requests(ids[TRIAGE])
    start = TRIAGE_KEYS.index(EDITABLE[0])
    requests.append(
        {
            "repeatCell": {
                "range": {
                    "sheetId": ids[TRIAGE],
                    "startRowIndex": 1,
                    "startColumnIndex": start,
                    "endColumnIndex": start + len(EDITABLE),
                },
                "cell": {"userEnteredFormat": {"numberFormat": {"type": "TEXT"}}},
                "fields": "userEnteredFormat.numberFormat",
            }
        }
    )
    for tab in TABS:
        requests.append(
            {
                "repeatCell": {
                    "range": {"sheetId": ids[tab], "startRowIndex": 0, "endRowIndex": 1},
                    "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                    "fields": "userEnteredFormat.textFormat.bold",
                }
            }
        )
    spreadsheet.batch_update({"requests": requests})
    if clears:
        spreadsheet.values_batch_clear(body={"ranges": clears})
    if writes:
        spreadsheet.values_batch_update({"valueInputOption": "RAW", "data": writes})
    done.append(f"dropdowns: {', '.join(k for k, v in layout.dropdowns().items() if v)}")
    return done


def sheet_ids(spreadsheet) -> dict[str, int]:
    """Tab title -> sheetId for the three tabs (LayoutError naming any that are missing)."""
    meta = spreadsheet.fetch_sheet_metadata()
    found = {s["properties"]["title"]: s["properties"]["sheetId"] for s in meta.get("sheets", [])}
    missing = [t for t in TABS if t not in found]
    if missing:
        raise LayoutError(f"the sheet has no {', '.join(missing)} tab: run feedback sheets setup")
    return {t: found[t] for t in TABS}
