"""Settings: the example runs, and a wrong setting is refused with a message saying which."""

from __future__ import annotations

import pytest
import yaml

from forms_app.organisation.settings import EXAMPLE_SETTINGS, SettingsError, load_settings


def test_example_settings_load():
    settings = load_settings(EXAMPLE_SETTINGS)
    assert settings.organisation["name"]
    assert settings.services and settings.themes
    assert settings.brand_colour.startswith("#")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"organisation": {"name": "X", "brand_colour": "blue"}}, "brand_colour"),
        ({"services": []}, "at least one service"),
        ({"services": [{"code": "Bad Code", "name": "x"}]}, "code"),
        ({"closure_days": ["24-12"]}, "MM-DD"),
        ({"contact": {"phone": "1"}}, "contact"),
    ],
)
def test_bad_settings_are_refused_with_a_reason(tmp_path, change, message):
    raw = yaml.safe_load(EXAMPLE_SETTINGS.read_text())
    raw.update(change)
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(SettingsError, match=message):
        load_settings(path)


def test_data_dir_can_be_moved_by_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMS_APP_DATA_DIR", str(tmp_path / "elsewhere"))
    assert load_settings(EXAMPLE_SETTINGS).data_dir == tmp_path / "elsewhere"
