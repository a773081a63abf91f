"""deploy/gunicorn.conf.py holds only settings gunicorn has (a misspelt one would be ignored
without a word), and the production choices that matter."""

from __future__ import annotations

import ast
import runpy
from pathlib import Path

from gunicorn.config import KNOWN_SETTINGS

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def assigned_names(path: Path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"))
    return [
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    ]


def test_every_name_in_the_config_is_a_gunicorn_setting():
    known = {setting.name for setting in KNOWN_SETTINGS}
    names = assigned_names(CONFIG)
    assert len(names) >= 10
    assert [name for name in names if name not in known] == []


def test_the_config_check_sees_a_misspelt_setting(tmp_path):
    config = tmp_path / "gunicorn.conf.py"
    config.write_text("workers = 2\nforwarded_allowed_ips = '*'\n", "utf-8")
    known = {setting.name for setting in KNOWN_SETTINGS}
    assert [name for name in assigned_names(config) if name not in known] == [
        "forwarded_allowed_ips"
    ]


def test_only_the_proxy_is_trusted_and_gunicorn_keeps_no_access_log(monkeypatch):
    for name in ("FORMS_APP_PROXY_IPS", "FORMS_APP_BIND", "GUNICORN_CONTROL_SOCKET"):
        monkeypatch.delenv(name, raising=False)
    settings = runpy.run_path(str(CONFIG))
    assert settings["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert all(address.startswith("127.0.0.1:") for address in settings["bind"])
    assert settings["accesslog"] is None
    assert settings["wsgi_app"] == "forms_app:create_app()"
    assert settings["control_socket"].startswith("/run/")
