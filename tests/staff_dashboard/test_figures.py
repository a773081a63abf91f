"""The officer's figures, counted by casework against cases with known due dates on a frozen
day, and shown on the home page only for the cases the member of staff may open."""

from __future__ import annotations

import re
from datetime import date

import pytest

from forms_app.casework.workload import Quarter, by_service, week_end, workload
from forms_app.staff.access import DEFAULT_CONFIDENTIAL_ROLES, visible
from forms_app.web.parts import case_index
from tests.support.staff import PEOPLE

from .conftest import TODAY


def _refs(cases) -> set[str]:
    return {c.ref for c in cases}


def _named(world, *names) -> set[str]:
    return {world[name] for name in names}


def _olives_cases(app):
    from forms_app.accounts import User

    name, roles, services = PEOPLE["olive"]
    olive = User(username="olive", name=name, roles=roles, services=services)
    with app.app_context():
        cases = case_index().all_cases()
        return olive, cases, visible(olive, cases, DEFAULT_CONFIDENTIAL_ROLES), case_index()


def test_the_figures_follow_the_hand_counted_due_dates(app, world):
    _olive, _all, cases, index = _olives_cases(app)
    figures = workload(index, cases, TODAY)
    assert _refs(figures.new) == _named(world, "new")
    assert _refs(figures.to_acknowledge) == _named(
        world, "new", "overdue", "due_today", "compliment"
    )
    # Due today counts as due this week, not overdue; the paused case is neither.
    assert _refs(figures.due_this_week) == _named(world, "new", "due_today", "compliment")
    assert _refs(figures.overdue) == _named(world, "overdue")


def test_the_quarters_answers_count_each_answered_stage_once_against_its_target(app, world):
    _olive, _all, cases, index = _olives_cases(app)
    figures = workload(index, cases, TODAY)
    # Answered 20 November (due 30 November) and 5 November (due 29 October); the one answered
    # in September is last quarter's.
    assert (figures.answered, figures.answered_on_time, figures.on_time_percent) == (2, 1, 50)
    mine = workload(index, [c for c in cases if c.owner == "olive"], TODAY)
    assert (mine.answered, mine.answered_on_time, mine.on_time_percent) == (1, 1, 100)
    assert workload(index, [], TODAY).on_time_percent is None


def test_cases_in_another_service_or_confidential_are_not_in_an_officers_figures(app, world):
    _olive, everything, cases, index = _olives_cases(app)
    assert world["other_service"] not in _refs(cases)
    assert world["confidential"] not in _refs(cases)
    # Counted for someone who may see them (the same cases, nobody left out).
    all_figures = workload(index, everything, TODAY)
    assert _named(world, "other_service", "confidential") <= _refs(all_figures.overdue)


def test_the_same_figures_per_service(app, world):
    _olive, everything, _cases, index = _olives_cases(app)
    per_service = by_service(index, everything, TODAY)
    assert sorted(per_service) == ["home-care", "mental-health"]
    assert _refs(per_service["mental-health"].overdue) == _named(world, "other_service")
    assert _refs(per_service["home-care"].overdue) == _named(world, "overdue", "confidential")
    assert per_service["mental-health"].answered == 0


@pytest.mark.parametrize(
    ("day", "start", "end", "name"),
    [
        (date(2026, 12, 9), date(2026, 10, 1), date(2026, 12, 31), "2026-27 Q3"),
        (date(2027, 1, 1), date(2027, 1, 1), date(2027, 3, 31), "2026-27 Q4"),
        (date(2026, 4, 1), date(2026, 4, 1), date(2026, 6, 30), "2026-27 Q1"),
        (date(2026, 9, 30), date(2026, 7, 1), date(2026, 9, 30), "2026-27 Q2"),
    ],
)
def test_quarters_are_those_of_the_financial_year(day, start, end, name):
    quarter = Quarter.of(day)
    assert (quarter.start, quarter.end, quarter.name) == (start, end, name)


def test_the_week_ends_on_sunday():
    assert week_end(date(2026, 12, 9)) == date(2026, 12, 13)
    assert week_end(date(2026, 12, 13)) == date(2026, 12, 13)
    assert week_end(date(2026, 12, 14)) == date(2026, 12, 20)


