"""JSON log lines: one per request with its id, method, route rule, status and time, and never
a value the person sent (a query string, a form field, a cookie, an exception's message)."""

from __future__ import annotations

import json
import logging
import re

import pytest

from forms_app import create_app
from forms_app.observing.logs import JsonLines, json_logs_wanted
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from tests.support.log_capture import drop_json_handlers, json_lines

CANARY = "Canarylogq7x"


@pytest.fixture
def json_app(data_dir, monkeypatch, capsys):
    """An app asked for JSON logs; its handler writes to pytest's captured standard output."""
    monkeypatch.setenv("FORMS_APP_JSON_LOGS", "1")
    root = logging.getLogger()
    level = root.level
    app = create_app(str(EXAMPLE_SETTINGS))
    yield app
    drop_json_handlers(level)


def test_each_request_logs_one_json_line_with_its_route_and_id(json_app, capsys):
    capsys.readouterr()
    client = json_app.test_client()
    response = client.get(
        f"/complaint/what-happened?name={CANARY}",
        headers={"X-Request-Id": "5f0c2a9e-7b1d-4c3e-9a8f-0123456789ab", "Cookie": f"x={CANARY}"},
    )
    assert response.headers["X-Request-Id"] == "5f0c2a9e-7b1d-4c3e-9a8f-0123456789ab"
    lines = [line for line in json_lines(capsys) if line["logger"] == "forms_app.requests"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == "5f0c2a9e-7b1d-4c3e-9a8f-0123456789ab"
    assert line["method"] == "GET"
    assert line["route"] == "/<journey>/<page>"
    assert line["status"] == response.status_code
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert isinstance(line["pid"], int) and line["level"] == "INFO"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])
    assert CANARY not in json.dumps(lines)


@pytest.mark.parametrize(
    "sent",
    [
        "0123abcd",  # too short
        "a" * 65,  # too long
        "0123456789abcdef 0123",
        f"{CANARY}0123456789abcdef",  # letters beyond f could spell a name
        "-0123456789abcdef",
        f'{CANARY}"quoted"',
    ],
)
def test_a_request_id_that_does_not_look_like_one_is_replaced(json_app, capsys, sent):
    capsys.readouterr()
    response = json_app.test_client().get("/healthz", headers={"X-Request-Id": sent})
    made = response.headers["X-Request-Id"]
    assert made != sent and re.fullmatch(r"[0-9a-f]{32}", made)
    (line,) = [line for line in json_lines(capsys) if line["logger"] == "forms_app.requests"]
    assert line["request_id"] == made


def test_a_made_up_method_is_logged_as_other(json_app, capsys):
    capsys.readouterr()
    json_app.test_client().open("/healthz", method=CANARY.upper())
    (line,) = [line for line in json_lines(capsys) if line["logger"] == "forms_app.requests"]
    assert line["method"] == "OTHER" and CANARY.upper() not in json.dumps(line)


def test_lines_written_during_a_request_carry_its_id(json_app, capsys):
    capsys.readouterr()
    client = json_app.test_client()
    json_app.config["PROPAGATE_EXCEPTIONS"] = False

    @json_app.get("/explode-for-test")
    def explode():
        raise ValueError(f"cannot store {CANARY}@example.com")

    response = client.get("/explode-for-test", headers={"X-Request-Id": "abcdef0123456789abcdef"})
    assert response.status_code == 500
    lines = json_lines(capsys)
    error = [line for line in lines if line["level"] == "ERROR"]
    assert error and all(line["request_id"] == "abcdef0123456789abcdef" for line in error)
    assert CANARY not in json.dumps(lines)


def test_an_exception_is_logged_by_type_and_place_never_its_message():
    try:
        raise ValueError(f"cannot store {CANARY}@example.com")
    except ValueError:
        record = logging.getLogger("t").makeRecord(
            "t", logging.ERROR, __file__, 1, "storing failed", (), __import__("sys").exc_info()
        )
    line = json.loads(JsonLines().format(record))
    assert line["error"] == "ValueError"
    assert "test_an_exception_is_logged" in line["traceback"]
    assert CANARY not in json.dumps(line)


@pytest.mark.parametrize(
    "production, env, wanted",
    [
        (False, {}, False),
        (True, {}, True),
        (False, {"SERVER_SOFTWARE": "gunicorn/27.0.1"}, True),
        (False, {"FORMS_APP_JSON_LOGS": "1"}, True),
        (True, {"FORMS_APP_JSON_LOGS": "0", "SERVER_SOFTWARE": "gunicorn/27.0.1"}, False),
    ],
)
def test_json_logs_are_on_in_production_or_under_gunicorn_or_when_asked(
    monkeypatch, production, env, wanted
):
    for name in ("SERVER_SOFTWARE", "FORMS_APP_JSON_LOGS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert json_logs_wanted(production) is wanted


def test_the_app_logs_json_lines_in_production(data_dir, monkeypatch, capsys):
    monkeypatch.delenv("FORMS_APP_JSON_LOGS", raising=False)
    monkeypatch.setenv("FORMS_APP_ENV", "production")
    monkeypatch.setenv("FORMS_APP_SECRET_KEY", "k" * 64)
    root = logging.getLogger()
    level = root.level
    try:
        app = create_app(str(EXAMPLE_SETTINGS))
        capsys.readouterr()
        app.test_client().get("/healthz")
        (line,) = [line for line in json_lines(capsys) if line["logger"] == "forms_app.requests"]
        assert line["route"] == "/healthz"
    finally:
        for handler in list(root.handlers):
            if getattr(handler, "_forms_app_json", False):
                root.removeHandler(handler)
        root.setLevel(level)


def test_making_a_second_app_does_not_write_each_line_twice(json_app, capsys):
    second = create_app(str(EXAMPLE_SETTINGS))
    capsys.readouterr()
    second.test_client().get("/healthz")
    lines = [line for line in json_lines(capsys) if line["logger"] == "forms_app.requests"]
    assert len(lines) == 1
