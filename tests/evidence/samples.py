"""Files to add as evidence, made here: real pictures and documents, and the bad ones."""

from __future__ import annotations

import io
import zipfile
import zlib

from tests.support.clamd import EICAR

__all__ = ["EICAR", "docx", "docx_bomb", "elf", "jpeg", "mz", "pdf", "pdf_with_script", "png"]


def jpeg(size: tuple[int, int] = (40, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(out, "JPEG")
    return out.getvalue()


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (20, 20), (20, 80, 140)).save(out, "PNG")
    return out.getvalue()


def pdf(text: str = "A letter from the ward") -> bytes:
    body = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n"
        + f"4 0 obj << /Length {len(body)} >> stream\n".encode()
        + body
        + b"\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def pdf_with_script(where: str = "plain") -> bytes:
    """A PDF that runs JavaScript when opened: ``plain`` in the catalogue, ``escaped`` with the
    name written in #xx escapes, ``compressed`` inside a Flate-compressed object stream."""
    action = b"<< /S /JavaScript /JS (app.alert('hello')) >>"
    if where == "escaped":
        action = b"<< /S /J#61vaScript /J#53 (app.alert('hello')) >>"
    if where == "compressed":
        packed = zlib.compress(b"5 0 obj " + action + b" endobj")
        return (
            b"%PDF-1.5\n1 0 obj << /Type /Catalog /OpenAction 5 0 R >> endobj\n"
            + f"6 0 obj << /Type /ObjStm /Filter /FlateDecode /Length {len(packed)} >> ".encode()
            + b"stream\n"
            + packed
            + b"\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
        )
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction " + action + b" >> endobj\n%%EOF\n"


_CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def docx(text: str = "Notes from the meeting", extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr(
            "word/document.xml",
            f'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>".encode(),
        )
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def docx_bomb(megabytes: int = 120) -> bytes:
    """A small Word document with a part that expands to ``megabytes`` of zeros."""
    return docx(extra={"word/media/padding.bin": bytes(megabytes * 1024 * 1024)})


def elf() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + bytes(120)


def mz() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00" + bytes(120)
