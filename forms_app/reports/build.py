"""``feedback report``: count, protect, write, check, and only then put in place.

1. Fold every case (``loading``, which also collects who acted on cases and what was written,
   for the PII gate), count the figures (``figures``) with disclosure control on the
   breakdowns, and collect the approved free text (``freetext``): in a second process, while
   this one reads the rest of what the PII gate must know (the people and the staff). The
   cases are folded from where the last report saved them, reading only the rows appended
   since (``saved_counts``); once the figures are handed back, a process of their own saves
   them again when they were folded from the first row or many rows came since.
2. Write the pages (English and Welsh), the charts and the data package into a staging folder,
   and validate the data package with frictionless.
3. Run the PII gate over everything staged. If it finds anything, stop: nothing is written
   into ``site/`` or the data folder, and the findings say where.
4. Move the files into place: the pages and charts under ``site/outcomes/``, the data package
   beside them under ``site/outcomes/data/<period>/``, and the list of reports on the outcomes
   page.

The data package is the one kind of data file the site may hold (everything in ``site/`` is
published by MkDocs as it is, so the site's hook refuses a data file anywhere else): it is
written only here, after disclosure control, validation and the PII gate, and it is kept with
the pages that link to it, so a plain ``mkdocs build`` (``make site``, ``make run``) publishes
both. ``feedback publish`` checks the built site again.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from forms_app.organisation.settings import PROJECT_DIR, Settings
from forms_app.storage.gc_pause import paused_collection

from . import charts, datapackage, pages
from .figures import Report, compute
from .freetext import Item, approved_items
from .loading import load
from .parallel import Then, in_background
from .periods import Period
from .pii_gate import Finding, Gate, GateFailed
from .pii_sources import Allowed, CaseWriting, known_people
from .words import LANGUAGES, Names

SITE_DIR = PROJECT_DIR / "site"
OUTCOMES = "outcomes"
DEFAULT_LICENCE = {
    "name": "OGL-UK-3.0",
    "title": "Open Government Licence v3.0",
    "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
}
PLAN_NAMES = ("instance/improvement-plan.md", "config/improvement-plan.example.md")


@dataclass
class Staged:
    """A report written into a staging folder and checked, not yet in place."""

    report: Report
    root: Path  # staging folder: outcomes/... and data/<slug>/...
    site_dir: Path
    data_out: Path
    items: list[Item]
    page_files: list[str] = field(default_factory=list)  # relative to outcomes/
    timings: dict[str, float] = field(default_factory=dict)
    writing: CaseWriting | None = None  # what the gate knows from the case files

    @property
    def slug(self) -> str:
        return self.report.period.slug

    @property
    def staged_outcomes(self) -> Path:
        return self.root / OUTCOMES

    @property
    def staged_data(self) -> Path:
        return self.root / "data" / self.slug

    def copy_into(self, site_dir: Path) -> None:
        """Copy the staged pages and charts into another copy of the site (for a build)."""
        for name in self.page_files:
            target = site_dir / OUTCOMES / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.staged_outcomes / name, target)

    def commit(self) -> list[Path]:
        """Move everything into place; remove charts of this period that are no longer made."""
        written = []
        outcomes = self.site_dir / OUTCOMES
        charts_dir = outcomes / "charts"
        keep = {name for name in self.page_files if name.startswith("charts/")}
        if charts_dir.exists():
            for old in charts_dir.glob(f"{self.slug}-*.svg"):
                if f"charts/{old.name}" not in keep:
                    old.unlink()
        for name in self.page_files:
            target = outcomes / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(self.staged_outcomes / name), str(target))
            written.append(target)
        target = self.data_out / self.slug
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(self.staged_data), str(target))
        written += sorted(target.iterdir())
        self.discard()
        return written

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Built:
    period: Period
    written: list[Path]
    items: int
    untranslated: list[str]
    timings: dict[str, float]
    report: Report


def is_generated(path: Path) -> bool:
    try:
        head = path.read_text("utf-8", errors="replace")[:600]
    except OSError:
        return False
    return head.startswith("---") and f"generated_by: {pages.GENERATED}" in head


def improvement_plan(settings: Settings, language: str) -> str | None:
    """The organisation's improvement plan (Markdown it edits), in the language if there is a
    ``.cy.md`` twin: ``reports: improvement_plan:`` in the settings, else
    ``instance/improvement-plan.md``, else the example in ``config/``."""
    configured = (settings.raw.get("reports") or {}).get("improvement_plan")
    candidates = [Path(configured)] if configured else [Path(p) for p in PLAN_NAMES]
    for candidate in candidates:
        path = candidate if candidate.is_absolute() else PROJECT_DIR / candidate
        if language == "cy":
            welsh = path.with_name(path.name.removesuffix(".md") + ".cy.md")
            if welsh.exists():
                return welsh.read_text("utf-8")
        if path.exists():
            return path.read_text("utf-8")
    return None


def stage_report(
    settings: Settings,
    period: Period,
    *,
    site_dir: Path = SITE_DIR,
    data_out: Path | None = None,
    as_at: date | None = None,
    staging_parent: Path | None = None,
) -> Staged:
    """Steps 1 to 3 (see the module docstring). Raises GateFailed, or DataPackageError."""
    with paused_collection():
        site_dir = Path(site_dir)
        data_out = Path(data_out) if data_out is not None else packages_of(site_dir)
        return _stage(settings, period, site_dir, data_out, as_at, staging_parent)


def count(settings: Settings, period: Period, as_at: date | None, keep: list):
    """Step 1: fold every case, count the figures, collect the approved free text. Returns
    (the report, the approved items, how long loading and counting took, who acted on cases
    and what was written on them, for the PII gate). The folded cases
    are put in ``keep``: freeing a million small objects one by one takes longer than a
    process takes to end, so the caller chooses when (a forked child never does)."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    dataset = load(settings.data_dir, settings)
    keep.append(dataset)
    timings["load"] = time.perf_counter() - started
    # How the cases were folded: -1 from the first row, else from the saved cases and the rows
    # appended since (``saved_counts``), this many.
    timings["rows_since_saved"] = -1 if dataset.since_saved is None else dataset.since_saved
    mark = time.perf_counter()
    report = compute(dataset, settings, period, as_at=as_at)
    names = Names(settings, [dataset.default_procedure])
    items = approved_items(dataset, period, names, settings, settings.data_dir)
    timings["figures"] = time.perf_counter() - mark
    return report, items, timings, dataset.writing


