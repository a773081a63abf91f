"""What a file is comes from its bytes, never its name; dangerous files are refused."""

from __future__ import annotations

import pytest

from forms_app.evidence import Limits, Refusal, check_file, download_name, safe_name

from . import samples


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (samples.jpeg, "jpeg"),
        (samples.png, "png"),
        (samples.pdf, "pdf"),
        (samples.docx, "docx"),
        (lambda: "Dyddiad: 4 Rhagfyr. Fe ddigwyddodd ŵyl.\n".encode(), "text"),
        (lambda: b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64), "heic"),
    ],
)
def test_each_allowed_kind_is_recognised_by_its_content(make, kind):
    assert check_file(make()) == kind


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (samples.elf(), "executable"),
        (samples.mz(), "executable"),
        (b"#!/bin/sh\nrm -rf /\n", "executable"),
        (samples.pdf_with_script("plain"), "pdf_script"),
        (samples.pdf_with_script("escaped"), "pdf_script"),
        (samples.pdf_with_script("compressed"), "pdf_script"),
        (b"GIF89a" + bytes(40), "not_allowed"),
        (b"PK\x03\x04 not really a zip", "damaged"),
    ],
)
def test_dangerous_or_unknown_files_are_refused_with_a_reason(data, code):
    with pytest.raises(Refusal) as refused:
        check_file(data)
    assert refused.value.code == code


def test_a_word_document_that_expands_to_far_more_than_it_weighs_is_refused():
    bomb = samples.docx_bomb()
    assert len(bomb) < 1024 * 1024
    with pytest.raises(Refusal) as refused:
        check_file(bomb)
    assert refused.value.code == "docx_bomb"


def test_a_word_document_with_macros_is_refused():
    with pytest.raises(Refusal) as refused:
        check_file(samples.docx(extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + bytes(64)}))
    assert refused.value.code == "docx_macros"


def test_a_file_over_the_size_limit_is_refused():
    with pytest.raises(Refusal) as refused:
        check_file(samples.jpeg() + bytes(2000), Limits(file_bytes=1000))
    assert refused.value.code == "too_large"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\Aled\\llun y ward.jpg", "llun y ward.jpg"),
        ("\x00\x1b[31mred.png", "31mred.png"),
        ("...", "file"),
        ("", "file"),
        ("a" * 300 + ".pdf", "a" * 96 + ".pdf"),
    ],
)
def test_names_are_made_safe_to_show_and_keep(given, kept):
    assert safe_name(given) == kept


def test_a_download_ends_in_the_extension_of_what_the_file_really_is():
    assert download_name("photo.exe", "jpeg") == "photo.jpg"
    assert download_name("letter", "pdf") == "letter.pdf"
