"""Where people can go when the service they complain about is paid for by a council or the
NHS, whatever the organisation's own procedure says.

A charity's or independent provider's own procedure may end with its own final answer, but a
person whose care is publicly funded can still take the complaint to the public ombudsman for
that care. The settings mark such a service::

    services:
      - code: home-care
        name: Home care
        publicly_funded: council     # arranged or paid for by a council
      - code: community-nursing
        name: Community nursing
        publicly_funded: nhs         # paid for by the NHS

and ``{{ funded.routes }}`` on a page becomes a paragraph naming, for each kind of funding,
the services and the ombudsman with its website, in the page's language (nothing when no
service is marked, or when the procedure's own last step is already that ombudsman). Its phone
number is on its website: the site prints only the numbers the settings and the procedure
give. The ombudsman follows the nation of the procedure:

- England: the Local Government and Social Care Ombudsman for adult social care a council
  arranged or paid for (Local Government Act 1974, Part 3A); the Parliamentary and Health
  Service Ombudsman for NHS-funded care (Health Service Commissioners Act 1993);
- Wales, Scotland and Northern Ireland: the nation's public services ombudsman, for both.
"""

from __future__ import annotations

FUNDING = ("council", "nhs")

#: (name, website) of the ombudsman for each nation and kind of funding.
OMBUDSMEN = {
    ("ENG", "council"): (
        "Local Government and Social Care Ombudsman",
        "https://www.lgo.org.uk",
    ),
    ("ENG", "nhs"): (
        "Parliamentary and Health Service Ombudsman",
        "https://www.ombudsman.org.uk",
    ),
    ("WLS", "council"): (
        "Public Services Ombudsman for Wales",
        "https://www.ombudsman.wales",
    ),
    ("SCT", "council"): (
        "Scottish Public Services Ombudsman",
        "https://www.spso.org.uk",
    ),
    ("NIR", "council"): (
        "Northern Ireland Public Services Ombudsman",
        "https://nipso.org.uk",
    ),
}
for _nation in ("WLS", "SCT", "NIR"):
    OMBUDSMEN[(_nation, "nhs")] = OMBUDSMEN[(_nation, "council")]

#: The Welsh names of the ombudsmen (English bodies keep their English names).
NAMES_CY = {
    "Public Services Ombudsman for Wales": "Ombwdsmon Gwasanaethau Cyhoeddus Cymru",
}

WORDS = {
    "en": {
        "council": "paid for or arranged by a council",
        "nhs": "paid for by the NHS",
        "sentence": (
            "If your complaint is about care {funding} ({services}), our final answer is not "
            "the end: you can also take it to the **{name}**: [{site}]({url})."
        ),
    },
    "cy": {
        "council": "sy'n cael ei dalu neu ei drefnu gan gyngor",
        "nhs": "sy'n cael ei dalu gan y GIG",
        "sentence": (
            "Os yw eich cwyn am ofal {funding} ({services}), nid ein hateb terfynol yw'r diwedd: "
            "gallwch hefyd fynd â hi at **{name}**: [{site}]({url})."
        ),
    },
}


def funded_services(settings) -> dict[str, list[dict]]:
    """The services the settings mark ``publicly_funded``, by kind of funding."""
    out: dict[str, list[dict]] = {}
    for item in settings.raw.get("services") or []:
        funding = str((item or {}).get("publicly_funded") or "").strip().lower()
        if funding in FUNDING:
            out.setdefault(funding, []).append(item)
    return out


def funded(settings, procedure, language: str = "en") -> dict[str, str]:
    """The ``funded`` placeholders: ``routes``, a paragraph ("" if none applies)."""
    words = WORDS["cy" if language == "cy" else "en"]
    lines = []
    for funding, services in funded_services(settings).items():
        found = OMBUDSMEN.get((procedure.nation, funding))
        if found is None or found[0] == procedure.escalation.get("name"):
            continue
        name, url = found
        if language == "cy":
            name = NAMES_CY.get(name, name)
        named = ", ".join(
            str(s.get("name_cy") or s["name"]) if language == "cy" else str(s["name"])
            for s in services
        )
        site = url.removeprefix("https://")
        lines.append(
            words["sentence"].format(
                funding=words[funding], services=named, name=name, site=site, url=url
            )
        )
    return {"routes": "\n\n".join(lines)}
