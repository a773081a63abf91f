"""Single sign-on against a real OpenID provider (oidc-provider, tests/support/oidc.py) over
real HTTP, the redirects followed by ``requests`` through the provider's own login form."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from forms_app.accounts import UserBook
from tests.support.oidc import _form
from tests.support.staff import PASSWORD, csrf, make_people

pytestmark = pytest.mark.slow


def test_sso_sign_in_through_the_provider_reaches_the_inbox(sso_world):
    response = sso_world.sign_in("0001-olwen")
    assert response.status_code == 200, response.text[:2000]
    assert response.url == f"{sso_world.base}/staff/"
    inbox = sso_world.http.get(f"{sso_world.base}/staff/inbox", timeout=10)
    assert inbox.status_code == 200 and "Olwen Officer" in inbox.text
    account = UserBook(sso_world.data_dir).get("olwen.officer")
    assert (account.source, account.roles, account.services) == (
        "directory",
        ["officer"],
        ["home-care"],
    )
    assert any(
        e["action"] == "sign_in" and e["actor"] == "olwen.officer" for e in sso_world.audit()
    )


def test_sso_authorization_request_uses_pkce_s256_state_and_nonce(sso_world):
    start = sso_world.http.get(
        f"{sso_world.base}/staff/sign-in/directory", allow_redirects=False, timeout=10
    )
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url of a SHA-256
    assert len(query["state"][0]) >= 43 and len(query["nonce"][0]) >= 43
    assert query["response_type"] == ["code"]


def test_sso_roles_are_refreshed_at_each_sign_in(sso_world):
    sso_world.sign_in("0001-olwen")
    assert UserBook(sso_world.data_dir).get("olwen.officer").roles == ["officer"]
    sso_world.provider.set_account(
        "0001-olwen", roles=["Casework.Officer", "Casework.Manager"], groups=["grp-mental-health"]
    )
    fresh = requests.Session()
    sign_in = sso_world.sign_in  # the same person, a new browser
    sso_world.http = fresh
    assert sign_in("0001-olwen").status_code == 200
    account = UserBook(sso_world.data_dir).get("olwen.officer")
    assert (account.roles, account.services) == (["officer", "manager"], ["mental-health"])
    weekly = fresh.get(f"{sso_world.base}/staff/weekly", timeout=10)
    assert weekly.status_code == 200


def test_sso_role_removed_in_the_provider_leaves_less_access_then_none(sso_world):
    sso_world.sign_in("0002-macsen")
    assert sso_world.http.get(f"{sso_world.base}/staff/weekly", timeout=10).status_code == 200
    # A mover: no longer a manager. At the next sign-in the manager's pages are closed.
    sso_world.provider.set_account("0002-macsen", roles=["Casework.Officer"])
    sso_world.http = requests.Session()
    sso_world.sign_in("0002-macsen")
    assert sso_world.http.get(f"{sso_world.base}/staff/weekly", timeout=10).status_code == 403
    # A leaver: no role at all. The next sign-in is refused, and the account has no roles.
    still_open = sso_world.http
    sso_world.provider.set_account("0002-macsen", roles=[])
    sso_world.http = requests.Session()
    refused = sso_world.sign_in("0002-macsen")
    assert refused.status_code == 403
    assert "You do not have access to this service" in refused.text
    assert UserBook(sso_world.data_dir).get("macsen.manager").roles == []
    # The session the mover had left open elsewhere ended with the refused sign-in.
    assert not sso_world.signed_in(still_open)


def test_sso_person_whose_claims_map_to_no_role_gets_the_no_access_page(sso_world):
    response = sso_world.sign_in("0003-nobody")
    assert response.status_code == 403
    assert "You do not have access to this service" in response.text
    assert "Riverside staff directory" in response.text
    assert not sso_world.signed_in()
    # No account is made for them, so no default role could ever creep in.
    assert UserBook(sso_world.data_dir).all() == []
    assert any(e["action"] == "sign_in.refused" for e in sso_world.audit())


def test_sso_replayed_state_is_refused(sso_world):
    redirect = sso_world.sign_in("0001-olwen", stop_at_callback=True)
    callback = urljoin(redirect.url, redirect.headers["Location"])
    cookies = sso_world.http.cookies.copy()
    first = sso_world.http.get(callback, timeout=10)
    assert first.status_code == 200 and first.url == f"{sso_world.base}/staff/"
    # The same callback again, with the cookie as it was before the first use.
    again = requests.Session()
    again.cookies.update(cookies)
    replayed = again.get(callback, timeout=10, allow_redirects=False)
    assert replayed.status_code == 400
    assert "expired or has already been used" in replayed.text
    assert not sso_world.signed_in(again)


def test_sso_callback_in_another_browser_is_refused(sso_world):
    # A callback address (code and state) carried to a browser that did not start the sign-in:
    # the state is not this browser's, so the code is never used.
    redirect = sso_world.sign_in("0001-olwen", stop_at_callback=True)
    callback = urljoin(redirect.url, redirect.headers["Location"])
    other = requests.Session()
    refused = other.get(callback, timeout=10, allow_redirects=False)
    assert refused.status_code == 400
    assert not sso_world.signed_in(other)
    # Nor does it work afterwards in the right browser: the state was used up.
    assert sso_world.http.get(callback, timeout=10, allow_redirects=False).status_code == 400


def test_sso_local_accounts_switched_off_refuses_the_password_and_shows_only_the_button(
    make_sso_world,
):
    world = make_sso_world(local_accounts=False)
    secrets_by_user = make_people(world.data_dir, {"ada": ("Ada Admin", ["admin"], [])})
    page = world.http.get(f"{world.base}/staff/sign-in", timeout=10)
    assert "Sign in with Riverside staff directory" in page.text
    assert 'name="password"' not in page.text
    # The sign-in page has no form now: a valid CSRF token for this browser comes from a
    # public question page, so the refusal below is ours, not the CSRF check's.
    token = csrf(world.http.get(f"{world.base}/complaint/is-it-urgent", timeout=10).text)
    refused = world.http.post(
        f"{world.base}/staff/sign-in",
        data={"username": "ada", "password": PASSWORD, "csrf_token": token},
        timeout=10,
        allow_redirects=False,
    )
    assert refused.status_code == 403
    assert "switched off" in refused.text
    # The code step is closed too, whatever the cookie says.
    code = world.http.post(
        f"{world.base}/staff/sign-in/code",
        data={"code": "123456", "csrf_token": token},
        timeout=10,
        allow_redirects=False,
    )
    assert code.status_code == 403
    assert not world.signed_in()
    assert secrets_by_user["ada"]  # the local account exists and still could not sign in
    # Single sign-on still works.
    assert world.sign_in("0001-olwen").url == f"{world.base}/staff/"


def test_sso_with_local_accounts_on_both_ways_are_offered(sso_world):
    page = sso_world.http.get(f"{sso_world.base}/staff/sign-in", timeout=10)
    assert "Sign in with Riverside staff directory" in page.text
    assert 'name="password"' in page.text


def _provider_sign_out(http: requests.Session, issuer: str) -> requests.Response:
    """Sign out at the provider itself (as the person would in another application, or their
    IT would): its end-session page asks to confirm, and the form says yes."""
    page = http.get(f"{issuer}/session/end", timeout=10)
    action, fields = _form(page.text, page.url)
    fields["logout"] = "yes"
    return http.post(action, data=fields, timeout=10)


def test_sso_back_channel_logout_from_the_provider_ends_our_session(sso_world):
    sso_world.sign_in("0001-olwen")
    assert sso_world.signed_in()
    done = _provider_sign_out(sso_world.http, sso_world.provider.issuer)
    assert done.status_code == 200, done.text[:500]
    # The provider called our back-channel logout address before answering: the next request
    # is signed out, though this browser never told us anything.
    home = sso_world.http.get(f"{sso_world.base}/staff/", timeout=10, allow_redirects=False)
    assert home.status_code == 302 and "/staff/sign-in" in home.headers["Location"]
    assert "backchannel.success" in sso_world.provider.log()
    assert any(
        e["action"] == "sign_out" and "back-channel" in e.get("detail", "")
        for e in sso_world.audit()
    )


def test_sso_back_channel_logout_ends_only_that_persons_sessions(sso_world):
    sso_world.sign_in("0001-olwen")
    olwen = sso_world.http
    sso_world.http = requests.Session()
    sso_world.sign_in("0002-macsen")
    _provider_sign_out(olwen, sso_world.provider.issuer)
    assert not sso_world.signed_in(olwen)
    assert sso_world.signed_in(sso_world.http)


def test_sso_sign_out_sends_the_person_to_the_provider_with_the_id_token_hint(sso_world):
    sso_world.sign_in("0001-olwen")
    home = sso_world.http.get(f"{sso_world.base}/staff/", timeout=10)
    out = sso_world.http.post(
        f"{sso_world.base}/staff/sign-out",
        data={"csrf_token": csrf(home.text)},
        timeout=10,
        allow_redirects=False,
    )
    # A page that goes straight on to the provider (a redirect would be blocked by the
    # content security policy's form-action for a form's response).
    assert out.status_code == 200
    refresh = re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', out.text)
    assert refresh, out.text[:1000]
    target = urlsplit(html.unescape(refresh.group(1)))
    query = parse_qs(target.query)
    assert f"{target.scheme}://{target.netloc}{target.path}" == (
        f"{sso_world.provider.issuer}/session/end"
    )
    assert query["post_logout_redirect_uri"] == [f"{sso_world.base}/staff/signed-out"]
    assert re.fullmatch(r"[\w-]+\.[\w-]+\.[\w-]+", query["id_token_hint"][0])
    assert not sso_world.signed_in()
