"""The council example settings (config/settings.council.example.yaml) run three procedures in
one installation: corporate complaints under the LGSCO code (the default), adult social care
under the 2009 regulations and children's social care under the Children Act 1989. One case on
each service gets its own procedure's deadlines and letter wording; moving a case between them
is shown before it is confirmed and recorded; the built site and the report show each.

Dates counted by hand for a complaint received on Monday 15 December 2025 (England; the council
closes on 24 December; 25 and 26 December and 1 January are bank holidays):
- LGSCO code: acknowledged within 5 working days (16, 17, 18, 19, 22: Monday 22 December), the
  response 10 working days after that (23, 29, 30, 31 December, 2, 5 to 9 January: Friday
  9 January 2026);
- 2009 regulations: acknowledged within 3 working days (Thursday 18 December); the response
  time is agreed with the person;
- Children Act 1989: acknowledged within 2 working days (Wednesday 17 December), the response
  within 10 working days (16 to 19, 22, 23, 29 to 31 December, 2 January: Friday 2 January
  2026).
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime

import pytest
import yaml

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS, load_settings
from forms_app.procedures.profiles import load_procedure
from forms_app.reports import pages
from forms_app.reports.build import count
from forms_app.reports.periods import financial_year
from forms_app.web.parts import EXTENSION
from tests.sitebuild.test_build import PROJECT_DIR, mkdocs_build
from tests.support.staff import add_events, csrf, make_people, sign_in, submit
from tests.support.walker import COMPLAINT, walk

COUNCIL = EXAMPLE_SETTINGS.parent / "settings.council.example.yaml"
SERVICES = {
    "council-services": "england-council-lgsco-2026",
    "adult-social-care": "england-nhs-social-care-2009",
    "childrens-social-care": "england-children-act-1989",
}
RECEIVED = datetime(2025, 12, 15, 10, 0, tzinfo=UTC)
STAFF = {"cara": ("Cara Caseworker", ["officer"], list(SERVICES))}


@pytest.fixture
def council(tmp_path, monkeypatch):
    monkeypatch.setenv("FORMS_APP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("FORMS_APP_SETTINGS", raising=False)
    app = create_app(str(COUNCIL))
    app.config.update(TESTING=True)
    return app, app.extensions[EXTENSION]


@pytest.fixture
def cara(council):
    app, parts = council
    secret = make_people(parts.settings.data_dir, STAFF)["cara"]
    client = app.test_client()
    sign_in(client, "cara", secret)
    return client


def _cases(parts) -> dict[str, str]:
    """One complaint on each service, received on Monday 15 December 2025: {service: ref}."""
    return {
        service: submit(
            parts, service=service, received=RECEIVED, procedure=parts.procedure_code_for(service)
        )
        for service in SERVICES
    }


def _letter(client, ref: str, name: str) -> str:
    page = client.get(f"/staff/cases/{ref}/letters/new/{name}")
    assert page.status_code == 200, page.text
    return html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page.text, re.S).group(1))


def _long(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def test_the_public_form_records_each_service_s_procedure_and_promises_its_dates(council):
    app, parts = council
    client = app.test_client()

    def get(url):
        response = client.get(url, follow_redirects=True)
        return response.request.path, response.status_code, response.get_data(as_text=True)

    def post(url, data):
        response = client.post(url, data=data, follow_redirects=True)
        return response.request.path, response.status_code, response.get_data(as_text=True)

    for service, code in SERVICES.items():
        result = walk(get, post, "/complaint/", {**COMPLAINT, "service": service})
        stored = parts.store.find(result.reference)
        assert stored["procedure"] == code, service
        procedure = load_procedure(code)
        received = datetime.fromisoformat(stored["received"])
        due = procedure.hear_back_by("complaint", received, parts.calendar)
        page = result.final_html
        assert _long(due["acknowledge"]) in page, service
        if due["respond"] is not None:
            assert _long(due["respond"]) in page, service
        assert procedure.escalation["name"] in page, service
        client = app.test_client()  # a new person, for the next service


def test_each_case_gets_its_own_procedure_s_deadlines_and_letters(council, cara):
    _app, parts = council
    refs = _cases(parts)
    corporate = _letter(cara, refs["council-services"], "acknowledgement")
    assert "full response by 9 January 2026" in corporate
    adult = _letter(cara, refs["adult-social-care"], "acknowledgement")
    assert "We will agree with you how long our investigation should take" in adult
    assert "full response by" not in adult
    children = _letter(cara, refs["childrens-social-care"], "acknowledgement")
    assert "full response by 2 January 2026" in children
    # What comes next, in each procedure's words.
    corporate = _letter(cara, refs["council-services"], "stage_response")
    assert "next stage of our complaints procedure, Stage 2" in corporate
    assert "Local Government and Social Care Ombudsman" in corporate
    adult = _letter(cara, refs["adult-social-care"], "stage_response")
    assert "This is our final response" in adult
    assert "Parliamentary and Health Service Ombudsman" in adult
    children = _letter(cara, refs["childrens-social-care"], "stage_response")
    assert "next stage of our complaints procedure, Stage 2: investigation" in children
    assert "within 25 working days" in children
    # The staff case pages show each procedure's dates.
    page = cara.get(f"/staff/cases/{refs['childrens-social-care']}").text
    assert "Stage 1: local resolution" in page


def test_moving_a_case_to_children_s_social_care_is_shown_then_recorded(council, cara):
    _app, parts = council
    ref = _cases(parts)["council-services"]
    form = cara.get(f"/staff/cases/{ref}/do/triage")
    answers = {
        "csrf_token": csrf(form.text),
        "kind": "complaint",
        "service": "childrens-social-care",
        "themes": ["communication"],
        "owner": "cara",
        "independent": "yes",
    }
    shown = cara.post(f"/staff/cases/{ref}/do/triage", data=answers)
    assert shown.status_code == 400
    said = html.unescape(shown.text)
    assert "england-council-lgsco-2026 to england-children-act-1989" in said
    assert "response due 2026-01-02" in said and "(was 2026-01-09)" in said
    assert [e for e in parts.store.rows("events") if e["ref"] == ref] == []  # nothing yet
    done = cara.post(
        f"/staff/cases/{ref}/do/triage", data={**answers, "procedure_confirmed": "yes"}
    )
    assert done.status_code == 302, done.text
    events = [e for e in parts.store.rows("events") if e["ref"] == ref]
    moved = [e for e in events if e["type"] == "procedure_changed"]
    assert [(e["value"], e["stage"]) for e in moved] == [
        ("england-children-act-1989", "local_resolution")
    ]
    assert "england-council-lgsco-2026" in moved[0]["note"]
    page = html.unescape(cara.get(f"/staff/cases/{ref}").text)
    assert "Procedure changed" in page
    assert "response due 2026-01-02" in page
    assert "Stage 1: local resolution" in page
    letter = _letter(cara, ref, "acknowledgement")
    assert "full response by 2 January 2026" in letter


def _site_settings(tmp_path):
    raw = yaml.safe_load(COUNCIL.read_text(encoding="utf-8"))
    raw["form_url"] = "https://forms.example.org/feedback"
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


@pytest.mark.slow
def test_the_built_site_has_a_section_for_each_procedure(tmp_path):
    result = mkdocs_build(PROJECT_DIR / "mkdocs.yml", tmp_path / "out", _site_settings(tmp_path))
    assert result.returncode == 0, f"mkdocs build failed:\n{result.stdout}\n{result.stderr}"
    policy = html.unescape((tmp_path / "out" / "policy" / "index.html").read_text("utf-8"))
    assert "Timescales for each service" in policy
    for heading in ("Council services", "Adult social care", "Children&#39;s social care"):
        assert html.unescape(heading) in policy
    assert "Stage 3: review panel" in policy and "within 50 working days" in policy
    assert "SI 2006/1738" in policy and "SI 2009/309" in policy
    leaflet = (tmp_path / "out" / "leaflets" / "standard" / "index.html").read_text("utf-8")
    assert "Timescales for each service" in html.unescape(leaflet)
    welsh = (tmp_path / "out" / "cy" / "policy" / "index.html").read_text("utf-8")
    assert "Amserlenni ar gyfer pob gwasanaeth" in html.unescape(welsh)
    assert "Cam 3: panel adolygu" in html.unescape(welsh)
    # The easy read and young people's leaflets, in both languages, give each group of
    # services its own times: the children's procedure answers within 10 working days.
    for page, heading in (
        ("leaflets/easy-read", "Different services have different times"),
        ("leaflets/young-people", "Different services have different times"),
        ("cy/leaflets/easy-read", "Mae gan wasanaethau gwahanol amseroedd gwahanol"),
        ("cy/leaflets/young-people", "Mae gan wasanaethau gwahanol amseroedd gwahanol"),
    ):
        text = html.unescape((tmp_path / "out" / page / "index.html").read_text("utf-8"))
        assert heading in text, page
        assert "Children's social care" in text or "Gofal cymdeithasol i blant" in text, page
        assert "10 working days" in text or "10 diwrnod gwaith" in text, page


def test_the_report_gives_each_procedure_s_timeliness_and_returns(council):
    _app, parts = council
    refs = _cases(parts)
    for ref in refs.values():
        add_events(
            parts,
            ref,
            "cara",
            ("acknowledged", {"value": "2025-12-16"}),
            ("responded", {"value": "2025-12-31"}),
        )
    settings = load_settings(COUNCIL)
    settings = type(settings)(**{**settings.__dict__, "data_dir": parts.settings.data_dir})
    report, *_ = count(settings, financial_year(2025), date(2026, 3, 31), [])
    for code in SERVICES.values():
        for table in ("acknowledgement", "responses", "response-times"):
            assert f"{table}-{code}" in report.tables, (table, code)
    children = report.tables["responses-england-children-act-1989"]
    assert children.title["en"].endswith(": Children's social care")
    # Each counted against its own targets: answered on 31 December, the children's case
    # (due 2 January) and the corporate one (due 9 January) were on time; the adult social
    # care case had a time agreed with the person, so it has no target to be within.
    assert [r.key for r in children.rows] == [
        "local_resolution",
        "investigation",
        "review_panel",
        "total",
    ]
    assert children.value("local_resolution", "within-target") == 1
    corporate = report.tables["responses-england-council-lgsco-2026"]
    assert [r.key for r in corporate.rows] == ["stage1", "stage2", "total"]
    assert corporate.value("stage1", "within-target") == 1
    adult = report.tables["responses-england-nhs-social-care-2009"]
    assert adult.value("local_resolution", "responses") == 1
    assert adult.value("local_resolution", "within-target") == 0
    # A council: the annual report of complaints for each procedure, over its own cases, and
    # the ombudsman's annual figures for the procedure under its complaint handling code.
    assert sorted(report.returns) == sorted(
        [f"annual-return-{code}" for code in SERVICES.values()]
        + ["lgsco-annual-england-council-lgsco-2026"]
    )
    page = pages.render(
        report,
        language="en",
        organisation="Greenvale Borough Council",
        nation_text="England",
        data_base="/outcomes/data",
        data_files=[],
        items=[],
        plan=None,
    )
    for code in SERVICES.values():
        for table in ("acknowledgement", "responses", "response-times"):
            assert f"### {report.tables[f'{table}-{code}'].title['en']}" in page
