"""Several organisations on one deployment (``forms_app.web.hosting``), served by gunicorn and
reached by host name: nothing one organisation holds can be seen, opened or signed in to from
another's hosts, and the hosting refuses to start when organisations would share anything."""

from __future__ import annotations

import re

import pyotp
import pytest
import yaml

from forms_app.accounts.users import use_document
from forms_app.storage.postgres.accounts import DocumentTable
from forms_app.web.hosting import HostingError, create_hosting, host_name, read_hosting
from tests.support.hosted import (
    HostClient,
    HostedGunicorn,
    hosting_file,
    organisation_settings,
)
from tests.support.postgres import postgres_server  # noqa: F401 - the session's server
from tests.support.staff import PASSWORD, make_people
from tests.support.walker import COMPLAINT, walk

pytestmark = pytest.mark.slow

#: Two invented organisations, each with a public and a staff host name.
NORTHMOOR = {
    "name": "Northmoor Community Care",
    "public": "feedback.northmoor.example.org",
    "staff": "staff.northmoor.example.org",
    "manager": ("alaw", ("Alaw Manager", ["manager"], [])),
}
TEGFAN = {
    "name": "Tegfan Health Partnership",
    "public": "adborth.tegfan.example.org",
    "staff": "staff.tegfan.example.org",
    "manager": ("bryn", ("Bryn Manager", ["manager"], [])),
}
TEGFAN_CSS = "Tegfan's own stylesheet"
SECRET = re.compile(r"data-tracking-secret>([^<]+)<")


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _sign_in(client: HostClient, username: str, totp_secret: str) -> int:
    """Sign in through the two pages; the status of the code page's answer (302 when in)."""
    _, _, page = client.get("/staff/sign-in")
    _, status, page = client.post(
        "/staff/sign-in",
        {"username": username, "password": PASSWORD, "csrf_token": _csrf(page)},
        follow=False,
    )
    if status != 302:
        return status
    url, status, page = client.get("/staff/sign-in/code")
    assert status == 200 and url.endswith("/staff/sign-in/code"), (url, status, page[-2000:])
    code = pyotp.TOTP(totp_secret).now()
    _, status, _ = client.post(
        "/staff/sign-in/code", {"code": code, "csrf_token": _csrf(page)}, follow=False
    )
    return status


def _deploy(folder, stores: dict[str, str] | None = None):
    """Both organisations' settings, managers and hosting file; the server, not yet started."""
    stores = stores or {}
    files, secrets = {}, {}
    for code, org, colour in (("northmoor", NORTHMOOR, "#1a5f7a"), ("tegfan", TEGFAN, "#7a1a4b")):
        files[code] = organisation_settings(
            folder / code,
            org["name"],
            org["public"],
            org["staff"],
            store_url=stores.get(code, ""),
            brand_colour=colour,
        )
        username, person = org["manager"]
        data_dir = folder / code / "data"
        if code in stores:
            # Under a database the accounts are kept there: made there, as the app reads them.
            url = stores[code]
            use_document(data_dir, lambda url=url: DocumentTable(url, "users"))
        try:
            secrets[code] = make_people(data_dir, {username: person})[username]
        finally:
            use_document(data_dir, None)
    # Tegfan's own stylesheet (its brand colour; a stand-in here: compiling is tested below).
    stylesheet = folder / "tegfan" / "app.css"
    stylesheet.write_text(f"/* {TEGFAN_CSS} */ :root{{--brand:#7a1a4b}}", "utf-8")
    return HostedGunicorn(hosting_file(folder, files, {"tegfan": stylesheet})), secrets


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """Both organisations under one gunicorn, and each manager's second-factor secret."""
    folder = tmp_path_factory.mktemp("organisations")
    server, secrets = _deploy(folder)
    server.start(ready_host=NORTHMOOR["public"])
    try:
        yield server, secrets, folder
    finally:
        server.stop()


@pytest.fixture(scope="module")
def complaint(deployment):
    """A complaint sent on Northmoor's public host: its reference and tracking secret."""
    server, _secrets, _folder = deployment
    person = HostClient(server.port, NORTHMOOR["public"])
    done = walk(person.get, person.post, "/complaint/", COMPLAINT)
    secret = SECRET.search(done.final_html)
    assert done.reference and secret, "the confirmation shows a reference and tracking secret"
    return done.reference, secret.group(1).strip()


