"""The theme's source maps never reach the published site (forms_app/sitebuild/sourcemaps.py);
the whole build is checked in tests/sitebuild/test_build.py."""

from __future__ import annotations

from forms_app.sitebuild.sourcemaps import remove_source_maps


def test_maps_are_deleted_and_the_comments_pointing_at_them_removed(tmp_path):
    scripts = tmp_path / "assets" / "javascripts"
    scripts.mkdir(parents=True)
    (scripts / "bundle.min.js").write_text("var a=1;\n//# sourceMappingURL=bundle.min.js.map\n")
    (scripts / "bundle.min.js.map").write_text('{"sources":["will.ts"]}')
    styles = tmp_path / "assets" / "stylesheets"
    styles.mkdir()
    (styles / "main.css").write_text("a{color:red}\n/*# sourceMappingURL=main.css.map*/")
    (styles / "main.css.map").write_text("{}")
    (styles / "other.css").write_text("b{color:blue}")
    assert remove_source_maps(tmp_path) == 2
    assert list(tmp_path.rglob("*.map")) == []
    assert (scripts / "bundle.min.js").read_text() == "var a=1;\n"
    assert (styles / "main.css").read_text() == "a{color:red}"
    assert (styles / "other.css").read_text() == "b{color:blue}"
