"""The figures of a report, counted from folded cases (``loading.load``), each table with the
sentence that says how it is counted (the sentences are in ``words.COUNTED``).

Dates: a case belongs to the period it was received in (the UK date of ``received``); a stage
to the period it started in (``StageState.started``); an outcome of a stage to the period its
response was given (``responded``, or the day the outcome was recorded if no response date was);
a complaint's final outcome to the period it was closed in (``closed_on``); a referral to the
ombudsman to the period it was referred in. Kinds and services are as the case stands now (an
enquiry that became a complaint counts as a complaint).

Whole-organisation counts are published as they are; breakdowns (by service, by service and
stage, by theme and quarter, by subject and outcome) go through ``disclosure.protect``.

- ``counting``: the cases a report counts, the periods it compares, and what its tables share;
- ``volumes``: feedback by kind, complaints and compliments by service, complaints by stage;
- ``outcomes``: outcomes of complaints, at each stage and by service, and the ombudsman's;
- ``themes``: what complaints were about, and by quarter;
- ``timeliness``: acknowledgements and responses against the procedure's targets;
- ``learning``: the learning actions;
- ``satisfaction``: what people said in the survey about how their feedback was handled;
- ``equality``: who gave feedback, from the optional equality questions;
- ``returns``: the returns to regulators, counted in the same way;
- ``report``: the report itself, its tables in the page's order and its headline figures.
"""

from ..tables import COUNT, DAYS, PERCENT, RATE, TEXT
from .report import Report, compute

__all__ = ["Report", "compute", "COUNT", "PERCENT", "RATE", "DAYS", "TEXT"]