def _count_then_save(settings: Settings, period: Period, as_at: date | None) -> Then:
    """``count``, then (once the figures are handed back) the folded cases saved for the next
    report (``saved_counts``), when there is anything new to save."""
    keep: list = []
    counted = count(settings, period, as_at, keep)
    return Then(counted, keep[0].saving)


def _stage(settings, period, site_dir: Path, data_out: Path, as_at, staging_parent) -> Staged:
    # The counting runs in a second process while this one reads what else the PII gate must
    # know (the people with personal details and the staff): neither needs anything from the
    # other, and a small server has two cores. Who acted on cases and what was written comes
    # from the counting, which reads the events and submissions anyway.
    started = time.perf_counter()
    counting = in_background(_count_then_save, settings, period, as_at)
    try:
        return _stage_counted(settings, site_dir, data_out, staging_parent, counting, started)
    finally:
        counting.close()


def _stage_counted(settings, site_dir, data_out, staging_parent, counting, started) -> Staged:
    """Steps 1 to 3 in this process, beside the counting (``counting``)."""
    vocabulary = site_vocabulary(site_dir)
    # Made ready for scanning now, while the counting runs: afterwards only the staff who
    # acted on cases are added (finishing again looks only at what was added).
    known = known_people(settings.data_dir, vocabulary, settings).finish()
    allowed = Allowed.from_settings(settings)
    gate_reading = time.perf_counter() - started
    report, items, timings, writing = counting.result()
    timings["gate_reading"] = gate_reading  # alongside load and figures, not after them
    timings["counted"] = time.perf_counter() - started
    mark = time.perf_counter()
    parent = staging_parent or data_out.parent
    parent.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix=".report-", dir=parent))
    staged = Staged(report, root, site_dir, data_out, items, timings=timings, writing=writing)
    try:
        _write(staged, settings, site_dir)
        timings["write"] = time.perf_counter() - mark
        # Frictionless checks the package in a second process while this one runs the gate:
        # both must pass before anything is put in place.
        checking = in_background(datapackage.problems, staged.staged_data)
        mark = time.perf_counter()
        gate = Gate.for_data(
            settings,
            settings.data_dir,
            approved=[i.text for i in items],
            known=known,
            writing=writing,
            allowed=allowed,
        )
        paths = [staged.staged_outcomes / n for n in staged.page_files]
        paths += sorted(staged.staged_data.iterdir())
        findings = gate.scan_files(root, paths)
        timings["gate"] = time.perf_counter() - mark
        mark = time.perf_counter()
        datapackage.raise_for(checking.result())
        timings["validate"] = time.perf_counter() - mark  # the wait for it, after the gate
        if findings:
            raise GateFailed(findings, "the report")
    except BaseException:
        staged.discard()
        raise
    return staged


