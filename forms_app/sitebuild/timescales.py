"""The complaints procedure in words, for the published site.

Timescales are never typed into a page. A page names a placeholder and the site hook fills it
from the procedure profile named in the settings (the same profile the form app uses for due
dates), in the page's language. Change the profile and every page, leaflet and PDF changes.

``timescales(procedure, language, closure_days)`` returns what the placeholders under
``procedure.`` can name:

Standard wording (policy, leaflet, charter, how to complain):

- ``procedure.summary``: how fast we acknowledge and answer a complaint at the first stage;
- ``procedure.acknowledge``, ``procedure.respond``, ``procedure.extension``: those sentences
  one at a time;
- ``procedure.table``: a Markdown table of every stage; ``procedure.steps``: a numbered list of
  the stages and then the ombudsman (or other body) named by the profile's escalation;
- ``procedure.next_stage``, ``procedure.final``: moving on when the person is not happy;
- ``procedure.working_days``: how we count days (the profile's nation, the organisation's
  closure days); ``procedure.time_limit``: how soon to complain;
- ``procedure.other_feedback``: a table for concerns, PALS, compliments and comments, and
  ``procedure.concern`` / ``.enquiry`` / ``.compliment`` / ``.comment`` one at a time;
- ``procedure.stage1.name`` / ``.acknowledge`` / ``.respond`` (then ``stage2``...): cells;
- ``procedure.ombudsman.name`` / ``.url`` / ``.phone`` / ``.about``;
- ``procedure.legal_basis``, ``procedure.code``.

Easy read and young people's wording (short sentences, at most 15 words each):
``procedure.easy.stages`` (a bullet list of our own stages), ``procedure.easy.further`` (the
stages after the first, or a sentence when there is only one), ``procedure.easy.acknowledge``,
``procedure.easy.respond``, ``procedure.easy.next_stage``, ``procedure.easy.final``,
``procedure.easy.working_days``, ``procedure.easy.time_limit`` and
``procedure.easy.concern`` / ``.enquiry`` / ``.compliment`` / ``.comment``.

The sentences, English and Welsh, and the Welsh for the names and notes in the shipped
profiles are data, in ``timescale_phrases``; this module picks from them and fills in the
numbers. A profile whose text has no Welsh yet falls back to English and is listed in
``untranslated(...)`` (a test keeps the shipped profiles fully translated).
"""

from __future__ import annotations

from collections.abc import Iterable

from forms_app.language.welsh import (
    ESCALATION_NAMES_CY,
    NATIONS,
    STAGE_NAMES_CY,
    day_month,
    days,
    months,
)
from forms_app.procedures.profiles import Procedure, Stage, Target
from forms_app.storage.vocabulary import LANGUAGES

from .timescale_phrases import (
    EASY_KIND_TEXT,
    ESCALATION_NOTES,
    KIND_TEXT,
    LEGAL_BASIS_CY,
    OTHER_KINDS,
    TEXT,
)


