"""A produced letter: its Markdown kept with the case (``<data_dir>/letters/<ref>/<id>.md`` and a
small ``.json`` beside it), and the printable HTML page made from it.

The letter is kept as produced, so printing it again next year gives the same words even if the
template or the case has changed since (the ombudsman asks for copies of what was sent).

When the data directory keeps its shared state in a database (``store_url``), ``LetterFiles``
gives ``database_letters.DatabaseLetters`` instead: the same methods, the letters in a table, so
a letter produced through one app server is seen through every other.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from html import escape
from pathlib import Path

import markdown

from forms_app.storage.shared_database import database_for

_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_-]{2,39}$")
LABELS = {
    "en": {"ref": "Our reference", "date": "Date", "title": "Letter"},
    "cy": {"ref": "Ein cyfeirnod", "date": "Dyddiad", "title": "Llythyr"},
}


class LetterFiles:
    """The letters kept for the cases of one data directory."""

    def __new__(cls, *args, **kwargs):
        if cls is LetterFiles and database_for(args[0] if args else kwargs["data_dir"]):
            # Imported only when chosen: the files need no database client.
            from .database_letters import DatabaseLetters

            return super().__new__(DatabaseLetters)
        return super().__new__(cls)

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.directory = self.data_dir / "letters"

    def _paths(self, ref: str, letter_id: str) -> tuple[Path, Path]:
        if not _REF.match(ref) or not _ID.match(letter_id):
            raise KeyError(letter_id)
        folder = self.directory / ref.replace("/", "_")
        return folder / f"{letter_id}.md", folder / f"{letter_id}.json"

    def save(self, ref: str, letter_id: str, text: str, meta: dict) -> None:
        text_path, meta_path = self._paths(ref, letter_id)
        # Each level made 0700 itself: ``mkdir(parents=True)`` gives parents the umask's mode.
        for folder in (self.directory, text_path.parent):
            folder.mkdir(exist_ok=True, mode=0o700)
        _write_atomically(meta_path, json.dumps(meta, ensure_ascii=False, indent=2))
        _write_atomically(text_path, text)

    def load(self, ref: str, letter_id: str) -> tuple[str, dict] | None:
        try:
            text_path, meta_path = self._paths(ref, letter_id)
            return text_path.read_text("utf-8"), json.loads(meta_path.read_text("utf-8"))
        except (KeyError, OSError, ValueError):
            return None

    def every(self) -> Iterator[tuple[str, str]]:
        """``(ref, letter id)`` of every letter kept (the reference from the letter's own
        record: its folder name has ``_`` for ``/``)."""
        if not self.directory.is_dir():
            return
        for meta_path in sorted(self.directory.glob("*/*.json")):
            letter_id = meta_path.stem
            try:
                ref = json.loads(meta_path.read_text("utf-8")).get("ref") or ""
            except (OSError, ValueError, AttributeError):
                ref = ""
            if _REF.match(ref) and _ID.match(letter_id):
                yield ref, letter_id


def body_html(text: str) -> str:
    """The letter's Markdown as HTML. Everything is escaped first: no HTML gets through from
    a template, a person's answers or a staff member's edits."""
    return markdown.markdown(escape(text, quote=False), extensions=["sane_lists"])


#: A backslash before a character Markdown would act on (how ``fill`` keeps typed words plain).
_ESCAPED = re.compile(r"\\([\\`*_\[\]#>+\-.)=])")


def plain_text(text: str) -> str:
    """The letter's Markdown for a plain-text email: the backslashes that kept typed words
    from becoming formatting are taken out, as a reader of the printed letter sees it."""
    return _ESCAPED.sub(r"\1", text)


def page(text: str, meta: dict, *, stylesheet: str = "", inline_css: str = "") -> str:
    """A whole printable HTML page: letterhead, address, date, reference, then the letter."""
    language = meta.get("language", "en")
    words = LABELS.get(language, LABELS["en"])
    org = meta.get("org", {})
    address = "<br>".join(escape(line) for line in meta.get("address", []))
    head_css = (
        f'<link rel="stylesheet" href="{escape(stylesheet)}">'
        if stylesheet
        else f"<style>{inline_css}</style>"
    )
    return f"""<!DOCTYPE html>
<html lang="{escape(language)}">
<head>
<meta charset="utf-8">
<title>{escape(words["title"])} {escape(meta.get("ref", ""))}</title>
{head_css}
</head>
<body>
<main class="letter">
<header class="letter__head">
<p class="letter__org"><strong>{escape(org.get("name", ""))}</strong><br>
{escape(org.get("address", ""))}<br>
{escape(org.get("phone", ""))} · {escape(org.get("email", ""))}</p>
</header>
<p class="letter__to">{escape(meta.get("name", ""))}{"<br>" if address else ""}{address}</p>
<p class="letter__meta">{escape(words["ref"])}: {escape(meta.get("ref", ""))}<br>
{escape(words["date"])}: {escape(meta.get("date", ""))}</p>
<div class="letter__body">
{body_html(text)}
</div>
</main>
</body>
</html>
"""


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
