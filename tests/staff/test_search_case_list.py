"""The case list shows closed cases on asking (``status=closed``, ``status=all``) with the other
filters still applied, only cases the member of staff may open, and a crafted address gives a
clear page: before, a parameter such as ``_method`` or ``endpoint`` reached ``url_for`` and
gave a server error."""

from __future__ import annotations

import re

import pytest

from tests.support.staff import add_events, submit


def _refs(html: str) -> set[str]:
    return set(re.findall(r'href="/staff/cases/([A-Z0-9-]+)"', html))


@pytest.fixture
def cases(app_parts):
    open_home = submit(app_parts, service="home-care")
    closed_home = submit(app_parts, service="home-care", kind="compliment")
    add_events(app_parts, closed_home, "olive", ("closed", {}))
    closed_mental = submit(app_parts, service="mental-health")
    add_events(app_parts, closed_mental, "oscar", ("closed", {}))
    return {"open": open_home, "closed": closed_home, "other": closed_mental}


def test_closed_cases_are_listed_on_asking(signed_in, cases):
    mina = signed_in("mina")
    assert _refs(mina.get("/staff/cases").text) == {cases["open"]}
    closed = mina.get("/staff/cases?status=closed").text
    assert _refs(closed) == {cases["closed"], cases["other"]}
    assert "Closed cases" in closed
    assert _refs(mina.get("/staff/cases?status=all").text) == set(cases.values())


def test_the_other_filters_apply_to_closed_cases(signed_in, cases):
    mina = signed_in("mina")
    html = mina.get("/staff/cases?status=closed&service=mental-health").text
    assert _refs(html) == {cases["other"]}
    html = mina.get("/staff/cases?status=all&kind=compliment").text
    assert _refs(html) == {cases["closed"]}


def test_an_officer_lists_only_closed_cases_they_may_open(signed_in, cases):
    olive = signed_in("olive")
    assert _refs(olive.get("/staff/cases?status=closed").text) == {cases["closed"]}


def test_links_keep_the_closed_filter(signed_in, cases):
    mina = signed_in("mina")
    html = mina.get("/staff/cases?status=closed").text
    assert "status=closed" in html.split("Sort by:", 1)[1]


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "status=closed&status=open",
        "service=nothing-like-it",
        "service=%00",
        "stage=%00&owner=%00&kind=%00",
        "service=" + "x" * 10_000,
        "q=" + "y" * 10_000,
        "sort=%00",
        "page=abc",
        "page=-1",
        "page=99999999999999999999",
        "_method=POST",
        "endpoint=x",
        "_scheme=javascript&_external=1",
        "_anchor=x&status=closed",
    ],
)
def test_crafted_filters_give_a_clear_page_never_a_server_error(signed_in, cases, query):
    mina = signed_in("mina")
    response = mina.get(f"/staff/cases?{query}")
    assert response.status_code == 200
    assert "javascript:" not in response.text
    assert "#x" not in response.text
