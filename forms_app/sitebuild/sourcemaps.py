"""Source maps out of the built site.

The theme ships its scripts and stylesheets with source maps (``*.map``) and a
``sourceMappingURL`` comment at the end of each file. A published site has no use for them:
they only help a developer debugging the theme, they are large, and they hold the theme's whole
source text, full of words a scan for personal details would have to read. After every build
the maps are deleted and the comments that point at them removed, so browsers do not ask for
files that are not there.
"""

from __future__ import annotations

import re
from pathlib import Path

#: ``//# sourceMappingURL=...`` at the end of a script, ``/*# sourceMappingURL=... */`` at the
#: end of a stylesheet (the older ``//@`` form too).
MAPPING_COMMENT = re.compile(
    r"(?:^|\n)[ \t]*(?://[#@][ \t]*sourceMappingURL=[^\n]*|/\*[#@][ \t]*sourceMappingURL=[^*]*\*/)"
    r"[ \t]*(?=\n|$)"
)


def remove_source_maps(site_dir: Path) -> int:
    """Delete every ``*.map`` under ``site_dir`` and the comments pointing at them in its
    ``.js`` and ``.css`` files; the number of maps deleted."""
    site_dir = Path(site_dir)
    removed = 0
    for path in site_dir.rglob("*.map"):
        if path.is_file():
            path.unlink()
            removed += 1
    for pattern in ("*.js", "*.css"):
        for path in site_dir.rglob(pattern):
            text = path.read_text("utf-8", errors="surrogateescape")
            if "sourceMappingURL" not in text:
                continue
            cleaned = MAPPING_COMMENT.sub("", text)
            if cleaned != text:
                path.write_text(cleaned, "utf-8", errors="surrogateescape")
    return removed