def packages_of(site_dir: Path) -> Path:
    """Where a site keeps its reports' data packages: beside the pages that link to them."""
    return Path(site_dir) / OUTCOMES / "data"


def site_vocabulary(site_dir: Path) -> set[str]:
    """The words of the organisation's own pages (not generated reports)."""
    site_dir = Path(site_dir)
    generated = {p for p in (site_dir / OUTCOMES).glob("*.md") if is_generated(p)}
    out: set[str] = set()
    for path in site_dir.rglob("*.md"):
        if path not in generated:
            out |= vocabulary_of(path)
    return out


def vocabulary_of(path: Path) -> set[str]:
    from .pii_patterns import fold, words

    return set(words(fold(path.read_text("utf-8", errors="replace"))))


def _write(staged: Staged, settings: Settings, site_dir: Path) -> None:
    report = staged.report
    slug = report.period.slug
    outcomes = staged.staged_outcomes
    (outcomes / "charts").mkdir(parents=True, exist_ok=True)
    organisation = settings.organisation["name"]
    licence = (settings.raw.get("reports") or {}).get("licence") or DEFAULT_LICENCE
    data_files = datapackage.write(report, staged.staged_data, organisation, licence)
    base = urlsplit(settings.site_url).path.rstrip("/")
    data_base = f"{base}/{OUTCOMES}/data/{slug}"
    from forms_app.language.welsh import NATIONS
    from forms_app.procedures.profiles import load_procedure

    nation = load_procedure(settings.procedure).nation
    colour = settings.brand_colour
    names = []
    for language in LANGUAGES:
        for table in report.tables.values():
            if table.chart and not table.withheld and charts.worth_drawing(table):
                name = pages.chart_name(report, table, language)
                (outcomes / name).write_text(charts.bar_chart(table, language, colour), "utf-8")
                names.append(name)
        text = pages.render(
            report,
            language=language,
            organisation=settings.localised("organisation", language).get("name") or organisation,
            nation_text=NATIONS[language][nation],
            data_base=data_base,
            data_files=[p.name for p in data_files if p.suffix == ".csv"],
            items=staged.items,
            plan=improvement_plan(settings, language),
        )
        name = f"{slug}.md" if language == "en" else f"{slug}.cy.md"
        (outcomes / name).write_text(text, "utf-8")
        names.append(name)
    # The outcomes page's list of reports, with this one in it.
    existing = pages.report_pages(Path(site_dir) / OUTCOMES)
    mine = (slug, pages.title(report.period, "en"), pages.title(report.period, "cy"))
    listed = sorted(
        [p for p in existing if p[0] != slug] + [mine], key=lambda p: p[0], reverse=True
    )
    for language in LANGUAGES:
        name = "index.md" if language == "en" else "index.cy.md"
        source = Path(site_dir) / OUTCOMES / name
        text = source.read_text("utf-8") if source.exists() else _new_index(language)
        (outcomes / name).write_text(pages.update_index(text, listed, language), "utf-8")
        names.append(name)
    staged.page_files = names


def _new_index(language: str) -> str:
    heading = "Published outcomes" if language == "en" else "Canlyniadau wedi'u cyhoeddi"
    return f"# {heading}\n\n{pages.PLACEHOLDERS[language]}\n"


def build_report(
    settings: Settings,
    period: Period,
    *,
    site_dir: Path | str = SITE_DIR,
    data_out: Path | str | None = None,
    as_at: date | None = None,
) -> Built:
    """``feedback report``: stage, check, and put in place (or raise GateFailed and leave
    everything as it was)."""
    with paused_collection():
        staged = stage_report(
            settings, period, site_dir=Path(site_dir), data_out=data_out, as_at=as_at
        )
        mark = time.perf_counter()
        written = staged.commit()
        staged.timings["commit"] = time.perf_counter() - mark
    return Built(
        period,
        written,
        len(staged.items),
        staged.report.untranslated,
        staged.timings,
        staged.report,
    )


__all__ = ["build_report", "stage_report", "Built", "Staged", "GateFailed", "Finding"]
