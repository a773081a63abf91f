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
        "easy_heading": "Different services have different times",
        "easy_intro": "Our services do not all work to the same times. Look for the service "
        "you want to tell us about.",
    },
    "cy": {
        "heading": "Amserlenni ar gyfer pob gwasanaeth",
        "intro": (
            "Mae ein gwasanaethau'n dilyn gweithdrefnau cwynion gwahanol, a osodwyd yn ôl y "
            "gyfraith. Dyma'r camau a'r amserlenni ar gyfer pob un."
        ),
        "follows": "Mae hyn yn dilyn: {basis}.",
        "easy_heading": "Mae gan wasanaethau gwahanol amseroedd gwahanol",
        "easy_intro": "Nid yw ein gwasanaethau i gyd yn gweithio i'r un amseroedd. Chwiliwch "
        "am y gwasanaeth rydych chi eisiau dweud wrthym amdano.",
    },
}


def _used(settings: Settings, language: str) -> list[tuple[str, dict]]:
    """(the names of the services, what the page says of their procedure) for each procedure
    some service follows; fewer than two means there is nothing to set apart."""
    used = []
    for code in procedure_codes(settings):
        services = services_under(settings, code)
        if services:
            names = [settings.service_name(service, language) or service for service in services]
            said = timescales(load_procedure(code), language, settings.closure_days)
            used.append((", ".join(names), said))
    return used if len(used) > 1 else []


def sections(settings: Settings, language: str = "en") -> str:
    """Markdown with a section per procedure the services follow, or "" when they all follow
    one. Each section is headed by the names of its services."""
    used = _used(settings, language)
    if not used:
        return ""
    words = WORDS[language]
    out = [f"### {words['heading']}", words["intro"]]
    for names, said in used:
        out += [
            f"#### {names}",
            words["follows"].format(basis=said["legal_basis"]),
            said["table"],
            said["steps"],
        ]
    return "\n\n".join(out)


def easy_sections(settings: Settings, language: str = "en") -> str:
    """The same in easy words, for the easy read and young people's leaflets: for each
    procedure its services, when we answer, and who can look at it after us. "" with one."""
    used = _used(settings, language)
    if not used:
        return ""
    words = WORDS[language]
    out = [f"### {words['easy_heading']}", words["easy_intro"]]
    for names, said in used:
        easy = said["easy"]
        # One sentence to a line, as easy read asks.
        out += [f"#### {names}", easy["acknowledge"], easy["respond"], easy["final"]]
    return "\n\n".join(out)
