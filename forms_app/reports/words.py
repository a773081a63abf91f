"""The words of the reports in English and Welsh: labels of kinds, outcomes, stages, services
and themes, the small phrases the tables use, and each table's title with the sentence under
it saying how its figures are counted (``COUNTED``).

The Welsh was written by a developer: a Welsh speaker should review it before a report is
published (the Welsh pages say ``welsh_review: pending`` in their front matter).

Services and themes are named by the organisation in the settings (``name``). A service's
Welsh name is the settings' own (``Settings.welsh_service_name``: its ``name_cy``, else the
common Welsh name), as on the public pages and letters; a theme's is taken from ``name_cy``
beside it, else from ``THEME_NAMES_CY`` below (common names). Without either, the English name
is used and reported as untranslated.
"""

from __future__ import annotations

from dataclasses import dataclass

from forms_app.language.welsh import ESCALATION_NAMES_CY, STAGE_NAMES_CY
from forms_app.storage.vocabulary import LANGUAGES

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

#: The outcome groups the tables use, and the recorded outcomes in each: upheld, partially
#: upheld and not upheld as recorded; "other" for a complaint resolved without a finding, or
#: withdrawn.
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
        "pct_of": "% of {period}",
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
        "pct_of": "% o {period}",
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
        raw_themes = {
            str(t.get("code")): t for t in settings.raw.get("themes") or [] if isinstance(t, dict)
        }
        self.services = {
            s.code: self._pair(s.name, settings.welsh_service_name(s.code), {})
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


@dataclass(frozen=True)
class Counted:
    """A table's title, the sentence under it saying how its figures are counted, and the note
    under the table if it has one, each in English and Welsh."""

    title: dict[str, str]
    how: dict[str, str]
    note: dict[str, str] | None = None


def _en_cy(english: str, welsh: str) -> dict[str, str]:
    return {"en": english, "cy": welsh}


#: Every table of the report and of its returns, by the table's key. A ``{stage}`` in a title
#: is filled in with the stage's name.
COUNTED = {
    "feedback-by-kind": Counted(
        _en_cy("Feedback received, by kind", "Adborth a ddaeth i law, fesul math"),
        _en_cy(
            "Each piece of feedback counts once, in the period it was received, under the kind "
            "it is now (an enquiry that became a complaint counts as a complaint). The change "
            "compares this period with the one before, in numbers and as a percentage.",
            "Mae pob darn o adborth yn cyfrif unwaith, yn y cyfnod y daeth i law, o dan y math "
            "ydyw nawr (mae ymholiad a ddaeth yn gŵyn yn cyfrif fel cwyn). Mae'r newid yn "
            "cymharu'r cyfnod hwn â'r un cynt, mewn niferoedd ac fel canran.",
        ),
    ),
    "complaints-by-service": Counted(
        _en_cy("Complaints by service", "Cwynion fesul gwasanaeth"),
        _en_cy(
            "Each complaint counts once, under the service it is about, in the period it was "
            "received. The rate is complaints in the period for every 1,000 people the service "
            "serves (the number of people comes from our records of who is open to each "
            "service).",
            "Mae pob cwyn yn cyfrif unwaith, o dan y gwasanaeth y mae'n ymwneud ag ef, yn y "
            "cyfnod y daeth i law. Y gyfradd yw nifer y cwynion yn y cyfnod am bob 1,000 o bobl "
            "y mae'r gwasanaeth yn eu gwasanaethu (daw nifer y bobl o'n cofnodion o bwy sy'n "
            "cael y gwasanaeth).",
        ),
    ),
    "compliments-by-service": Counted(
        _en_cy("Compliments by service", "Canmoliaeth fesul gwasanaeth"),
        _en_cy(
            "Each compliment counts once, under the service it is about, in the period it was "
            "received.",
            "Mae pob canmoliaeth yn cyfrif unwaith, o dan y gwasanaeth y mae'n ymwneud ag ef, yn "
            "y cyfnod y daeth i law.",
        ),
    ),
    "complaints-by-stage": Counted(
        _en_cy("Complaints by stage", "Cwynion fesul cam"),
        _en_cy(
            "A complaint counts in each stage it entered during the period, so one complaint "
            "can count more than once, and a complaint that entered a later stage this period "
            "may have been at the first stage in an earlier one. A complaint that started at "
            "a later stage (it went straight to Stage 2) counts only at the stages it entered, "
            "not at the first stage. The ombudsman row counts complaints referred to the "
            "ombudsman during the period.",
            "Mae cwyn yn cyfrif ym mhob cam y cyrhaeddodd yn ystod y cyfnod, felly gall un gŵyn "
            "gyfrif fwy nag unwaith, ac efallai fod cwyn a gyrhaeddodd gam diweddarach y cyfnod "
            "hwn wedi bod yn y cam cyntaf mewn cyfnod cynharach. Mae cwyn a ddechreuodd mewn "
            "cam diweddarach (aeth yn syth i Gam 2) yn cyfrif yn y camau y cyrhaeddodd yn unig, "
            "nid yn y cam cyntaf. Mae rhes yr ombwdsmon yn cyfrif cwynion a gyfeiriwyd at yr "
            "ombwdsmon yn ystod y cyfnod.",
        ),
        _en_cy(
            "The last row is the number of complaints received, not the sum of the rows above it.",
            "Y rhes olaf yw nifer y cwynion a ddaeth i law, nid swm y rhesi uwch ei phen.",
        ),
    ),
    "outcomes": Counted(
        _en_cy("Outcomes of complaints", "Canlyniadau cwynion"),
        _en_cy(
            "Each complaint counts once, in the period it was closed, under the outcome of the "
            "last stage it reached. Other means resolved without a finding, or withdrawn. "
            "Well-founded means upheld or partially upheld, as the complaints regulations in "
            "England and Wales define it; the last row is part of the rows above it, not added "
            "to them.",
            "Mae pob cwyn yn cyfrif unwaith, yn y cyfnod y cafodd ei chau, o dan ganlyniad y cam "
            "olaf a gyrhaeddodd. Ystyr arall yw wedi'i datrys heb ganfyddiad, neu wedi'i "
            "thynnu'n ôl. Ystyr â sail yw wedi'i chadarnhau neu wedi'i chadarnhau'n rhannol, fel "
            "y mae rheoliadau cwynion Cymru a Lloegr yn ei ddiffinio; mae'r rhes olaf yn rhan "
            "o'r rhesi uwch ei phen, nid yn ychwanegol atynt.",
        ),
    ),
    "outcomes-by-stage": Counted(
        _en_cy("Outcomes at each stage", "Canlyniadau ym mhob cam"),
        _en_cy(
            "Each response counts once, under its stage, in the period the response was given, "
            "so a complaint answered at two stages in the period counts at both. Other means "
            "resolved without a finding, or withdrawn.",
            "Mae pob ymateb yn cyfrif unwaith, o dan ei gam, yn y cyfnod y rhoddwyd yr ymateb, "
            "felly mae cwyn a atebwyd mewn dau gam yn y cyfnod yn cyfrif yn y ddau. Ystyr arall "
            "yw wedi'i datrys heb ganfyddiad, neu wedi'i thynnu'n ôl.",
        ),
    ),
    "outcomes-by-service": Counted(
        _en_cy("Outcomes by service: {stage}", "Canlyniadau fesul gwasanaeth: {stage}"),
        _en_cy(
            "Each response at this stage counts once, under the service the complaint is about, "
            "in the period the response was given. Other means resolved without a finding, or "
            "withdrawn.",
            "Mae pob ymateb yn y cam hwn yn cyfrif unwaith, o dan y gwasanaeth y mae'r gŵyn yn "
            "ymwneud ag ef, yn y cyfnod y rhoddwyd yr ymateb. Ystyr arall yw wedi'i datrys heb "
            "ganfyddiad, neu wedi'i thynnu'n ôl.",
        ),
    ),
    "themes": Counted(
        _en_cy("What complaints were about", "Am beth roedd cwynion"),
        _en_cy(
            "Complaints received in the period, by the themes our staff recorded, most frequent "
            "first. A complaint with several themes counts once under each, so the numbers add "
            "up to more than the number of complaints.",
            "Cwynion a ddaeth i law yn y cyfnod, yn ôl y themâu a gofnododd ein staff, y mwyaf "
            "cyffredin yn gyntaf. Mae cwyn â sawl thema yn cyfrif unwaith o dan bob un, felly "
            "mae'r niferoedd yn dod i fwy na nifer y cwynion.",
        ),
    ),
    "themes-by-quarter": Counted(
        _en_cy("Themes by quarter", "Themâu fesul chwarter"),
        _en_cy(
            "The same complaints and themes as the table above, by the quarter of the year they "
            "were received in (Q1 is April to June).",
            "Yr un cwynion a themâu â'r tabl uchod, yn ôl chwarter y flwyddyn y daethant i law "
            "(Ch1 yw Ebrill i Fehefin).",
        ),
    ),
    "acknowledgement": Counted(
        _en_cy("Complaints acknowledged on time", "Cwynion a gydnabuwyd mewn pryd"),
        _en_cy(
            "Each stage that started in the period counts once, if it has been acknowledged or "
            "its acknowledgement was due by the date of this report. On time means acknowledged "
            "within the target our complaints policy sets for the stage, counted in working "
            "days (Monday to Friday, not bank holidays or days we are closed).",
            "Mae pob cam a ddechreuodd yn y cyfnod yn cyfrif unwaith, os yw wedi'i gydnabod neu "
            "os oedd disgwyl ei gydnabod erbyn dyddiad yr adroddiad hwn. Ystyr mewn pryd yw "
            "wedi'i gydnabod o fewn y targed y mae ein polisi cwynion yn ei osod ar gyfer y cam, "
            "wedi'i gyfrif mewn diwrnodau gwaith (dydd Llun i ddydd Gwener, nid gwyliau banc na "
            "diwrnodau pan fyddwn ar gau).",
        ),
    ),
    "responses": Counted(
        _en_cy("Complaints answered on time", "Cwynion a atebwyd mewn pryd"),
        _en_cy(
            "Each full response given in the period counts once, under its stage. Within the "
            "target time means by the date our complaints policy sets for the stage, counted "
            "from the day the stage started, before any extension. Where the time is agreed "
            "with the person there is no target, so those responses are not in the percentage.",
            "Mae pob ymateb llawn a roddwyd yn y cyfnod yn cyfrif unwaith, o dan ei gam. Ystyr "
            "o fewn yr amser targed yw erbyn y dyddiad y mae ein polisi cwynion yn ei osod ar "
            "gyfer y cam, wedi'i gyfrif o'r diwrnod y dechreuodd y cam, cyn unrhyw estyniad. Pan "
            "fydd yr amser wedi'i gytuno gyda'r person nid oes targed, felly nid yw'r ymatebion "
            "hynny yn y ganran.",
        ),
    ),
    "response-times": Counted(
        _en_cy(
            "Time taken to respond, and extensions", "Yr amser a gymerwyd i ymateb, ac estyniadau"
        ),
        _en_cy(
            "Each full response given in the period counts once, under its stage. Working days "
            "are counted from the day the stage started to the day of the response. An "
            "extension is more time agreed with the person.",
            "Mae pob ymateb llawn a roddwyd yn y cyfnod yn cyfrif unwaith, o dan ei gam. Mae "
            "diwrnodau gwaith yn cael eu cyfrif o'r diwrnod y dechreuodd y cam hyd at ddiwrnod "
            "yr ymateb. Estyniad yw mwy o amser a gytunwyd gyda'r person.",
        ),
    ),
    "ombudsman": Counted(
        _en_cy("Complaints referred to the ombudsman", "Cwynion a gyfeiriwyd at yr ombwdsmon"),
        _en_cy(
            "Each complaint referred to the ombudsman during the period counts once, under what "
            "the ombudsman has decided about it so far (as at the date of this report).",
            "Mae pob cwyn a gyfeiriwyd at yr ombwdsmon yn ystod y cyfnod yn cyfrif unwaith, o dan "
            "yr hyn y mae'r ombwdsmon wedi'i benderfynu amdani hyd yma (ar ddyddiad yr adroddiad "
            "hwn).",
        ),
    ),
    "learning-actions": Counted(
        _en_cy("Learning actions", "Camau dysgu"),
        _en_cy(
            "Actions we agreed to take because of what people told us, counted in the period "
            "they were agreed, and whether each is completed or still open as at the date of "
            "this report. The last row counts actions completed in the period, whenever they "
            "were agreed.",
            "Camau y cytunwyd i'w cymryd oherwydd yr hyn a ddywedodd pobl wrthym, wedi'u cyfrif "
            "yn y cyfnod y cytunwyd arnynt, ac a yw pob un wedi'i gwblhau neu'n dal ar agor ar "
            "ddyddiad yr adroddiad hwn. Mae'r rhes olaf yn cyfrif camau a gwblhawyd yn y cyfnod, "
            "pryd bynnag y cytunwyd arnynt.",
        ),
    ),
    "spso-indicators": Counted(
        _en_cy(
            "Complaints performance indicators (SPSO)", "Dangosyddion perfformiad cwynion (SPSO)"
        ),
        _en_cy(
            "The Scottish Public Services Ombudsman's indicators for each quarter and the whole "
            "period. Closed at a stage: complaints closed in the period whose last stage was "
            "that stage. Responses and outcomes: full responses given in the period. Working "
            "days count from the day the stage started to the day of the response.",
            "Dangosyddion Ombwdsmon Gwasanaethau Cyhoeddus yr Alban ar gyfer pob chwarter a'r "
            "cyfnod cyfan. Wedi'i chau mewn cam: cwynion a gaewyd yn y cyfnod a'r cam olaf oedd "
            "y cam hwnnw. Ymatebion a chanlyniadau: ymatebion llawn a roddwyd yn y cyfnod. Mae "
            "diwrnodau gwaith yn cyfrif o'r diwrnod y dechreuodd y cam hyd at ddiwrnod yr "
            "ymateb.",
        ),
    ),
    "annual-return": Counted(
        _en_cy(
            "Annual complaints figures (England regulation 18, NHS Wales regulation 51)",
            "Ffigurau cwynion blynyddol (rheoliad 18 Lloegr, rheoliad 51 GIG Cymru)",
        ),
        _en_cy(
            "Received: complaints received in the period. Closed and well-founded: complaints "
            "closed in the period, and of those the ones upheld or partially upheld. Subjects: a "
            "complaint with several subjects counts once under each (small numbers are not "
            "shown).",
            "Wedi dod i law: cwynion a ddaeth i law yn y cyfnod. Wedi'u cau ac â sail: cwynion a "
            "gaewyd yn y cyfnod, ac o'r rheini y rhai a gadarnhawyd neu a gadarnhawyd yn "
            "rhannol. Pynciau: mae cwyn â sawl pwnc yn cyfrif unwaith o dan bob un (ni ddangosir "
            "niferoedd bach).",
        ),
    ),
}
