"""F1 for the staff POSTs that take free text (a case note, a letter, a publication summary):
Hypothesis text, CSRF token fetched per example. 0 responses ≥ 500; accepted text is stored as
NFC. 200 examples per endpoint on every change, 2,000 nightly."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.security_world import fresh_world
from tests.support.staff import csrf
from tests.support.tier import scaled

pytestmark = pytest.mark.fuzz
FUZZ = settings(
    max_examples=scaled(200, 2000),
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
TEXT = st.text(alphabet=st.characters(codec="utf-8"), min_size=0, max_size=600) | st.sampled_from(
    ["w\u0302 Ŵyn", "A\u0300 e\u0301", "Llanfair\u202e", "line\r\nline", "x" * 10_001]
)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with fresh_world(tmp_path_factory, "stafffuzz") as built:
        built.app.config["PROPAGATE_EXCEPTIONS"] = False
        yield built


def _endpoints(world):
    return {
        "note": (f"/staff/cases/{world.ref}/do/note", "note"),
        "letter": (f"/staff/cases/{world.ref}/letters/new/acknowledgement", "text"),
        "publication": (f"/staff/publication/{world.other_ref}", "summary"),
        "link": (f"/staff/cases/{world.ref}/link", "other"),
        "merge": (f"/staff/cases/{world.ref}/merge", "other"),
    }


@pytest.mark.parametrize("endpoint", ["note", "letter", "publication", "link", "merge"])
def test_staff_free_text_never_errors(world, endpoint):
    url, field = _endpoints(world)[endpoint]
    client = world.signed_in("mair")
    statuses: dict[int, int] = {}

    @FUZZ
    @given(value=TEXT)
    def check(value):
        page = client.get(url)
        assert page.status_code == 200
        response = client.post(url, data={"csrf_token": csrf(page.text), field: value})
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, (response.status_code, value[:80])

    check()
    print(f"F1-staff {endpoint}: {statuses}")


def test_accepted_note_is_stored_as_nfc(world):
    url, field = _endpoints(world)["note"]
    client = world.signed_in("mair")
    typed = "Galwodd w\u0302 ac A\u0300"
    page = client.get(url)
    assert client.post(url, data={"csrf_token": csrf(page.text), field: typed}).status_code == 302
    notes = [row["note"] for row in world.parts.store.rows("events") if "Galwodd" in row["note"]]
    assert notes[-1] == unicodedata.normalize("NFC", typed)


def test_bulk_references_never_error(world):
    """The bulk form's references are typed by nobody, but a crafted post may carry anything:
    each answer is a result page or a clear refusal, never a server error."""
    client = world.signed_in("mair")
    statuses: dict[int, int] = {}

    @FUZZ
    @given(
        refs=st.lists(TEXT, min_size=0, max_size=5),
        action=st.sampled_from(["acknowledge", "close", "assign", "", "x"]),
    )
    def check(refs, action):
        token = csrf(client.get("/staff/inbox").text)
        data = {"csrf_token": token, "refs": refs, "action": action, "owner": "mair"}
        response = client.post("/staff/bulk", data=data)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, (response.status_code, [r[:40] for r in refs])

    check()
    print(f"F1-staff bulk: {statuses}")
