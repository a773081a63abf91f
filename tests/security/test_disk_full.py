"""A full disk gives a clear page with what was typed kept, never a server error: on the public
question pages, on Send, at staff sign-in and on audited staff pages. The audit log never
misses a staff step: one that cannot be recorded does not happen.

The data directory is a small tmpfs filled to the last byte (a real ENOSPC from the kernel),
which needs root to mount; the tests after it make the same failures by replacing the writes,
and run anywhere."""

from __future__ import annotations

import errno
import html
import subprocess
from pathlib import Path

import pytest

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.records import audit
from forms_app.storage.drafts import Drafts
from forms_app.web.parts import EXTENSION
from tests.support.staff import PASSWORD, csrf, make_people, submit
from tests.support.walker import COMPLAINT, csrf_token, walk_to_check

STORY = "Roedd y gofalwr yn hwyr eto nos Fawrth.\nMissed tea and medicine."


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("mounting a small file system needs root; the tests below cover it too")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def data_dir(small_disk, monkeypatch):
    path = small_disk / "data"
    monkeypatch.setenv("FORMS_APP_DATA_DIR", str(path))
    monkeypatch.delenv("FORMS_APP_SETTINGS", raising=False)
    return path


@pytest.fixture
def app(data_dir):
    # tmpfs is refused as a home for real data (it is gone at a reboot): allowed for this test.
    app = create_app(str(EXAMPLE_SETTINGS), CHECK_FILESYSTEM=False)
    app.config.update(TESTING=True)
    return app


class Filler:
    """Fills the file system to its last byte, and frees it again."""

    def __init__(self, mount: Path):
        self.path = mount / "filler"

    def fill(self, leave: int = 0) -> None:
        """Fill to the last byte, then give back ``leave`` bytes."""
        block = b"\0" * 65536
        with open(self.path, "ab", buffering=0) as handle:
            for size in (65536, 4096, 512, 1):
                try:
                    while True:
                        handle.write(block[:size])
                except OSError as error:
                    assert error.errno == errno.ENOSPC
            if leave:
                handle.truncate(self.path.stat().st_size - leave)

    def free(self) -> None:
        self.path.unlink()


@pytest.fixture
def disk(small_disk):
    filler = Filler(small_disk)
    yield filler
    filler.path.unlink(missing_ok=True)


def test_a_question_page_on_a_full_disk_keeps_the_text_and_works_again(app, disk):
    client = app.test_client()
    page = client.get("/complaint/what-happened").get_data(as_text=True)
    disk.fill()
    typed = {"csrf_token": csrf_token(page), "details": STORY}
    refused = client.post("/complaint/what-happened", data=typed)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 503
    assert "We could not save your feedback just now" in body
    assert STORY in html.unescape(body)
    disk.free()
    assert client.post("/complaint/what-happened", data=typed).status_code == 302


def test_send_on_a_full_disk_says_nothing_was_sent_and_keeps_every_answer(app, app_parts, disk):
    client = app.test_client()
    # Long enough to need new blocks: a short row can still fit in a file's last block.
    answers = {**COMPLAINT, "details": "Roedd y gofal yn wael. " * 400}
    page = walk_to_check(client, "/complaint/", answers).get_data(as_text=True)
    disk.fill()
    refused = client.post("/complaint/check-your-answers", data={"csrf_token": csrf_token(page)})
    assert refused.status_code == 503
    assert "has not been sent" in refused.get_data(as_text=True)
    assert list(app_parts.store.rows("submissions")) == []
    disk.free()
    check = client.get("/complaint/check-your-answers").get_data(as_text=True)
    assert COMPLAINT["name"] in check
    sent = client.post("/complaint/check-your-answers", data={"csrf_token": csrf_token(page)})
    assert sent.status_code == 303
    assert len(list(app_parts.store.rows("submissions"))) == 1


def test_a_welsh_question_page_on_a_full_disk_says_so_in_welsh(app, disk):
    client = app.test_client()
    page = client.get("/cy/comment/comment").get_data(as_text=True)
    disk.fill()
    refused = client.post(
        "/cy/comment/comment", data={"csrf_token": csrf_token(page), "details": "Diolch yn fawr."}
    )
    assert refused.status_code == 503
    assert "Doedd dim modd i ni gadw eich adborth" in refused.get_data(as_text=True)
    assert "Diolch yn fawr." in refused.get_data(as_text=True)


