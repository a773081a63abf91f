"""What nginx itself does in front of the app (deploy/nginx/feedback.conf.template): a log with no
query strings, HSTS on everything it answers, bodies no form can make refused before the app,
and the published site served on its own port."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request

import pytest

CANARY = "Gwenllian-Canary-Parry"


def https(stack, path: str, *, site: bool = False, method: str = "GET", body: bytes = b""):
    """One request over TLS, trusting only the stack's CA: (status, headers, body)."""
    connection = http.client.HTTPSConnection(
        "127.0.0.1",
        stack.site_port if site else stack.port,
        context=stack.certificates.client_context(),
        timeout=30,
    )
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def log_once_written(path, line: str, timeout: float = 10) -> str:
    """The log once ``line`` is in it: nginx writes a request's line just after answering it."""
    deadline = time.monotonic() + timeout
    while True:
        text = path.read_text("utf-8") if path.exists() else ""
        if line in text or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def test_a_query_string_never_reaches_nginx_access_log(tls_stack):
    status, _, _ = https(tls_stack, f"/complaint/?name={CANARY}&details={CANARY}")
    assert status == 200
    log = log_once_written(tls_stack.access_log, '"GET /complaint/ HTTP/1.1" 200')
    assert '"GET /complaint/ HTTP/1.1" 200' in log
    assert CANARY not in log
    assert CANARY not in tls_stack.error_log.read_text("utf-8")


def test_a_body_larger_than_any_form_is_refused_by_nginx_with_hsts(tls_stack):
    status, headers, _ = https(
        tls_stack, "/complaint/", method="POST", body=b"details=" + b"a" * 1_100_000
    )
    assert status == 413
    assert headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    assert headers["Server"] == "nginx"  # nginx's own answer: the app never read the body


def test_the_published_site_is_served_on_its_own_port_with_hsts(tls_stack):
    index = tls_stack.site_root / "index.html"
    status, headers, body = https(tls_stack, "/", site=True)
    if index.is_file():
        assert status == 200
        assert body == index.read_bytes()
    else:
        assert status == 404  # the site is not built in this checkout: still nginx answering
    assert headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    assert tls_stack.site_url.endswith(f":{tls_stack.site_port}")


def test_plain_http_to_the_tls_port_is_not_served(tls_stack):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{tls_stack.port}/", timeout=10) as answer:
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    assert status == 400  # nginx: "The plain HTTP request was sent to HTTPS port"


@pytest.mark.parametrize(
    "path",
    [
        "/complaint/add-files",
        "/cy/easy-read/complaint/add-files",
        "/track/files",
        "/cy/easy-read/track/files",
        "/staff/cases/X/files",
    ],
)
def test_the_upload_routes_take_a_file_of_several_megabytes_past_nginx(tls_stack, path):
    """nginx's own body limit is larger on the routes that take files (the app decides there,
    and answers with its own page); everywhere else it stays just above a form's size."""
    _, _, body = https(tls_stack, path, method="POST", body=b"details=" + b"a" * 5_000_000)
    assert b"<center>nginx</center>" not in body  # the app answered, not nginx
    status, _, body = https(tls_stack, "/complaint/", method="POST", body=b"a" * 5_000_000)
    assert (status, b"<center>nginx</center>" in body) == (413, True)
