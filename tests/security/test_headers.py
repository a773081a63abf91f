"""S1, S3, S11, S12 and the production start-up guard: exact security headers on every kind of
response, cookie attributes, error pages without tracebacks, and no open redirects."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.staff.auth import _safe_next
from forms_app.web.config import UnsafeConfiguration
from forms_app.web.security import CSP_TEMPLATE, FIXED_HEADERS, HSTS
from tests.support.staff import make_people, sign_in

NONCE = re.compile(r"'nonce-([A-Za-z0-9_-]{16,})'")


def _expected(nonce: str, *, static: bool, secure: bool) -> dict[str, str | None]:
    expected = {"Content-Security-Policy": CSP_TEMPLATE.format(nonce=nonce), **FIXED_HEADERS}
    # Static assets: Flask's revalidate-every-time default (they hold no answers).
    expected["Cache-Control"] = "no-cache" if static else "no-store"
    expected["Strict-Transport-Security"] = HSTS if secure else None
    return expected


def _check(response, *, static=False, secure=False) -> str:
    csp = response.headers.get("Content-Security-Policy", "")
    match = NONCE.search(csp)
    assert match, f"no nonce in CSP: {csp!r}"
    nonce = match.group(1)
    for name, value in _expected(nonce, static=static, secure=secure).items():
        assert response.headers.get(name) == value, (response.request.path, name)
    # Spelled out too: browsers send a Referer to this service only (the same-origin check on
    # forms reads the Origin it then carries), and to no other site.
    assert response.headers.get("Referrer-Policy") == "same-origin"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    # The exact strings the plan (S1) asks for, spelled out so a change to CSP_TEMPLATE shows.
    assert csp == (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; form-action 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )
    body = response.get_data(as_text=True) if not static else ""
    # Every inline script carries this response's nonce (scripts with src come from 'self').
    for tag in re.findall(r"<script\b[^>]*>", body):
        assert f'nonce="{nonce}"' in tag or re.search(r'\ssrc="/static/', tag), tag
    return nonce


@pytest.fixture
def boom_app(data_dir):
    app = create_app(str(EXAMPLE_SETTINGS))
    app.config.update(TESTING=True, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("/secret/path config SECRET_KEY=" + app.config["SECRET_KEY"])

    return app


def test_exact_headers_on_public_static_error_and_staff_responses(boom_app, data_dir):
    client = boom_app.test_client()
    nonces = set()
    page = client.get("/")
    assert page.status_code == 200
    nonces.add(_check(page))
    nonces.add(_check(client.get("/complaint/")))
    static = client.get("/static/app.css")
    assert static.status_code == 200
    _check(static, static=True)
    for path, status in (("/complaint/no-such-page", 404), ("/boom", 500)):
        response = client.get(path)
        assert response.status_code == status
        nonces.add(_check(response))
    # 405, 400 (CSRF missing), 413 (too large)
    assert client.delete("/").status_code == 405
    nonces.add(_check(client.delete("/")))
    bad = client.post("/complaint/check-your-answers", data={"x": "y"})
    assert bad.status_code in (400, 302)
    _check(bad)
    big = client.post("/complaint/details", data={"details": "x" * 2_000_000})
    assert big.status_code == 413
    _check(big)
    # Staff pages, signed out and signed in.
    nonces.add(_check(client.get("/staff/sign-in")))
    redirect = client.get("/staff/")
    assert redirect.status_code == 302
    _check(redirect)
    secret = make_people(data_dir, {"ada": ("Ada Admin", ["admin"], [])})["ada"]
    sign_in(client, "ada", secret)
    home = client.get("/staff/")
    assert home.status_code == 200
    nonces.add(_check(home))
    # A fresh nonce on every response.
    assert len(nonces) >= 7


def test_hsts_and_host_cookie_when_secure(data_dir, monkeypatch):
    monkeypatch.setenv("FORMS_APP_SECURE_COOKIES", "1")
    app = create_app(str(EXAMPLE_SETTINGS))
    app.config.update(TESTING=True)
    client = app.test_client()
    page = client.get("/complaint/", base_url="https://localhost")
    _check(page, secure=True)
    # Answer a page so the public draft cookie is set.
    from tests.support.walker import csrf_token

    url = _first_question(client, base_url="https://localhost")
    start = client.get(url, base_url="https://localhost")
    response = client.post(
        url,
        data={"csrf_token": csrf_token(start.text), "happening_now": "no"},
        base_url="https://localhost",
    )
    cookies = [v for k, v in response.headers.items() if k == "Set-Cookie"] or [
        v for k, v in start.headers.items() if k == "Set-Cookie"
    ]
    assert cookies, "no session cookie set"
    _assert_host_cookie(cookies[-1])
    # The staff session cookie is the same cookie, rotated at sign-in.
    secret = make_people(data_dir, {"ada": ("Ada Admin", ["admin"], [])})["ada"]
    staff = app.test_client()
    page = staff.get("/staff/sign-in", base_url="https://localhost")
    from tests.support.staff import PASSWORD, csrf

    first = staff.post(
        "/staff/sign-in",
        data={"username": "ada", "password": PASSWORD, "csrf_token": csrf(page.text)},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/staff/sign-in"},  # same-origin: accepted
    )
    assert first.status_code == 302
    import pyotp

    code_page = staff.get(first.headers["Location"], base_url="https://localhost")
    done = staff.post(
        "/staff/sign-in/code",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf(code_page.text)},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/staff/sign-in/code"},
    )
    assert done.status_code == 302
    set_cookie = done.headers.get("Set-Cookie")
    assert set_cookie, "no staff session cookie at sign-in"
    _assert_host_cookie(set_cookie)


def _assert_host_cookie(header: str) -> None:
    parts = [p.strip() for p in header.split(";")]
    assert parts[0].startswith("__Host-session="), header
    lowered = [p.lower() for p in parts]
    assert "secure" in lowered and "httponly" in lowered, header
    assert "samesite=lax" in lowered and "path=/" in lowered, header
    assert not any(p.startswith("domain=") for p in lowered), header


def _first_question(client, **kwargs) -> str:
    from html import unescape

    from tests.support.walker import BUTTON_LINK

    page = client.get("/complaint/", **kwargs)
    return unescape(BUTTON_LINK.search(page.text).group(1))


def test_plain_cookie_attributes_without_tls(client):
    url = _first_question(client)
    start = client.get(url)
    header = start.headers.get("Set-Cookie") or ""
    if not header:
        from tests.support.walker import csrf_token

        header = client.post(
            url,
            data={"csrf_token": csrf_token(start.text), "happening_now": "no"},
        ).headers.get("Set-Cookie", "")
    lowered = header.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered


@pytest.mark.parametrize(
    "env, message",
    [
        ({"FORMS_APP_SECRET_KEY": "dev"}, "well-known default"),
        ({"FORMS_APP_SECRET_KEY": "changeme"}, "well-known default"),
        ({"FORMS_APP_SECRET_KEY": "short-but-not-default"}, "shorter than 32"),
        ({"FORMS_APP_SECRET_KEY": "x" * 40, "FLASK_DEBUG": "1"}, "debug is on"),
    ],
)
def test_production_refuses_unsafe_configuration(data_dir, monkeypatch, env, message):
    monkeypatch.setenv("FORMS_APP_ENV", "production")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(UnsafeConfiguration, match=message):
        create_app(str(EXAMPLE_SETTINGS))


def test_production_refuses_debug_override(data_dir, monkeypatch):
    monkeypatch.setenv("FORMS_APP_ENV", "production")
    monkeypatch.setenv("FORMS_APP_SECRET_KEY", "k" * 64)
    with pytest.raises(UnsafeConfiguration, match="debug"):
        create_app(str(EXAMPLE_SETTINGS), DEBUG=True)


def test_production_starts_with_a_strong_secret_and_secure_cookies(data_dir, monkeypatch):
    monkeypatch.setenv("FORMS_APP_ENV", "production")
    monkeypatch.delenv("FORMS_APP_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app(str(EXAMPLE_SETTINGS))  # the generated per-install key is 64 hex
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert not app.debug


def test_error_pages_have_no_traceback_paths_or_config(boom_app):
    client = boom_app.test_client()
    secret = boom_app.config["SECRET_KEY"]
    for path, method in (("/boom", "get"), ("/nope", "get"), ("/", "delete")):
        body = getattr(client, method)(path).get_data(as_text=True)
        assert "Traceback" not in body
        assert "/secret/path" not in body and secret not in body
        assert ".py" not in body and "forms_app" not in body
    assert boom_app.debug is False


OPEN_REDIRECTS = [
    "//evil.example",
    "///evil.example",
    "////evil.example/x",
    "\\\\evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "https:evil.example",
    "https://evil.example",
    "http://evil.example/staff/",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "//evil.example/staff/",
    "/staff//evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
    "\t//evil.example",
    "/\t/evil.example",
    "//evil.example%2F..",
    "https:/evil.example",
    "//%65vil.example",
    "/staff/\\evil.example",
    "/staff/..//evil.example",
    "/ /evil.example",
    "evil.example",
    "@evil.example",
    "//@evil.example",
    "//localhost@evil.example",
    "/staff@evil.example",
]


def _expand(payloads: list[str]) -> list[str]:
    out = list(payloads)
    for payload in payloads:
        out.append(payload.replace("evil.example", "evil.example/staff/"))
        out.append("/staff/" + payload)
        out.append(payload.upper())
    return out[:120]


@pytest.mark.parametrize("payload", _expand(OPEN_REDIRECTS))
def test_no_open_redirect_from_next(app, payload):
    with app.test_request_context("/staff/sign-in/code"):
        target = _safe_next(payload)
    resolved = urlsplit(urljoin("https://feedback.example.org/staff/sign-in", target))
    assert resolved.netloc == "feedback.example.org", (payload, target)
    assert resolved.scheme == "https"
    assert resolved.path.startswith("/staff")
    assert "\\" not in target or target.startswith("/staff/")


def test_next_through_real_sign_in_stays_on_site(app, data_dir):
    payloads = {"ada": "//evil.example", "bea": "https://evil.example/", "cai": "/\\evil.example"}
    people = {name: (name.title(), ["admin"], []) for name in payloads}
    secrets_by_user = make_people(data_dir, people)
    for username, payload in payloads.items():
        secret = secrets_by_user[username]
        client = app.test_client()
        from tests.support.staff import PASSWORD, csrf

        page = client.get("/staff/sign-in", query_string={"next": payload})
        first = client.post(
            "/staff/sign-in?" + urlsplit(page.request.url).query,
            data={"username": username, "password": PASSWORD, "csrf_token": csrf(page.text)},
        )
        assert first.status_code == 302
        import pyotp

        code_url = first.headers["Location"]
        code_page = client.get(code_url)
        done = client.post(
            code_url,
            data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf(code_page.text)},
        )
        assert done.status_code == 302
        location = urlsplit(urljoin("http://localhost/", done.headers["Location"]))
        assert location.netloc == "localhost", done.headers["Location"]
