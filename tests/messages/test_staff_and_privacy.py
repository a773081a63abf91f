"""Staff see each case's messages with their state, managers see the failed ones and can send
one again; subject access includes the messages and erasure leaves no trace of them."""

from __future__ import annotations

import json

from forms_app.messages.config import messages_config
from forms_app.messages.notify import NotifyProvider
from forms_app.messages.outbox import Outbox
from forms_app.messages.sending import Sender
from forms_app.records.retention.erasure import erase, scan_for_tokens
from forms_app.records.retention.subject_access import subject_access
from tests.support.notify_standin import KEY, FakeClock
from tests.support.walker import ANSWERS

from .test_acknowledgement import _walk

UNKNOWN_TEMPLATE = "11111111-2222-3333-4444-555555555555"


def _send_with_a_wrong_template(app_parts, url):
    config = messages_config(
        {
            "messages": {
                "provider": "notify",
                "notify": {
                    "base_url": url,
                    "templates": {"acknowledgement.en.standard.email": UNKNOWN_TEMPLATE},
                },
            }
        }
    )
    with Outbox(app_parts.messenger.path) as outbox:
        Sender(outbox, NotifyProvider(config, api_key=KEY), clock=FakeClock()).step()


def test_a_message_notify_refused_is_shown_failed_on_the_case_and_to_managers(
    app, app_parts, signed_in, notify
):
    result = _walk(app.test_client(), "/complaint/", ANSWERS["complaint"])
    _send_with_a_wrong_template(app_parts, notify.url)
    manager = signed_in("mina")
    page = manager.get(f"/staff/cases/{result.reference}").get_data(as_text=True)
    assert "Messages to the person" in page
    assert "Acknowledgement of their feedback" in page and "Failed" in page
    assert "Template not found" in page
    failed = manager.get("/staff/messages/failed").get_data(as_text=True)
    assert result.reference in failed and "Template not found" in failed
    assert "dafydd.parry@example.com" not in failed
    # Sent again once the cause is fixed.
    token = failed.split('name="csrf_token" value="')[1].split('"')[0]
    message_id = failed.split('name="message" value="')[1].split('"')[0]
    again = manager.post(
        "/staff/messages/failed", data={"csrf_token": token, "message": message_id}
    )
    assert again.status_code == 302
    with Outbox(app_parts.messenger.path) as outbox:
        assert outbox.failed() == []
        assert outbox.for_refs([result.reference])[0].state == "queued"


def test_an_officer_cannot_open_the_failed_messages_list(app, signed_in):
    assert signed_in("olive").get("/staff/messages/failed").status_code == 403


def test_subject_access_includes_the_messages_to_the_person(client, app_parts, tmp_path):
    result = _walk(client, "/complaint/", ANSWERS["complaint"])
    out = subject_access(app_parts, tmp_path / "sar", actor="dpo", ref=result.reference)
    document = json.loads((tmp_path / "sar" / "records.json").read_text("utf-8"))
    (case,) = document["cases"]
    (message,) = case["messages"]
    assert message["type"] == "acknowledgement" and message["to"] == "dafydd.parry@example.com"
    assert message["values"]["reference"] == result.reference
    assert out.records["messages"] == 1
    assert "emails and texts" in (tmp_path / "sar" / "cover-note.txt").read_text("utf-8")


def test_erasure_removes_the_cases_messages_leaving_no_copy_in_the_file(client, app_parts):
    result = _walk(client, "/complaint/", ANSWERS["complaint"])
    other = _walk(client, "/pals/", ANSWERS["pals"])
    path = app_parts.messenger.path
    assert "dafydd.parry@example.com" in _raw(path)
    erase(app_parts, result.reference, "error", actor="dpo")
    with Outbox(path) as outbox:
        assert outbox.for_refs([result.reference]) == []
        assert len(outbox.for_refs([other.reference])) == 1  # another case's stay
    assert "dafydd.parry@example.com" not in _raw(path)
    assert not [
        found
        for found in scan_for_tokens(app_parts.settings.data_dir, ["dafydd.parry@example.com"])
        if found.startswith("messages")
    ]


def _raw(path) -> str:
    text = ""
    for candidate in (path, path.with_name(path.name + "-wal")):
        if candidate.exists():
            text += candidate.read_bytes().decode("utf-8", errors="replace")
    return text
