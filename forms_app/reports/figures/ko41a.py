"""NHS England's KO41a return ("Data on Written Complaints in the NHS", hospital and community
health services): counted once with the actual numbers (``Ko41aReturn``), written as the return
file NHS England collects (``submission_rows``), and shown on the public page as tables with
our disclosure control (``public_tables``).

What the collection asks, from NHS England's public pages:

- The collection and its parts: organisation and site details; a summary of overall numbers;
  age of patient; status of complainant; service area; subject area (with the sub-categories
  of clinical treatment); profession. Annual from the 2022-23 reporting period (1 April to 31
  March), quarterly before. https://digital.nhs.uk/data-and-information/data-collections-and-
  data-sets/data-collections/hospital-and-community-health-services-complaints-collection-ko41a
  and the standard "Hospital and Community Health Services Written Complaints Collection"
  (SCCI2125, https://standards.nhs.uk/published-standards/hospital-and-community-health-
  services-written-complaints-collection).
- How to count (the collection's guidelines, .../ko41a-nhs-hospital-and-community-health-
  services/guidelines and .../support-and-further-guidance under the address above): written
  complaints made by or on behalf of patients; the details (age, status, service, subject,
  profession) only for new complaints received in the period; a complaint about several
  aspects counts once in the total and once under each service, subject and profession it
  concerns, so those sections can add up to more than the new complaints; a complaint about
  several subjects but one profession counts once under that profession; what fits no category
  goes under "other".
- The form's checks (NHS England's guidance on the same collection system for the primary care
  return, .../primary-care-gp-and-dental-complaints-collection-ko41b/primary-care-written-
  complaints-guidance/other-ko41b-form-information): every box of the summary, age and status
  needs a number, 0 where there is none (never blank); age and status each add up to the new
  complaints; subject and staff group add up to at least the new complaints; the upheld, partly
  upheld and not upheld complaints make up the resolved ones; carried forward is never negative.
- Small numbers: the return carries the actual numbers. Suppression is NHS England's, when it
  publishes; the return file is for NHS England and never goes on the site.

Not found in public text: the collection system's own data item codes and the exact wording of
each category. The categories in ``forms_app.organisation.returns_mapping`` follow the form's
publicly described sections and its subject list as published since the 2015-16 revision; the
return file names each category in words beside our code, and the person submitting it should
check them against the "KO41a complaints data items lookup and validations" document NHS
England sends with the collection. The clinical treatment sub-categories (the form's section 6)
are not produced: the return lists them as to be filled in by hand.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from forms_app.organisation.returns_mapping import (
    AGE_BANDS,
    COMPLAINANT_STATUS,
    SERVICE_AREAS,
    STAFF_GROUPS,
    SUBJECTS,
)

from .. import return_words as w
from ..disclosure import protect
from ..periods import Period
from ..tables import HIDDEN, TEXT, Column, Row, Table
from ..words import LANGUAGES, OUTCOME_GROUPS, OUTCOME_LABELS, both
from .counting import CaseFacts, Counting
from .return_tables import en_cy

#: The form's sections this service fills in, in the form's order, with their names.
SECTIONS = {
    "2": "Summary of overall numbers of complaints",
    "3": "Age of patient",
    "4": "Status of complainant",
    "5": "Service area",
    "7": "Subject area",
    "8": "Profession",
}
SUMMARY = {
    "brought-forward": "Total brought forward",
    "new": "Total new complaints",
    "resolved": "Total resolved",
    "upheld": "Number upheld",
    "partially-upheld": "Number partially upheld",
    "not-upheld": "Number not upheld",
    "carried-forward": "Total carried forward",
}
CATEGORIES = {
    "2": SUMMARY,
    "3": AGE_BANDS,
    "4": COMPLAINANT_STATUS,
    "5": SERVICE_AREAS,
    "7": SUBJECTS,
    "8": STAFF_GROUPS,
}
FILE_COLUMNS = [
    "organisation_code",
    "period_start",
    "period_end",
    "section",
    "section_name",
    "item_code",
    "item_name",
    "value",
]


@dataclass
class Gap:
    """Something the return needs before it can be sent: what (in both languages, naming no
    complaint) and which new complaints it holds back (references, for the staff command)."""

    key: str
    what: dict[str, str]
    refs: list[str] = field(default_factory=list)


@dataclass
class Ko41aReturn:
    """The return with its actual numbers: ``counts[section][item]``."""

    period: Period
    organisation_code: str
    counts: dict[str, Counter]
    missing: list[Gap]
    notes: list[Gap]

    def value(self, section: str, item: str) -> int:
        return self.counts[section][item]

    def summary(self) -> dict[str, int]:
        """The summary and who complained, by key (``complainant:<status>``), actual numbers."""
        return {
            **{key: self.value("2", key) for key in SUMMARY},
            "complainant:patient": self.value("4", "patient"),
            "complainant:representative": self.value("4", "representative"),
            "complainant:not-recorded": self.value("4", "unknown"),
        }

    @property
    def ready(self) -> bool:
        return not self.missing


def ko41a_return(counting: Counting) -> Ko41aReturn:
    """Count the return for the report's period."""
    return counting.once(f"ko41a:{counting.period.slug}", lambda: _count(counting))