@pytest.fixture(scope="module")
def managers(deployment):
    """Each organisation's manager signed in on their own staff host, once for the module (a
    second-factor code is taken once: signing in again within its 30 seconds is refused)."""
    server, secrets, _folder = deployment
    clients = {}
    for code, org in (("northmoor", NORTHMOOR), ("tegfan", TEGFAN)):
        client = HostClient(server.port, org["staff"])
        assert _sign_in(client, org["manager"][0], secrets[code]) == 302
        clients[code] = client
    return clients


def test_each_organisation_answers_on_its_own_hosts_with_its_own_name(deployment):
    server, _secrets, _folder = deployment
    for org, other in ((NORTHMOOR, TEGFAN), (TEGFAN, NORTHMOOR)):
        _, status, page = HostClient(server.port, org["public"]).get("/")
        assert status == 200
        assert org["name"] in page and other["name"] not in page
        _, status, page = HostClient(server.port, org["staff"]).get("/staff/sign-in")
        assert status == 200
        assert org["name"] in page and other["name"] not in page
        # The host with a port and in capitals is the same host.
        _, status, page = HostClient(server.port, org["public"].upper() + ":443").get("/")
        assert status == 200 and org["name"] in page


def test_an_organisation_with_its_own_stylesheet_gets_it_and_the_others_keep_theirs(
    deployment,
):
    server, _secrets, _folder = deployment
    for host in (TEGFAN["public"], TEGFAN["staff"]):
        _, status, css = HostClient(server.port, host).get("/static/app.css")
        assert status == 200 and TEGFAN_CSS in css, host
    _, status, css = HostClient(server.port, NORTHMOOR["public"]).get("/static/app.css")
    assert status == 200 and TEGFAN_CSS not in css and ".govuk-" in css
    # The other static files are the shared ones on every host.
    for org in (NORTHMOOR, TEGFAN):
        assert HostClient(server.port, org["public"]).get("/static/favicon.svg")[1] == 200


def test_build_assets_compiles_one_organisations_stylesheet_with_its_colour(tmp_path):
    from forms_app.organisation.branding import build_stylesheet
    from forms_app.organisation.settings import PROJECT_DIR, load_settings

    settings = load_settings(
        organisation_settings(
            tmp_path, TEGFAN["name"], "a.example.org", "b.example.org", brand_colour="#7a1a4b"
        )
    )
    out = build_stylesheet(settings, PROJECT_DIR, tmp_path / "tegfan" / "app.css")
    css = out.read_text("utf-8").lower()
    assert "#7a1a4b" in css and ".govuk-header" in css


def test_an_unknown_host_is_misdirected_and_names_no_organisation(deployment):
    server, _secrets, _folder = deployment
    for host in ("feedback.elsewhere.example.net", f"127.0.0.1:{server.port}", "northmoor"):
        for path in ("/", "/staff/sign-in", "/track"):
            _, status, page = HostClient(server.port, host).get(path)
            assert status == 421, (host, path)
            for org in (NORTHMOOR, TEGFAN):
                assert org["name"] not in page and org["name"].split()[0] not in page


def test_a_complaint_on_one_organisation_is_not_found_by_the_others_manager(managers, complaint):
    reference, _secret = complaint
    surname = COMPLAINT["name"].split()[-1]
    northmoor, tegfan = managers["northmoor"], managers["tegfan"]
    # Northmoor's own manager finds it both ways, so the searches below could find it.
    for query in (reference, surname):
        _, status, page = northmoor.get(f"/staff/search?q={query}")
        assert status == 200 and f"/staff/cases/{reference}" in page, query
    assert northmoor.get(f"/staff/cases/{reference}")[1] == 200
    # Tegfan's manager, signed in on Tegfan's staff host, finds nothing and cannot open it.
    for query in (reference, surname, COMPLAINT["email"]):
        _, status, page = tegfan.get(f"/staff/search?q={query}")
        assert status == 200 and "No cases match." in page, query
        assert f"/staff/cases/{reference}" not in page, query
    assert tegfan.get(f"/staff/cases/{reference}")[1] == 404
    _, status, page = tegfan.get("/staff/cases")
    assert status == 200 and reference not in page


