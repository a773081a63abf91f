"""Reading a PDF's objects without a PDF library: its bytes with every compressed stream
unpacked beside them. WeasyPrint keeps most objects (the catalogue with its language and
structure tree, the document information, the fonts) in compressed object streams, so a
search of the raw bytes would miss them."""

from __future__ import annotations

import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)
_BASE_FONT = re.compile(rb"/BaseFont\s*/(?:[A-Z]{6}\+)?([^\s/<>\[\]()]+)")


def pdf_objects(data: bytes) -> bytes:
    """The PDF's bytes followed by each stream that unpacks with zlib (FlateDecode)."""
    parts = [data]
    for match in _STREAM.finditer(data):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue  # an image or a font program in another encoding
    return b"\n".join(parts)


def embedded_fonts(data: bytes) -> set[str]:
    """The names of the fonts the PDF uses, without the subset prefix (``ABCDEF+``)."""
    return {name.decode("latin-1") for name in _BASE_FONT.findall(pdf_objects(data))}