def _count(counting: Counting) -> Ko41aReturn:
    period, settings, names = counting.period, counting.settings, counting.names
    mapping = settings.ko41a
    start, end = period.start, period.end
    complaints = counting.complaints
    new = [f for f in complaints if start <= f.received <= end]
    resolved = [f for f in complaints if f.case.closed_on and start <= f.case.closed_on <= end]
    brought = [
        f
        for f in complaints
        if f.received < start and (f.case.closed_on is None or f.case.closed_on >= start)
    ]
    carried = [f for f in complaints if f.case.closed_on is None or f.case.closed_on > end]
    outcomes = Counter(f.final_outcome for f in resolved)
    counts = {section: Counter() for section in CATEGORIES}
    counts["2"].update(
        {
            "brought-forward": len(brought),
            "new": len(new),
            "resolved": len(resolved),
            "upheld": outcomes["upheld"],
            "partially-upheld": outcomes["partially_upheld"],
            "not-upheld": outcomes["not_upheld"],
            "carried-forward": len(carried),
        }
    )
    counts["3"]["unknown"] = len(new)  # the service does not ask the patient's age
    on_behalf = counting.dataset.on_behalf
    status = {"self": "patient", "someone_else": "representative"}
    unknown_status = []
    for f in new:
        said = status.get(on_behalf.get(f.case.ref, ""), "unknown")
        counts["4"][said] += 1
        if said == "unknown":
            unknown_status.append(f.case.ref)
    gaps = _Gaps()
    for f in new:
        _service_and_staff(f, mapping, names, counts, gaps)
        _subjects(f, mapping, names, counts, gaps)
    if not mapping.organisation_code:
        gaps.add("organisation-code", w.GAP_ORGANISATION_CODE)
    for f in resolved:
        if f.final_outcome not in ("upheld", "partially_upheld", "not_upheld"):
            gaps.add("no-finding", w.GAP_NO_FINDING, f.case.ref)
    notes = _Gaps()
    if new:
        notes.add("age", w.NOTE_AGE)
    for ref in unknown_status:
        notes.add("status", w.NOTE_STATUS, ref)
    for f in new:
        if any(mapping.subject(theme) == "clinical-treatment" for theme in f.case.themes):
            notes.add("clinical", w.NOTE_CLINICAL, f.case.ref)
    return Ko41aReturn(period, mapping.organisation_code, counts, gaps.found, notes.found)


class _Gaps:
    """Gaps by key, in the order first found, each with the complaints it holds back."""

    def __init__(self):
        self.by_key: dict[str, Gap] = {}

    def add(self, key: str, what: dict[str, str], ref: str = "", **names) -> None:
        gap = self.by_key.get(key)
        if gap is None:
            words = {
                lang: what[lang].format(**{k: v[lang] for k, v in names.items()})
                for lang in LANGUAGES
            }
            gap = self.by_key[key] = Gap(key, words)
        if ref and ref not in gap.refs:
            gap.refs.append(ref)

    @property
    def found(self) -> list[Gap]:
        return list(self.by_key.values())


def _service_and_staff(f: CaseFacts, mapping, names, counts, gaps: _Gaps) -> None:
    """A new complaint's service area and staff groups, from its service's mapping."""
    code = f.case.service
    if not code:
        gaps.add("no-service", w.GAP_NO_SERVICE, f.case.ref)
        return
    mapped = mapping.service(code)
    if mapped is None or not mapped.service_area:
        gaps.add(f"service:{code}", w.GAP_SERVICE, f.case.ref, name=names.service(code))
    else:
        counts["5"][mapped.service_area] += 1
    if mapped is None or not mapped.staff_groups:
        gaps.add(f"staff:{code}", w.GAP_STAFF, f.case.ref, name=names.service(code))
        return
    for group in mapped.staff_groups:
        counts["8"][group] += 1


def _subjects(f: CaseFacts, mapping, names, counts, gaps: _Gaps) -> None:
    """A new complaint counts once under each subject its themes map to."""
    if not f.case.themes:
        gaps.add("no-theme", w.GAP_NO_THEME, f.case.ref)
        return
    subjects = set()
    for theme in f.case.themes:
        subject = mapping.subject(theme)
        if subject:
            subjects.add(subject)
        else:
            gaps.add(f"theme:{theme}", w.GAP_THEME, f.case.ref, name=names.theme(theme))
    for subject in subjects:
        counts["7"][subject] += 1


# The return file -------------------------------------------------------------------------------


def submission_rows(ret: Ko41aReturn) -> list[dict[str, object]]:
    """One row per box of the form, in the form's order, every box with a number (0, never
    blank), the actual numbers."""
    rows = []
    for section, items in CATEGORIES.items():
        for code, name in items.items():
            rows.append(
                {
                    "organisation_code": ret.organisation_code,
                    "period_start": ret.period.start.isoformat(),
                    "period_end": ret.period.end.isoformat(),
                    "section": section,
                    "section_name": SECTIONS[section],
                    "item_code": code,
                    "item_name": name,
                    "value": ret.counts[section][code],
                }
            )
    return rows


