"""The staff pages on a host name of their own (``staff_host`` / FORMS_APP_STAFF_HOST): on the
public host ``/staff/`` answers the plain 404 any unknown address gets, on the staff host the
staff pages work and the public pages do not; and the same through the real nginx."""

from __future__ import annotations

import http.client
import re

import pytest

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS, load_settings
from forms_app.web.config import UnsafeConfiguration
from forms_app.web.hosts import is_staff_host, staff_url
from tests.support.staff import PEOPLE, csrf, make_people, sign_in
from tests.support.tls import TlsStack, production_env

STAFF = "staff.example.org"
PUBLIC = "forms.example.org"
NONCE = re.compile(r'nonce="[^"]*"')


@pytest.fixture
def hosted(data_dir, monkeypatch):
    """The app with the staff pages on their own host, and Olive's account."""
    monkeypatch.setenv("FORMS_APP_STAFF_HOST", STAFF)
    app = create_app(str(EXAMPLE_SETTINGS))
    app.config.update(TESTING=True)
    secrets = make_people(data_dir, {"olive": PEOPLE["olive"]})
    return app, secrets["olive"]


def _client(app, host: str):
    """A test client whose every request names ``host`` (as a browser at that address does)."""
    client = app.test_client()
    send = client.open

    def open_on_host(*args, **kwargs):
        kwargs.setdefault("base_url", f"http://{host}")
        return send(*args, **kwargs)

    client.open = open_on_host
    return client


def test_staff_pages_on_the_public_host_answer_404_like_any_unknown_address(hosted):
    app, _secret = hosted
    public = _client(app, PUBLIC)
    unknown = public.get("/no/such/page/at/all")
    assert unknown.status_code == 404
    for path in ("/staff/", "/staff", "/staff/sign-in", "/staff/admin/accounts", "/staff/cases"):
        response = public.get(path)
        assert response.status_code == 404, path
        assert NONCE.sub("", response.text) == NONCE.sub("", unknown.text), path
    # A post there is the same 404, not a form refusal that would show there is a form.
    assert public.post("/staff/sign-in", data={"username": "olive"}).status_code == 404
    # The public pages still work on the public host.
    assert public.get("/").status_code == 200


def test_staff_pages_work_on_the_staff_host_and_the_public_ones_do_not(hosted):
    app, secret = hosted
    staff = _client(app, STAFF)
    done = sign_in(staff, "olive", secret)
    assert done.status_code == 302
    assert done.headers["Location"] in ("/staff/", f"http://{STAFF}/staff/")
    home = staff.get("/staff/")
    assert home.status_code == 200 and "Olive Officer" in home.text
    # Links in the page are relative, so they stay on the staff host.
    assert not re.search(rf'href="https?://(?!{re.escape(STAFF)})[^"]*/staff', home.text)
    assert staff.get("/static/app.css").status_code == 200
    front = staff.get("/")
    assert front.status_code == 302 and front.headers["Location"].endswith("/staff/")
    assert staff.get("/complaint/").status_code == 404
    # The staff host with a port is still the staff host (the setting names no port).
    assert _client(app, f"{STAFF}:8443").get("/staff/sign-in").status_code == 200


def test_the_staff_session_cookie_stays_on_the_staff_host(hosted):
    app, _secret = hosted
    staff = _client(app, STAFF)
    page = staff.get("/staff/sign-in")
    response = staff.post(
        "/staff/sign-in",
        data={"username": "olive", "password": "x" * 12, "csrf_token": csrf(page.text)},
    )
    cookies = response.headers.getlist("Set-Cookie") + page.headers.getlist("Set-Cookie")
    assert cookies and not any("domain=" in cookie.lower() for cookie in cookies)


def test_without_the_setting_staff_pages_answer_on_any_host(app):
    assert _client(app, PUBLIC).get("/staff/sign-in").status_code == 200
    assert _client(app, STAFF).get("/").status_code == 200


def test_links_in_emails_use_the_staff_host(monkeypatch):
    settings = load_settings(EXAMPLE_SETTINGS)
    assert staff_url(settings) == settings.form_url
    monkeypatch.setenv("FORMS_APP_STAFF_HOST", STAFF)
    assert staff_url(settings) == f"http://{STAFF}"  # the scheme of form_url


@pytest.mark.parametrize(
    ("configured", "host", "matches"),
    [
        (STAFF, STAFF, True),
        (STAFF, f"{STAFF}:443", True),
        (STAFF, STAFF.upper(), True),
        (STAFF, f"{STAFF}.", True),
        (STAFF, f"evil.{STAFF}", False),
        (STAFF, f"{STAFF}.evil.example", False),
        (STAFF, PUBLIC, False),
        (f"{STAFF}:8443", f"{STAFF}:8443", True),
        (f"{STAFF}:8443", STAFF, False),
        (f"{STAFF}:8443", f"{STAFF}:443", False),
    ],
)
def test_which_hosts_are_the_staff_host(configured, host, matches):
    assert is_staff_host(host, configured) is matches


@pytest.mark.parametrize(
    "value", ["https://staff.example.org", "staff.example.org/staff", "staff example", "127.0.0.1"]
)
def test_a_staff_host_that_is_not_a_host_name_of_its_own_stops_the_app(
    data_dir, monkeypatch, value
):
    # The last one is the public host of the example settings' form_url.
    monkeypatch.setenv("FORMS_APP_STAFF_HOST", value)
    with pytest.raises(UnsafeConfiguration, match="staff_host"):
        create_app(str(EXAMPLE_SETTINGS))


@pytest.mark.slow
def test_through_nginx_staff_pages_answer_only_on_the_staff_host(tmp_path):
    stack = TlsStack(tmp_path, env={**production_env(), "FORMS_APP_STAFF_HOST": STAFF})
    try:
        stack.start()

        def get(path: str, host: str) -> int:
            connection = http.client.HTTPSConnection(
                "127.0.0.1", stack.port, context=stack.certificates.client_context(), timeout=20
            )
            try:
                connection.request("GET", path, headers={"Host": host})
                response = connection.getresponse()
                response.read()
                return response.status
            finally:
                connection.close()

        public_host = f"127.0.0.1:{stack.port}"
        assert get("/staff/sign-in", public_host) == 404
        assert get("/staff/", public_host) == 404
        assert get("/", public_host) == 200
        assert get("/staff/sign-in", STAFF) == 200
        assert get("/staff/sign-in", f"{STAFF}:{stack.port}") == 200
        assert get("/complaint/", STAFF) == 404
    finally:
        stack.stop()
