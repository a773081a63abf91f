"""Several organisations in one process (``forms_app.web.hosting``): every log line written
while an organisation's request is served names that organisation, by its code from the hosting
file, and no other; the request counters behind ``/metrics`` are told apart the same way."""

from __future__ import annotations

import json
import logging

import pytest
from werkzeug.test import Client

from forms_app.web.hosting import SHARED_OVERRIDES, create_hosting
from tests.observing.test_metrics import _value
from tests.support.hosted import hosting_file, organisation_settings
from tests.support.log_capture import drop_json_handlers, json_lines

HOSTS = {
    "northmoor": ("feedback.northmoor.example.org", "staff.northmoor.example.org"),
    "tegfan": ("adborth.tegfan.example.org", "staff.tegfan.example.org"),
}
NAMES = {"northmoor": "Northmoor Community Care", "tegfan": "Tegfan Health Partnership"}
#: A logger other than the request log, as any module writes to while a page is served.
SOMEWHERE = logging.getLogger("forms_app.casework.somewhere")


@pytest.fixture
def hosting(tmp_path, monkeypatch):
    """Both organisations in this process, asked for JSON logs; a client that sends a Host."""
    for name in SHARED_OVERRIDES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FORMS_APP_JSON_LOGS", "1")
    root = logging.getLogger()
    level = root.level
    files = {
        code: organisation_settings(tmp_path / code, NAMES[code], public, staff)
        for code, (public, staff) in HOSTS.items()
    }
    hosting = create_hosting(hosting_file(tmp_path, files))
    for app in hosting.apps.values():
        # A line from another logger than the request log, written while the page is served.
        app.add_url_rule(
            "/written-while-serving", "written", lambda: (SOMEWHERE.warning("mid-request"), "")[1]
        )
    yield hosting
    drop_json_handlers(level)


def test_each_log_line_names_the_organisation_whose_request_wrote_it(hosting, capsys):
    client = Client(hosting)
    capsys.readouterr()
    by_code = {}
    for code, (public, staff) in HOSTS.items():
        assert client.get("/", headers={"Host": public}).status_code == 200
        assert client.get("/staff/sign-in", headers={"Host": staff}).status_code == 200
        client.get("/written-while-serving", headers={"Host": public})
        by_code[code] = json_lines(capsys)
    for code, lines in by_code.items():
        requests = [line for line in lines if line["logger"] == "forms_app.requests"]
        assert [line["route"] for line in requests] == [
            "/",
            "/staff/sign-in",
            "/written-while-serving",
        ]
        (written,) = [line for line in lines if line["logger"] == SOMEWHERE.name]
        assert written["message"] == "mid-request"
        # Every line names this organisation: its code, never its name, and no other's.
        assert {line.get("organisation") for line in lines} == {code}, lines
        text = json.dumps(lines)
        other = next(other for other in HOSTS if other != code)
        assert other not in text and NAMES[code] not in text


def test_a_request_for_no_organisation_logs_no_organisation(hosting, capsys):
    client = Client(hosting)
    capsys.readouterr()
    assert client.get("/", headers={"Host": "feedback.elsewhere.example.net"}).status_code == 421
    logging.getLogger("forms_app").warning("between requests")
    lines = json_lines(capsys)
    assert lines and all("organisation" not in line for line in lines)


def test_the_request_counters_are_labelled_by_organisation(hosting):
    # Counted on /readyz: the counters are the process's, and the single installation's
    # metrics tests count /healthz without naming an organisation.
    client = Client(hosting)
    before = {}
    metrics = HOSTS["northmoor"][0]
    count = "feedback_http_request_duration_seconds_count"

    def scrape() -> str:
        answer = client.get(
            "/metrics", headers={"Host": metrics}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        )
        assert answer.status_code == 200
        return answer.text

    text = scrape()
    for code in HOSTS:
        before[code] = _value(text, count, organisation=code, route="/readyz")
    for _ in range(3):
        client.get("/readyz", headers={"Host": HOSTS["tegfan"][0]})
    client.get("/readyz", headers={"Host": HOSTS["northmoor"][0]})
    text = scrape()
    assert _value(text, count, organisation="tegfan", route="/readyz") == before["tegfan"] + 3
    assert _value(text, count, organisation="northmoor", route="/readyz") == before["northmoor"] + 1
