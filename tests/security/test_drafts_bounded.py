"""Drafts cannot fill the disk: anyone can start one without signing in, so what one draft
holds, how many one network keeps and how long an idle one lives are all bounded, and a sent
complaint's answers leave the drafts folder."""

from __future__ import annotations

import html
import os
import re
import time
from pathlib import Path

import pytest

from forms_app.cli.data import purge_drafts_command
from forms_app.public import ratelimit
from forms_app.storage.drafts import DRAFT_IDLE_SECONDS, PER_OWNER
from tests.support.walker import COMPLAINT, csrf_token, walk_to_check


def _drafts(data_dir: Path) -> list[Path]:
    folder = data_dir / "drafts"
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def _total(data_dir: Path) -> int:
    return sum(path.stat().st_size for path in _drafts(data_dir))


def _messages(page: str) -> list[str]:
    return re.findall(r'<a href="#[^"]+">([^<]+)</a>', page.split("govuk-error-summary")[-1])


def _lift_page_limits(app, app_parts):
    # Hundreds of posts from 127.0.0.1: the per-address page limits are not under test here.
    app.extensions["forms_ratelimit"] = ratelimit.RateLimiter(
        app_parts.settings.data_dir, "k", {n: ratelimit.Rule(n, 0, 60) for n in ("send", "post")}
    )


