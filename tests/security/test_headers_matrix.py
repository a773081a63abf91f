"""S1: every route in ``app.url_map`` (public and staff, signed out and signed in) × every status
the app can answer with, each response checked against the exact header strings of
tests/security/test_headers.py (CSP with a fresh nonce, nosniff, frame and referrer rules,
Permissions-Policy, COOP, HSTS with secure cookies, ``Cache-Control: no-store``)."""

from __future__ import annotations

from functools import wraps

import pytest
from flask import abort, redirect, request

from forms_app.staff.auth import OPEN_ENDPOINTS
from tests.security.test_headers import NONCE, _check, _expected
from tests.support.security_world import concrete_urls, fresh_world, rules

FORCED = ("302", "400", "403", "404", "413", "422", "429", "500")
HEADER = "X-Test-Force-Status"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    # Secure cookies: the production header set, HSTS included.
    with fresh_world(tmp_path_factory, "matrix", {"FORMS_APP_SECURE_COOKIES": "1"}) as built:
        built.app.config["PROPAGATE_EXCEPTIONS"] = False
        _install_forcing(built.app)
        yield built


def _install_forcing(app):
    """Wrap every view so a test header makes it answer with a chosen status from inside the
    view (after sign-in checks), the way a real error in that view would."""

    def forcing(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            code = request.headers.get(HEADER)
            if code == "500":
                raise RuntimeError("forced failure")
            if code == "302":
                return redirect("/")
            if code:
                abort(int(code))
            return view(*args, **kwargs)

        return wrapper

    for endpoint, view in list(app.view_functions.items()):
        app.view_functions[endpoint] = forcing(view)


def _verify(response, seen: dict) -> None:
    path = response.request.path
    static = path.startswith("/static/") and response.status_code in (200, 304)
    if response.mimetype == "text/html" or static:
        nonce = _check(response, static=static, secure=True)
    else:
        # A PDF or a stylesheet: the same headers, and its body is not HTML to scan.
        nonce = NONCE.search(response.headers["Content-Security-Policy"]).group(1)
        for name, value in _expected(nonce, static=False, secure=True).items():
            assert response.headers.get(name) == value, (path, name)
    seen["responses"] += 1
    seen["statuses"].add(response.status_code)
    seen["nonces"].add(nonce)


def test_every_route_and_every_status_carries_the_exact_headers(world):
    seen = {"responses": 0, "statuses": set(), "nonces": set()}
    signed_in = world.signed_in("mair")
    clients = {"signed out": world.app.test_client(), "signed in": signed_in}
    all_rules = list(rules(world.app))
    routes = 0
    for rule in all_rules:
        for url in concrete_urls(world, rule):
            routes += 1
            for label, client in clients.items():
                # Signed out, a closed staff page answers every request with the sign-in
                # redirect before its view runs.
                gated = label == "signed out" and url.startswith("/staff/")
                gated = gated and rule.endpoint not in OPEN_ENDPOINTS
                if "GET" in rule.methods:
                    # The natural answer: 200, a redirect, a 403 for a missing role...
                    _verify(client.get(url), seen)
                    for code in FORCED:
                        response = client.get(url, headers={HEADER: code})
                        expected = 302 if gated else int(code)
                        assert response.status_code == expected, (url, code)
                        _verify(response, seen)
                # A method no rule allows here: 405 from the router.
                response = client.open(url, method="PATCH")
                assert response.status_code == 405, url
                _verify(response, seen)
                if "POST" in rule.methods:
                    # No CSRF token: 400 (or the sign-in redirect for a signed-out staff page).
                    response = client.post(url, data={"x": "y"})
                    assert response.status_code in (400, 302), (url, response.status_code)
                    _verify(response, seen)
                    # Over the size limit: the friendly 413 page.
                    big = client.post(url, data={"details": "x" * 1_100_000})
                    assert big.status_code == 413, (url, big.status_code)
                    _verify(big, seen)
    # Every url_map rule was tried, and every status in the plan was met.
    assert routes >= len(all_rules)
    assert {200, 302, 400, 403, 404, 405, 413, 422, 429, 500} <= seen["statuses"]
    # A fresh nonce on every response that rendered a page.
    assert len(seen["nonces"]) == seen["responses"]
    print(
        f"S1: {seen['responses']} responses over {routes} URLs, statuses {sorted(seen['statuses'])}"
    )