def test_a_tracking_secret_of_one_organisation_does_not_open_the_case_on_another(
    deployment, complaint
):
    server, _secrets, _folder = deployment
    reference, secret = complaint
    answers = {}
    for org in (NORTHMOOR, TEGFAN):
        person = HostClient(server.port, org["public"])
        _, _, page = person.get("/track")
        person.post("/track", {"reference": reference, "csrf_token": _csrf(page)})
        _, _, page = person.get("/track/code")
        answers[org["public"]] = person.post(
            "/track/code", {"code": secret, "csrf_token": _csrf(page)}
        )
        answers[org["public"] + " case"] = person.get("/track/case")
    # On Northmoor the secret opens the case page, so the same steps could open it on Tegfan.
    url, status, page = answers[NORTHMOOR["public"]]
    assert status == 200 and url.endswith("/track/case") and reference in page
    url, status, page = answers[TEGFAN["public"]]
    assert status == 400 and not url.endswith("/track/case")
    url, status, page = answers[TEGFAN["public"] + " case"]
    assert not url.endswith("/track/case") and reference not in page


def test_a_staff_session_of_one_organisation_is_nobody_on_another(deployment, managers):
    server, _secrets, folder = deployment
    northmoor = managers["northmoor"]
    _, status, page = northmoor.get("/staff/")
    assert status == 200 and "Alaw Manager" in page
    # The same cookies, sent to Tegfan's staff host, sign nobody in there.
    stolen = HostClient(server.port, TEGFAN["staff"])
    stolen.cookies = dict(northmoor.cookies)
    url, status, page = stolen.get("/staff/")
    assert "/staff/sign-in" in url and "Alaw Manager" not in page
    # Each organisation signs its cookies with its own key.
    keys = {
        code: (folder / code / "data" / ".secret_key").read_text()
        for code in ("northmoor", "tegfan")
    }
    assert keys["northmoor"] != keys["tegfan"]


def test_one_organisations_staff_cannot_sign_in_on_another(deployment):
    server, secrets, _folder = deployment
    tegfan = HostClient(server.port, TEGFAN["staff"])
    assert _sign_in(tegfan, "alaw", secrets["northmoor"]) == 200
    _, status, page = tegfan.get("/staff/")
    assert "Alaw Manager" not in page
    # Nor on Tegfan's public host, where there are no staff pages at all.
    public = HostClient(server.port, TEGFAN["public"])
    assert public.get("/staff/sign-in")[1] == 404


def test_each_organisation_on_its_own_postgres_database_sees_only_its_own(
    tmp_path,
    postgres_server,  # noqa: F811 - the session's server
):
    import psycopg

    databases = {code: postgres_server.new_database() for code in ("northmoor", "tegfan")}
    stores = {code: postgres_server.url(name) for code, name in databases.items()}
    server, secrets = _deploy(tmp_path, stores)
    try:
        server.start(ready_host=NORTHMOOR["public"])
        person = HostClient(server.port, NORTHMOOR["public"])
        reference = walk(person.get, person.post, "/complaint/", COMPLAINT).reference
        tegfan = HostClient(server.port, TEGFAN["staff"])
        assert _sign_in(tegfan, "bryn", secrets["tegfan"]) == 302, server.log()
        _, status, page = tegfan.get(f"/staff/search?q={reference}")
        assert status == 200 and "No cases match." in page
        assert tegfan.get(f"/staff/cases/{reference}")[1] == 404
        counted = {}
        for code, url in stores.items():
            with psycopg.connect(url) as connection:
                tables = {
                    row[0]
                    for row in connection.execute(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
                    )
                }
                found = 0
                if "submissions" in tables:
                    found = connection.execute(
                        "SELECT count(*) FROM submissions WHERE ref = %s", (reference,)
                    ).fetchone()[0]
                counted[code] = found
        assert counted == {"northmoor": 1, "tegfan": 0}
    finally:
        server.stop()
        for name in databases.values():
            postgres_server.drop_database(name)


# -- refusals at start-up ------------------------------------------------------------------------


def _two(tmp_path, change_tegfan=lambda raw: None, hosts=None) -> object:
    files = {}
    for code, org in (("northmoor", NORTHMOOR), ("tegfan", TEGFAN)):
        path = organisation_settings(tmp_path / code, org["name"], org["public"], org["staff"])
        if code == "tegfan":
            raw = yaml.safe_load(path.read_text("utf-8"))
            change_tegfan(raw)
            path.write_text(yaml.safe_dump(raw), "utf-8")
        files[code] = path
    path = hosting_file(tmp_path, files)
    if hosts:
        raw = yaml.safe_load(path.read_text("utf-8"))
        raw["organisations"][1]["hosts"] = hosts
        path.write_text(yaml.safe_dump(raw), "utf-8")
    return path


