"""A section per procedure, for an installation that runs more than one.

Each service may follow its own complaints procedure (a council's corporate complaints, adult
social care and children's social care, say). The pages that set out timescales (the policy
and the standard leaflet) then name ``{{ procedures.sections }}``: for each procedure, the
services that follow it, the law it follows, its table of stages and its steps, in the page's
language. With one procedure it is empty and the page reads as before.
"""

from __future__ import annotations

from forms_app.organisation.settings import Settings
from forms_app.procedures.choice import procedure_codes, services_under
from forms_app.procedures.profiles import load_procedure

from .timescales import timescales

WORDS = {
    "en": {
        "heading": "Timescales for each service",
        "intro": (
            "Our services follow different complaints procedures, set by law. These are the "
            "stages and timescales for each."
        ),
        "follows": "This follows: {basis}.",
    },
    "cy": {
        "heading": "Amserlenni ar gyfer pob gwasanaeth",
        "intro": (
            "Mae ein gwasanaethau'n dilyn gweithdrefnau cwynion gwahanol, a osodwyd yn ôl y "
            "gyfraith. Dyma'r camau a'r amserlenni ar gyfer pob un."
        ),
        "follows": "Mae hyn yn dilyn: {basis}.",
    },
}


def sections(settings: Settings, language: str = "en") -> str:
    """Markdown with a section per procedure the services follow, or "" when they all follow
    one. Each section is headed by the names of its services."""
    used = [
        (code, services_under(settings, code))
        for code in procedure_codes(settings)
        if services_under(settings, code)
    ]
    if len(used) < 2:
        return ""
    words = WORDS[language]
    out = [f"### {words['heading']}", words["intro"]]
    for code, services in used:
        said = timescales(load_procedure(code), language, settings.closure_days)
        names = [settings.service_name(service, language) or service for service in services]
        out += [
            f"#### {', '.join(names)}",
            words["follows"].format(basis=said["legal_basis"]),
            said["table"],
            said["steps"],
        ]
    return "\n\n".join(out)
