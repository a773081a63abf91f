"""The words of the reports in English and Welsh: labels of kinds, outcomes, stages, services
and themes, and the small phrases the tables use.

The Welsh was written by a developer: a Welsh speaker should review it before a report is
published (the Welsh pages say ``welsh_review: pending`` in their front matter).

Services and themes are named by the organisation in the settings (``name``); a Welsh name is
taken from ``name_cy`` beside it, else from ``SERVICE_NAMES_CY`` / ``THEME_NAMES_CY`` below
(common names), else the English name is used and reported as untranslated.
"""

from __future__ import annotations

from forms_app.sitebuild.timescales import ESCALATION_NAMES_CY, STAGE_NAMES_CY

LANGUAGES = ("en", "cy")

KINDS = ("complaint", "concern", "comment", "compliment", "enquiry")
KIND_LABELS = {
    "en": {
        "complaint": "Complaints",
        "concern": "Concerns",
        "comment": "Comments",
        "compliment": "Compliments",
        "enquiry": "Enquiries",
    },
    "cy": {
        "complaint": "Cwynion",
        "concern": "Pryderon",
        "comment": "Sylwadau",
        "compliment": "Canmoliaeth",
        "enquiry": "Ymholiadau",
    },
}

#: The outcome groups the tables use (seed 004 table 4), and the recorded outcomes in each.
OUTCOME_GROUPS = ("upheld", "partially_upheld", "not_upheld", "other")
OUTCOME_GROUP_OF = {
    "upheld": "upheld",
    "partially_upheld": "partially_upheld",
    "not_upheld": "not_upheld",
    "resolved": "other",
    "withdrawn": "other",
    "other": "other",
    "": "other",
}
OUTCOME_LABELS = {
    "en": {
        "upheld": "Upheld",
        "partially_upheld": "Partially upheld",
        "not_upheld": "Not upheld",
        "other": "Other",
        "resolved": "Resolved without a finding",
        "withdrawn": "Withdrawn",
        "open": "Still with the ombudsman",
        "well_founded": "Well-founded (upheld or partially upheld)",
    },
    "cy": {
        "upheld": "Cadarnhawyd",
        "partially_upheld": "Cadarnhawyd yn rhannol",
        "not_upheld": "Ni chadarnhawyd",
        "other": "Arall",
        "resolved": "Wedi'i datrys heb ganfyddiad",
        "withdrawn": "Wedi'i thynnu'n ôl",
        "open": "Yn dal gyda'r ombwdsmon",
        "well_founded": "Â sail (cadarnhawyd yn llawn neu'n rhannol)",
    },
}

PHRASES = {
    "en": {
        "total": "Total",
        "change": "Change",
        "change_pct": "Change %",
        "share": "% of the year",
        "share_short": "%",
        "service": "Service",
        "theme": "Theme",
        "stage": "Stage",
        "outcome": "Outcome",
        "kind": "Kind",
        "number": "Number",
        "people_served": "People served",
        "rate": "Complaints per 1,000 people served",
        "not_shown": "not shown",
        "not_known": "not known",
        "not_recorded": "Service not recorded",
        "ombudsman": "Ombudsman",
        "received": "Complaints received",
        "of_complaints": "% of complaints",
        "all_year": "Whole period",
        "due": "Due in the period",
        "on_time": "On time",
        "on_time_pct": "% on time",
        "responses": "Responses",
        "within_target": "Within the target time",
        "within_target_pct": "% within the target time",
        "within_extension": "Late but within an agreed extension",
        "average_days": "Average working days to a full response",
        "extensions": "Responses with an extension agreed",
        "target": "Target",
        "agreed": "agreed with the person",
        "referred": "Referred to the ombudsman",
        "actions_agreed": "Learning actions agreed",
        "actions_completed": "Completed",
        "actions_open": "Still open",
        "actions_completed_in_period": (
            "Learning actions completed in the period (agreed at any time)"
        ),
        "measure": "Measure",
    },
    "cy": {
        "total": "Cyfanswm",
        "change": "Newid",
        "change_pct": "Newid %",
        "share": "% o'r flwyddyn",
        "share_short": "%",
        "service": "Gwasanaeth",
        "theme": "Thema",
        "stage": "Cam",
        "outcome": "Canlyniad",
        "kind": "Math",
        "number": "Nifer",
        "people_served": "Pobl a wasanaethir",
        "rate": "Cwynion fesul 1,000 o bobl a wasanaethir",
        "not_shown": "cudd",
        "not_known": "dim yn hysbys",
        "not_recorded": "Gwasanaeth heb ei gofnodi",
        "ombudsman": "Ombwdsmon",
        "received": "Cwynion a ddaeth i law",
        "of_complaints": "% o'r cwynion",
        "all_year": "Y cyfnod cyfan",
        "due": "I'w cydnabod yn y cyfnod",
        "on_time": "Mewn pryd",
        "on_time_pct": "% mewn pryd",
        "responses": "Ymatebion",
        "within_target": "O fewn yr amser targed",
        "within_target_pct": "% o fewn yr amser targed",
        "within_extension": "Yn hwyr ond o fewn estyniad a gytunwyd",
        "average_days": "Nifer cyfartalog y diwrnodau gwaith i ymateb llawn",
        "extensions": "Ymatebion y cytunwyd estyniad ar eu cyfer",
        "target": "Targed",
        "agreed": "wedi'i gytuno gyda'r person",
        "referred": "Wedi'u cyfeirio at yr ombwdsmon",
        "actions_agreed": "Camau dysgu a gytunwyd",
        "actions_completed": "Wedi'u cwblhau",
        "actions_open": "Yn dal ar agor",
        "actions_completed_in_period": (
            "Camau dysgu a gwblhawyd yn y cyfnod (a gytunwyd unrhyw bryd)"
        ),
        "measure": "Mesur",
    },
}

