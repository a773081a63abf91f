"""The words of the returns' sections of a report (KO41a, the SPSO indicators, the LGSCO annual
figures), in English and Welsh.

Each phrase is written here in English inside ``_()``; its Welsh is in the Welsh catalogue
(``forms_app/translations/cy/LC_MESSAGES/messages.po``, compiled to ``messages.mo``), which
``babel.cfg`` reads this module for, so the test that every public string has Welsh covers these
too. A phrase whose Welsh is missing from the compiled catalogue comes out in English.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"


@cache
def _welsh() -> NullTranslations:
    return Translations.load(str(TRANSLATIONS), ["cy"], "messages")


def in_both(english: str) -> dict[str, str]:
    """A phrase in both languages: the English, and its Welsh from the catalogue (also for
    words marked for it elsewhere, such as the KO41a categories' names)."""
    return {"en": english, "cy": _welsh().gettext(english)}


_ = in_both  # the name the catalogue's extraction looks for


# The section on the page -------------------------------------------------------------------------

RETURNS_HEADING = _("Returns to regulators")
RETURNS_INTRO = _(
    "The figures we send to regulators, counted in the same way as the tables above. Each "
    "table is also a CSV file in the data package."
)
KO41A_HEADING = _("NHS England: written complaints (KO41a)")
KO41A_INTRO = _(
    "Every NHS organisation in England sends NHS England a count of the written complaints it "
    "received each year (the KO41a collection). These tables show the same counts, with small "
    "numbers hidden in the way this report hides them; the return itself is sent with the "
    "actual numbers, and NHS England hides small numbers when it publishes them."
)
KO41A_GAPS = _("Before this return can be sent, we still need to:")
KO41A_READY = _(
    "Every complaint in this return has a KO41a service area, subject area and staff group."
)
SPSO_HEADING = _("Scottish Public Services Ombudsman: complaints performance indicators")
SPSO_INTRO = _(
    "The indicators the Scottish Public Services Ombudsman asks every organisation using its "
    "model complaints handling procedure to publish, for each quarter and the whole period."
)
LGSCO_HEADING = _("Local Government and Social Care Ombudsman: annual complaints figures")
LGSCO_INTRO = _(
    "The figures the Local Government and Social Care Ombudsman's complaint handling code asks "
    "a council to publish each year in its complaints performance and service improvement "
    "report."
)

# KO41a tables --------------------------------------------------------------------------------

KO41A_SUMMARY = _("KO41a: written complaints")
KO41A_SUMMARY_HOW = _(
    "Brought forward: complaints received before the period and still open at its start. New: "
    "received in the period. Resolved: closed in the period, and of those the ones upheld, "
    "partly upheld and not upheld (the outcome of the last stage). Carried forward: still open "
    "at the end of the period. The other parts count the new complaints: who complained; the "
    "service area of the service complained about (our settings say which area each service "
    "is in); the subject areas our themes count under; and the staff groups of the service. A "
    "complaint counts once under each subject area and staff group it concerns, so those parts "
    "add up to more than the new complaints."
)
SECTION = _("Part of the form")
SECTION_SUMMARY = _("Summary")
SECTION_STATUS = _("Who complained")
SECTION_AREAS = _("Service area")
SECTION_SUBJECTS = _("Subject area")
SECTION_STAFF = _("Staff group")
NEW_OR_COUNT = _("Complaints")
BROUGHT_FORWARD = _("Brought forward")
NEW = _("New")
RESOLVED = _("Resolved")
CARRIED_FORWARD = _("Carried forward")
CATEGORY = _("KO41a category")
NOT_MAPPED = _("Not yet given a KO41a category")
ALL_RESOLVED = _("All complaints resolved (each counted once)")
RESOLVED_SUBJECTS = _("Complaints resolved: our themes and their outcome")
RESOLVED_SUBJECTS_HOW = _(
    "Complaints resolved (closed) in the period, by our theme and final outcome. A complaint "
    "with several themes counts once under each theme and once in the last row, so the themes "
    "add up to more than the last row."
)

# What the KO41a return still needs (the page says what; the command also says how many) -----

GAP_ORGANISATION_CODE = _(
    "add the organisation's ODS code (ko41a: organisation_code: in the settings)"
)
GAP_SERVICE = _("give the service {name} a KO41a service area in the settings")
GAP_STAFF = _("give the service {name} its KO41a staff groups in the settings")
GAP_THEME = _("give the theme {name} a KO41a subject area in the settings")
GAP_NO_SERVICE = _("record the service of new complaints that have none")
GAP_NO_THEME = _("record at least one theme on new complaints that have none")
GAP_NO_FINDING = _(
    "decide how to count resolved complaints with no upheld, partly upheld or not upheld "
    "finding (withdrawn, or resolved without one)"
)
GAP_CHECK_AGE_STATUS = _(
    "make the age and the status of complainant each add up to the new complaints, as the form "
    "requires"
)
GAP_CHECK_SUBJECT_STAFF = _(
    "make the subject areas and the staff groups each add up to at least the new complaints, as "
    "the form requires"
)
GAP_CHECK_CARRIED = _(
    "make the complaints carried forward equal those brought forward, plus the new ones, less "
    "the resolved ones, as the form works it out"
)
NOTE_AGE = _(
    "This service does not ask the patient's age: every new complaint is counted as age "
    "unknown, and each of the form's other age boxes is 0."
)
NOTE_STATUS = _("New complaints that do not say who complained are counted as status unknown.")
NOTE_CLINICAL = _(
    "Complaints about clinical treatment also need the form's clinical sub-categories, which "
    "are filled in by hand in NHS England's collection system."
)

# The SPSO indicators' added rows ---------------------------------------------------------------

CLOSED_AFTER_ESCALATION = _("Complaints closed after escalation from stage 1")
CLOSED_AFTER_ESCALATION_PCT = _("% of complaints closed that closed after escalation")

# The LGSCO annual figures ----------------------------------------------------------------------

LGSCO_TITLE = _("Annual complaints figures (LGSCO complaint handling code)")
LGSCO_HOW = _(
    "Received: complaints received in the period, and the stages complaints entered in it (a "
    "complaint that went straight to stage 2 counts only at stage 2). Outcomes, responses and "
    "working days: responses given in the period. Ombudsman: complaints referred in the period "
    "and the ombudsman's decisions on them. Whether the ombudsman's remedies were carried out "
    "is not recorded by this service."
)
RECEIVED = _("Complaints received")
ENTERED_STAGE = _("Complaints that entered this stage")
CLOSED = _("Complaints closed")
OUTCOME = _("Outcome: {outcome}")
RESPONSES = _("Responses given")
WITHIN_TARGET = _("Responses within the target time")
WITHIN_TARGET_PCT = _("% of responses within the target time")
AVERAGE_DAYS = _("Average working days to a response")
EXTENSIONS = _("Responses with an extension agreed")
OMBUDSMAN_REFERRED = _("Complaints referred to the ombudsman")
OMBUDSMAN_DECISION = _("Ombudsman's decision: {outcome}")
OMBUDSMAN_REMEDIES = _("Ombudsman's remedies carried out")
ACTIONS_AGREED = _("Service improvements agreed (learning actions)")
ACTIONS_COMPLETED = _("Service improvements completed")
