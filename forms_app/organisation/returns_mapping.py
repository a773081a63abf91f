"""The KO41a return's categories, and the settings that map the organisation's services and
themes onto them (``ko41a:`` in the settings file).

KO41a is NHS England's collection of written complaints about hospital and community health
services ("Data on Written Complaints in the NHS"). Its form counts each new complaint by the
patient's age, the complainant's status, the service area, the subject area and the profession
(staff group) complained about. The short codes below are ours, for the settings file: NHS
England publishes no codes for the form's boxes. The names are the words the return file
carries; how far each name is backed by a public source is in ``NAME_SOURCES`` (the sources
themselves are listed in ``forms_app/reports/figures/ko41a.py``). The order within a section is
ours too (alphabetical, "other" last), as the form's own order is not public.

The settings say, for each service, its KO41a service area and the staff groups it involves,
and for each theme, the KO41a subject it counts under::

    ko41a:
      organisation_code: RXX        # the organisation's ODS code, which the return is filed under
      services:
        community-nursing: {service_area: community-services, staff_groups: [nursing]}
        mental-health: {service_area: mental-health, staff_groups: [medical, nursing]}
      themes:
        charging: trust-administration

A service or theme the settings leave out gets the default below when its code is a common one
(``DEFAULT_SERVICES``, ``DEFAULT_THEMES``); anything else is listed as missing before the return
can be submitted, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _(english: str) -> str:
    """Marks a category's name for the Welsh catalogue: the name stays English here (the return
    file carries the form's own words); a report's Welsh page looks up its Welsh."""
    return english


#: Section 3: the patient's age. Only "age unknown", the one box this service fills (it does not
#: ask the age). The form's age bands are not public, and they are not the 0-17, 18-64 and 65+
#: this module once guessed: NHS Digital published the share of complaints about patients
#: "aged between 26 and 55", a band that cuts across 18-64. The person submitting the return
#: enters 0 in each of the form's other age boxes.
AGE_BANDS = {
    "unknown": _("Age unknown"),
}

#: Section 4: who complained.
COMPLAINANT_STATUS = {
    "patient": _("Patient"),
    "representative": _("Someone on behalf of the patient (relative, carer or other)"),
    "unknown": _("Status unknown"),
}

#: Section 5: the service area complained about.
SERVICE_AREAS = {
    "inpatients": _("Inpatients"),
    "outpatients": _("Outpatients"),
    "a-and-e": _("A&E (including minor injury units and walk-in centres)"),
    "maternity": _("Maternity"),
    "mental-health": _("Mental health"),
    "learning-disabilities": _("Learning disabilities"),
    "ambulance": _("Ambulance (including patient transport)"),
    "community-hospitals": _("Community hospitals"),
    "community-services": _("Community services"),
    "other": _("Other"),
}

#: Section 7: the subject area of the complaint.
SUBJECTS = {
    "access-to-treatment": _("Access to treatment or drugs"),
    "admissions-discharge": _(
        "Admissions, discharges and transfers (excluding delayed discharge due to absence of "
        "care package)"
    ),
    "appointments": _("Appointments"),
    "clinical-treatment": _("Clinical treatment"),
    "commissioning": _("Commissioning"),
    "communications": _("Communications"),
    "consent": _("Consent"),
    "end-of-life-care": _("End of life care"),
    "facilities": _("Facilities services"),
    "integrated-care": _(
        "Integrated care, including delayed discharge due to absence of care package"
    ),
    "mortuary": _("Mortuary"),
    "patient-care": _("Patient care including nutrition/hydration"),
    "prescribing": _("Prescribing errors"),
    "privacy-dignity": _("Privacy, dignity and wellbeing"),
    "restraint": _("Restraint"),
    "staff-numbers": _("Staff numbers"),
    "transport": _("Transport (ambulances)"),
    "trust-administration": _("Trust administration"),
    "values-behaviours": _("Values and behaviours (staff)"),
    "waiting-times": _("Waiting times"),
    "other": _("Other"),
}

#: Section 8: the profession (staff group) complained about.
STAFF_GROUPS = {
    "medical": _("Medical (including surgical)"),
    "nursing": _("Nursing, midwifery and health visiting"),
    "allied-health": _("Allied health professionals"),
    "scientific": _("Scientific, therapeutic and technical"),
    "ambulance": _("Ambulance staff"),
    "admin": _("Administrative and management staff"),
    "support": _("Support services (estates, hotel and domestic)"),
    "other": _("Other"),
}

#: How far a category's name is backed by a public source, by (section, code); a name not listed
#: is ours. The sources are listed in ``forms_app/reports/figures/ko41a.py``.
KO41A_GUIDANCE = "NHS England KO41a guidance"
KO41B_GUIDANCE = "NHS England KO41b guidance"
TRUST_LIST = "one NHS trust's KO41a list"
OURS = "ours"
NAME_SOURCES = {
    # Named in NHS England's KO41a guidance pages ("Total New Complaints"; the worked example's
    # service "Mental Health" and profession "Scientific, Therapeutic and Technical"; "other"
    # for what fits no subject area).
    ("2", "new"): KO41A_GUIDANCE,
    ("5", "mental-health"): KO41A_GUIDANCE,
    ("7", "other"): KO41A_GUIDANCE,
    ("8", "scientific"): KO41A_GUIDANCE,
    # Named in NHS England's guidance for the primary care return (KO41b), whose summary, age
    # and subject boxes carry the same names.
    ("2", "brought-forward"): KO41B_GUIDANCE,
    ("2", "resolved"): KO41B_GUIDANCE,
    ("2", "upheld"): KO41B_GUIDANCE,
    ("2", "partially-upheld"): KO41B_GUIDANCE,
    ("2", "not-upheld"): KO41B_GUIDANCE,
    ("2", "carried-forward"): KO41B_GUIDANCE,
    ("3", "unknown"): KO41B_GUIDANCE,
    ("7", "communications"): KO41B_GUIDANCE,
    # Named, word for word, in one NHS trust's published list of its "KO41a aligned" subjects:
    # a third party's copy, not NHS England's.
    **{
        ("7", code): TRUST_LIST
        for code in (
            "access-to-treatment",
            "admissions-discharge",
            "appointments",
            "clinical-treatment",
            "consent",
            "end-of-life-care",
            "facilities",
            "patient-care",
            "prescribing",
            "privacy-dignity",
            "restraint",
            "trust-administration",
            "waiting-times",
        )
    },
}


def name_source(section: str, code: str) -> str:
    """Where the name of the category ``code`` in ``section`` comes from (``OURS`` if nowhere)."""
    return NAME_SOURCES.get((section, code), OURS)


#: Service codes common enough to map without being told: (service area, staff groups).
DEFAULT_SERVICES = {
    "community-nursing": ("community-services", ("nursing",)),
    "district-nursing": ("community-services", ("nursing",)),
    "health-visiting": ("community-services", ("nursing",)),
    "maternity": ("maternity", ("nursing",)),
    "midwifery": ("maternity", ("nursing",)),
    "ambulance": ("ambulance", ("ambulance",)),
    "patient-transport": ("ambulance", ("ambulance",)),
    "mental-health": ("mental-health", ()),
    "learning-disability": ("learning-disabilities", ()),
    "inpatients": ("inpatients", ()),
    "outpatients": ("outpatients", ()),
    "a-and-e": ("a-and-e", ("medical", "nursing")),
    "emergency-department": ("a-and-e", ("medical", "nursing")),
    "community-hospital": ("community-hospitals", ()),
}

#: Theme codes common enough to map without being told (the example settings' themes).
DEFAULT_THEMES = {
    "communication": "communications",
    "quality-of-care": "patient-care",
    "staff-attitude": "values-behaviours",
    "waiting-times": "waiting-times",
    "access": "access-to-treatment",
    "dignity-respect": "privacy-dignity",
    "assessment": "clinical-treatment",
    "safety": "patient-care",
    "appointments": "appointments",
    "discharge": "admissions-discharge",
    "clinical-treatment": "clinical-treatment",
    "prescribing": "prescribing",
    "consent": "consent",
    "end-of-life-care": "end-of-life-care",
    "facilities": "facilities",
    "transport": "transport",
    "other": "other",
}


class MappingError(ValueError):
    """A ``ko41a:`` section that names a category the return does not have."""


@dataclass(frozen=True)
class ServiceMapping:
    service_area: str  # a key of SERVICE_AREAS, or "" when not known
    staff_groups: tuple[str, ...] = ()
    given: bool = True  # False: from DEFAULT_SERVICES, not the settings


@dataclass(frozen=True)
class Ko41aMapping:
    """Where the organisation's services and themes go on the KO41a form."""

    organisation_code: str = ""
    services: dict[str, ServiceMapping] = field(default_factory=dict)
    themes: dict[str, str] = field(default_factory=dict)  # theme code -> subject code

    def service(self, code: str) -> ServiceMapping | None:
        """The service's mapping: the settings' own, else the default for a common code."""
        if code in self.services:
            return self.services[code]
        if code in DEFAULT_SERVICES:
            area, groups = DEFAULT_SERVICES[code]
            return ServiceMapping(area, groups, given=False)
        return None

    def subject(self, theme: str) -> str:
        """The theme's KO41a subject: the settings' own, else the default ("" if neither)."""
        return self.themes.get(theme) or DEFAULT_THEMES.get(theme, "")


