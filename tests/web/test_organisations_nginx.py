"""Several organisations as deployed: the hosting app under gunicorn in production mode, behind
Debian's nginx with TLS, configured from the example files in deploy/nginx/ (one ``server`` and
one certificate per organisation). Each host name reaches its own organisation, nothing sent
through one is visible through another, a host that is no organisation's is refused, and the
health checks answer, by host and by address."""

from __future__ import annotations

import json
import re
import socket
import ssl
import time
import urllib.request

import pytest

from tests.support.hosted import hosting_file, organisation_settings
from tests.support.hosted_tls import HostedTlsStack
from tests.support.staff import make_people
from tests.support.tls import DEPLOY, HOST
from tests.support.walker import COMPLAINT, walk
from tests.web.test_organisations import NORTHMOOR, SECRET, TEGFAN, _csrf, _sign_in

pytestmark = pytest.mark.slow

ORGANISATIONS = {"northmoor": NORTHMOOR, "tegfan": TEGFAN}
ELSEWHERE = "feedback.elsewhere.example.net"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Both organisations behind nginx, and each manager's second-factor secret."""
    folder = tmp_path_factory.mktemp("organisations-tls")
    files, secrets = {}, {}
    for code, org in ORGANISATIONS.items():
        path = organisation_settings(folder / code, org["name"], org["public"], org["staff"])
        # Its public address as people type it: over HTTPS.
        path.write_text(
            path.read_text("utf-8").replace(f"http://{org['public']}", f"https://{org['public']}"),
            "utf-8",
        )
        files[code] = path
        # Production refuses a data directory other users could read.
        (folder / code / "data").mkdir(mode=0o700)
        username, person = org["manager"]
        secrets[code] = make_people(folder / code / "data", {username: person})[username]
    hosts = {code: (org["public"], org["staff"]) for code, org in ORGANISATIONS.items()}
    stack = HostedTlsStack(
        folder, hosting_file(folder, files), hosts, env={"FORMS_APP_ENV": "production"}
    )
    try:
        stack.start()
        yield stack, secrets
    finally:
        stack.stop()


def _app_lines(stack: HostedTlsStack) -> list[dict]:
    text = stack.app.log_path.read_text("utf-8", "replace")
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_each_host_name_reaches_its_own_organisation_over_https(stack):
    stack, _secrets = stack
    for code, org in ORGANISATIONS.items():
        other = TEGFAN if org is NORTHMOOR else NORTHMOOR
        for host, path in ((org["public"], "/"), (org["staff"], "/staff/sign-in")):
            url, status, page = stack.client(code, host).get(path)
            assert status == 200 and url.startswith("https://"), (host, status)
            assert org["name"] in page and other["name"] not in page, host
    # Each organisation's certificate is its own: Tegfan's authority does not vouch for a
    # Northmoor name, so the handshake picked Northmoor's certificate for Northmoor's name.
    with pytest.raises(ssl.SSLCertVerificationError):
        stack.client("tegfan", NORTHMOOR["public"]).get("/")


def test_a_complaint_sent_through_one_host_is_not_visible_through_the_other(stack):
    stack, secrets = stack
    person = stack.client("northmoor", NORTHMOOR["public"])
    done = walk(person.get, person.post, "/complaint/", COMPLAINT)
    secret = SECRET.search(done.final_html)
    assert done.reference and secret, "the complaint was sent through nginx"
    reference = done.reference
    managers = {}
    for code, org in ORGANISATIONS.items():
        managers[code] = stack.client(code, org["staff"])
        assert _sign_in(managers[code], org["manager"][0], secrets[code]) == 302, code
    # Northmoor's manager finds it, so the same search could find it on Tegfan.
    _, status, page = managers["northmoor"].get(f"/staff/search?q={reference}")
    assert status == 200 and f"/staff/cases/{reference}" in page
    surname = COMPLAINT["name"].split()[-1]
    for query in (reference, surname, COMPLAINT["email"]):
        _, status, page = managers["tegfan"].get(f"/staff/search?q={query}")
        assert status == 200 and "No cases match." in page, query
        assert f"/staff/cases/{reference}" not in page, query
    assert managers["tegfan"].get(f"/staff/cases/{reference}")[1] == 404
    # Its tracking secret opens nothing on Tegfan's public host.
    tracker = stack.client("tegfan", TEGFAN["public"])
    _, _, page = tracker.get("/track")
    tracker.post("/track", {"reference": reference, "csrf_token": _csrf(page)})
    _, _, page = tracker.get("/track/code")
    url, status, page = tracker.post(
        "/track/code", {"code": secret.group(1).strip(), "csrf_token": _csrf(page)}
    )
    assert status == 400 and not url.endswith("/track/case") and reference not in page


