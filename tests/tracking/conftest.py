"""The tracking page's tests: a Notify stand-in on a free port, and steps a person takes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest

from forms_app.casework import transitions as t
from forms_app.casework.events import record
from forms_app.casework.state import Case
from forms_app.messages.notify import NotifyProvider
from forms_app.messages.outbox import Outbox
from forms_app.messages.sending import Sender
from tests.support import notify_standin
from tests.support.notify_standin import KEY, FakeClock, notify_config
from tests.support.walker import ANSWERS, csrf_token, walk

CODE = re.compile(r"\b(\d{6})\b")
SECRET = re.compile(r"data-tracking-secret>([A-Z0-9-]+)<")


@pytest.fixture
def notify():
    served = notify_standin.serve()
    yield served
    served.stop()


@dataclass
class Sent:
    reference: str
    html: str


def submit(client, start: str = "/complaint/", answers: dict | None = None) -> Sent:
    def get(url):
        response = client.get(url, follow_redirects=True)
        return response.request.path, response.status_code, response.get_data(as_text=True)

    def post(url, data):
        response = client.post(url, data=data, follow_redirects=True)
        return response.request.path, response.status_code, response.get_data(as_text=True)

    result = walk(get, post, start, answers or ANSWERS["complaint"])
    return Sent(result.reference, result.final_html)


def ask(client, reference: str, prefix: str = ""):
    """Ask for a code on the tracking page; returns the code page's response."""
    page = client.get(f"{prefix}/track").get_data(as_text=True)
    return client.post(
        f"{prefix}/track",
        data={"csrf_token": csrf_token(page), "reference": reference},
        follow_redirects=True,
    )


def enter(client, code: str, prefix: str = "", follow: bool = True):
    page = client.get(f"{prefix}/track/code").get_data(as_text=True)
    return client.post(
        f"{prefix}/track/code",
        data={"csrf_token": csrf_token(page), "code": code},
        follow_redirects=follow,
    )


def post_on_case(client, path: str, data: dict, prefix: str = ""):
    page = client.get(f"{prefix}/track/case").get_data(as_text=True)
    return client.post(f"{prefix}{path}", data={"csrf_token": csrf_token(page), **data})


def messages(app_parts, ref: str):
    path = app_parts.messenger.path
    if not path.exists():
        return []
    with Outbox(path) as outbox:
        return outbox.for_refs([ref])


def send_all(app_parts, notify) -> None:
    with Outbox(app_parts.messenger.path) as outbox:
        provider = NotifyProvider(notify_config(notify.url), api_key=KEY)
        Sender(outbox, provider, clock=FakeClock()).step()


def code_from_standin(app_parts, notify, ref: str) -> str:
    """Send what is queued to the Notify stand-in, and read the newest code it received."""
    send_all(app_parts, notify)
    codes = [m for m in messages(app_parts, ref) if m.type == "tracking_code"]
    assert codes, "no code was queued"
    (kept,) = notify.catcher.standin.by_reference(codes[-1].id)
    return CODE.search(kept["body"]).group(1)


def case_of(app_parts, ref: str) -> Case:
    submission = app_parts.store.find(ref)
    case = Case.from_submission(submission, app_parts.procedure.stages[0].code)
    for row in app_parts.store.rows("events"):
        if row["ref"] == ref:
            case.apply(row)
    return case


def staff_do(app_parts, ref: str, change, *args, **kwargs) -> list[dict]:
    """A change made by Olive through casework today, as the staff pages make it."""
    actor = t.Actor("olive", date.today())
    rows = change(case_of(app_parts, ref), actor, *args, **kwargs)
    return record(app_parts.store, app_parts.contract, rows)


def tracked(client, app_parts, notify, answers: dict | None = None, start: str = "/complaint/"):
    """Send feedback, ask for a code and enter it: the client is on the case page."""
    sent = submit(client, start, answers)
    prefix = start.rsplit("/", 2)[0]
    ask(client, sent.reference, prefix)
    code = code_from_standin(app_parts, notify, sent.reference)
    page = enter(client, code, prefix)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    return sent, page
