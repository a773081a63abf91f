"""NHS England's KO41a return ("Data on Written Complaints in the NHS", hospital and community
health services): counted once with the actual numbers (``Ko41aReturn``), checked against the
form's own rules (``form_checks``), written as the return file NHS England collects
(``submission_rows``), and shown on the public page as tables with our disclosure control
(``public_tables``).

Public sources, and what each says (the guidance pages are NHS England's, under
https://digital.nhs.uk/data-and-information/data-collections-and-data-sets/data-collections/;
where the live page could not be read, a public mirror of it was):

1. The collection's page, .../hospital-and-community-health-services-complaints-collection-
   ko41a: every NHS organisation and those delivering NHS services send it; annual from the
   2022-23 reporting period (1 April to 31 March), quarterly before; its parts are organisation
   and site details, summary of overall numbers, age of patient, status of complainant, service
   area, subject area, profession. The standard is "Hospital and Community Health Services
   Written Complaints Collection", SCCI2125 Amd 102/2015, published 6 July 2023, effective 26
   June 2023 (https://standards.nhs.uk/published-standards/hospital-and-community-health-
   services-written-complaints-collection), "by service area, profession and type".
2. The collection's guidelines, .../hospital-and-community-health-services-complaints-
   collection-ko41a/ko41a-nhs-hospital-and-community-health-services/guidelines (read through
   the mirror at nhsd-proxy.dokku3.ebmdatalab.net): the section numbers and names used here
   (2 summary of overall numbers of complaints, 3 age of patient, 4 status of complainant, 5
   service area, 6 subject area of clinical treatment sub-categories, 7 subject area, 8
   profession); written complaints made by or on behalf of patients, including oral ones once
   recorded in writing, but not comments or suggestions needing no investigation, nor
   investigations by outside agencies; the details only for new complaints; a complaint about
   several aspects counts under each service, subject and profession it concerns, so sections
   5, 7 and 8 can add up to more than the new complaints; section 6 only for complaints with a
   clinical aspect; a transferred complaint is counted by the organisation that deals with it.
3. The same collection's "Support and further guidance" page (.../support-and-further-guidance,
   same mirror): a complaint about several aspects is one in "Total New Complaints"; one about
   several subjects but one profession counts once under that profession; what fits no subject
   area goes under "other"; its worked example names the service area "Mental Health" and the
   profession "Scientific, Therapeutic and Technical". It names the two documents that hold the
   form's data items and validations, "KO41a complaints data items lookup and validations" and
   "KO41a SDCS template"; neither could be found in public.
4. The form's checks, from NHS England's guidance for the primary care return KO41b, which
   shares the summary, age, status, subject and staff group parts:
   .../primary-care-gp-and-dental-complaints-collection-ko41b/primary-care-written-complaints-
   guidance/other-ko41b-form-information: every box of the summary, age and status needs a
   number, 0 where there is none ("a 0 would still need entering in the 'Age Unknown' field");
   age and status each add up to "Total New Complaints"; subject area and staff group add up to
   at least it; "Total Carried Forward" is never negative. And .../summary-information: "Total
   Resolved" is the upheld, partially upheld and not upheld added up, and "Total Carried
   Forward" is brought forward plus new less resolved. KO41a's own validations document is not
   public, so these are applied as the nearest public statement of them.
5. The age bands: NHS Digital's release on 2015-16 (https://digital.nhs.uk/news-and-events/
   news-archive/2016-news-archive/number-of-written-complaints-about-nhs-falls-by-4-per-cent)
   gives the share of complaints about patients "aged between 26 and 55", and Healthwatch
   England (https://www.healthwatch.co.uk/blog/2019-06-19/what-does-nhs-data-about-complaints-
   tell-us) that one band spans eight years and another thirty: so the form's bands are not
   0-17, 18-64 and 65+, and the others are not public.
6. Subject area names, word for word: one NHS trust's published list of its "KO41a aligned"
   subjects (https://github.com/Lodd193/HPEG-Reports, HPEGs/hpeg_data_processor.py,
   ``SUBJECTS_CANON``): a third party's copy, which backs our names but is not NHS England's.

What is confirmed, and what is still ours:

- Confirmed by NHS England's KO41a pages: the sections, their numbers and names; how to count;
  the names "Total New Complaints", "Mental Health" (service area), "Other" (subject area) and
  "Scientific, Therapeutic and Technical" (profession).
- Confirmed for the sister form KO41b by NHS England, and taken to hold for KO41a: the
  summary's box names, "Age Unknown", "Communications", and the checks in ``form_checks``.
- Backed only by one trust's list: most subject area names (``returns_mapping``'s
  ``NAME_SOURCES`` says which).
- Ours: every item code (NHS England publishes none); the order within each section; the
  names of the complainant statuses, of the service areas but mental health, of the staff groups
  but scientific, therapeutic and technical, and of the subject areas commissioning, integrated
  care, mortuary, staff numbers, transport and values and behaviours. The return file says
  where each name comes from (its ``name_source`` column), and the person submitting it checks
  the rest against the collection system.
- Not produced: the known-age boxes (the service does not ask the age; they are 0) and the
  clinical treatment sub-categories of section 6, filled in by hand.

Small numbers: the return carries the actual numbers. Suppression is NHS England's, when it
publishes; the return file is for NHS England and never goes on the site.
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
    name_source,
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
    "name_source",
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
    for key in form_checks(counts):
        gaps.add(f"check:{key}", CHECK_WORDS[key])
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


#: What to do about each of the form's checks that fails.
CHECK_WORDS = {
    "age-status": w.GAP_CHECK_AGE_STATUS,
    "subject-staff": w.GAP_CHECK_SUBJECT_STAFF,
    "carried-forward": w.GAP_CHECK_CARRIED,
}


def form_checks(counts: dict[str, Counter]) -> list[str]:
    """The form's checks on its numbers (source 4 above) that these counts fail, by key:
    ``age-status`` (the age boxes, and the status boxes, each add up to the new complaints),
    ``subject-staff`` (the subject areas, and the staff groups, each add up to at least the new
    complaints), ``carried-forward`` (carried forward is brought forward plus new less resolved,
    and never negative). Empty when the form would take them."""
    summary = counts["2"]
    new = summary["new"]
    failed = []
    if sum(counts["3"].values()) != new or sum(counts["4"].values()) != new:
        failed.append("age-status")
    if sum(counts["7"].values()) < new or sum(counts["8"].values()) < new:
        failed.append("subject-staff")
    carried = summary["brought-forward"] + new - summary["resolved"]
    if summary["carried-forward"] != carried or summary["carried-forward"] < 0:
        failed.append("carried-forward")
    return failed


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
                    "name_source": name_source(section, code),
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
