"""Account management in the browser (``/staff/admin/accounts``): an admin adds, disables,
enables and changes accounts through the pages, each change lands in the audit log with the
admin's name, the rules hold (the last active admin stays, nobody raises their own access),
and bad input is shown back with an error summary, never a server error."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime

import pyotp
import pytest

from forms_app.accounts import UserBook
from forms_app.accounts.administration import AccountRefused, Administration
from forms_app.cli.staff import users_command
from forms_app.staff.sessions import SessionStore
from tests.support.staff import PASSWORD, PEOPLE, csrf, make_people, sign_in

NEW = {
    "name": "Ceri Jones",
    "username": "ceri",
    "email": "ceri@staff.example.org",
    "roles": ["officer"],
    "services": ["home-care"],
}


def _audit(data_dir) -> list[dict]:
    path = data_dir / "audit.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _changes(data_dir) -> list[tuple[str, str, str]]:
    """(action, actor, detail) of every account change in the audit log, in order."""
    return [
        (entry["action"], entry["actor"], entry["detail"])
        for entry in _audit(data_dir)
        if entry["action"].startswith("account.") and entry["action"] != "account.view"
    ]


def _post(client, url, data=None, page_url=None):
    page = client.get(page_url or url)
    assert page.status_code == 200, (page_url or url, page.status_code)
    return client.post(url, data={**(data or {}), "csrf_token": csrf(page.text)})


def _shown(response, name: str) -> str:
    match = re.search(rf"data-{name}(?:=\"[^\"]*\")?>([^<]+)<", response.text)
    assert match, f"no {name} on the page"
    return html.unescape(match.group(1))


def _secret(response) -> str:
    match = re.search(r'data-secret="([A-Z2-7]+)"', response.text)
    assert match, "no second-factor secret on the page"
    return match.group(1)


def test_an_admin_adds_disables_enables_and_changes_roles_and_each_change_is_audited(
    signed_in, data_dir
):
    ada = signed_in("ada")
    book = UserBook(data_dir)
    listing = ada.get("/staff/admin/accounts")
    assert listing.status_code == 200 and "Ada Admin" in listing.text

    added = _post(ada, "/staff/admin/accounts/new", NEW)
    assert added.status_code == 200, added.text[:3000]
    ceri = book.get("ceri")
    assert ceri.name == "Ceri Jones" and ceri.roles == ["officer"]
    assert ceri.services == ["home-care"] and ceri.email == NEW["email"]
    assert _secret(added) == ceri.totp_secret
    assert "otpauth://totp/" in added.text
    password = _shown(added, "password")
    assert book.check_password("ceri", password, datetime.now(UTC)) is not None

    confirm = ada.get("/staff/admin/accounts/ceri/disable")
    assert confirm.status_code == 200 and "Disable the account of Ceri Jones?" in confirm.text
    disabled = _post(ada, "/staff/admin/accounts/ceri/disable")
    assert disabled.status_code == 302 and book.get("ceri").disabled
    assert "Account disabled" in ada.get(disabled.headers["Location"]).text

    enabled = _post(ada, "/staff/admin/accounts/ceri/enable", page_url="/staff/admin/accounts/ceri")
    assert enabled.status_code == 302 and not book.get("ceri").disabled

    changed = _post(
        ada,
        "/staff/admin/accounts/ceri/roles",
        {"roles": ["manager", "officer"], "services": ["home-care", "mental-health"]},
    )
    assert changed.status_code == 302
    assert book.get("ceri").roles == ["manager", "officer"]
    assert book.get("ceri").services == ["home-care", "mental-health"]

    assert _changes(data_dir) == [
        ("account.add", "ada", "ceri roles=officer services=home-care"),
        ("account.disable", "ada", "ceri"),
        ("account.enable", "ada", "ceri"),
        (
            "account.set_roles",
            "ada",
            "ceri roles=manager,officer services=home-care,mental-health",
        ),
    ]
    # The password and the secret were shown once: the account's page has neither.
    page = ada.get("/staff/admin/accounts/ceri").text
    assert password not in page and ceri.totp_secret not in page


def test_a_new_account_signs_in_with_what_was_shown_once(signed_in, app):
    ada = signed_in("ada")
    added = _post(ada, "/staff/admin/accounts/new", NEW)
    password, secret = _shown(added, "password"), _secret(added)
    client = app.test_client()
    page = client.get("/staff/sign-in")
    step = client.post(
        "/staff/sign-in",
        data={"username": "ceri", "password": password, "csrf_token": csrf(page.text)},
    )
    assert step.status_code == 302
    page = client.get(step.headers["Location"])
    done = client.post(
        "/staff/sign-in/code",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf(page.text)},
    )
    assert done.status_code == 302 and client.get("/staff/").status_code == 200
    # ... and the list shows when.
    listing = ada.get("/staff/admin/accounts").text
    row = listing[listing.index("Ceri Jones") :].split("</tr>")[0]
    assert "Never" not in row and "Active" in row


def test_disabling_an_account_ends_its_sessions_at_once(signed_in, app, data_dir):
    ada = signed_in("ada")
    olive = app.test_client()
    secret = (
        UserBook(data_dir)
        .add("olive", name="Olive Officer", password=PASSWORD, roles=["officer"])
        .totp_secret
    )
    sign_in(olive, "olive", secret)
    assert olive.get("/staff/").status_code == 200
    assert _post(ada, "/staff/admin/accounts/olive/disable").status_code == 302
    assert list((data_dir / "staff_sessions").glob("*.json")) != []  # ada's is still there
    assert SessionStore(data_dir).end_all("olive") == 0  # none of olive's was left
    gone = olive.get("/staff/")
    assert gone.status_code == 302 and "/staff/sign-in" in gone.headers["Location"]


def _admin_urls(app) -> list[tuple[str, set[str]]]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/staff/admin") or rule.endpoint == "staff.accounts":
            path = rule.build({"username": "olive"}, append_unknown=False)[1]
            urls.append((path, rule.methods & {"GET", "POST"}))
    return sorted(urls)


def test_a_non_admin_gets_403_on_every_admin_url(signed_in, app, data_dir):
    mina = signed_in("mina", others=("olive",))
    urls = _admin_urls(app)
    assert len(urls) >= 8
    token = csrf(mina.get("/staff/").text)
    before = (data_dir / "users.json").read_bytes()
    for path, methods in urls:
        if "GET" in methods:
            assert mina.get(path).status_code == 403, path
        if "POST" in methods:
            data = {"csrf_token": token, **NEW, "roles": ["admin", "manager"]}
            assert mina.post(path, data=data).status_code == 403, path
    assert (data_dir / "users.json").read_bytes() == before
    assert not any(entry["action"].startswith("account.") for entry in _audit(data_dir))


def test_the_last_active_admin_cannot_be_disabled_or_lose_the_admin_role(signed_in, data_dir, app):
    ada = signed_in("ada", others=("olive",))
    book = UserBook(data_dir)
    runner = app.test_cli_runner()
    both = ["set-roles", "ada", "--role", "admin", "--role", "manager"]
    assert runner.invoke(users_command, both).exit_code == 0
    # Keeping only the manager role (a lowering, which is allowed) would leave no admin.
    refused = _post(ada, "/staff/admin/accounts/ada/roles", {"roles": ["manager"]})
    assert refused.status_code == 400
    assert "You cannot take the admin role from the last active admin" in refused.text
    assert book.get("ada").roles == ["admin", "manager"]
    # Through the command line too (the same rules): neither disable nor set-roles.
    disable = runner.invoke(users_command, ["disable", "ada"])
    assert disable.exit_code != 0 and "last active admin" in disable.output
    demote = runner.invoke(users_command, ["set-roles", "ada", "--role", "officer"])
    assert demote.exit_code != 0 and "last active admin" in demote.output
    assert book.get("ada").active and book.get("ada").roles == ["admin", "manager"]

    # With a second admin, one of two admins disabling each other wins, never both.
    book.add("abe", name="Abe Admin", password=PASSWORD, roles=["admin"])

    def rules(actor):
        return Administration(
            book, actor=actor, services=[], record=lambda change: None, end_sessions=str
        )

    rules("abe").disable("ada")
    with pytest.raises(AccountRefused, match="last active admin"):
        rules("ada").disable("abe")
    assert [u.username for u in book.with_role("admin")] == ["abe"]


def test_an_admin_cannot_raise_their_own_roles(signed_in, data_dir):
    ada = signed_in("ada", others=("mina",))
    book = UserBook(data_dir)
    for data, message in (
        ({"roles": ["admin", "manager"]}, "You cannot add roles to your own account"),
        ({"roles": ["admin"], "services": ["home-care"]}, "You cannot add services"),
    ):
        refused = _post(ada, "/staff/admin/accounts/ada/roles", data)
        assert refused.status_code == 400 and message in refused.text
        assert "There is a problem" in refused.text
    assert book.get("ada").roles == ["admin"] and book.get("ada").services == []
    # Nor give yourself admin through another door: disabling yourself is refused too.
    refused = _post(ada, "/staff/admin/accounts/ada/disable")
    assert refused.status_code == 400 and "You cannot disable your own account" in refused.text
    assert book.get("ada").active
    # Raising someone else is an admin's job.
    assert _post(ada, "/staff/admin/accounts/mina/roles", {"roles": ["manager", "publisher"]})
    assert book.get("mina").roles == ["manager", "publisher"]
    assert not any(
        action == "account.set_roles" and "ada" in detail.split()[0]
        for action, _actor, detail in _changes(data_dir)
    )


def test_resetting_the_second_factor_makes_the_old_code_fail(signed_in, data_dir, app):
    ada = signed_in("ada")
    book = UserBook(data_dir)
    old = book.add("olive", name="Olive Officer", password=PASSWORD, roles=["officer"]).totp_secret
    olive = app.test_client()
    sign_in(olive, "olive", old)
    confirm = ada.get("/staff/admin/accounts/olive/second-factor")
    assert confirm.status_code == 200 and "Reset the second factor" in confirm.text
    reset = _post(ada, "/staff/admin/accounts/olive/second-factor")
    assert reset.status_code == 200
    new = _secret(reset)
    assert new != old and book.get("olive").totp_secret == new
    now = datetime.now(UTC)
    assert book.check_code("olive", pyotp.TOTP(old).at(now), now) is None
    assert book.check_code("olive", pyotp.TOTP(new).at(now), now) is not None
    assert olive.get("/staff/").status_code == 302  # signed out by the reset
    assert ("account.reset_totp", "ada", "olive") in _changes(data_dir)


def test_unlock_clears_the_back_off(signed_in, data_dir):
    ada = signed_in("ada")
    book = UserBook(data_dir)
    book.add("olive", name="Olive Officer", password=PASSWORD, roles=["officer"])
    now = datetime.now(UTC)
    for _ in range(5):
        assert book.check_password("olive", "not the password at all", now) is None
    assert book.get("olive").locked(now)
    assert book.check_password("olive", PASSWORD, now) is None
    page = ada.get("/staff/admin/accounts/olive").text
    assert "Locked: backing off until" in page
    assert "Locked: backing off" in ada.get("/staff/admin/accounts").text
    unlocked = _post(
        ada, "/staff/admin/accounts/olive/unlock", page_url="/staff/admin/accounts/olive"
    )
    assert unlocked.status_code == 302
    account = book.get("olive")
    assert not account.locked(now) and account.failures == 0
    assert book.check_password("olive", PASSWORD, now) is not None
    assert ("account.unlock", "ada", "olive") in _changes(data_dir)


LONG_NAME = "Ceri " * 2_000  # 10,000 characters
BAD_INPUT = [
    ({"name": ""}, "Enter the person&#39;s full name", "ceri"),
    ({"username": "olive"}, "There is already an account with that username", "Ceri Jones"),
    ({"roles": ["officer", "superuser"]}, "Choose roles from the list", "Ceri Jones"),
    ({"roles": []}, "Choose at least one role", "Ceri Jones"),
    ({"services": ["no-such-service"]}, "Choose services from the list", "Ceri Jones"),
    ({"name": LONG_NAME}, "A name must be 100 characters or fewer", LONG_NAME.strip()),
    ({"name": "Ceri\x00Jones"}, "A name cannot contain control or invisible", "CeriJones"),
    ({"username": "ce\x00ri"}, "A username must be 2 to 40 characters", "Ceri Jones"),
    ({"email": "ceri\x00@example.org"}, "Enter an email address in the correct", "Ceri Jones"),
    ({"username": "Ceri Jones!"}, "A username must be 2 to 40 characters", "Ceri Jones!"),
]


@pytest.mark.parametrize(("change", "message", "kept"), BAD_INPUT)
def test_bad_input_gives_an_error_summary_and_keeps_what_was_typed(
    signed_in, data_dir, change, message, kept
):
    ada = signed_in("ada", others=("olive",))
    before = (data_dir / "users.json").read_bytes()
    response = _post(ada, "/staff/admin/accounts/new", {**NEW, **change})
    assert response.status_code == 400
    assert "There is a problem" in response.text and message in response.text
    assert 'class="govuk-error-summary' in response.text
    assert html.escape(kept) in response.text
    assert (data_dir / "users.json").read_bytes() == before
    # The error summary links to the field in question.
    assert re.search(r'href="#(name|username|email|roles|services)"', response.text)


def test_bad_roles_on_the_change_page_are_shown_back_never_a_server_error(signed_in, data_dir):
    ada = signed_in("ada", others=("olive",))
    for roles, message in (
        (["officer", "root"], "Choose roles from the list"),
        (["officer\x00"], "Choose roles from the list"),
        ([], "Choose at least one role"),
    ):
        response = _post(ada, "/staff/admin/accounts/olive/roles", {"roles": roles})
        assert response.status_code == 400 and message in response.text
    assert UserBook(data_dir).get("olive").roles == PEOPLE["olive"][1]
    assert ada.get("/staff/admin/accounts/nobody").status_code == 404


def test_the_cli_writes_the_same_audit_lines_as_the_pages(app, data_dir):
    make_people(data_dir, {"ada": PEOPLE["ada"], "olive": PEOPLE["olive"]})
    runner = app.test_cli_runner()
    assert runner.invoke(users_command, ["disable", "olive"]).exit_code == 0
    assert runner.invoke(users_command, ["enable", "olive"]).exit_code == 0
    assert runner.invoke(users_command, ["unlock", "olive"]).exit_code == 0
    assert _changes(data_dir) == [
        ("account.disable", "cli", "olive"),
        ("account.enable", "cli", "olive"),
        ("account.unlock", "cli", "olive"),
    ]
