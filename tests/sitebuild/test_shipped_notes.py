"""What ships says only what is true for the organisation: no drafting note left in a
procedure profile, and publicly funded services named with the ombudsman people can go to
(forms_app/sitebuild/funded.py). The built pages are checked in tests/sitebuild/test_build.py."""

from __future__ import annotations

import dataclasses
import re

from forms_app.organisation.settings import EXAMPLE_SETTINGS, load_settings
from forms_app.procedures.profiles import PROCEDURES_DIR, load_procedure
from forms_app.sitebuild.funded import funded


def test_no_shipped_procedure_profile_carries_a_check_note():
    profiles = sorted(PROCEDURES_DIR.glob("*.yaml"))
    assert len(profiles) >= 5
    for path in profiles:
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            assert not re.search(r"#\\s*(check|todo|fixme)\\b", line, re.I), f"{path.name}:{number}"
            assert "modelled on" not in line, f"{path.name}:{number}"


def settings_with(marks: dict[str, str | None]):
    settings = load_settings(EXAMPLE_SETTINGS)
    services = []
    for item in settings.raw["services"]:
        item = {k: v for k, v in item.items() if k != "publicly_funded"}
        if marks.get(item["code"]):
            item["publicly_funded"] = marks[item["code"]]
        services.append(item)
    return dataclasses.replace(settings, raw={**settings.raw, "services": services})


def test_no_publicly_funded_service_adds_nothing():
    charity = load_procedure("charity-help-and-care")
    assert funded(settings_with({}), charity)["routes"] == ""


def test_each_kind_of_funding_names_the_ombudsman_of_the_nation():
    marks = {"home-care": "council", "community-nursing": "nhs"}
    charity = load_procedure("charity-help-and-care")
    english = funded(settings_with(marks), charity)["routes"]
    assert "Local Government and Social Care Ombudsman" in english
    assert "Parliamentary and Health Service Ombudsman" in english
    assert "(Home care)" in english and "(Community nursing)" in english
    wales = load_procedure("wales-social-services-2014")
    welsh = funded(settings_with({"home-care": "nhs"}), wales, "cy")["routes"]
    assert welsh == ""  # the procedure's own last step is already the Welsh ombudsman
    wales_nhs = load_procedure("nhs-wales-ptr")
    assert funded(settings_with({"home-care": "council"}), wales_nhs)["routes"] == ""


def test_the_procedures_own_ombudsman_is_not_named_twice():
    council = load_procedure("england-council-lgsco-2026")
    routes = funded(settings_with({"home-care": "council", "mental-health": "nhs"}), council)
    assert "Local Government and Social Care Ombudsman" not in routes["routes"]
    assert "Parliamentary and Health Service Ombudsman" in routes["routes"]