@pytest.mark.parametrize(
    ("url", "typed", "shown"),
    [
        ("/comment/comment", {"details": "Rhy hir " * 2_000}, "Rhy hir " * 2_000),
        (
            "/complaint/what-happened",
            {"details": "Ok", "happened_on-day": "9" * 400_000},
            "9" * 400_000,
        ),
    ],
    ids=["text over its length", "date parts of any length"],
)
def test_a_language_switch_with_an_answer_too_long_stores_nothing_and_says_so(
    client, data_dir, url, typed, shown
):
    page = client.get(url).get_data(as_text=True)
    usual = client.post(url, data={"csrf_token": csrf_token(page), **typed})
    assert usual.status_code == 400 and _total(data_dir) == 0
    response = client.post(
        url, data={"csrf_token": csrf_token(page), **typed, "switch_language": "cy"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    # The same messages as without the switch (the field's own "too long" words), and the
    # text kept in the form.
    assert _messages(body) == _messages(usual.get_data(as_text=True)) != []
    assert shown.strip() in html.unescape(body)
    assert _total(data_dir) < 2_000, [p.name for p in _drafts(data_dir)]


def test_five_hundred_new_drafts_from_one_address_stay_small(app, app_parts, data_dir):
    _lift_page_limits(app, app_parts)
    client = app.test_client()
    token = csrf_token(client.get("/comment/comment").get_data(as_text=True))
    longest = "Gofal da iawn. " * 666  # just under the 10,000 characters allowed
    statuses = []
    for _ in range(500):
        with client.session_transaction() as session:
            session.pop("draft", None)  # each post starts a new draft, as a new browser would
        response = client.post("/comment/comment", data={"csrf_token": token, "details": longest})
        statuses.append(response.status_code)
    assert statuses[:PER_OWNER] == [302] * PER_OWNER
    assert set(statuses[PER_OWNER:]) == {429}
    refused = response.get_data(as_text=True)
    assert "cannot keep answers between pages" in refused
    assert longest.strip() in html.unescape(refused)
    assert len(_drafts(data_dir)) == PER_OWNER
    assert _total(data_dir) < 1_100_000  # 100 drafts of 10,000 characters


def test_another_network_can_still_start_a_draft_when_one_is_full(app, app_parts, data_dir):
    _lift_page_limits(app, app_parts)
    app_parts.drafts.per_owner = 2
    client = app.test_client()
    token = csrf_token(client.get("/comment/comment").get_data(as_text=True))
    statuses = []
    for address in ["198.51.100.7"] * 3 + ["2001:db8:5:6::1", "2001:db8:5:6::2"]:
        with client.session_transaction() as session:
            session.pop("draft", None)
        statuses.append(
            client.post(
                "/comment/comment",
                data={"csrf_token": token, "details": "Diolch."},
                environ_base={"REMOTE_ADDR": address},
            ).status_code
        )
    assert statuses == [302, 302, 429, 302, 302]


def test_a_refused_draft_gives_no_cookie_and_the_welsh_page_says_why(app, app_parts):
    app_parts.drafts.per_owner = 0
    client = app.test_client()
    page = client.get("/cy/comment/comment").get_data(as_text=True)
    response = client.post(
        "/cy/comment/comment", data={"csrf_token": csrf_token(page), "details": "Diolch."}
    )
    assert response.status_code == 429
    assert "Diolch." in response.get_data(as_text=True)
    assert "Allwn ni ddim cadw atebion" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "draft" not in session


def test_the_sent_complaints_answers_leave_the_drafts_folder(client, app_parts, data_dir):
    page = walk_to_check(client, "/complaint/", COMPLAINT).get_data(as_text=True)
    before = b"".join(path.read_bytes() for path in _drafts(data_dir))
    assert COMPLAINT["name"].encode() in before
    sent = client.post("/complaint/check-your-answers", data={"csrf_token": csrf_token(page)})
    assert sent.status_code == 303
    left = _drafts(data_dir)
    assert [path.suffix for path in left] == [".sent"]
    text = left[0].read_text("utf-8")
    for value in ("Dafydd Parry", "dafydd.parry@example.com", "07700 900123", "Gwenllian"):
        assert value not in text
    # A second click on Send still finds the reference, not a fresh start.
    again = client.post("/complaint/check-your-answers", data={"csrf_token": csrf_token(page)})
    assert again.headers["Location"].endswith("/complaint/confirmation")
    assert "data-reference" in client.get("/complaint/confirmation").get_data(as_text=True)
    assert len(list(app_parts.store.rows("submissions"))) == 1


def _age(paths, seconds: float) -> None:
    old = time.time() - seconds
    for path in paths:
        os.utime(path, (old, old))


def test_an_idle_draft_is_purged_by_the_command(app, client, data_dir):
    page = client.get("/comment/comment").get_data(as_text=True)
    client.post("/comment/comment", data={"csrf_token": csrf_token(page), "details": "Hwyl."})
    (draft,) = _drafts(data_dir)
    fresh = app.test_client()
    fresh.post(
        "/comment/comment",
        data={
            "csrf_token": csrf_token(fresh.get("/comment/comment").get_data(as_text=True)),
            "details": "Newydd.",
        },
    )
    _age([draft], DRAFT_IDLE_SECONDS + 60)
    result = app.test_cli_runner().invoke(purge_drafts_command, [])
    assert result.exit_code == 0, result.output
    assert "removed 1 drafts" in result.output
    assert not draft.exists()
    assert len(_drafts(data_dir)) == 1  # the one changed a moment ago stays
    assert client.get("/comment/comment").get_data(as_text=True).count("Hwyl.") == 0


def test_an_idle_draft_is_purged_by_the_app_without_the_timer(app, app_parts, client, data_dir):
    page = client.get("/comment/comment").get_data(as_text=True)
    client.post("/comment/comment", data={"csrf_token": csrf_token(page), "details": "Hwyl."})
    (draft,) = _drafts(data_dir)
    _age([draft, draft.parent], DRAFT_IDLE_SECONDS + 60)
    other = app.test_client()
    token = csrf_token(other.get("/comment/comment").get_data(as_text=True))
    other.post("/comment/comment", data={"csrf_token": token, "details": "Helo."})
    assert draft.exists()  # purged at most every few minutes, and start-up has just purged
    app_parts.drafts._next_purge = 0.0  # a few minutes later
    other.post("/comment/comment", data={"csrf_token": token, "details": "Helo eto."})
    assert not draft.exists()
    assert len(_drafts(data_dir)) == 1
