"""Returns for regulators and boards, and which of them apply to the organisation.

- ``spso``: the complaints performance indicators the Scottish Public Services Ombudsman asks
  every organisation under its model complaints handling procedure to report, for each quarter
  of the period and the whole of it (``spso``);
- ``annual``: the annual figures the England (regulation 18 of SI 2009/309) and NHS Wales
  (regulation 51 of SI 2011/704) rules ask for: received, well-founded, referred to the
  ombudsman, subjects, actions (here);
- ``lgsco``: the annual complaints figures the Local Government and Social Care Ombudsman's
  complaint handling code asks an English council to publish (``lgsco``);
- ``ko41a``: NHS England's KO41a return of written complaints (``ko41a``), as NHS England
  collects it, with the organisation's services and themes mapped to its categories.

Only the returns that apply to the organisation are made (``applicable``): the SPSO indicators
for a Scottish procedure, the regulation 18 / 51 figures in England and Wales, the LGSCO figures
for an English council's complaints under the code (not its statutory social care ones), and
the KO41a return for an NHS body in England. The sector is ``organisation: sector:`` in the
settings (``nhs``, ``council``, ``charity`` or ``independent``), or else follows from the
procedure: the council procedures are councils', the NHS ones NHS bodies', the charity one a
charity's. An organisation that makes other returns lists them under ``reports: returns:``.

Whole-organisation figures are as they are; breakdowns (subjects, services) are protected by
the report's disclosure policy, like the tables on the page.
"""

from __future__ import annotations

from ..tables import Row, Table
from ..words import LANGUAGES
from .counting import Counting, title_and_how
from .return_tables import en_cy as _both
from .return_tables import long_table

RETURNS = ("spso", "annual", "lgsco", "ko41a")
SECTORS = ("nhs", "council", "charity", "independent")
#: The procedures for complaints under the LGSCO's complaint handling code: a council's
#: statutory social care complaints follow their own regulations (the ``annual`` figures).
CODE_PROCEDURES = ("england-council-lgsco-2026",)
#: The sector each procedure is written for, when the settings do not say.
PROCEDURE_SECTORS = {
    "charity-help-and-care": "charity",
    "england-children-act-1989": "council",
    "england-council-lgsco-2026": "council",
    "england-nhs-social-care-2009": "nhs",
    "nhs-wales-ptr": "nhs",
    "northern-ireland-hsc": "nhs",
    "wales-social-services-2014": "council",
}


def sector_of(settings, procedure) -> str:
    """The organisation's sector: ``organisation: sector:`` in the settings, else the one its
    procedure is written for ("" if neither says)."""
    given = str((settings.raw.get("organisation") or {}).get("sector") or "").strip().lower()
    if given in SECTORS:
        return given
    return PROCEDURE_SECTORS.get(procedure.code, "")


def applicable(settings, procedure) -> set[str]:
    """Which returns apply: ``spso`` (Scotland), ``annual`` (England and Wales regulations),
    ``lgsco`` (councils in England), ``ko41a`` (NHS bodies in England); ``reports: returns:``
    in the settings, a list of these codes, says instead."""
    chosen = (settings.raw.get("reports") or {}).get("returns")
    if isinstance(chosen, list):  # the organisation says which it makes
        return {str(code) for code in chosen} & set(RETURNS)
    nation, sector = procedure.nation, sector_of(settings, procedure)
    out = set()
    if nation == "SCT":
        out.add("spso")
    if nation in ("ENG", "WLS"):
        out.add("annual")
    if nation == "ENG" and sector == "council" and procedure.code in CODE_PROCEDURES:
        out.add("lgsco")
    if nation == "ENG" and sector == "nhs":
        out.add("ko41a")
    return out


def annual_return(counting: Counting, tables: dict[str, Table]) -> Table:
    """England regulation 18 / NHS Wales regulation 51: the annual figures, read from the
    report's tables (``tables``)."""
    this = counting.period.slug
    label = {lang: counting.period.label(lang) for lang in LANGUAGES}
    blank = {lang: "" for lang in LANGUAGES}
    found, actions = tables["outcomes"], tables["learning-actions"]
    rows = [
        Row(
            "received",
            _both("Complaints received", "Cwynion a ddaeth i law"),
            [label, blank, tables["feedback-by-kind"].value("complaint", this)],
        ),
        Row(
            "closed",
            _both("Complaints closed", "Cwynion a gaewyd"),
            [label, blank, found.value("total", this)],
        ),
        Row(
            "well-founded",
            _both(
                "Complaints closed that were well-founded (upheld or partially upheld)",
                "Cwynion a gaewyd a oedd â sail (wedi'u cadarnhau neu'n rhannol)",
            ),
            [label, blank, found.value("well-founded", this)],
        ),
        Row(
            "referred-to-ombudsman",
            _both("Complaints referred to the ombudsman", "Cwynion a gyfeiriwyd at yr ombwdsmon"),
            [label, blank, tables["ombudsman"].value("referred", this)],
        ),
    ]
    themes = tables["themes"]
    count_col = themes.column("complaints")
    for row in themes.rows:
        rows.append(
            Row(
                f"subject:{row.key}",
                {
                    lang: ("Subject: " if lang == "en" else "Pwnc: ") + row.label[lang]
                    for lang in LANGUAGES
                },
                [label, blank, row.values[count_col]],
            )
        )
    rows += [
        Row(
            "actions-agreed",
            _both("Learning actions agreed", "Camau dysgu a gytunwyd"),
            [label, blank, actions.value("agreed", this)],
        ),
        Row(
            "actions-completed",
            _both("Of which completed", "O'r rhain, wedi'u cwblhau"),
            [label, blank, actions.value("completed", this)],
        ),
    ]
    return long_table("annual-return", *title_and_how("annual-return"), rows)
