"""Two real app servers (gunicorn, each with a data directory of its own) on one PostgreSQL
database: a file a person adds to their complaint through server A is listed and downloaded,
byte for byte, by staff whose requests go to server B; a letter produced on A is opened on B.
The database is the only thing the two servers share."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urljoin

import pyotp
import pytest
import requests

from forms_app.accounts.users import use_document
from forms_app.storage.postgres.accounts import DocumentTable
from forms_app.storage.shared_database import use_database
from tests.evidence import samples
from tests.support.served import Gunicorn
from tests.support.staff import PASSWORD, csrf, make_people
from tests.support.walker import ANSWERS, walk

pytestmark = pytest.mark.slow


@pytest.fixture
def two_servers(postgres_url, tmp_path):
    env = {
        "FORMS_APP_STORE_URL": postgres_url,
        "FORMS_APP_SECRET_KEY": secrets.token_hex(32),
        # Files are offered only with a scanner; outside production "none" is allowed.
        "FORMS_APP_CLAMD": "none",
    }
    servers = [Gunicorn(tmp_path / name / "data", workers=1, threads=2, env=env) for name in "ab"]
    try:
        for server in servers:
            server.data_dir.mkdir(parents=True, mode=0o700)
            server.start(timeout=60)
        yield servers
    finally:
        for server in servers:
            server.stop()


class Browser:
    """A browser without JavaScript on one server: cookies, redirects, forms."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()

    def get(self, url: str):
        response = self.session.get(urljoin(self.base_url, url), timeout=20)
        return response.url, response.status_code, response.text

    def post(self, url: str, data, files=None):
        response = self.session.post(
            urljoin(self.base_url, url), data=data, files=files, timeout=20
        )
        return response.url, response.status_code, response.text


def send_complaint_with_a_file(browser: Browser, data: bytes, name: str) -> str:
    """Walk the complaint on the public pages, adding the file on its page; the reference."""
    uploaded = []

    def post(url, form):
        if url.endswith("/add-files") and not uploaded:
            _url, status, page = browser.post(
                url,
                {"csrf_token": form["csrf_token"], "action": "upload"},
                files=[("files", (name, data, "application/octet-stream"))],
            )
            assert status == 200 and name in page, page[:2000]
            uploaded.append(name)
        return browser.post(url, form)

    sent = walk(browser.get, post, "/complaint/", ANSWERS["complaint"])
    assert uploaded, f"the journey never offered the file page: {sent.pages}"
    return sent.reference


def staff_sign_in(browser: Browser, username: str, secret: str) -> None:
    _url, _status, page = browser.get("/staff/sign-in")
    url, status, page = browser.post(
        "/staff/sign-in", {"username": username, "password": PASSWORD, "csrf_token": csrf(page)}
    )
    assert status == 200, page[:2000]
    url, status, page = browser.post(
        url, {"code": pyotp.TOTP(secret).now(), "csrf_token": csrf(page)}
    )
    assert status == 200 and "sign-in" not in url, (url, page[:2000])


def test_postgres_file_uploaded_on_one_server_is_downloaded_on_the_other_and_letters_shared(
    two_servers, postgres_url
):
    one, other = two_servers
    photo = samples.png()
    ref = send_complaint_with_a_file(Browser(one.url), photo, "broken-step.png")

    # Staff accounts are in the database too: made here, used on both servers.
    use_database(other.data_dir, postgres_url)
    use_document(other.data_dir, lambda: DocumentTable(postgres_url, "users"))
    try:
        secret = make_people(other.data_dir, {"mina": ("Mina Manager", ["manager"], [])})
    finally:
        use_document(other.data_dir, None)
        use_database(other.data_dir, "")

    staff_b = Browser(other.url)
    staff_sign_in(staff_b, "mina", secret["mina"])
    _url, status, case_page = staff_b.get(f"/staff/cases/{ref}")
    assert status == 200 and "broken-step.png" in case_page
    links = re.findall(rf'href="(/staff/cases/{ref}/files/[A-Za-z0-9_-]+)"', case_page)
    assert links, "the file is listed on server B with a link to download it"
    download = staff_b.session.get(urljoin(other.url, links[0]), timeout=20)
    assert download.status_code == 200
    assert download.content == photo
    for server in (one, other):
        assert not (server.data_dir / "evidence").exists(), "the bytes are in the database"
        held = server.data_dir / "drafts" / "files"
        assert not held.exists() or not any(held.iterdir())

    # A letter produced through server A is opened through server B.
    staff_a = Browser(one.url)
    staff_a.session.cookies.update(staff_b.session.cookies)  # one session, in the database
    _url, status, page = staff_a.get(f"/staff/cases/{ref}/letters/new/acknowledgement")
    assert status == 200, page[:2000]
    words = "We have your complaint about the evening calls. Reference checked on two servers."
    url, status, page = staff_a.post(
        f"/staff/cases/{ref}/letters/new/acknowledgement",
        {"text": words, "csrf_token": csrf(page)},
    )
    assert status == 200 and f"/staff/cases/{ref}/letters/" in url, (url, page[:2000])
    letter_path = url.split(one.url, 1)[1]
    _url, status, page = staff_b.get(letter_path)
    assert status == 200 and "Reference checked on two servers." in page
    for server in (one, other):
        assert not (server.data_dir / "letters").exists(), "the letter is in the database"
