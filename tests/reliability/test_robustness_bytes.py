"""F3: malformed bytes in raw form bodies (invalid UTF-8, overlong and surrogate encodings, NUL,
a bare carriage return, 10,000 "%" and broken escapes), URL-encoded and multipart, posted with
a valid CSRF token to every write route in ``app.url_map``: every one refused with 400 or 422,
0 server errors, and nothing stored holds U+0000, U+FFFD, a lone CR or a literal %XX."""

from __future__ import annotations

import re

import pytest

from forms_app.public import ratelimit
from tests.support.security_world import (
    WRITE_METHODS,
    concrete_urls,
    fresh_world,
    rules,
    state_snapshot,
)
from tests.support.staff import csrf

PAYLOADS = {
    "ff": b"%FF",
    "overlong slash": b"%C0%AF",
    "surrogate": b"%ED%A0%80",
    "nul": b"%00",
    "raw nul": b"\x00",
    "bare cr": b"a%0Db",
    "raw bare cr": b"a\rb",
    "10k percent": b"%" * 10_000,
    "broken escape": b"%G1",
    "half escape": b"abc%F",
    "truncated": b"%E2%82",
    "four byte bad": b"%F0%28%8C%BC",
    "raw ff": b"\xff\xfe",
    "beyond unicode": b"%F4%90%80%80",
}
FIELDS = ("details", "note", "text", "username")
ARTEFACT = re.compile(r"\x00|\ufffd|\r(?!\n)|%[0-9A-Fa-f]{2}")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with fresh_world(tmp_path_factory, "bytes") as built:
        data_dir = built.parts.settings.data_dir
        built.app.config["PROPAGATE_EXCEPTIONS"] = False
        built.app.extensions["forms_ratelimit"] = ratelimit.RateLimiter(
            data_dir, "k", {n: ratelimit.Rule(n, 0, 60) for n in ("send", "post")}
        )
        yield built


def _token_for(world, url: str):
    client = world.app.test_client() if not url.startswith("/staff/") else world.signed_in()
    # A page that needs earlier answers sends the person back to the question to answer first,
    # which has a form (and so a token) of its own.
    page = client.get(
        "/staff/sign-in" if url.startswith("/staff/sign-in") else url, follow_redirects=True
    )
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if match is None:  # a route that only takes posts: a token from the page leading to it
        home = "/staff/" if url.startswith("/staff/") else "/track"
        match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(home).text)
    return client, match.group(1)


def _bodies(token: str, payload: bytes):
    for field in FIELDS:
        yield (
            "application/x-www-form-urlencoded",
            b"csrf_token=" + token.encode() + b"&" + field.encode() + b"=" + payload,
        )
    # The same bytes, undecoded, as a multipart part.
    raw = payload if b"%" not in payload else bytes.fromhex("ffc0afeda080")
    boundary = b"xYzBoundary"
    body = (
        b"--"
        + boundary
        + b'\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + token.encode()
        + b"\r\n--"
        + boundary
        + b'\r\nContent-Disposition: form-data; name="details"\r\n\r\n'
        + raw
        + b"\r\n--"
        + boundary
        + b"--\r\n"
    )
    yield "multipart/form-data; boundary=xYzBoundary", body


def test_malformed_bytes_are_refused_on_every_write_route(world):
    data_dir = world.parts.settings.data_dir
    results: dict[int, int] = {}
    write_rules = list(rules(world.app, WRITE_METHODS))
    before = state_snapshot(data_dir)
    for rule in write_rules:
        for url in concrete_urls(world, rule):
            client, token = _token_for(world, url)
            for name, payload in PAYLOADS.items():
                for content_type, body in _bodies(token, payload):
                    if "multipart" in content_type and name in ("bare cr", "raw bare cr"):
                        continue  # a CR inside a multipart part is legal framing
                    response = client.post(url, data=body, content_type=content_type)
                    results[response.status_code] = results.get(response.status_code, 0) + 1
                    assert response.status_code in (400, 422), (url, name, content_type)
    # Not one refused body changed a stored row, a draft, a letter or an account.
    assert state_snapshot(data_dir) == before
    assert sum(results.values()) >= 1_000
    print(f"F3: {sum(results.values())} malformed bodies over {len(write_rules)} rules: {results}")


def test_nothing_stored_holds_an_artefact(world):
    # After the sweep above (and a control write that must pass): scan every stored value.
    client = world.signed_in()
    url = f"/staff/cases/{world.ref}/do/note"
    ok = client.post(url, data={"csrf_token": csrf(client.get(url).text), "note": "Rhif 100%"})
    assert ok.status_code == 302
    store = world.parts.store
    found = []
    for table in ("submissions", "personal", "events"):
        for row in store.rows(table):
            for column, value in row.items():
                if ARTEFACT.search(value or ""):
                    found.append((table, column, value[:40]))
    assert found == []
    # The control note kept its real percent sign.
    assert any(row["note"] == "Rhif 100%" for row in store.rows("events"))
