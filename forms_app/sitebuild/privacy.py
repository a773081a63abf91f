"""What the privacy notice says that depends on the organisation: retention, lawful basis and
the data protection officer.

The placeholders ``{{ privacy.* }}``:

- ``privacy.retention`` (``10 years`` / ``10 mlynedd``) and ``privacy.retention_years`` (the
  number): how many years after a case is closed its records are kept.
  ``RETENTION_YEARS`` (10, the NHS records management code's period for complaint case files)
  unless the settings file has ``privacy: {retention_years: N}``. The settings files are not
  changed by the site: the default lives here, and the optional key overrides it;
- ``privacy.lawful_basis``: a Markdown list of the UK GDPR articles we rely on. Statutory
  procedures rely on legal obligation and public task; a charity's own policy on legitimate
  interests. Health and care details always rely on Article 9(2)(h);
- ``privacy.dpo_name`` and ``privacy.dpo_contact`` (a sentence with the email link and, when
  there is one, the postal address): the data protection officer, from ``privacy: {dpo_name,
  dpo_email, dpo_address}`` in the settings, or else the feedback team's email and address
  (marked for the data protection officer).
"""

from __future__ import annotations

from forms_app.language.welsh import years as years_phrase
from forms_app.organisation.settings import Settings
from forms_app.procedures.profiles import Procedure

#: Years complaint records are kept after the case is closed: the NHS Records Management
#: Code of Practice's period for complaint case files (``privacy.retention_years`` overrides).
RETENTION_YEARS = 10

#: Profiles that are an organisation's own policy rather than a statutory procedure.
NON_STATUTORY = ("charity-help-and-care",)

LAWFUL_BASIS = {
    "en": {
        "statutory": (
            "- **Article 6(1)(c), legal obligation**: the law requires us to have a complaints "
            "procedure and to keep records of it.\n"
            "- **Article 6(1)(e), public task**: handling feedback is part of running our "
            "services for the public."
        ),
        "charity": (
            "- **Article 6(1)(f), legitimate interests**: we need to look into feedback to put "
            "things right and improve our services. We have checked that this does not "
            "override your rights."
        ),
        "health": (
            "- **Article 9(2)(h), health or social care**: for details about your health or "
            "care, which we handle under a duty of confidentiality (Data Protection Act 2018, "
            "Schedule 1, paragraph 2).\n"
            "- **Article 9(2)(f), legal claims**: only if your complaint becomes, or is part "
            "of, a legal claim."
        ),
    },
    "cy": {
        "statutory": (
            "- **Erthygl 6(1)(c), rhwymedigaeth gyfreithiol**: mae'r gyfraith yn mynnu bod "
            "gennym weithdrefn gwyno a'n bod yn cadw cofnodion ohoni.\n"
            "- **Erthygl 6(1)(e), tasg gyhoeddus**: mae ymdrin ag adborth yn rhan o redeg ein "
            "gwasanaethau i'r cyhoedd."
        ),
        "charity": (
            "- **Erthygl 6(1)(f), buddiannau dilys**: mae angen i ni edrych ar adborth er mwyn "
            "unioni pethau a gwella ein gwasanaethau. Rydym wedi gwirio nad yw hyn yn drech "
            "na'ch hawliau chi."
        ),
        "health": (
            "- **Erthygl 9(2)(h), iechyd neu ofal cymdeithasol**: ar gyfer manylion am eich "
            "iechyd neu eich gofal, yr ydym yn eu trin o dan ddyletswydd cyfrinachedd (Deddf "
            "Diogelu Data 2018, Atodlen 1, paragraff 2).\n"
            "- **Erthygl 9(2)(f), hawliadau cyfreithiol**: dim ond os bydd eich cwyn yn troi'n "
            "hawliad cyfreithiol, neu'n rhan o un."
        ),
    },
}

DPO_NAME = {"en": "Data protection officer", "cy": "Swyddog diogelu data"}
DPO_CONTACT = {
    "en": (
        "Email [{email}](mailto:{email})",
        ", or write to {address}, marking your letter for the data protection officer",
    ),
    "cy": (
        "E-bostiwch [{email}](mailto:{email})",
        ", neu ysgrifennwch at {address}, gan nodi bod eich llythyr i'r swyddog diogelu data",
    ),
}


def privacy(settings: Settings, procedure: Procedure, language: str) -> dict:
    """What ``{{ privacy.* }}`` names, in ``language``."""
    raw = settings.raw.get("privacy") or {}
    if not isinstance(raw, dict):
        raw = {}
    years = raw.get("retention_years", RETENTION_YEARS)
    texts = LAWFUL_BASIS[language]
    basis = texts["charity" if procedure.code in NON_STATUTORY else "statutory"]
    email = raw.get("dpo_email") or settings.contact["email"]
    address = raw.get("dpo_address") or settings.contact.get("address")
    contact, by_post = DPO_CONTACT[language]
    contact = contact.format(email=email)
    if address:
        contact += by_post.format(address=address)
    return {
        "retention_years": str(years),
        "retention": years_phrase(int(years), language),
        "lawful_basis": basis + "\n" + texts["health"],
        "dpo_name": raw.get("dpo_name") or DPO_NAME[language],
        "dpo_contact": contact + ".",
    }
