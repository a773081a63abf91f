"""Finding letter templates. ``letters/<procedure>/<language>/<name>.md`` wins over
``letters/default/<language>/<name>.md``, so an organisation can change one letter for one
procedure and keep the rest. A template's first line may be ``{# title: ... #}``.

The directory is ``letters/`` at the top of the project, or ``letters_dir`` in the settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from forms_app.organisation.settings import PROJECT_DIR
from forms_app.storage.vocabulary import LANGUAGES

DEFAULT_DIR = PROJECT_DIR / "letters"
_NAME = re.compile(r"^[a-z0-9_]{1,60}$")
_TITLE = re.compile(r"^\{#\s*title:\s*(.+?)\s*#\}")
# Which letters suit which kind of feedback (others are offered for every kind).
FOR_KINDS = {
    "acknowledgement": ("complaint",),
    "holding": ("complaint", "concern", "enquiry"),
    "stage_response": ("complaint",),
    "stage2_acknowledgement": ("complaint",),
    "compliment_thanks": ("compliment",),
    "enquiry_reply": ("enquiry", "concern", "comment"),
}

#: Letters that acknowledge the feedback when sent: the thank-you is how a compliment is
#: acknowledged.
ACKNOWLEDGES = ("acknowledgement", "stage2_acknowledgement", "compliment_thanks")


@dataclass(frozen=True)
class Template:
    name: str
    language: str
    title: str
    path: Path

    def source(self) -> str:
        return self.path.read_text("utf-8")


def letters_dir(raw_settings: dict) -> Path:
    configured = raw_settings.get("letters_dir")
    if configured:
        path = Path(configured)
        return path if path.is_absolute() else PROJECT_DIR / path
    return DEFAULT_DIR


def find(directory: Path, procedure: str, language: str, name: str) -> Template | None:
    """The template to use, or None if there is none in that language."""
    if language not in LANGUAGES or not _NAME.match(name):
        return None  # also stops path tricks
    for folder in (procedure, "default"):
        path = directory / folder / language / f"{name}.md"
        if path.is_file():
            return Template(name, language, _title(path, name), path)
    return None


def available(directory: Path, procedure: str, language: str, kind: str) -> list[Template]:
    """The templates for this procedure and language that suit this kind, by title."""
    names = set()
    for folder in (procedure, "default"):
        names |= {p.stem for p in (directory / folder / language).glob("*.md")}
    found = []
    for name in names:
        if kind not in FOR_KINDS.get(name, (kind,)):
            continue
        template = find(directory, procedure, language, name)
        if template is not None:
            found.append(template)
    return sorted(found, key=lambda t: t.title)


def _title(path: Path, name: str) -> str:
    with open(path, encoding="utf-8") as handle:
        match = _TITLE.match(handle.readline())
    return match.group(1) if match else name.replace("_", " ").capitalize()
