"""Fixtures for the reliability tests."""

from __future__ import annotations

import os

import pytest


@pytest.fixture
def fast_disk(monkeypatch):
    """No fsync from Python code: for tests that count rows in the Google Sheet, not the
    store's durability (the durability tests here keep fsync; the sheet worker's outbox,
    SQLite, still syncs)."""
    monkeypatch.setattr(os, "fsync", lambda fd: None)
