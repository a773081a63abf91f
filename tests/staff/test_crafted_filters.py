"""Crafted values in the case list's and the search's address (unknown codes, odd pages,
repeated parameters, bytes no keyboard types) never give a server error: the page is shown
with the values it understood, or refused as a bad request."""

from __future__ import annotations

import itertools

import pytest

from tests.support.staff import submit

ODD_VALUES = (
    "",
    "nonsense",
    "-1",
    "0",
    "99999999999999999999",
    "1e308",
    "NaN",
    "%FF%FE",
    "%00",
    "%C0%AF",
    "%E2%80%AE",
    "x" * 5000,
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "%F0%9F%8C%9F",
)
CASE_LIST_PARAMETERS = ("status", "service", "stage", "owner", "kind", "sort", "page", "_method")
SEARCH_PARAMETERS = ("q", "page")


def _addresses(path: str, names: tuple[str, ...]):
    for name, value in itertools.product(names, ODD_VALUES):
        yield f"{path}?{name}={value}"
    for name in names:
        # The same parameter twice, and as an array in the PHP style.
        yield f"{path}?{name}=closed&{name}=open&{name}=-1"
        yield f"{path}?{name}[]=closed&{name}[0]=x"
    yield f"{path}?" + "&".join(f"{name}=%FF" for name in names)
    yield f"{path}?page=-1&status=closed&sort=owner"
    yield f"{path}?page=99999999999999999999&status=all&sort=received"


@pytest.mark.parametrize("who", ["mina", "olive"])
def test_crafted_filters_on_the_case_list_and_search_never_give_a_server_error(
    who, signed_in, app_parts
):
    client = signed_in(who)
    for kind in ("complaint", "compliment", "comment", "enquiry", "concern"):
        submit(app_parts, kind=kind)
    failures = []
    for address in itertools.chain(
        _addresses("/staff/cases", CASE_LIST_PARAMETERS),
        _addresses("/staff/search", SEARCH_PARAMETERS),
    ):
        response = client.get(address)
        if response.status_code >= 500 or response.status_code not in (200, 400):
            failures.append((address[:120], response.status_code))
    assert failures == []


def test_the_case_list_shows_closed_cases_whatever_the_page_asked(signed_in, app_parts):
    client = signed_in("mina")
    ref = submit(app_parts, kind="compliment")
    from forms_app.casework.events import event, record

    record(app_parts.store, app_parts.contract, [event(ref, "mina", "closed")])
    for page in ("-1", "0", "99999999999999999999", "x"):
        shown = client.get(f"/staff/cases?status=closed&page={page}")
        assert shown.status_code == 200 and ref in shown.text
