"""What a file is, from its bytes, and whether the service accepts it.

The name a person gives a file and the type their browser claims are both theirs to choose, so
neither decides anything: the first bytes do ("magic numbers"), checked against a short
allow-list of kinds people send as evidence. Each kind has its own deeper check where a file of
that kind can carry something dangerous: a PDF may hold JavaScript that runs when it is opened,
and a Word document is a zip archive that may expand to far more than it weighs (a zip bomb).

``check_file`` returns the kind, or raises ``Refusal`` with a code the pages turn into words in
the person's language (``Refusal.code``).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """One accepted kind of file: its code, the extension and media type it is served with."""

    code: str
    extension: str
    media_type: str


KINDS = {
    kind.code: kind
    for kind in (
        Kind("jpeg", "jpg", "image/jpeg"),
        Kind("png", "png", "image/png"),
        Kind("heic", "heic", "image/heic"),
        Kind("pdf", "pdf", "application/pdf"),
        Kind(
            "docx",
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        Kind("text", "txt", "text/plain"),
    )
}


@dataclass(frozen=True)
class Limits:
    """How much a case may hold: per file, files in one journey or upload, and bytes in all."""

    file_bytes: int = 10 * 1024 * 1024
    files: int = 10
    total_bytes: int = 40 * 1024 * 1024
    # A Word document's parts, uncompressed, and how far any one part may expand.
    docx_bytes: int = 50 * 1024 * 1024
    docx_ratio: int = 100
    docx_parts: int = 2000


class Refusal(ValueError):
    """A file the service will not take. ``code`` says why: empty, too_large, too_many,
    total_too_large, not_allowed, executable, pdf_script, docx_bomb, docx_macros, damaged,
    infected."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# Executables by their first bytes: Windows (MZ), Linux (ELF), macOS (Mach-O, both byte
# orders and the universal binary), scripts with an interpreter line.
_EXECUTABLE_STARTS = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
# In a PDF, a name like /JavaScript may be written with #xx escapes (/J#61vaScript): the
# escapes are undone before looking. /Launch opens another program.
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_DANGER = re.compile(rb"/(?:JavaScript|JS|Launch)(?![A-Za-z0-9])")
_PDF_STREAM = re.compile(rb"stream\r?\n")
_PDF_INFLATED_LIMIT = 64 * 1024 * 1024
# Characters allowed in text files besides printable ones: tab, line feed, form feed, return.
_TEXT_CONTROLS = {"\t", "\n", "\x0c", "\r"}


def sniff(data: bytes) -> str | None:
    """The kind code the bytes start like, or None (nothing on the allow-list)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIC_BRANDS:
        return "heic"
    if data[:1024].lstrip(b"\x00\t\n\r ").startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "docx"  # confirmed (or refused) by the deeper check
    if _is_text(data):
        return "text"
    return None


def check_file(data: bytes, limits: Limits = Limits()) -> str:
    """The kind of an accepted file, or ``Refusal`` saying why it is not accepted."""
    if not data:
        raise Refusal("empty")
    if len(data) > limits.file_bytes:
        raise Refusal("too_large")
    if data.startswith(_EXECUTABLE_STARTS):
        raise Refusal("executable")
    kind = sniff(data)
    if kind is None:
        raise Refusal("not_allowed")
    if kind == "pdf":
        _check_pdf(data)
    elif kind == "docx":
        _check_docx(data, limits)
    return kind


def _is_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return not any(
        unicodedata.category(char) == "Cc" and char not in _TEXT_CONTROLS for char in text
    )


def _check_pdf(data: bytes) -> None:
    """Refuse a PDF that holds JavaScript or a launch action, in its plain objects or in any
    compressed stream (where it usually hides)."""
    if _has_pdf_danger(data):
        raise Refusal("pdf_script")
    budget = _PDF_INFLATED_LIMIT
    for match in _PDF_STREAM.finditer(data):
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(data[match.end() :], budget)
        except zlib.error:
            continue  # not a Flate stream: its bytes were searched as they are above
        budget -= len(inflated)
        if _has_pdf_danger(inflated):
            raise Refusal("pdf_script")
        if budget <= 0:
            # More than a real evidence PDF ever holds: treat it as built to hide something.
            raise Refusal("pdf_script")


def _has_pdf_danger(data: bytes) -> bool:
    if b"#" in data:
        data = _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)
    return _PDF_DANGER.search(data) is not None


def _check_docx(data: bytes, limits: Limits) -> None:
    """A Word document is a zip of XML parts: refuse one that is not a Word document, holds
    macros, or would expand past the limits (judged from each part's recorded sizes, which
    reading enforces: a part never yields more than its recorded size)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise Refusal("damaged") from None
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        raise Refusal("not_allowed")
    if len(members) > limits.docx_parts:
        raise Refusal("docx_bomb")
    total = 0
    for member in members:
        total += member.file_size
        packed = max(member.compress_size, 1)
        if member.file_size > 1024 * 1024 and member.file_size / packed > limits.docx_ratio:
            raise Refusal("docx_bomb")
    if total > limits.docx_bytes:
        raise Refusal("docx_bomb")
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise Refusal("docx_macros")
    try:
        types = archive.read("[Content_Types].xml")
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError, zlib.error):
        raise Refusal("damaged") from None
    if b"macroEnabled" in types:
        raise Refusal("docx_macros")


_UNSAFE_IN_NAME = re.compile(r"[^\w .()+,-]+")
NAME_LENGTH = 100


def safe_name(name: str | None) -> str:
    """A file name safe to show and to keep: no folders, no control or odd characters, no
    leading dots, at most ``NAME_LENGTH`` characters; "file" when nothing is left."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C")
    name = _UNSAFE_IN_NAME.sub("_", name).strip(" ._")
    if len(name) > NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 10:
            name = stem[: NAME_LENGTH - len(extension) - 1] + "." + extension
        else:
            name = name[:NAME_LENGTH]
    return name or "file"


def download_name(name: str, kind: str) -> str:
    """The name a file is downloaded with: its safe name, ending in its kind's extension (so a
    file called photo.exe that is really a JPEG opens as a picture, and nothing else)."""
    extension = KINDS[kind].extension if kind in KINDS else "bin"
    stem = safe_name(name)
    if "." in stem:
        stem = stem.rsplit(".", 1)[0] or "file"
    return f"{stem}.{extension}"