@pytest.fixture
def no_overrides(monkeypatch):
    for name in (
        "FORMS_APP_SETTINGS",
        "FORMS_APP_DATA_DIR",
        "FORMS_APP_STORE_URL",
        "FORMS_APP_SECRET_KEY",
        "FORMS_APP_STAFF_HOST",
    ):
        monkeypatch.delenv(name, raising=False)


def test_two_organisations_apart_are_accepted(tmp_path, no_overrides):
    organisations = read_hosting(_two(tmp_path))
    assert [o.code for o in organisations] == ["northmoor", "tegfan"]
    assert organisations[1].hosts == (TEGFAN["public"], TEGFAN["staff"])


def test_a_host_claimed_by_two_organisations_is_refused(tmp_path, no_overrides):
    path = _two(tmp_path, hosts=[NORTHMOOR["public"]])
    with pytest.raises(HostingError, match=f"host {re.escape(NORTHMOOR['public'])} is claimed"):
        create_hosting(path, make_app=_never)
    same_staff = _two(tmp_path, lambda raw: raw.update(staff_host=NORTHMOOR["staff"]))
    with pytest.raises(HostingError, match="claimed by both northmoor and tegfan"):
        create_hosting(same_staff, make_app=_never)


def test_two_organisations_sharing_a_data_directory_are_refused(tmp_path, no_overrides):
    shared = str(tmp_path / "northmoor" / "data")
    with pytest.raises(HostingError, match="share a data directory"):
        create_hosting(_two(tmp_path, lambda raw: raw.update(data_dir=shared)), make_app=_never)
    inside = str(tmp_path / "northmoor" / "data" / "tegfan")
    with pytest.raises(HostingError, match="share a data directory"):
        create_hosting(_two(tmp_path, lambda raw: raw.update(data_dir=inside)), make_app=_never)


def test_two_organisations_sharing_a_database_are_refused(tmp_path, no_overrides):
    def both_on(raw_url):
        def change(raw):
            raw["store_url"] = raw_url

        return change

    path = _two(tmp_path, both_on("postgresql://tegfan:pw@db.example.org:5432/cases"))
    raw = yaml.safe_load((tmp_path / "northmoor" / "settings.yaml").read_text("utf-8"))
    raw["store_url"] = "postgresql://northmoor@DB.example.org/cases"
    (tmp_path / "northmoor" / "settings.yaml").write_text(yaml.safe_dump(raw), "utf-8")
    with pytest.raises(HostingError, match=r"northmoor and tegfan share one database \(cases\)"):
        create_hosting(path, make_app=_never)


@pytest.mark.parametrize(
    "name",
    [
        "FORMS_APP_SETTINGS",
        "FORMS_APP_DATA_DIR",
        "FORMS_APP_STORE_URL",
        "FORMS_APP_SECRET_KEY",
        "FORMS_APP_STAFF_HOST",
    ],
)
def test_a_variable_that_would_override_every_organisation_is_refused(
    tmp_path, no_overrides, monkeypatch, name
):
    path = _two(tmp_path)
    monkeypatch.setenv(name, "/srv/one-for-all")
    with pytest.raises(HostingError, match=f"{name} would apply to every organisation"):
        create_hosting(path, make_app=_never)


def test_gunicorn_refuses_to_start_a_deployment_that_would_mix_organisations(tmp_path):
    path = _two(tmp_path, lambda raw: raw.update(staff_host=NORTHMOOR["staff"]))
    server = HostedGunicorn(path, workers=1)
    with pytest.raises(RuntimeError, match="claimed by both northmoor and tegfan"):
        server.start(ready_host=NORTHMOOR["public"], timeout=60)
    server.stop()


def test_a_host_value_is_read_as_its_name_without_port_or_case():
    assert host_name("Feedback.Northmoor.Example.org:8443") == "feedback.northmoor.example.org"
    assert host_name("feedback.northmoor.example.org.") == "feedback.northmoor.example.org"
    assert host_name("[::1]:8080") == "[::1]"
    assert host_name("") == ""


def _never(_settings):
    raise AssertionError("no app is built when the hosting file is refused")


def test_an_organisation_may_not_open_the_shared_metrics_to_its_own_addresses(
    tmp_path, no_overrides
):
    # The request counters behind /metrics are the whole process's, every organisation's
    # traffic together: only the deployment's operators may read them.
    path = _two(tmp_path, lambda raw: raw.update(monitoring={"metrics_allow": ["10.0.0.5/32"]}))
    with pytest.raises(HostingError, match="tegfan: monitoring.metrics_allow"):
        create_hosting(path, make_app=_never)