SERVICE_NAMES_CY = {
    "Community nursing": "Nyrsio cymunedol",
    "Home care": "Gofal cartref",
    "Mental health services": "Gwasanaethau iechyd meddwl",
    "Learning disability support": "Cymorth anabledd dysgu",
    "Children's services": "Gwasanaethau plant",
    "Carers' support": "Cymorth i ofalwyr",
    "Adult services": "Gwasanaethau oedolion",
    "Adult social care": "Gofal cymdeithasol i oedolion",
    "Reablement": "Ailalluogi",
    "Occupational therapy": "Therapi galwedigaethol",
    "Day services": "Gwasanaethau dydd",
    "Residential care": "Gofal preswyl",
}
THEME_NAMES_CY = {
    "Communication": "Cyfathrebu",
    "Quality of care": "Ansawdd gofal",
    "Staff attitude and behaviour": "Agwedd ac ymddygiad staff",
    "Waiting times and delays": "Amseroedd aros ac oedi",
    "Access to services": "Mynediad at wasanaethau",
    "Dignity and respect": "Urddas a pharch",
    "Assessment and care planning": "Asesu a chynllunio gofal",
    "Charging and finance": "Codi tâl a chyllid",
    "Safety": "Diogelwch",
    "Something else": "Rhywbeth arall",
}


class Names:
    """Labels for the organisation's services, themes and procedure stages in each language;
    ``untranslated`` collects English names that had no Welsh."""

    def __init__(self, settings, procedures):
        self.untranslated: list[str] = []
        raw_services = {
            str(s.get("code")): s for s in settings.raw.get("services") or [] if isinstance(s, dict)
        }
        raw_themes = {
            str(t.get("code")): t for t in settings.raw.get("themes") or [] if isinstance(t, dict)
        }
        self.services = {
            s.code: self._pair(
                s.name, raw_services.get(s.code, {}).get("name_cy"), SERVICE_NAMES_CY
            )
            for s in settings.services
        }
        self.themes = {
            t.code: self._pair(t.name, raw_themes.get(t.code, {}).get("name_cy"), THEME_NAMES_CY)
            for t in settings.themes
        }
        self.stages: dict[str, dict[str, str]] = {}
        self.stage_order: list[str] = []
        for procedure in procedures:
            for index, stage in enumerate(procedure.stages):
                if stage.code in self.stages:
                    continue
                welsh = STAGE_NAMES_CY.get(stage.name)
                if welsh is None:
                    self.untranslated.append(stage.name)
                    welsh = f"Cam {index + 1}"
                self.stages[stage.code] = {"en": stage.name, "cy": welsh}
                self.stage_order.append(stage.code)
        main = procedures[0]
        name = main.escalation["name"]
        self.ombudsman = {"en": name, "cy": ESCALATION_NAMES_CY.get(name, name)}

    def _pair(self, english: str, welsh: str | None, table: dict) -> dict[str, str]:
        if not welsh:
            welsh = table.get(english)
        if not welsh:
            self.untranslated.append(english)
            welsh = english
        return {"en": english, "cy": str(welsh)}

    def service(self, code: str) -> dict[str, str]:
        if not code:
            return {lang: PHRASES[lang]["not_recorded"] for lang in LANGUAGES}
        return self.services.get(code) or {"en": code, "cy": code}

    def theme(self, code: str) -> dict[str, str]:
        return self.themes.get(code) or {"en": code, "cy": code}

    def stage(self, code: str) -> dict[str, str]:
        if code == "ombudsman":
            return {lang: PHRASES[lang]["ombudsman"] for lang in LANGUAGES}
        return self.stages.get(code) or {"en": code, "cy": code}


def both(key: str, table: dict = PHRASES) -> dict[str, str]:
    """``{"en": ..., "cy": ...}`` for a phrase key."""
    return {lang: table[lang][key] for lang in LANGUAGES}
