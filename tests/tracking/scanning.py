"""The tracking tests that add files: an app scanning with a real clamd (started once per test
module), and the tracking page's file form posted as a browser without JavaScript posts it.
Test modules import the fixtures from here, so the other tracking tests keep an app that
takes no files."""

from __future__ import annotations

import io

import pytest

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from tests.support.clamd import running_clamd
from tests.support.walker import csrf_token


@pytest.fixture(scope="module")
def clamd_socket(tmp_path_factory):
    # A short folder name: a unix socket's path must fit in 108 bytes.
    with running_clamd(tmp_path_factory.mktemp("clamd")) as socket_path:
        yield socket_path


@pytest.fixture
def app(data_dir, clamd_socket):
    """The app scanning with the real clamd (the shared ``client``, ``app_parts`` and
    ``signed_in`` fixtures use this one)."""
    app = create_app(str(EXAMPLE_SETTINGS), EVIDENCE_SCANNER=f"unix:{clamd_socket}")
    app.config.update(TESTING=True)
    return app


def add(client, *files: tuple[bytes, str], prefix: str = ""):
    """Post files with the tracking page's form, as a browser without JavaScript does."""
    page = client.get(f"{prefix}/track/case").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(page),
        "files": [(io.BytesIO(content), name) for content, name in files],
    }
    return client.post(f"{prefix}/track/files", data=data, content_type="multipart/form-data")


def person_files(app_parts, ref: str) -> list[dict]:
    return [r for r in app_parts.store.evidence.files_of(ref) if r["added_by"] == "person"]
