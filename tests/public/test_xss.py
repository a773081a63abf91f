"""S6: the XSS corpus (tests/fixtures/xss_vectors.txt, 200+ vectors) through every public text
field of the complaint and compliment journeys, into every place the text is shown: check
answers, confirmation, staff inbox, case list, case page (timeline included), a letter draft,
and the CSV/XLSX staff exports. Oracle: each page is parsed with html.parser and its element
structure (tags and attribute NAMES, in order) must equal the same page made from harmless text,
with 0 event-handler attributes and 0 javascript:/vbscript:/data: URLs anywhere."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS
from forms_app.records.exporting import FORMULA_TRIGGERS, export_cases
from forms_app.web.parts import EXTENSION
from tests.support.staff import make_people, sign_in
from tests.support.walker import COMPLAINT, COMPLIMENT

VECTORS_FILE = Path(__file__).parents[1] / "fixtures" / "xss_vectors.txt"


def load_vectors() -> list[str]:
    lines = VECTORS_FILE.read_text("utf-8").split("\n")
    return [line for line in lines if line and not line.startswith("# ")]


VECTORS = load_vectors()
BAD_URL = re.compile(r"^(javascript|vbscript|data):", re.I)
CONTROL = re.compile(r"[\x00-\x20\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


class Structure(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, tuple[str, ...]]] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, tuple(sorted(name for name, _ in attrs))))
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"):
                cleaned = CONTROL.sub("", value or "")
                if BAD_URL.match(cleaned) or "evil.example" in cleaned:
                    self.problems.append(f"<{tag} {name}={value!r}>")
        if tag in ("iframe", "object", "embed", "base", "frameset", "applet", "math"):
            self.problems.append(f"<{tag}>")
        if tag == "meta" and any(n == "http-equiv" for n, _ in attrs):
            self.problems.append("<meta http-equiv>")

    handle_startendtag = handle_starttag


def scan(html: str) -> Structure:
    parser = Structure()
    parser.feed(html)
    parser.close()
    return parser


def fill(answers: dict, vector: str, fields: dict[str, int]) -> dict:
    out = dict(answers)
    for name, limit in fields.items():
        out[name] = vector[:limit]
    return out


COMPLAINT_FIELDS = {
    "service_detail": 200,
    "details": 10000,
    "outcome_wanted": 5000,
    "subject_name": 200,
    "name": 200,
}
COMPLIMENT_FIELDS = {"thank_who": 300, "details": 10000}


def _client_fns(client):
    def get(url):
        response = client.get(url, follow_redirects=True)
        return response.request.url, response.status_code, response.get_data(as_text=True)

    def post(url, data):
        response = client.post(url, data=data, follow_redirects=True)
        return response.request.url, response.status_code, response.get_data(as_text=True)

    return get, post


REJECTED_PAGES: list[tuple[str, str]] = []


def _walk(app, answers, journey) -> tuple[str, str, str]:
    """Walk a journey like ``tests/support/walker.py``; a page that rejects an answer (unusual
    characters) is kept for the scan, then the rejected fields get harmless text so the walk
    goes on.
    Returns (reference, check-answers html, confirmation html)."""
    import html as html_lib
    from urllib.parse import urljoin

    from tests.support.walker import BUTTON_LINK, FORM_ACTION, REFERENCE

    client = app.test_client()
    answers = dict(answers)
    get, post = _client_fns(client)
    url, status, page = get(f"/{journey}/")
    url, status, page = get(urljoin(url, html_lib.unescape(BUTTON_LINK.search(page).group(1))))
    check = ""
    for _ in range(40):
        if "data-reference" in page:
            return REFERENCE.search(page).group(1), check, page
        if url.endswith("check-your-answers"):
            check = page
        form = FORM_ACTION.search(page)
        if form:
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            action = html_lib.unescape(form.group(1)) if form.group(1) else url
            target = urljoin(url, action)
            new_url, status, new_page = post(target, {"csrf_token": token, **answers})
            if status == 400:
                REJECTED_PAGES.append((target, new_page))
                for name in re.findall(r'<a href="#([a-z_]+)(?:-day)?"', new_page):
                    answers[name] = "Harmless replacement text"
                continue
            assert status == 200, (target, status)
            url, page = new_url, new_page
        else:
            link = BUTTON_LINK.search(page)
            url, status, page = get(urljoin(url, html_lib.unescape(link.group(1))))
    raise AssertionError("journey did not finish")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("xss") / "data"
    mp = pytest.MonkeyPatch()
    mp.setenv("FORMS_APP_DATA_DIR", str(data_dir))
    mp.delenv("FORMS_APP_SETTINGS", raising=False)
    app = create_app(str(EXAMPLE_SETTINGS))
    app.config.update(TESTING=True)
    # The limiter is per address and the whole corpus comes from 127.0.0.1 in a few seconds.
    app.config["RATELIMIT_ENABLED"] = False
    from forms_app.public import ratelimit

    app.extensions["forms_ratelimit"] = ratelimit.RateLimiter(
        data_dir, "k", {name: ratelimit.Rule(name, 0, 60) for name in ratelimit.DEFAULT_RULES}
    )
    benign = "Harmless text about the evening visit"
    base_ref, base_check, base_confirm = _walk(
        app, fill(COMPLAINT, benign, COMPLAINT_FIELDS), "complaint"
    )
    comp_ref, _, _ = _walk(app, fill(COMPLIMENT, benign, COMPLIMENT_FIELDS), "compliment")
    refs = {}
    checks = {}
    for _index, vector in enumerate(VECTORS):
        ref, check, confirm = _walk(app, fill(COMPLAINT, vector, COMPLAINT_FIELDS), "complaint")
        refs[vector] = ref
        checks[vector] = (check, confirm)
    compliment_refs = {}
    for vector in VECTORS:
        ref, _, confirm = _walk(app, fill(COMPLIMENT, vector, COMPLIMENT_FIELDS), "compliment")
        compliment_refs[vector] = (ref, confirm)
    secret = make_people(data_dir, {"mina": ("Mina Manager", ["manager"], [])})["mina"]
    staff = app.test_client()
    sign_in(staff, "mina", secret)
    yield {
        "app": app,
        "data_dir": data_dir,
        "staff": staff,
        "base": (base_ref, base_check, base_confirm),
        "compliment_base": comp_ref,
        "refs": refs,
        "checks": checks,
        "compliment_refs": compliment_refs,
    }
    mp.undo()


def test_corpus_is_big_and_varied():
    assert len(VECTORS) >= 200
    joined = "\n".join(VECTORS)
    for needle in ("<svg", "<math", "javascript:", "{{7*7}}", "=HYPERLINK", "\u202e", "\u200b"):
        assert needle in joined


def test_every_vector_was_stored_exactly_or_rejected_visibly(world):
    parts = world["app"].extensions[EXTENSION]
    stored = {row["ref"]: row for row in parts.store.rows("submissions")}
    assert len(world["refs"]) == len(VECTORS)
    accepted = 0
    for vector, ref in world["refs"].items():
        assert ref, vector
        details = stored[ref]["details"]
        if details != "Harmless replacement text":
            assert details == unicodedata.normalize("NFC", vector.replace("\r", "\n"))
            accepted += 1
    # Most vectors are ordinary text to the service and must be kept exactly as typed.
    assert accepted >= len(VECTORS) * 0.8, accepted


def test_pages_that_reject_a_vector_show_it_inertly(world):
    failures = []
    for url, page in REJECTED_PAGES:
        failures += [f"{url}: {p}" for p in scan(page).problems]
    assert failures == [], failures[:3]


def _same_structure(page: str, baseline: str, label: str) -> list[str]:
    got, want = scan(page), scan(baseline)
    failures = [f"{label}: {p}" for p in got.problems]
    if got.tags != want.tags:
        extra = Counter(got.tags) - Counter(want.tags)
        failures.append(f"{label}: structure differs, extra {list(extra)[:3]}")
    return failures


def test_check_answers_and_confirmation(world):
    _ref, base_check, base_confirm = world["base"]
    failures = []
    for vector, (check, confirm) in world["checks"].items():
        failures += _same_structure(check, base_check, f"check {vector!r}")
        failures += _same_structure(confirm, base_confirm, f"confirmation {vector!r}")
    executable = {f.split(":")[0] for f in failures}
    assert failures == [], f"{len(executable)} executable, e.g. {failures[:3]}"


def test_staff_case_pages_timeline_and_letters(world):
    staff = world["staff"]
    base_ref = world["base"][0]
    baseline = staff.get(f"/staff/cases/{base_ref}").get_data(as_text=True)
    base_letter = staff.get(f"/staff/cases/{base_ref}/letters/new/acknowledgement")
    base_letter_html = base_letter.get_data(as_text=True)
    failures = []
    for vector, ref in world["refs"].items():
        page = staff.get(f"/staff/cases/{ref}")
        assert page.status_code == 200
        html = page.get_data(as_text=True).replace(ref, base_ref)
        failures += _same_structure(html, baseline.replace(base_ref, base_ref), f"case {vector!r}")
        letter = staff.get(f"/staff/cases/{ref}/letters/new/acknowledgement")
        if base_letter.status_code == 200:
            assert letter.status_code == 200
            failures += _same_structure(
                letter.get_data(as_text=True).replace(ref, base_ref),
                base_letter_html,
                f"letter {vector!r}",
            )
    assert failures == [], f"{len(failures)} problems, e.g. {failures[:3]}"


def test_staff_lists_and_compliment_cases(world):
    staff = world["staff"]
    failures = []
    for path in ("/staff/", "/staff/inbox", "/staff/cases", "/staff/actions"):
        response = staff.get(path)
        assert response.status_code == 200, path
        failures += [f"{path}: {p}" for p in scan(response.get_data(as_text=True)).problems]
    base = staff.get(f"/staff/cases/{world['compliment_base']}").get_data(as_text=True)
    base = base.replace(world["compliment_base"], "REF")
    for vector, (ref, _confirm) in world["compliment_refs"].items():
        html = staff.get(f"/staff/cases/{ref}").get_data(as_text=True).replace(ref, "REF")
        failures += _same_structure(html, base, f"compliment case {vector!r}")
    assert failures == [], f"{len(failures)} problems, e.g. {failures[:3]}"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_neutralise_every_formula(world, tmp_path, fmt):
    from tests.records.test_export import read_csv_export, read_xlsx_export

    parts = world["app"].extensions[EXTENSION]
    output = tmp_path / f"export.{fmt}"
    export_cases(parts, output, actor="mina", fmt=fmt, include_personal=True)
    if fmt == "csv":
        rows = read_csv_export(output)
        cells = [value for row in rows for value in row.values()]
    else:
        _headers, rows, raw = read_xlsx_export(output)
        assert all(cell.data_type != "f" for row in raw for cell in row)
        cells = [value for row in rows for value in row if isinstance(value, str)]
    live = [c for c in cells if c and c.startswith(FORMULA_TRIGGERS)]
    assert live == [], live[:5]


def test_oracle_catches_unescaped_vectors(world):
    """Negative control: the same vectors pasted in WITHOUT escaping must be caught, or a
    '0 executable' result would mean nothing."""
    _ref, base_check, _confirm = world["base"]
    marker = "Harmless text about the evening visit"
    caught = 0
    htmlish = [v for v in VECTORS if "<" in v and ">" in v]
    for vector in htmlish:
        raw = base_check.replace(marker, vector, 1)
        if _same_structure(raw, base_check, "raw"):
            caught += 1
    assert len(htmlish) >= 150
    assert caught >= 0.9 * len(htmlish), (caught, len(htmlish))


BROWSER_SAMPLE = [v for v in VECTORS if "__xss" in v][::4][:30]


@pytest.mark.browser
def test_sample_never_executes_in_chromium(world):
    """30 vectors, their case pages opened in a real Chromium by a signed-in manager, and their
    check-answers page: window.__xss is never set and no dialog opens."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import launch_chromium, live_server

    app = world["app"]
    secret = make_people(world["data_dir"], {"bram": ("Bram Manager", ["manager"], [])})["bram"]
    dialogs: list[str] = []
    executed: list[str] = []
    with live_server(app) as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            import pyotp

            from tests.support.staff import PASSWORD

            page.goto(base + "/staff/sign-in")
            page.fill("#username", "bram")
            page.fill("#password", PASSWORD)
            page.locator("form button").last.click()
            page.wait_for_load_state("load")
            page.fill("#code", pyotp.TOTP(secret).now())
            page.locator("form button").last.click()
            page.wait_for_load_state("load")
            assert "/staff/sign-in" not in page.url, page.url
            for vector in BROWSER_SAMPLE:
                ref = world["refs"][vector]
                for path in (
                    f"/staff/cases/{ref}",
                    f"/staff/cases/{world['compliment_refs'][vector][0]}",
                ):
                    page.goto(base + path)
                    page.wait_for_load_state("load")
                    page.mouse.move(200, 300)
                    page.keyboard.press("Tab")
                    if page.evaluate("() => window.__xss !== undefined"):
                        executed.append(f"{path} {vector!r}")
            for path in ("/staff/inbox", "/staff/cases"):
                page.goto(base + path)
                page.wait_for_load_state("load")
                if page.evaluate("() => window.__xss !== undefined"):
                    executed.append(path)
        finally:
            browser.close()
    assert len(BROWSER_SAMPLE) == 30
    assert executed == [] and dialogs == [], (executed[:3], dialogs[:3])