def _row(html: str, figure: str) -> tuple[str, str]:
    """(your cases, all cases) as shown in one row of the home page's table, in plain text."""
    match = re.search(rf'data-figure="{figure}">(.*?)</tr>', html, re.S)
    assert match, figure
    cells = re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)

    def text(cell):
        cell = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", cell, flags=re.S)
        return " ".join(re.sub(r"<[^>]+>", "", cell).split())

    return text(cells[0]), text(cells[1])


def test_the_home_page_shows_an_officers_figures(signed_in, world, frozen):
    html = signed_in("olive").get("/staff/").text
    assert _row(html, "new") == ("–", "1")
    assert _row(html, "to_acknowledge") == ("3", "4")
    assert _row(html, "due_this_week") == ("2", "3")
    assert _row(html, "overdue") == ("1", "1")
    assert _row(html, "on_time") == ("100% (1 of 1)", "50% (1 of 2)")
    assert "by Sunday 13 December" in html
    assert "2026-27 Q3, from 1 October 2026" in html


def test_a_manager_sees_every_service_counted(signed_in, world, frozen):
    html = signed_in("mina").get("/staff/").text
    assert _row(html, "new")[1] == "2"
    assert _row(html, "overdue")[1] == "3"
    assert 'href="/staff/week"' in html


def _listed(html: str) -> set[str]:
    return set(re.findall(r'href="/staff/cases/([A-Z0-9-]+)"', html))


def test_each_number_opens_the_cases_behind_it(signed_in, world, frozen):
    olive = signed_in("olive")
    html = olive.get("/staff/").text
    all_cells = r'data-figure="(\w+)">.*?data-all><a class="govuk-link" href="([^"]+)"'
    links = dict(re.findall(all_cells, html, re.S))
    assert links["new"] == "/staff/inbox"
    page = olive.get(links["due_this_week"].replace("&amp;", "&"))
    assert _listed(page.text) == _named(world, "new", "due_today", "compliment")
    mine = olive.get("/staff/work?figure=to-acknowledge&mine=1")
    assert _listed(mine.text) == _named(world, "overdue", "due_today", "compliment")


def test_the_lists_behind_the_numbers_honour_access(signed_in, world, frozen):
    olive = signed_in("olive")
    listed = _listed(olive.get("/staff/work?figure=overdue").text)
    assert listed == _named(world, "overdue")
    # Asking for another service's list shows nothing of it.
    other = olive.get("/staff/work?figure=overdue&service=mental-health")
    assert other.status_code == 200
    assert _listed(other.text) == set()


def test_the_managers_week_view_gives_the_figures_per_service(signed_in, world, frozen):
    mina = signed_in("mina")
    html = mina.get("/staff/week").text

    def cell(service, figure):
        row = re.search(rf'data-service="{re.escape(service)}">(.*?)</tr>', html, re.S).group(1)
        found = re.search(rf'data-figure="{figure}">(.*?)</td>', row, re.S).group(1)
        found = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", found, flags=re.S)
        return " ".join(re.sub(r"<[^>]+>", "", found).split())

    assert cell("home-care", "overdue") == "2"
    assert cell("home-care", "to_acknowledge") == "5"
    assert cell("home-care", "on_time") == "50% (1 of 2)"
    assert cell("mental-health", "new") == "1"
    assert cell("mental-health", "on_time") == "–"
    assert cell("*", "overdue") == "3"
    listed = _listed(mina.get("/staff/work?figure=overdue&service=home-care").text)
    assert listed == _named(world, "overdue", "confidential")


def test_only_managers_open_the_week_view(signed_in, world):
    assert signed_in("olive").get("/staff/week").status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        "",
        "figure=bogus",
        "figure=%00",
        "figure=overdue&service=%00",
        "figure=overdue&service=" + "x" * 5000,
        "figure=overdue&mine=%FF",
        "figure=overdue&figure=new",
    ],
)
def test_crafted_list_addresses_give_a_clear_page_never_a_server_error(signed_in, world, query):
    response = signed_in("olive").get(f"/staff/work?{query}")
    assert response.status_code in (200, 404)
    assert "Page not found" in response.text or "cases" in response.text


def test_a_safeguarding_lead_sees_figures_whose_links_all_open(signed_in, world, frozen):
    """The inbox is for officers and managers: the lead's "new" opens the list page instead."""
    sam = signed_in("sam")
    html = sam.get("/staff/").text
    links = re.findall(r'data-all><a class="govuk-link" href="([^"]+)"', html)
    assert len(links) == 4
    for link in links:
        assert sam.get(link.replace("&amp;", "&")).status_code == 200, link