def _handshake(port: int, server_name: str | None) -> None:
    """A TLS handshake with nginx naming ``server_name`` (None: an address alone, no name),
    trusting any certificate: only nginx's refusal can make it fail."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((HOST, port), timeout=10) as sock:
        context.wrap_socket(sock, server_hostname=server_name).close()


def test_a_host_name_of_no_organisation_is_refused(stack):
    stack, _secrets = stack
    # The handshake that names an organisation goes through, so the refusals below are nginx's.
    _handshake(stack.port, NORTHMOOR["public"])
    for name in (ELSEWHERE, None):
        with pytest.raises(ssl.SSLError, match="UNRECOGNIZED_NAME|unrecognized name"):
            _handshake(stack.port, name)
    # A connection made for Northmoor asking for another host in its request: 421, naming no
    # organisation, and the app is never asked.
    asked = stack.client("northmoor", NORTHMOOR["public"])
    asked.host = f"{ELSEWHERE}:{stack.port}"
    _, status, page = asked.get("/")
    assert status == 421
    for org in ORGANISATIONS.values():
        assert org["name"].split()[0] not in page
    assert "GET / " in _logged(stack.conf_dir / "refused.log", "GET / ")


def test_the_health_checks_answer_by_host_and_by_address(stack):
    stack, _secrets = stack
    for code, org in ORGANISATIONS.items():
        for path in ("/healthz", "/readyz"):
            _, status, page = stack.client(code, org["public"]).get(path)
            assert status == 200, (code, path, page)
    # By address, on the private health listener: the whole deployment, naming no organisation.
    for path in ("/healthz", "/readyz"):
        with urllib.request.urlopen(stack.health_url + path, timeout=10) as answer:
            body = answer.read().decode()
            assert answer.status == 200 and body.strip() == "ok", path
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(stack.health_url + "/", timeout=10)
    assert refused.value.code == 404


def test_each_request_is_logged_by_nginx_and_the_app_under_its_own_organisation(stack):
    stack, _secrets = stack
    for code, org in ORGANISATIONS.items():
        assert stack.client(code, org["public"]).get("/")[1] == 200
    lines = _app_lines(stack)
    requests = [line for line in lines if line.get("logger") == "forms_app.requests"]
    by_id = {line["request_id"]: line for line in requests}
    for code in ORGANISATIONS:
        # nginx's own log of this organisation, each line ending with the request id it sent.
        logged = _logged(stack.access_log(code), "GET / ")
        ids = [line.rsplit(" ", 1)[-1] for line in logged.splitlines()]
        assert ids, code
        found = [by_id[request_id] for request_id in ids if request_id in by_id]
        assert found and all(line["organisation"] == code for line in found), code
    # Every line the app wrote while serving carries an organisation of the hosting file.
    assert requests and {line.get("organisation") for line in requests} <= set(ORGANISATIONS)


def _logged(path, wanted: str) -> str:
    """An nginx log's text once it holds ``wanted``, or after 10 s: nginx writes a request's
    line after its response has gone (its last phase), so a client can read first."""
    deadline = time.monotonic() + 10
    while wanted not in path.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    return path.read_text()


def _directives(text: str) -> list[str]:
    """The directives of a configuration's text: comments, blank lines and indentation gone."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def test_each_organisations_server_proxies_as_the_single_organisations_does():
    # The example for several organisations repeats the single organisation's form app server
    # (its slow-client timeouts, body limits, headers and upload routes): a change to one
    # without the other would leave one deployment behind.
    single = (DEPLOY / "nginx" / "feedback.conf.template").read_text("ascii")
    start = single.index("# The form app and the staff pages.")
    app_server = single[start : single.index("# The published site:")]
    one = (DEPLOY / "nginx" / "organisation.conf.template").read_text("ascii")
    named = {
        "server_name @SERVER_NAME@;": "server_name @SERVER_NAMES@;",
        "access_log @LOG_DIR@/access.log feedback_private;": (
            "access_log @LOG_DIR@/@CODE@-access.log feedback_private;"
        ),
    }
    expected = [named.get(line, line) for line in _directives(app_server)]
    assert _directives(one) == expected
    assert re.search(r"proxy_set_header Host \$http_host;", one)
