"""No English setting text on a Welsh page when the settings give its Welsh twin.

Every Welsh public page of every journey, in every wording, is walked in-process with the test
client, and each page is searched for the English text of each setting that has a ``_cy`` twin
(a service's ``name_cy``, ``contact.address_cy``, ``pals.opening_hours_cy``...).
"""

from __future__ import annotations

import html
import re

import pytest
import yaml

from forms_app import create_app
from forms_app.organisation.settings import EXAMPLE_SETTINGS, load_settings
from forms_app.storage.vocabulary import VARIANTS
from tests.support.walker import ANSWERS, walk

TAG = re.compile(r"<[^>]+>")


def english_with_welsh_twin(raw: object) -> dict[str, str]:
    """``{English text: Welsh text}`` for every ``X`` / ``X_cy`` pair anywhere in the settings."""
    pairs: dict[str, str] = {}
    if isinstance(raw, dict):
        for key, value in raw.items():
            english = raw.get(key[:-3]) if str(key).endswith("_cy") else None
            if isinstance(english, str) and isinstance(value, str) and value:
                pairs[english] = value
            pairs.update(english_with_welsh_twin(value))
    elif isinstance(raw, list):
        for item in raw:
            pairs.update(english_with_welsh_twin(item))
    return pairs


def english_found(page: str, pairs: dict[str, str]) -> list[str]:
    """The English texts of ``pairs`` that a page shows (its text and attributes), as whole
    words, leaving out the Welsh texts themselves (a Welsh address may keep an English house
    name, such as "Tŷ Riverside")."""
    text = html.unescape(TAG.sub(" ", page)) + " " + html.unescape(page)
    text = " ".join(text.split())
    for welsh in sorted(pairs.values(), key=len, reverse=True):
        text = text.replace(" ".join(welsh.split()), " ")
    return [
        english
        for english in pairs
        if re.search(r"(?<!\w)" + re.escape(" ".join(english.split())) + r"(?!\w)", text)
    ]


def welsh_pages(client, slug: str, variant: str) -> list[tuple[str, str]]:
    """(url, html) of every page a person sees walking ``slug`` in Welsh, start to reference."""
    seen: list[tuple[str, str]] = []

    def get(url):
        response = client.get(url, follow_redirects=True)
        seen.append((response.request.path, response.get_data(as_text=True)))
        return response.request.path, response.status_code, seen[-1][1]

    def post(url, data):
        response = client.post(url, data=data, follow_redirects=True)
        seen.append((response.request.path, response.get_data(as_text=True)))
        return response.request.path, response.status_code, seen[-1][1]

    prefix = "/cy" if variant == "standard" else f"/cy/{variant}"
    get(f"{prefix}/")
    result = walk(get, post, f"{prefix}/{slug}/", ANSWERS[slug])
    assert result.reference, f"{prefix}/{slug}/ did not finish"
    return seen


def _assert_no_english(client, pairs):
    for slug in ANSWERS:
        for variant in VARIANTS:
            for url, page in welsh_pages(client, slug, variant):
                assert '<html lang="cy"' in page, url
                found = english_found(page, pairs)
                assert not found, f"{url} shows English {found} though the settings give Welsh"


def test_the_example_settings_give_every_service_a_welsh_name():
    settings = load_settings(EXAMPLE_SETTINGS)
    for service in settings.services:
        assert service.name_cy, service.code
        assert settings.service_name(service.code, "cy") == service.name_cy
        assert settings.service_name(service.code, "en") == service.name
    assert settings.service_name("no-such-service", "cy") is None


def test_no_welsh_page_shows_an_english_setting_text_that_has_welsh(client):
    pairs = english_with_welsh_twin(load_settings(EXAMPLE_SETTINGS).raw)
    assert {"Home care", "Community nursing", "Monday to Friday, 9am to 4pm"} <= set(pairs)
    _assert_no_english(client, pairs)


def test_welsh_service_names_are_on_the_question_and_the_answers(client):
    pages = dict(welsh_pages(client, "complaint", "standard"))
    service_page = next(page for url, page in pages.items() if "Gofal cartref" in page)
    assert "Nyrsio cymunedol" in service_page and "Cymorth i ofalwyr" in service_page
    # The walk's answer is Home care: the answers page names it in Welsh.
    assert "Gofal cartref" in pages["/cy/complaint/check-your-answers"]


def test_the_check_finds_english_on_an_english_page(client):
    # The same check on the English walk must find the English names, or it proves nothing.
    pairs = english_with_welsh_twin(load_settings(EXAMPLE_SETTINGS).raw)
    found = []

    def get(url):
        page = client.get(url, follow_redirects=True)
        found.extend(english_found(page.get_data(as_text=True), pairs))
        return page.request.path, page.status_code, page.get_data(as_text=True)

    def post(url, data):
        page = client.post(url, data=data, follow_redirects=True)
        found.extend(english_found(page.get_data(as_text=True), pairs))
        return page.request.path, page.status_code, page.get_data(as_text=True)

    walk(get, post, "/complaint/", ANSWERS["complaint"])
    assert "Home care" in found and "Community nursing" in found


@pytest.fixture
def welsh_named_client(tmp_path, data_dir):
    """A client on settings that also give the organisation a Welsh name."""
    raw = yaml.safe_load(EXAMPLE_SETTINGS.read_text(encoding="utf-8"))
    raw["organisation"]["name_cy"] = "Iechyd a Gofal Glan yr Afon"
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    app = create_app(str(path))
    app.config.update(TESTING=True)
    return app.test_client(), raw


def test_an_organisation_name_in_welsh_replaces_the_english_one(welsh_named_client):
    client, raw = welsh_named_client
    pairs = english_with_welsh_twin(raw)
    assert pairs["Riverside Health and Care"] == "Iechyd a Gofal Glan yr Afon"
    _assert_no_english(client, pairs)
    start = client.get("/cy/").get_data(as_text=True)
    assert "Iechyd a Gofal Glan yr Afon" in start
