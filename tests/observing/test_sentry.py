"""Sentry is off unless ``SENTRY_DSN`` is set, and every event it would send is scrubbed of
what a person typed or who they are."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

from forms_app.observing.sentry import scrub

CANARY = "Canarysentryk4p"
PROJECT = Path(__file__).resolve().parents[2]


def _event() -> dict:
    """An event shaped as the SDK's Flask integration sends one for an unhandled error."""
    return {
        "event_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "level": "error",
        "platform": "python",
        "server_name": "feedback-1",
        "request": {
            "url": f"https://feedback.example.org/complaint/contact-details?name={CANARY}",
            "method": "POST",
            "query_string": f"name={CANARY}",
            "data": {"name": f"Ffion {CANARY}", "email": f"{CANARY}@example.com"},
            "cookies": {"__Host-session": CANARY},
            "env": {"REMOTE_ADDR": "203.0.113.9", "SERVER_NAME": CANARY},
            "headers": {
                "Host": "feedback.example.org",
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"__Host-session={CANARY}",
                "Authorization": f"Bearer {CANARY}",
                "Referer": f"https://feedback.example.org/complaint/?q={CANARY}",
                "X-Forwarded-For": "203.0.113.9",
                "User-Agent": f"Mozilla/5.0 {CANARY}",
                "X-Request-Id": "abcdef0123456789",
            },
        },
        "user": {"ip_address": "203.0.113.9", "email": f"{CANARY}@example.com"},
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": f"cannot store {CANARY}@example.com",
                    "stacktrace": {
                        "frames": [
                            {
                                "filename": "forms_app/public/views.py",
                                "function": "_send",
                                "lineno": 380,
                                "context_line": "    ref = store.commit_submission(...)",
                                "vars": {"answers": {"details": f"my tea {CANARY}"}},
                            }
                        ]
                    },
                }
            ]
        },
        "threads": {"values": [{"stacktrace": {"frames": [{"vars": {"x": CANARY}}]}}]},
        "breadcrumbs": {"values": [{"message": f"saved draft for {CANARY}"}]},
        "logentry": {"message": "unhandled %s", "params": [CANARY], "formatted": CANARY},
        "extra": {"sys.argv": [CANARY]},
        "contexts": {"runtime": {"name": "CPython"}, "flask": {"session": CANARY}},
    }


def test_the_scrubber_removes_every_trace_of_what_a_person_sent():
    original = _event()
    assert CANARY in json.dumps(original)
    scrubbed = scrub(copy.deepcopy(original), {})
    assert CANARY not in json.dumps(scrubbed)
    assert "203.0.113.9" not in json.dumps(scrubbed)
    # What is left still says what broke and where.
    (value,) = scrubbed["exception"]["values"]
    assert value["type"] == "ValueError"
    assert value["stacktrace"]["frames"][0]["function"] == "_send"
    assert scrubbed["request"] == {
        "method": "POST",
        "url": "https://feedback.example.org/complaint/contact-details",
        "headers": {
            "Host": "feedback.example.org",
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Request-Id": "abcdef0123456789",
        },
    }
    assert scrubbed["logentry"] == {"message": "unhandled %s"}
    assert scrubbed["contexts"] == {"runtime": {"name": "CPython"}}


def test_the_apps_own_log_line_keeps_its_text_and_others_lose_their_arguments():
    # The app's error line (forms_app/web/errors.py) is the event that says where it broke.
    line = {"message": "unhandled %s on %s %s", "params": ["ValueError", "POST", "/complaint/x"]}
    line["formatted"] = "unhandled ValueError on POST /complaint/x"
    ours = scrub({"logger": "forms_app", "logentry": dict(line)}, {})
    assert ours["logentry"]["formatted"] == "unhandled ValueError on POST /complaint/x"
    theirs = scrub({"logger": "werkzeug", "logentry": {**line, "params": [CANARY]}}, {})
    assert theirs["logentry"] == {"message": "unhandled %s on %s %s"}
    lookalike = scrub({"logger": "forms_application", "logentry": {**line, "params": [CANARY]}})
    assert CANARY not in json.dumps(lookalike)


def _in_a_fresh_process(env: dict) -> dict:
    """What ``setup_sentry`` did, in a process of its own (the SDK changes Flask for good)."""
    code = (
        "import json, sentry_sdk\n"
        "from forms_app.observing.sentry import setup_sentry, scrub\n"
        "started = setup_sentry()\n"
        "client = sentry_sdk.get_client()\n"
        "options = client.options if client.is_active() else {}\n"
        "print(json.dumps({'started': started, 'active': client.is_active(),\n"
        "  'pii': options.get('send_default_pii'),\n"
        "  'locals': options.get('include_local_variables'),\n"
        "  'body': options.get('max_request_body_size'),\n"
        "  'scrubs': options.get('before_send') is scrub}))\n"
        "client.close(timeout=0)\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "PYTHONPATH": str(PROJECT), **env},
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_a_dsn_sentry_is_not_started():
    assert _in_a_fresh_process({}) == {
        "started": False,
        "active": False,
        "pii": None,
        "locals": None,
        "body": None,
        "scrubs": False,
    }


def test_with_a_dsn_sentry_starts_with_personal_data_off_and_the_scrubber_on():
    # A port nothing listens on: no event is captured, so nothing is sent anyway.
    dsn = "http://publickey@127.0.0.1:9/1"
    assert _in_a_fresh_process({"SENTRY_DSN": dsn}) == {
        "started": True,
        "active": True,
        "pii": False,
        "locals": False,
        "body": "never",
        "scrubs": True,
    }


REAL_FLOW = """
import json, sys, sentry_sdk
from sentry_sdk.transport import Transport

sent = []


class Keep(Transport):
    def capture_envelope(self, envelope):
        sent.extend(item.payload.json for item in envelope.items if item.payload.json)


real_init = sentry_sdk.init
sentry_sdk.init = lambda **options: real_init(transport=Keep, **options)

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS

app = create_app(str(EXAMPLE_SETTINGS))
app.config["PROPAGATE_EXCEPTIONS"] = False
app.config["WTF_CSRF_ENABLED"] = False  # the form's token is not what this is about
canary = sys.argv[1]


@app.post("/explode-for-test")
def explode():
    raise ValueError(f"cannot store {canary}@example.com")


client = app.test_client()
client.set_cookie("note", canary)
answer = client.post(f"/explode-for-test?name={canary}", data={"details": canary},
                     headers={"X-Forwarded-For": "203.0.113.9"})
sentry_sdk.flush()
print(json.dumps({"status": answer.status_code, "events": sent}))
"""


def test_an_error_reaches_sentry_with_where_it_happened_and_nothing_a_person_sent(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", REAL_FLOW, CANARY],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")},
            "PYTHONPATH": str(PROJECT),
            "SENTRY_DSN": "http://publickey@127.0.0.1:9/1",
            "FORMS_APP_DATA_DIR": str(tmp_path / "data"),
            "FORMS_APP_SETTINGS": "",
        },
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 500
    events = result["events"]
    assert events, "no event reached the transport: the test would prove nothing"
    text = json.dumps(events)
    assert "unhandled ValueError on POST /explode-for-test" in text
    assert CANARY not in text and "203.0.113.9" not in text