def submission_csv(ret: Ko41aReturn) -> str:
    """The return file as CSV text."""
    out = io.StringIO()
    writer = csv.DictWriter(out, FILE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(submission_rows(ret))
    return out.getvalue()


# The public tables -----------------------------------------------------------------------------


def public_tables(counting: Counting) -> list[Table]:
    """The return as the page and the data package show it: one row per box of the form, as
    in the return file, the summary (whole-organisation counts) as it is and every other
    section (who complained, service areas, subject areas, staff groups) with small numbers
    hidden; then the outcomes of the resolved complaints by our own themes. The age section is
    left out: the service does not ask it, so it would only repeat the new complaints."""
    ret = ko41a_return(counting)
    label = {lang: ret.period.label(lang) for lang in LANGUAGES}
    summary_words = {
        "brought-forward": w.BROUGHT_FORWARD,
        "new": w.NEW,
        "resolved": w.RESOLVED,
        "upheld": both("upheld", OUTCOME_LABELS),
        "partially-upheld": both("partially_upheld", OUTCOME_LABELS),
        "not-upheld": both("not_upheld", OUTCOME_LABELS),
        "carried-forward": w.CARRIED_FORWARD,
    }
    section_words = {
        "2": w.SECTION_SUMMARY,
        "4": w.SECTION_STATUS,
        "5": w.SECTION_AREAS,
        "7": w.SECTION_SUBJECTS,
        "8": w.SECTION_STAFF,
    }
    rows = [
        Row(k, dict(summary_words[k]), [label, dict(section_words["2"]), ret.value("2", k)])
        for k in SUMMARY
    ]
    new = ret.value("2", "new")
    unmapped = new - sum(ret.counts["5"].values())
    # Who complained and the service areas put every new complaint in one row each (with a
    # row for those not yet mapped), so their rows add up to the published new complaints; a
    # complaint counts under each of its subject areas and staff groups, so those add up to
    # nothing published.
    withheld = False
    for section, extra, partition in (
        ("4", [], True),
        ("5", [("not-mapped", w.NOT_MAPPED, unmapped)], True),
        ("7", [], False),
        ("8", [], False),
    ):
        items = [
            (code, w.in_both(name), ret.value(section, code))
            for code, name in CATEGORIES[section].items()
        ] + extra
        protected = protect(
            [[count] for _, _, count in items],
            counting.policy,
            row_totals=False,
            col_totals=False,
            grand_known=partition,
        )
        withheld = withheld or not protected.publishable
        for (code, name, _), cells in zip(items, protected.cells, strict=True):
            value = cells[0] if protected.publishable else HIDDEN
            rows.append(
                Row(f"{section}:{code}", dict(name), [label, dict(section_words[section]), value])
            )
    table = Table(
        "ko41a-summary",
        dict(w.KO41A_SUMMARY),
        dict(w.KO41A_SUMMARY_HOW),
        dict(w.CATEGORY),
        [
            Column("period", en_cy("Period", "Cyfnod"), TEXT),
            Column("section", dict(w.SECTION), TEXT),
            Column("value", dict(w.NEW_OR_COUNT)),
        ],
        rows,
        breakdown=True,
    )
    return [table, _resolved_by_theme(counting)]


def _resolved_by_theme(counting: Counting) -> Table:
    """Complaints resolved in the period by our theme and final outcome, protected; the last
    row counts each complaint once."""
    period = counting.period
    resolved = [
        f
        for f in counting.complaints
        if f.case.closed_on is not None and period.start <= f.case.closed_on <= period.end
    ]
    codes = [t.code for t in counting.settings.themes]
    codes += sorted({t for f in resolved for t in f.case.themes} - set(codes))
    counts = {code: Counter() for code in codes}
    for f in resolved:
        for theme in f.case.themes:
            counts[theme][f.final_outcome] += 1
    matrix = [[counts[c][g] for g in OUTCOME_GROUPS] for c in codes]
    protected = protect(
        matrix, counting.policy, row_totals=True, col_totals=False, grand_known=False
    )
    everyone = Counter(f.final_outcome for f in resolved)
    rows = [
        Row(c, counting.names.theme(c), [*cells, total])
        for c, cells, total in zip(codes, protected.cells, protected.row_totals, strict=True)
    ]
    rows.append(
        Row(
            "all-complaints",
            dict(w.ALL_RESOLVED),
            [*(everyone[g] for g in OUTCOME_GROUPS), len(resolved)],
            total=True,
        )
    )
    return Table(
        "ko41a-subjects",
        dict(w.RESOLVED_SUBJECTS),
        dict(w.RESOLVED_SUBJECTS_HOW),
        both("theme"),
        [
            *(Column(g, both(g, OUTCOME_LABELS)) for g in OUTCOME_GROUPS),
            Column("total", both("total")),
        ],
        rows,
        breakdown=True,
        withheld=not protected.publishable,
    )
