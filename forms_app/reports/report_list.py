"""The list of reports on the outcomes page (``outcomes/index.md`` and its Welsh twin): every
page the report command wrote, newest first, between two markers the organisation's own words
are kept around.
"""

from __future__ import annotations

import re
from pathlib import Path

#: The front matter ``generated_by`` of every page the report command writes (and so may
#: rewrite).
GENERATED = "feedback report"

START, END = "<!-- reports: written by feedback report -->", "<!-- /reports -->"
PLACEHOLDERS = {
    "en": "Reports will appear here once they are published.",
    "cy": "Bydd adroddiadau'n ymddangos yma pan fyddant wedi'u cyhoeddi.",
}


def report_pages(outcomes: Path) -> list[tuple[str, str, str]]:
    """(slug, English title, Welsh title) of every generated report page, newest first."""
    found = []
    for path in outcomes.glob("*.md"):
        if path.name.endswith(".cy.md") or path.name == "index.md":
            continue
        text = path.read_text("utf-8")
        if f"generated_by: {GENERATED}" not in text.split("\n---", 1)[0]:
            continue
        english = _front_title(text)
        twin = path.with_name(path.stem + ".cy.md")
        welsh = _front_title(twin.read_text("utf-8")) if twin.exists() else english
        found.append((path.stem, english, welsh))
    return sorted(found, key=lambda f: f[0], reverse=True)


def _front_title(text: str) -> str:
    match = re.search(r'^title: "(.*)"$', text, re.MULTILINE)
    return match.group(1) if match else ""


def index_block(pages: list[tuple[str, str, str]], language: str) -> str:
    lines = [START, ""]
    for slug, english, welsh in pages:
        name = welsh if language == "cy" else english
        lines.append(f"- [{name}]({slug}.md)")
    if not pages:
        lines.append(PLACEHOLDERS[language])
    lines += ["", END]
    return "\n".join(lines)


def update_index(text: str, pages: list[tuple[str, str, str]], language: str) -> str:
    """The outcomes page with its list of reports replaced (its front matter and the rest of
    its words kept). The list goes between markers; the first time, in place of the sentence
    saying reports will appear, or else before the first second-level heading."""
    block = index_block(pages, language)
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        return before + block + after
    placeholder = PLACEHOLDERS[language]
    if placeholder in text:
        return text.replace(placeholder, block, 1)
    match = re.search(r"^## ", text, re.MULTILINE)
    if match:
        return text[: match.start()] + block + "\n\n" + text[match.start() :]
    return text.rstrip() + "\n\n" + block + "\n"