class _Words:
    """The procedure in one language; records any profile text that had to stay English."""

    def __init__(self, procedure: Procedure, language: str, closure_days: Iterable[str]):
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
        self.p = procedure
        self.lang = language
        self.t = TEXT[language]
        self.closure_days = tuple(closure_days)
        self.untranslated: list[str] = []

    # profile text ----------------------------------------------------------------------------

    def welsh(self, table: dict, key: str, english: str) -> str:
        if self.lang == "en":
            return english
        if key in table:
            return table[key]
        self.untranslated.append(english)
        return english

    def stage_name(self, index: int, stage: Stage) -> str:
        if self.lang == "cy" and stage.name not in STAGE_NAMES_CY:
            self.untranslated.append(stage.name)
            return f"Cam {index + 1}"
        return self.welsh(STAGE_NAMES_CY, stage.name, stage.name)

    def ombudsman(self) -> dict:
        esc = self.p.escalation
        note = esc.get("note")
        if note:
            public = ESCALATION_NOTES.get(note)
            if public is None:
                if self.lang == "cy":
                    self.untranslated.append(note)
                about = note
            else:
                about = public[0] if self.lang == "en" else public[1]
        else:
            about = self.t["ombudsman_about"]
        return {
            "name": self.welsh(ESCALATION_NAMES_CY, esc["name"], esc["name"]),
            "url": esc["url"],
            "phone": esc["phone"],
            "about": about,
        }

    # phrases ---------------------------------------------------------------------------------

    def d(self, target: Target) -> str:
        return days(target.days, target.unit, self.lang)

    def acknowledge(self, index: int, stage: Stage) -> str | None:
        if stage.acknowledge is None:
            return None
        key = "ack_first" if index == 0 else "ack_later"
        return self.t[key].format(d=self.d(stage.acknowledge))

    def respond(self, index: int, stage: Stage) -> str:
        if stage.respond is None:
            return self.t["respond_agreed"]
        if self.p.day_zero == "acknowledgement" and stage.acknowledge is not None:
            text = self.t["respond_ack_first" if index == 0 else "respond_ack_later"]
        else:
            text = self.t["respond_receipt_first" if index == 0 else "respond_receipt_later"]
        return text.format(d=self.d(stage.respond))

    def extension(self, stage: Stage) -> str:
        if stage.extension_limit is not None:
            return self.t["extension_limit"].format(d=self.d(stage.extension_limit))
        return self.t["extension_generic"]

    def cells(self, stage: Stage) -> tuple[str, str, str]:
        t = self.t
        ack = (
            t["cell_ack"].format(d=self.d(stage.acknowledge))
            if stage.acknowledge
            else t["cell_no_ack"]
        )
        if stage.respond is None:
            respond = t["cell_agreed"]
        elif self.p.day_zero == "acknowledgement" and stage.acknowledge is not None:
            respond = t["cell_respond_ack"].format(d=self.d(stage.respond))
        else:
            respond = t["cell_respond_receipt"].format(d=self.d(stage.respond))
        if stage.extension_limit is not None:
            extension = t["cell_ext_limit"].format(d=self.d(stage.extension_limit))
        else:
            extension = t["cell_ext_generic"]
        return ack, respond, extension

    def stage_sentences(self, index: int, stage: Stage) -> str:
        parts = []
        if index > 0:
            parts.append(self.t["look_again"])
        ack = self.acknowledge(index, stage)
        if ack:
            parts.append(ack)
        parts.append(self.respond(index, stage))
        parts.append(self.extension(stage))
        return " ".join(parts)

    def easy_stage(self, index: int, stage: Stage) -> str:
        t = self.t
        parts = []
        if index > 0:
            parts.append(t["e_look_again"])
        if stage.acknowledge is not None:
            key = "e_ack_first" if index == 0 else "e_ack_later"
            parts.append(t[key].format(d=self.d(stage.acknowledge)))
        if stage.respond is None:
            parts.append(t["e_agreed"])
        else:
            parts.append(t["e_respond"].format(d=self.d(stage.respond)))
        return " ".join(parts)

    def working_days(self, easy: bool = False) -> str:
        t = self.t
        units = {
            target.unit
            for stage in self.p.stages
            for target in (stage.acknowledge, stage.respond, stage.extension_limit)
            if target is not None
        }
        for targets in self.p.kinds.values():
            units |= {target.unit for target in targets.values() if target is not None}
        if easy:
            text = t["e_working_days"]
            return text + (t["e_calendar_days"] if "calendar" in units else "")
        items = [NATIONS[self.lang][self.p.nation]]
        items += [day_month(day, self.lang) for day in self.closure_days]
        nation = items[-1]
        if len(items) > 1:
            nation = ", ".join(items[:-1]) + f" {t['or']} {items[-1]}"
        text = t["working_days"].format(nation=nation) + "."
        return text + (t["calendar_days"] if "calendar" in units else "")

    def time_limit(self, easy: bool = False) -> str:
        prefix = "e_" if easy else ""
        limit = self.p.time_limit_to_complain_months
        if limit is None:
            return self.t[f"{prefix}time_limit_none"]
        return self.t[f"{prefix}time_limit"].format(m=months(limit, self.lang))

    def kind(self, kind: str, texts: dict, easy: bool) -> str:
        label, ack_text, respond_text, none_text = texts[self.lang][kind]
        targets = self.p.kinds.get(kind) or {}
        parts = [label] if easy else []
        if targets.get("acknowledge") is not None:
            parts.append(ack_text.format(d=self.d(targets["acknowledge"])))
        if targets.get("respond") is not None:
            parts.append(respond_text.format(d=self.d(targets["respond"])))
        if len(parts) == (1 if easy else 0):
            parts.append(none_text)
        return " ".join(parts)

    # the placeholders ------------------------------------------------------------------------

    def values(self) -> dict:
        t, p = self.t, self.p
        stages = p.stages
        names = [self.stage_name(i, s) for i, s in enumerate(stages)]
        ombudsman = self.ombudsman()
        first = stages[0]

        head = t["table_head"]
        rows = [f"| {' | '.join(head)} |", "|" + " --- |" * len(head)]
        for name, stage in zip(names, stages, strict=True):
            rows.append(f"| {name} | " + " | ".join(self.cells(stage)) + " |")

        final = t["final"].format(name=ombudsman["name"])
        steps = [
            f"{i + 1}. **{name}.** {self.stage_sentences(i, stage)}"
            for i, (name, stage) in enumerate(zip(names, stages, strict=True))
        ]
        steps.append(f"{len(stages) + 1}. **{ombudsman['name']}.** {final} {ombudsman['about']}")

        easy_final = t["e_final"].format(name=ombudsman["name"])
        easy_steps = [
            f"- **{name}.** {self.easy_stage(i, stage)}"
            for i, (name, stage) in enumerate(zip(names, stages, strict=True))
        ]

        other_head = t["other_head"]
        other = [f"| {' | '.join(other_head)} |", "| --- | --- |"]
        for kind in OTHER_KINDS:
            label = KIND_TEXT[self.lang][kind][0]
            other.append(f"| {label} | {self.kind(kind, KIND_TEXT, easy=False)} |")

        values = {
            "code": p.code,
            "legal_basis": self.welsh(LEGAL_BASIS_CY, p.code, p.legal_basis),
            "summary": " ".join(
                part for part in (self.acknowledge(0, first), self.respond(0, first)) if part
            ),
            "acknowledge": self.acknowledge(0, first) or self.respond(0, first),
            "respond": self.respond(0, first),
            "extension": self.extension(first),
            "table": "\n".join(rows),
            "steps": "\n".join(steps),
            "next_stage": t["next_stage"] if len(stages) > 1 else t["next_stage_none"],
            "final": final,
            "working_days": self.working_days(),
            "time_limit": self.time_limit(),
            "other_feedback": "\n".join(other),
            "ombudsman": ombudsman,
            "easy": {
                "stages": "\n".join(easy_steps),
                "further": "\n".join(easy_steps[1:]) or t["e_next_none"],
                "acknowledge": (
                    t["e_ack_first"].format(d=self.d(first.acknowledge))
                    if first.acknowledge
                    else self.easy_stage(0, first)
                ),
                "respond": (
                    t["e_respond"].format(d=self.d(first.respond))
                    if first.respond
                    else t["e_agreed"]
                ),
                "next_stage": t["e_look_again"] if len(stages) > 1 else t["e_next_none"],
                "final": easy_final,
                "working_days": self.working_days(easy=True),
                "time_limit": self.time_limit(easy=True),
            },
        }
        for kind in OTHER_KINDS:
            values[kind] = self.kind(kind, KIND_TEXT, easy=False)
            values["easy"][kind] = self.kind(kind, EASY_KIND_TEXT, easy=True)
        for i, (name, stage) in enumerate(zip(names, stages, strict=True)):
            ack, respond, extension = self.cells(stage)
            values[f"stage{i + 1}"] = {
                "name": name,
                "acknowledge": ack,
                "respond": respond,
                "extension": extension,
            }
        return values


def table_css() -> str:
    """Labels for the stage table's cells when narrow screens stack it (site.css,
    ``.app-stages``), in each language, from the same words as the table's header row."""
    rules = []
    for language in LANGUAGES:
        for column, label in enumerate(TEXT[language]["table_head"][1:], start=2):
            text = label.replace("\\", "\\\\").replace('"', '\\"')
            rules.append(
                f".app-stages:lang({language}) td:nth-child({column})::before "
                f'{{ content: "{text}: "; }}'
            )
    return "@media screen and (max-width: 44.9375em) {\n  " + "\n  ".join(rules) + "\n}\n"


def timescales(
    procedure: Procedure, language: str = "en", closure_days: Iterable[str] = ()
) -> dict:
    """What ``{{ procedure.* }}`` placeholders name, in ``language`` (``en`` or ``cy``).

    ``closure_days`` are the organisation's own closure days as ``MM-DD`` (from the settings).
    """
    return _Words(procedure, language, closure_days).values()


def untranslated(procedure: Procedure, closure_days: Iterable[str] = ()) -> list[str]:
    """Profile text that has no Welsh yet (shown in English on the Welsh pages)."""
    words = _Words(procedure, "cy", closure_days)
    words.values()
    return sorted(set(words.untranslated))
