"""``feedback publish``: the report, the site built with ``mkdocs build --strict``, the data
package added, and the PII gate over every file of the built site. All or nothing.

Everything happens in a staging folder next to ``build/site``: a copy of ``site/`` with the new
report pages in it is built there, the report's data package (and those of reports published
before, so their download links keep working) is copied in at ``outcomes/data/<period>/``, and
the gate reads every file (pages, charts, CSV, ``datapackage.json``, the search index, the
sitemap and its gzip, the 404 page, assets). Only if all of that passes are the report's pages
moved into ``site/``, its data package into ``site/outcomes/data/``, and the built site into
``build/site`` (the old one renamed away first, then removed). If anything fails, ``site/`` and
``build/site`` are exactly as they were.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from forms_app.organisation.settings import PROJECT_DIR, Settings

from .build import OUTCOMES, SITE_DIR, packages_of, site_vocabulary, stage_report
from .periods import Period
from .pii_gate import Gate, GateFailed

SITE_OUT = PROJECT_DIR / "build" / "site"
MKDOCS_YML = PROJECT_DIR / "mkdocs.yml"


class PublishError(Exception):
    """The site did not build: nothing was published."""


@dataclass
class Published:
    period: Period
    site_dir: Path
    files: int
    timings: dict[str, float] = field(default_factory=dict)


def mkdocs_config(docs_dir: Path, site_dir: Path, target: Path, base: Path = MKDOCS_YML) -> Path:
    """A copy of ``mkdocs.yml`` building ``docs_dir`` into ``site_dir`` (paths made absolute,
    so it can live anywhere)."""
    config = yaml.safe_load(base.read_text("utf-8"))
    config["docs_dir"] = str(docs_dir)
    config["site_dir"] = str(site_dir)
    config["hooks"] = [
        str(p) if Path(p).is_absolute() else str(base.parent / p) for p in config.get("hooks", [])
    ]
    target.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    return target


def run_mkdocs(config: Path, settings: Settings, pdfs: bool | None) -> None:
    env = {**os.environ, "FORMS_APP_SETTINGS": str(settings.source), "NO_MKDOCS_2_WARNING": "1"}
    if pdfs is not None:
        env["FEEDBACK_SITE_PDFS"] = "1" if pdfs else "0"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()
        raise PublishError("mkdocs build --strict failed:\n" + output[-6000:])


def publish(
    settings: Settings,
    period: Period,
    *,
    site_source: Path = SITE_DIR,
    site_out: Path = SITE_OUT,
    data_out: Path | None = None,
    as_at: date | None = None,
    pdfs: bool | None = None,
) -> Published:
    data_out = Path(data_out) if data_out is not None else packages_of(site_source)
    timings: dict[str, float] = {}
    site_out = Path(site_out)
    site_out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".publish-", dir=site_out.parent))
    staged = None
    try:
        mark = time.perf_counter()
        staged = stage_report(
            settings,
            period,
            site_dir=site_source,
            data_out=data_out,
            as_at=as_at,
            staging_parent=staging,
        )
        timings["report"] = time.perf_counter() - mark

        mark = time.perf_counter()
        docs = staging / "docs"
        shutil.copytree(site_source, docs)
        staged.copy_into(docs)
        built = staging / "site"
        run_mkdocs(mkdocs_config(docs, built, staging / "mkdocs.yml"), settings, pdfs)
        timings["mkdocs"] = time.perf_counter() - mark

        # The data packages: this report's, and those of reports already published.
        data = built / OUTCOMES / "data"
        data.mkdir(parents=True, exist_ok=True)
        # (Kept under site/, they are in the build already; kept elsewhere, they are copied.)
        if Path(data_out).exists():
            for old in sorted(Path(data_out).iterdir()):
                earlier = old.is_dir() and not old.name.startswith(".") and old.name != staged.slug
                if earlier and not (data / old.name).exists():
                    shutil.copytree(old, data / old.name)
        shutil.rmtree(data / staged.slug, ignore_errors=True)
        shutil.copytree(staged.staged_data, data / staged.slug)

        mark = time.perf_counter()
        gate = Gate.for_data(
            settings,
            settings.data_dir,
            approved=[i.text for i in staged.items],
            vocabulary=site_vocabulary(site_source),
            writing=staged.writing,
        )
        findings = gate.scan_files(built)
        timings["gate"] = time.perf_counter() - mark
        if findings:
            raise GateFailed(findings, "publishing: the built site")

        # Everything passed: put it all in place.
        staged.commit()
        staged = None
        old = staging / "previous-site"
        if site_out.exists():
            os.replace(site_out, old)
        os.replace(built, site_out)
        files = sum(1 for p in site_out.rglob("*") if p.is_file())
        return Published(period, site_out, files, timings)
    finally:
        if staged is not None:
            staged.discard()
        shutil.rmtree(staging, ignore_errors=True)
