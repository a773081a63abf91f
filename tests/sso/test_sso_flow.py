"""Single sign-on against a real OpenID provider (oidc-provider, tests/support/oidc.py) over
real HTTP, the redirects followed by ``requests`` through the provider's own login form."""

from __future__ import annotations


def test_sso_sign_in_through_the_provider_reaches_the_inbox(sso_world):
    response = sso_world.sign_in("0001-olwen")
    assert response.status_code == 200, response.text[:2000]
    assert response.url == f"{sso_world.base}/staff/"
    inbox = sso_world.http.get(f"{sso_world.base}/staff/inbox", timeout=10)
    assert inbox.status_code == 200 and "Olwen Officer" in inbox.text