def read_ko41a(raw: object, services: set[str], themes: set[str]) -> Ko41aMapping:
    """The ``ko41a:`` section of the settings, checked: every code it names must be one of the
    organisation's services or themes and one of the return's categories. Raises MappingError
    saying what is wrong."""
    if raw is None:
        return Ko41aMapping()
    if not isinstance(raw, dict):
        raise MappingError("'ko41a' must be a mapping")
    code = str(raw.get("organisation_code") or "").strip().upper()
    if code and not (code.isalnum() and 3 <= len(code) <= 6):
        raise MappingError(f"ko41a.organisation_code {code!r} must be an ODS code, like RXX")
    mapped_services = {}
    for service, value in (raw.get("services") or {}).items():
        if service not in services:
            raise MappingError(f"ko41a.services names {service!r}, which is not a service")
        if not isinstance(value, dict):
            raise MappingError(f"ko41a.services.{service} needs service_area and staff_groups")
        area = str(value.get("service_area") or "")
        if area not in SERVICE_AREAS:
            raise MappingError(
                f"ko41a.services.{service}.service_area must be one of "
                f"{', '.join(SERVICE_AREAS)}, not {area!r}"
            )
        groups = value.get("staff_groups") or []
        if isinstance(groups, str):
            groups = [groups]
        wrong = [g for g in groups if g not in STAFF_GROUPS]
        if wrong:
            raise MappingError(
                f"ko41a.services.{service}.staff_groups: {', '.join(map(str, wrong))} is not "
                f"one of {', '.join(STAFF_GROUPS)}"
            )
        mapped_services[service] = ServiceMapping(area, tuple(groups))
    mapped_themes = {}
    for theme, subject in (raw.get("themes") or {}).items():
        if theme not in themes:
            raise MappingError(f"ko41a.themes names {theme!r}, which is not a theme")
        if subject not in SUBJECTS:
            raise MappingError(
                f"ko41a.themes.{theme} must be one of {', '.join(SUBJECTS)}, not {subject!r}"
            )
        mapped_themes[theme] = subject
    return Ko41aMapping(code, mapped_services, mapped_themes)
