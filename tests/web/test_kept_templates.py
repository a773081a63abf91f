"""Compiled templates are kept under the data directory, so a process started later serves its
first pages without compiling them again, and a disk that cannot be written costs a compile,
never the page."""

from __future__ import annotations

from unittest import mock

import jinja2
import pytest

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS


def _app():
    app = create_app(str(EXAMPLE_SETTINGS))
    app.config.update(TESTING=True)
    return app


def _kept_files(data_dir):
    return sorted(p.name for p in (data_dir / "run").glob("templates-*/*.cache"))


def test_a_later_process_serves_its_first_page_from_the_kept_templates(data_dir, monkeypatch):
    first = _app()
    assert first.test_client().get("/").status_code == 200
    kept = _kept_files(data_dir)
    assert kept, "the page's compiled templates were not kept"
    folder = next((data_dir / "run").glob("templates-*"))
    assert folder.stat().st_mode & 0o077 == 0  # nobody else may read or plant compiled code

    def no_compiling(self, *args, **kwargs):
        raise AssertionError("a template was compiled again")

    later = _app()
    monkeypatch.setattr(jinja2.Environment, "compile", no_compiling)
    page = later.test_client().get("/")
    assert page.status_code == 200
    assert "Give feedback" in page.get_data(as_text=True)


def test_a_changed_template_is_compiled_again_not_served_stale(data_dir, tmp_path):
    app = _app()
    app.jinja_loader = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(str(tmp_path / "templates")), app.jinja_loader]
    )
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "kept-check.html"
    page.write_text("first words", "utf-8")
    with app.app_context():
        assert app.jinja_env.get_template("kept-check.html").render() == "first words"
    later = _app()
    later.jinja_loader = app.jinja_loader
    page.write_text("second words", "utf-8")
    with later.app_context():
        assert later.jinja_env.get_template("kept-check.html").render() == "second words"


@pytest.mark.parametrize("failing", ["write", "read"])
def test_a_disk_that_fails_costs_a_compile_not_the_page(data_dir, monkeypatch, failing):
    if failing == "read":
        assert _app().test_client().get("/").status_code == 200  # kept files to read
        assert _kept_files(data_dir)

    def broken_open(*args, **kwargs):
        raise OSError(28, "No space left on device")

    name = "dump_bytecode" if failing == "write" else "load_bytecode"
    original = getattr(jinja2.FileSystemBytecodeCache, name)

    def failing_call(self, bucket):
        # Only the cache's own reads or writes fail: the templates' sources still open.
        with (
            mock.patch("builtins.open", broken_open),
            mock.patch("tempfile.NamedTemporaryFile", broken_open),
        ):
            return original(self, bucket)

    monkeypatch.setattr(jinja2.FileSystemBytecodeCache, name, failing_call)
    app = _app()
    page = app.test_client().get("/")
    assert page.status_code == 200
    assert "Give feedback" in page.get_data(as_text=True)
