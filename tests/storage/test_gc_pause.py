"""``gc_pause.paused_collection``: no cyclic collection inside, the collector as it was after."""

from __future__ import annotations

import gc

import pytest

from forms_app.storage.gc_pause import paused_collection


def test_collection_is_off_inside_and_back_on_after():
    assert gc.isenabled()
    with paused_collection():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collection_comes_back_after_an_error():
    with pytest.raises(ZeroDivisionError), paused_collection():
        1 / 0  # noqa: B018
    assert gc.isenabled()


def test_collection_someone_else_turned_off_stays_off():
    gc.disable()
    try:
        with paused_collection():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
