"""``/metrics``: what it counts, and who may read it (loopback or the allow-list, directly; or
a bearer token from anywhere). Anyone else is told there is no such page."""

from __future__ import annotations

import ipaddress
import re
import time

import pytest

from forms_app.sheets.outbox import Outbox, outbox_path
from tests.support.walker import COMPLAINT, csrf_token, walk_to_check

PUBLIC = {"REMOTE_ADDR": "203.0.113.9"}
TOKEN = "metrics-token-for-tests-0123456789"


def _value(text: str, name: str, **labels) -> float:
    """One sample's value from the exposition text (0 when it is not there)."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(match.group(3))
    return 0.0


def _scrape(client, **kwargs) -> str:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    return response.text


def test_metrics_answer_a_request_from_loopback(app):
    client = app.test_client()
    before = _value(
        _scrape(client), "feedback_http_request_duration_seconds_count", route="/healthz"
    )
    for _ in range(3):
        client.get("/healthz")
    text = _scrape(client)
    assert text.startswith("# HELP")
    count = _value(text, "feedback_http_request_duration_seconds_count", route="/healthz")
    assert count == before + 3


@pytest.mark.parametrize(
    "environ, headers",
    [
        (PUBLIC, {}),
        # Through a proxy every request comes from loopback: a forwarded one is not local.
        ({}, {"X-Forwarded-For": "203.0.113.9"}),
        ({}, {"Forwarded": "for=203.0.113.9"}),
        (PUBLIC, {"Authorization": "Bearer not-the-token-not-the-token-0"}),
        (PUBLIC, {"Authorization": f"Basic {TOKEN}"}),
    ],
    ids=["public address", "forwarded", "forwarded-rfc7239", "wrong token", "not bearer"],
)
def test_metrics_are_not_found_by_anyone_else(app, tune, environ, headers):
    tune(app, metrics_token=TOKEN)
    response = app.test_client().get("/metrics", environ_base=environ, headers=headers)
    assert response.status_code == 404
    assert "feedback_" not in response.text


def test_metrics_answer_the_bearer_token_from_anywhere(app, tune):
    tune(app, metrics_token=TOKEN)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {TOKEN}", "X-Forwarded-For": "203.0.113.9"}
    text = _scrape(client, environ_base=PUBLIC, headers=headers)
    assert "feedback_drafts" in text


def test_metrics_answer_an_address_on_the_allow_list(app, tune):
    tune(app, metrics_allow=(ipaddress.ip_network("10.20.0.0/16"),))
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.3.4"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.21.3.4"}).status_code == 404


def test_the_token_and_allow_list_come_from_the_environment(data_dir, monkeypatch):
    from forms_app import create_app
    from forms_app.organisation.settings import EXAMPLE_SETTINGS, SettingsError

    monkeypatch.setenv("FORMS_APP_METRICS_TOKEN", TOKEN)
    monkeypatch.setenv("FORMS_APP_METRICS_ALLOW", "192.0.2.7, 2001:db8::/64")
    client = create_app(str(EXAMPLE_SETTINGS)).test_client()
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/metrics", environ_base=PUBLIC, headers=bearer).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "2001:db8::5"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 404
    monkeypatch.setenv("FORMS_APP_METRICS_TOKEN", "short")
    with pytest.raises(SettingsError, match="at least"):
        create_app(str(EXAMPLE_SETTINGS))


def test_errors_are_counted_by_status_class(app):
    client = app.test_client()
    before = _value(_scrape(client), "feedback_http_errors_total", status_class="4xx")
    assert client.get("/no-such-page/here/at-all").status_code == 404
    assert client.post("/healthz").status_code == 405
    text = _scrape(client)
    assert _value(text, "feedback_http_errors_total", status_class="4xx") == before + 2
    # A page that matched no rule is one route, whatever its address said.
    assert 'route="<unmatched>"' in text and "no-such-page" not in text


def test_submissions_are_counted_by_kind_and_drafts_are_counted(app):
    client = app.test_client()
    before = _scrape(client)
    assert _value(before, "feedback_submissions_total", kind="complaint", channel="online") == 0
    page = walk_to_check(client, "/complaint/", COMPLAINT)
    assert _value(_scrape(client), "feedback_drafts") == _value(before, "feedback_drafts") + 1
    sent = client.post("/complaint/check-your-answers", data={"csrf_token": csrf_token(page.text)})
    assert sent.status_code == 303
    after = _scrape(client)
    assert _value(after, "feedback_submissions_total", kind="complaint", channel="online") == 1


def test_outbox_depth_and_sheet_lag_are_read_from_the_outbox(sheet_app, data_dir):
    client = sheet_app.test_client()
    assert "feedback_sheet_lag_seconds" not in _scrape(client)  # no outbox yet
    outbox = Outbox(outbox_path(data_dir))
    try:
        outbox.enqueue("Intake", [("RSH-1", time.time() - 120, None), ("RSH-2", time.time(), None)])
        outbox.enqueue("Triage", [("RSH-1", time.time(), None)])
    finally:
        outbox.close()
    text = _scrape(client)
    assert _value(text, "feedback_sheet_outbox_depth", tab="Intake") == 2
    assert _value(text, "feedback_sheet_outbox_depth", tab="Triage") == 1
    assert 119 <= _value(text, "feedback_sheet_lag_seconds") < 200


def test_the_metrics_page_sets_no_cookie(app):
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_metrics_files_and_readiness_probes_are_left_out_of_backups(
    app, app_parts, data_dir, tmp_path
):
    from forms_app.storage.backup import take_backup

    run = data_dir / "run" / "metrics" / "1234-5678"
    run.mkdir(parents=True)
    (run / "counter_42.db").write_bytes(b"\0" * 64)
    (data_dir / ".ready-42-0a1b2c3d.tmp").write_bytes(b"ready\n")
    backup = take_backup(app_parts.store, tmp_path / "backups")
    kept = {path.relative_to(backup).as_posix() for path in backup.rglob("*")}
    assert "datapackage.json" in kept
    assert not any(name.startswith("run") or ".ready-" in name for name in kept), kept
