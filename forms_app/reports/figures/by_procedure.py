"""A report's figures for each procedure, when one installation runs several.

A council may run its corporate complaints, adult social care and children's social care under
three procedures with different stages and timescales. Whole-organisation tables count every
case together; how quickly cases were acknowledged and answered only means something against
one procedure's targets, and each return to a regulator is about the cases of the procedure it
belongs to. So, when the cases follow more than one procedure, each procedure gets its own
timeliness tables and its own returns, counted over its cases only, keyed ``<table>-<code>``
and titled with the services that follow it. With one procedure nothing is added.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace

from forms_app.procedures.choice import procedure_codes, services_under
from forms_app.procedures.profiles import Procedure, ProcedureError, load_procedure

from ..tables import Table
from ..words import LANGUAGES, Names
from .counting import Counting

#: The tables counted against a procedure's targets (``timeliness``).
TIMELINESS = ("acknowledgement", "responses", "response-times")


def procedures_counted(counting: Counting) -> list[Procedure]:
    """The procedures of the counted cases: those the settings run first, in their order, then
    any other a case follows (an earlier profile, say)."""
    dataset = counting.dataset
    for case in dataset.cases:
        # A case moved to another procedure may follow one no submission was received under.
        if case.procedure and case.procedure not in dataset.procedures:
            try:
                dataset.procedures[case.procedure] = load_procedure(case.procedure)
            except ProcedureError:
                dataset.procedures[case.procedure] = dataset.default_procedure
    seen = {dataset.procedure_for(f.case).code for f in counting.facts}
    order = procedure_codes(counting.settings) + sorted(seen)
    return [dataset.procedures[code] for code in dict.fromkeys(order) if code in seen]


def only(counting: Counting, procedure: Procedure) -> Counting:
    """The same counting over the cases that follow ``procedure`` alone, with its stages and
    targets as the main ones."""
    part = copy.copy(counting)
    part._shared = {}
    dataset = counting.dataset
    part.facts = [f for f in counting.facts if dataset.procedure_for(f.case) is procedure]
    part.complaints = [f for f in counting.complaints if dataset.procedure_for(f.case) is procedure]
    part.dataset = replace(dataset, default_procedure=procedure)
    part.names = Names(counting.settings, [procedure])
    return part


def label(counting: Counting, procedure: Procedure) -> dict[str, str]:
    """The procedure named by the services that follow it, in each language (its own name
    when no service does)."""
    settings = counting.settings
    services = services_under(settings, procedure.code)
    if not services:
        return {lang: procedure.name for lang in LANGUAGES}
    return {
        lang: ", ".join(settings.service_name(code, lang) or code for code in services)
        for lang in LANGUAGES
    }


def own(table: Table, procedure: Procedure, named: dict[str, str], threshold: int) -> Table:
    """``table`` as one procedure's: its key and title say which. It counts part of the
    organisation, so when its total is a small count (1 to ``threshold``, the disclosure
    policy's) it is withheld: the page says it is too small to publish."""
    total = next((row.values[0] for row in table.rows if row.key == "total"), None)
    small = isinstance(total, int) and 0 < total <= threshold
    return replace(
        table,
        key=f"{table.key}-{procedure.code}",
        title={lang: f"{table.title[lang]}: {named[lang]}" for lang in LANGUAGES},
        breakdown=True,
        withheld=table.withheld or small,
    )


def per_procedure(
    counting: Counting,
    page_tables: Callable[[Counting], list[Table]],
    returns_for: Callable[[Counting, Procedure, dict[str, Table]], list[Table]],
) -> tuple[list[Table], list[Table]]:
    """(each procedure's timeliness tables, each procedure's returns), or two empty lists when
    the cases follow one procedure. ``page_tables`` makes a counting's page tables,
    ``returns_for`` the returns that apply to a procedure from its counting and tables."""
    procedures = procedures_counted(counting)
    if len(procedures) < 2:
        return [], []
    timeliness, returns = [], []
    for procedure in procedures:
        part = only(counting, procedure)
        tables = {table.key: table for table in page_tables(part)}
        named = label(counting, procedure)
        limit = counting.policy.threshold
        timeliness += [own(tables[key], procedure, named, limit) for key in TIMELINESS]
        returns += [
            replace(own(table, procedure, named, 0), breakdown=table.breakdown)
            for table in returns_for(part, procedure, tables)
        ]
    return timeliness, returns