def test_a_stylesheet_that_is_not_there_is_refused_with_how_to_make_it(tmp_path, no_overrides):
    path = _two(tmp_path)
    raw = yaml.safe_load(path.read_text("utf-8"))
    raw["organisations"][1]["stylesheet"] = "tegfan/app.css"
    path.write_text(yaml.safe_dump(raw), "utf-8")
    with pytest.raises(HostingError, match="tegfan: stylesheet .* feedback build-assets"):
        create_hosting(path, make_app=_never)


def test_workers_starting_together_on_a_new_organisation_agree_on_its_session_key(
    tmp_path, monkeypatch
):
    # Each worker reads the organisation's key as it starts; on a new data directory the first
    # makes it. A second worker reading at any step of that making must get the same key,
    # never an empty one (with which its sessions, and so staff sign-in, would not work).
    import os

    from forms_app.web import config

    seen: list[str] = []
    busy = []

    def with_a_second_worker(name):
        real = getattr(os, name)

        def step(*args, **kwargs):
            if not busy:
                busy.append(name)
                try:
                    seen.append(config._secret_key(tmp_path))
                finally:
                    busy.pop()
            return real(*args, **kwargs)

        monkeypatch.setattr(os, name, step)

    for name in ("fdopen", "write", "fsync", "link", "replace", "rename", "unlink"):
        with_a_second_worker(name)
    first = config._secret_key(tmp_path)
    monkeypatch.undo()
    assert len(first) == 64
    assert seen and set(seen) == {first}
    assert config._secret_key(tmp_path) == first


def test_a_command_on_a_deployment_of_several_must_name_its_organisation(tmp_path, monkeypatch):
    # Without FORMS_APP_SETTINGS a command would fall back to instance/settings.yaml or the
    # example, which may be no organisation's, or the wrong one's.
    from forms_app.organisation.settings import SettingsError, load_settings

    monkeypatch.delenv("FORMS_APP_SETTINGS", raising=False)
    monkeypatch.setenv("FORMS_APP_ORGANISATIONS", str(tmp_path / "organisations.yaml"))
    with pytest.raises(SettingsError, match="set FORMS_APP_SETTINGS to the settings file of"):
        load_settings()
    chosen = organisation_settings(
        tmp_path / "tegfan", TEGFAN["name"], "a.example.org", "b.example.org"
    )
    monkeypatch.setenv("FORMS_APP_SETTINGS", str(chosen))
    assert load_settings().organisation["name"] == TEGFAN["name"]


def test_a_health_check_by_address_answers_for_the_whole_deployment(deployment):
    server, _secrets, _folder = deployment
    for path in ("/healthz", "/readyz"):
        _, status, page = HostClient(server.port, f"127.0.0.1:{server.port}").get(path)
        assert status == 200, (path, page)
        assert page.strip() == "ok"


def test_the_deployment_is_not_ready_while_one_organisation_is_not():
    from flask import Flask

    from forms_app.web.hosting import Hosting, Organisation

    def app_answering(status: int) -> Flask:
        app = Flask(__name__)
        app.add_url_rule("/readyz", "readyz", lambda: ("", status))
        app.add_url_rule("/healthz", "healthz", lambda: ("", 200))
        return app

    organisations = (
        Organisation("northmoor", None, hosts=("feedback.northmoor.example.org",)),
        Organisation("tegfan", None, hosts=("adborth.tegfan.example.org",)),
    )
    apps = {"northmoor": app_answering(200), "tegfan": app_answering(503)}
    client = Flask(__name__).test_client()
    client.application.wsgi_app = Hosting(organisations, apps)
    ready = client.get("/readyz", headers={"Host": "10.0.0.5"})
    assert ready.status_code == 503
    assert "tegfan" not in ready.text.lower() and "northmoor" not in ready.text.lower()
    assert client.get("/healthz", headers={"Host": "10.0.0.5"}).status_code == 200
    # Asked on an organisation's own host, its own answer, as before.
    assert (
        client.get("/readyz", headers={"Host": "feedback.northmoor.example.org"}).status_code == 200
    )
    assert client.get("/readyz", headers={"Host": "adborth.tegfan.example.org"}).status_code == 503
    assert client.get("/", headers={"Host": "10.0.0.5"}).status_code == 421
