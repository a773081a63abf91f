"""S8: canary submissions (a unique token in every field) through every path a submission can
take: sent, refused by validation, refused CSRF token, too large (413), storage EIO at send
(503) and an unhandled exception at send (500). 0 canaries in any log record; every
submission's log line carries its reference. 50 on every change, 500 nightly.

The same canaries, sent over HTTP to a real gunicorn and over HTTPS through nginx (with more
in the query string, a cookie, the request id and the Referer), reach neither the app's JSON
lines on standard output nor nginx's access and error logs."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import urllib.error
import urllib.parse
import urllib.request

import pytest

from forms_app.public import ratelimit
from tests.support.http_client import Fetcher
from tests.support.log_capture import Capture
from tests.support.served import Gunicorn
from tests.support.tier import scaled
from tests.support.tls import TlsStack, production_env
from tests.support.walker import COMPLAINT, csrf_token, walk, walk_to_check

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


# -- The logs of the service as it runs: gunicorn's standard output (JSON lines) and nginx's
# access and error logs in front of it.


def _http_paths(fetcher: Fetcher, numbers: range) -> int:
    """Canaries down every path a browser can take them over HTTP, including places a log
    line could pick them up from (the query string, a cookie, the request id, the Referer);
    returns how many requests were made (at least)."""
    made = 0
    for number in numbers:
        tokens = canaries(number)
        tag = f"q{number:04d}z"
        # A whole journey up to check your answers (as the tests above, over HTTP).
        pages = _walk_to_check(fetcher, {**COMPLAINT, **tokens})
        made += 2 * pages
        # Refused: a bad email (validation), no token (CSRF), and too large (413).
        _url, _status, page = fetcher.get("/complaint/contact-details")
        bad = {"csrf_token": csrf_token(page), "email": f"not an email {tokens['email']}"}
        assert fetcher.post("/complaint/contact-details", bad)[1] == 400
        assert fetcher.post("/complaint/what-happened", {"details": tokens["details"]})[1] == 400
        with contextlib.suppress(OSError):  # the server may close while the body still comes
            fetcher.post("/complaint/what-happened", {"details": tokens["details"] * 40_000})
        # Sent: a reference on the confirmation page.
        _url, status, page = fetcher.get("/complaint/check-your-answers")
        assert status == 200
        url = "/complaint/check-your-answers"
        _url, status, page = fetcher.post(url, {"csrf_token": csrf_token(page)})
        assert status == 200 and "data-reference" in page
        # Values where a server's log line could pick them up.
        request = urllib.request.Request(
            urllib.parse.urljoin(
                fetcher.base_url, "/complaint/?" + urllib.parse.urlencode({"name": tokens["name"]})
            ),
            headers={
                "Cookie": f"note={tag}",
                "X-Request-Id": f"Canaryid{tag}",  # not hexadecimal: replaced
                "Referer": f"{fetcher.base_url}/complaint/?email={tokens['email']}",
            },
        )
        with contextlib.suppress(urllib.error.HTTPError):
            fetcher.opener.open(request, timeout=fetcher.timeout).read()
        made += 6
    return made


class _AtCheck(Exception):
    pass


def _walk_to_check(fetcher: Fetcher, answers: dict) -> int:
    """Answer every page of the complaint journey and stop before sending; the pages seen."""

    def post(url, data):
        if url.endswith("check-your-answers"):
            raise _AtCheck
        return fetcher.post(url, data)

    try:
        result = walk(fetcher.get, post, "/complaint/", answers)
    except _AtCheck:
        return 10
    raise AssertionError(f"the journey ended without a check page: {result.pages}")


def _leaks(text: str, numbers: range) -> list[str]:
    found = [
        value
        for number in numbers
        for value in canaries(number).values()
        if not value.startswith("07700") and value in text
    ]
    return found + [f"q{n:04d}z" for n in numbers if f"q{n:04d}z" in text]


def _capturing(server: Gunicorn) -> Gunicorn:
    """Gunicorn's standard output (where the JSON lines go) into its log file too."""
    server.extra_args += ["--error-logfile", str(server.log_path), "--capture-output"]
    return server


@pytest.mark.slow
def test_no_canary_reaches_the_json_logs_of_a_real_gunicorn(tmp_path):
    numbers = range(scaled(3, 30))
    server = _capturing(Gunicorn(tmp_path / "data", workers=2, threads=4))
    server.start()
    try:
        made = _http_paths(Fetcher(server.url), numbers)
    finally:
        server.stop()
    text = server.log_path.read_text("utf-8", "replace")
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line["logger"] == "forms_app.requests"]
    # The logs were there to leak into: a line for every request, the refused ones too.
    assert len(requests) >= made
    assert {303, 400, 413} <= {line["status"] for line in requests}
    assert any("submission stored" in line["message"] for line in lines)
    assert _leaks(text, numbers) == []
    print(f"S8: {len(numbers)} canary journeys over HTTP, {len(lines)} JSON lines, 0 canaries")


@pytest.fixture(scope="module")
def logged_stack(tmp_path_factory):
    """The ``tls_stack`` of tests/web (production mode behind nginx over HTTPS), with the
    app's standard output kept in its log file."""
    stack = TlsStack(tmp_path_factory.mktemp("tls-logs"), env=production_env())
    _capturing(stack.app)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()


@pytest.mark.slow
def test_no_canary_reaches_nginx_or_the_app_behind_it(logged_stack):
    numbers = range(scaled(2, 20))
    https = urllib.request.HTTPSHandler(context=logged_stack.certificates.client_context())
    made = _http_paths(Fetcher(logged_stack.url, handlers=[https]), numbers)
    logged_stack.stop()  # nginx writes out its logs as it stops
    access = logged_stack.access_log.read_text("utf-8", "replace")
    errors = logged_stack.error_log.read_text("utf-8", "replace")
    app_log = logged_stack.app.log_path.read_text("utf-8", "replace")
    assert len(access.splitlines()) >= made
    assert '" 413 ' in access or " 413 " in access  # the too-large bodies were logged
    assert any(line.startswith("{") for line in app_log.splitlines())
    assert _leaks(access, numbers) == []
    assert _leaks(errors, numbers) == []
    assert _leaks(app_log, numbers) == []
    print(
        f"S8: {len(numbers)} canary journeys over HTTPS, {len(access.splitlines())} nginx access "
        f"lines, {len(errors.splitlines())} error lines, 0 canaries"
    )