def test_staff_sign_in_on_a_full_disk_is_a_clear_page_and_signs_nobody_in(app, data_dir, disk):
    make_people(data_dir, {"olive": ("Olive Officer", ["officer"], ["home-care"])})
    before = audit.verify(data_dir).entries
    client = app.test_client()
    page = client.get("/staff/sign-in").get_data(as_text=True)
    disk.fill()
    response = client.post(
        "/staff/sign-in",
        data={"username": "olive", "password": "wrong " + PASSWORD, "csrf_token": csrf(page)},
    )
    assert response.status_code == 503
    assert "could not save that just now" in response.get_data(as_text=True)
    assert response.headers["Retry-After"]
    assert PASSWORD not in response.get_data(as_text=True)
    disk.free()
    assert audit.verify(data_dir).ok
    assert audit.verify(data_dir).entries == before
    assert client.get("/staff/").status_code == 302  # still signed out


def test_an_audited_staff_page_on_a_full_disk_shows_nothing_and_logs_nothing_lost(
    signed_in, app_parts, data_dir, disk
):
    client = signed_in("olive")
    ref = submit(app_parts)
    assert client.get(f"/staff/cases/{ref}").status_code == 200
    before = audit.verify(data_dir).entries
    disk.fill()
    # The log's last block may still hold a few lines: each view is either shown and logged,
    # or refused with the clear page, never shown unlogged and never a server error.
    statuses = []
    while 503 not in statuses and len(statuses) < 500:
        response = client.get(f"/staff/cases/{ref}")
        statuses.append(response.status_code)
    assert set(statuses) <= {200, 503} and statuses[-1] == 503, statuses
    assert "could not save that just now" in response.get_data(as_text=True)
    assert "Alys Example" not in response.get_data(as_text=True)
    disk.free()
    assert audit.verify(data_dir).ok
    assert audit.verify(data_dir).entries == before + statuses.count(200)


def test_a_staff_change_with_no_room_for_its_audit_line_is_not_made(
    signed_in, app_parts, data_dir, disk
):
    # Room for the case itself but not a safe margin for its audit line as well: refused
    # before anything is written, so the log can never miss a change that was made.
    client = signed_in("olive")
    page = client.get("/staff/log").get_data(as_text=True)
    before = audit.verify(data_dir).entries
    disk.fill(leave=64 * 1024)
    response = client.post(
        "/staff/log",
        data={
            "kind": "complaint",
            "channel": "phone",
            "service": "home-care",
            "details": "Rang to say the carer did not come on Sunday.",
            "language": "en",
            "name": "Iolo Example",
            "phone": "07700 900123",
            "csrf_token": csrf(page),
            "idempotency_key": page.split('name="idempotency_key" value="')[1].split('"')[0],
        },
    )
    assert response.status_code == 503
    assert "Rang to say the carer did not come on Sunday." in response.get_data(as_text=True)
    disk.free()
    assert list(app_parts.store.rows("submissions")) == []
    assert audit.verify(data_dir).entries == before


# -- the same failures made by replacing the writes (no root needed) ------------------------


@pytest.fixture
def plain_app(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMS_APP_DATA_DIR", str(tmp_path / "plain"))
    monkeypatch.delenv("FORMS_APP_SETTINGS", raising=False)
    built = create_app(str(EXAMPLE_SETTINGS))
    built.config.update(TESTING=True)
    return built


def _no_room(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_draft_that_cannot_be_written_keeps_the_text(plain_app, monkeypatch):
    client = plain_app.test_client()
    page = client.get("/complaint/what-happened").get_data(as_text=True)
    monkeypatch.setattr(Drafts, "save", _no_room)
    refused = client.post(
        "/complaint/what-happened", data={"csrf_token": csrf_token(page), "details": STORY}
    )
    assert refused.status_code == 503
    assert STORY in html.unescape(refused.get_data(as_text=True))
    with client.session_transaction() as session:
        assert "draft" not in session


def test_an_audit_line_that_cannot_be_written_refuses_the_sign_in(plain_app, monkeypatch):
    data_dir = plain_app.extensions[EXTENSION].settings.data_dir
    secret = make_people(data_dir, {"olive": ("Olive Officer", ["officer"], ["home-care"])})
    client = plain_app.test_client()
    page = client.get("/staff/sign-in").get_data(as_text=True)
    response = client.post(
        "/staff/sign-in",
        data={"username": "olive", "password": PASSWORD, "csrf_token": csrf(page)},
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    monkeypatch.setattr(audit, "_append", _no_room)
    import pyotp

    response = client.post(
        "/staff/sign-in/code",
        data={"code": pyotp.TOTP(secret["olive"]).now(), "csrf_token": csrf(page)},
    )
    assert response.status_code == 503
    assert "could not save that just now" in response.get_data(as_text=True)
    monkeypatch.undo()
    assert client.get("/staff/").status_code == 302  # the sign-in did not happen
