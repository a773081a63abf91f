"""The search index: keys for phones, postcodes and emails however typed; what a query is
taken to be; kept up to date from the store's change cursor, including corrected details and
cases removed by erasure; snippets."""

from __future__ import annotations

from forms_app.casework.search import (
    SearchIndex,
    phone_key,
    postcode_key,
    snippet,
    understand,
)
from tests.support.staff import submit


def _found(index, typed):
    return [(hit.ref, hit.how) for hit in index.search(understand(typed))]


def test_phone_numbers_are_one_key_however_typed():
    keys = {
        phone_key(typed)
        for typed in (
            "07700 900123",
            "07700900123",
            "+44 7700 900123",
            "0044 7700 900 123",
            "+44 (0)7700 900123",
            "(07700) 900-123",
            "447700900123",
        )
    }
    assert keys == {"07700900123"}


def test_postcodes_are_one_key_however_typed():
    assert {postcode_key(p) for p in ("ex1 2ab", "EX12AB", " Ex1  2Ab ")} == {"EX12AB"}


def test_what_a_query_is_taken_to_be():
    assert understand("abcd efgh").kind in ("reference", "text")
    assert understand("alys@example.com").kind == "email"
    assert understand("07700 900123").kind == "phone"
    assert understand("+44 7700 900123").kind == "phone"
    assert understand("cf10 1aa").kind == "postcode"
    assert understand("Alys Example").kind == "text"
    assert understand("\x00 \t").kind == "empty"
    assert len(understand("x" * 10_000).text) == 200


def test_the_index_follows_new_cases_corrected_details_and_erasure(app_parts):
    index = SearchIndex(app_parts.store)
    first = submit(app_parts, name="Alys Example", email="alys@example.com")
    assert _found(index, "ALYS@example.com") == [(first, "email")]
    second = submit(
        app_parts, name="Alys Other", email="other@example.com", details="The taxi never came."
    )
    assert [ref for ref, _ in _found(index, "alys")] == [second, first]
    assert _found(index, "taxi") == [(second, "text")]

    # Corrected details: a new personal row; the old email no longer finds the case.
    row = dict(app_parts.store.find_personal(first))
    row.pop("crc", None)
    row["email"] = "alys.new@example.com"
    app_parts.store.tables["personal"].append([row])
    assert _found(index, "alys@example.com") == []
    assert _found(index, "alys.new@example.com") == [(first, "email")]

    # Erasure rewrites the tables: the index starts again and the case is gone.
    app_parts.store.remove_cases([second])
    assert _found(index, "taxi") == []
    assert [ref for ref, _ in _found(index, "alys")] == [first]


def test_a_snippet_is_one_short_line_around_the_word():
    text = ("Word " * 60) + "the hoist\nwas broken " + ("more " * 60)
    piece = snippet(text, ("hoist",))
    assert "hoist was broken" in piece
    assert piece.startswith("…") and piece.endswith("…")
    assert "\n" not in piece and len(piece) <= 162
    assert snippet("Short.\x00", ()) == "Short."
