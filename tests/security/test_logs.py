"""S8: canary submissions (a unique token in every field) through every path a submission can
take: sent, refused by validation, refused CSRF token, too large (413), storage EIO at send
(503) and an unhandled exception at send (500). 0 canaries in any log record; every
submission's log line carries its reference. 50 on every change, 500 nightly."""

from __future__ import annotations

import errno
import logging

import pytest

from forms_app.public import ratelimit
from tests.support.log_capture import Capture
from tests.support.tier import scaled
from tests.support.walker import COMPLAINT, csrf_token, walk_to_check

COUNT = scaled(50, 500)
PATHS = ("sent", "validation", "csrf", "too large", "storage EIO", "exception")


@pytest.fixture
def capture(app):
    handler = Capture()
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    app.logger.addHandler(handler)
    yield handler
    root.removeHandler(handler)
    app.logger.removeHandler(handler)
    root.setLevel(old_level)


def canaries(number: int) -> dict[str, str]:
    """Synthetic answers where every free-text value is a token found nowhere else."""
    tag = f"q{number:04d}z"
    return {
        "service_detail": f"Ward Canary{tag}",
        "details": f"Roedd CANARYDETAIL{tag} yn hwyr",
        "outcome_wanted": f"Apology CANARYOUTCOME{tag}",
        "subject_name": f"Gwenllian Canarysubject{tag}",
        "name": f"Ffion Canaryname{tag}",
        "email": f"canary.{tag}@example.com",
        "phone": f"07700 900{number % 1000:03d}",
    }


def _to_check(client, answers):
    return walk_to_check(client, "/complaint/", answers)


def _submit(app, app_parts, monkeypatch, number: int, path: str) -> str | None:
    """Send one canary submission down ``path``; the reference if one was stored."""
    tokens = canaries(number)
    client = app.test_client()
    page = _to_check(client, {**COMPLAINT, **tokens})
    assert page.status_code == 200, page.status_code
    token = csrf_token(page.text)
    url = "/complaint/check-your-answers"
    if path == "validation":
        form = client.get("/complaint/contact-details")
        bad = {"csrf_token": csrf_token(form.text), "email": f"not an email {tokens['email']}"}
        assert client.post("/complaint/contact-details", data=bad).status_code == 400
        return None
    if path == "csrf":
        response = client.post("/complaint/what-happened", data={"details": tokens["details"]})
        assert response.status_code == 400
        return None
    if path == "too large":
        body = {"csrf_token": token, "details": tokens["details"] * 60_000}
        assert client.post("/complaint/what-happened", data=body).status_code == 413
        return None
    with monkeypatch.context() as patch:
        if path == "storage EIO":

            def broken(*_args, **_kwargs):
                raise OSError(errno.EIO, "Input/output error")

            patch.setattr(app_parts.store.tables["submissions"], "write", broken)
            assert client.post(url, data={"csrf_token": token}).status_code == 503
            return None
        if path == "exception":

            def explode(*_args, **_kwargs):
                raise ValueError(f"cannot store {tokens['email']} {tokens['details']}")

            patch.setattr(app_parts.store, "commit_submission", explode)
            assert client.post(url, data={"csrf_token": token}).status_code == 500
            return None
    sent = client.post(url, data={"csrf_token": token})
    assert sent.status_code == 303
    return app_parts.store.find_by_key(_draft_key(app_parts, client))["ref"]


def _draft_key(app_parts, client) -> str:
    with client.session_transaction() as session:
        draft = app_parts.drafts.load(session["draft"])
    return draft["journeys"]["complaint"]["key"]


@pytest.fixture
def canary_app(app, app_parts):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.extensions["forms_ratelimit"] = ratelimit.RateLimiter(
        app_parts.settings.data_dir, "k", {n: ratelimit.Rule(n, 0, 60) for n in ("send", "post")}
    )
    return app


def test_no_canary_reaches_any_log(canary_app, app_parts, monkeypatch, capture):
    refs = []
    for number in range(COUNT):
        ref = _submit(canary_app, app_parts, monkeypatch, number, PATHS[number % len(PATHS)])
        if ref:
            refs.append(ref)
    logged = capture.text()
    # The error paths must have logged something, or "0 canaries" would prove nothing.
    assert "unhandled ValueError" in logged and "storage" in logged
    leaked = [
        value
        for number in range(COUNT)
        for value in canaries(number).values()
        if not value.startswith("07700") and value in logged
    ]
    # The distinctive parts too: a log line quoting half a name still leaks it.
    leaked += [f"q{n:04d}z" for n in range(COUNT) if f"q{n:04d}z" in logged]
    assert leaked == []
    assert len(refs) == len(range(0, COUNT, len(PATHS)))
    print(f"S8: {COUNT} canary submissions, {len(capture.records)} log records, 0 canaries")


def test_every_submission_log_line_carries_the_reference(canary_app, app_parts, monkeypatch):
    handler = Capture()
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    try:
        refs = [_submit(canary_app, app_parts, monkeypatch, n, "sent") for n in range(3)]
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [r.getMessage() for r in handler.records if "submission" in r.getMessage().lower()]
    assert len(lines) >= len(refs)
    assert all(any(ref in line for line in lines) for ref in refs)
