"""The organisation's settings: one YAML file, checked when it is loaded.

The file is found in this order: the path in ``FORMS_APP_SETTINGS``; ``instance/settings.yaml``;
the committed example ``config/settings.example.yaml`` (so a fresh clone runs). Where
``FORMS_APP_ORGANISATIONS`` lists several organisations, only ``FORMS_APP_SETTINGS`` counts.

Texts the public reads can have a Welsh twin beside them, named with ``_cy``: a service's
``name_cy``, ``contact.address_cy``, ``organisation.name_cy`` and so on. ``service_name`` and
``in_language`` (``Settings.localised``) are the one place that picks the twin, for the public
pages, letters and reports alike.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from .returns_mapping import Ko41aMapping, MappingError, read_ko41a

PROJECT_DIR = Path(__file__).resolve().parents[2]
EXAMPLE_SETTINGS = PROJECT_DIR / "config" / "settings.example.yaml"
INSTANCE_SETTINGS = PROJECT_DIR / "instance" / "settings.yaml"

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
#: A procedure profile's code (a file name in forms_app/procedures, checked when the app starts).
_PROCEDURE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
WELSH_SUFFIX = "_cy"

#: Welsh for common service names, used when a service in the settings has no ``name_cy``.
COMMON_SERVICE_NAMES_CY = {
    "Community nursing": "Nyrsio cymunedol",
    "Home care": "Gofal cartref",
    "Mental health services": "Gwasanaethau iechyd meddwl",
    "Learning disability support": "Cymorth anabledd dysgu",
    "Children's services": "Gwasanaethau plant",
    "Carers' support": "Cymorth i ofalwyr",
    "Adult services": "Gwasanaethau oedolion",
    "Adult social care": "Gofal cymdeithasol i oedolion",
    "Reablement": "Ailalluogi",
    "Occupational therapy": "Therapi galwedigaethol",
    "Day services": "Gwasanaethau dydd",
    "Residential care": "Gofal preswyl",
}


class SettingsError(ValueError):
    """The settings file is missing something or holds a value that cannot work."""


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    people_served: int | None = None
    name_cy: str | None = None
    #: The code of the procedure profile its cases follow; empty: the settings' ``procedure``.
    procedure: str = ""


@dataclass(frozen=True)
class Theme:
    code: str
    name: str


@dataclass(frozen=True)
class Settings:
    source: Path
    organisation: dict
    contact: dict
    pals: dict
    safeguarding: dict
    advocacy: dict
    procedure: str
    closure_days: tuple[str, ...]
    services: tuple[Service, ...]
    themes: tuple[Theme, ...]
    data_dir: Path
    form_url: str
    site_url: str
    raw: dict = field(repr=False, default_factory=dict)
    #: Where services and themes go on NHS England's KO41a return (``returns_mapping``).
    ko41a: Ko41aMapping = field(default_factory=Ko41aMapping)

    @property
    def brand_colour(self) -> str:
        return self.organisation["brand_colour"]

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)

    def service_name(self, code: str, language: str = "en") -> str | None:
        """The name of service ``code`` as the public reads it in ``language`` (None if there
        is no such service). In Welsh: its ``name_cy``, else the common Welsh name for it,
        else the English name."""
        service = self.service(code)
        if service is None:
            return None
        if language == "cy":
            return self.welsh_service_name(code) or service.name
        return service.name

    def welsh_service_name(self, code: str) -> str | None:
        """The Welsh name of service ``code`` (its ``name_cy``, else the common Welsh name for
        its English name), or None when there is none."""
        service = self.service(code)
        if service is None:
            return None
        return service.name_cy or COMMON_SERVICE_NAMES_CY.get(service.name)

    def localised(self, section: str, language: str) -> dict:
        """A settings section (``organisation``, ``contact``, ``pals``, ``safeguarding``,
        ``advocacy``) in ``language``, each ``_cy`` twin standing in for its English key in
        Welsh (the module's ``in_language``)."""
        return in_language(getattr(self, section), language)

    def closure_dates(self, years: range) -> list[date]:
        """The organisation's own closure days (``MM-DD``) as dates in the given years."""
        out = []
        for year in years:
            for text in self.closure_days:
                month, day = (int(part) for part in text.split("-"))
                out.append(date(year, month, day))
        return out


def in_language(section: dict, language: str) -> dict:
    """A settings section in ``language``: in Welsh, each ``<key>_cy`` value stands in for
    ``<key>``; in English the section as it is."""
    if language != "cy":
        return section
    return {
        **section,
        **{
            key[: -len(WELSH_SUFFIX)]: value
            for key, value in section.items()
            if key.endswith(WELSH_SUFFIX) and value
        },
    }


def settings_path() -> Path:
    """Which settings file is in force."""
    if os.environ.get("FORMS_APP_SETTINGS"):
        return Path(os.environ["FORMS_APP_SETTINGS"])
    if os.environ.get("FORMS_APP_ORGANISATIONS"):
        # On a deployment of several organisations there is no default one: falling back to
        # the files below could act on the wrong organisation's data.
        raise SettingsError(
            "several organisations are listed in FORMS_APP_ORGANISATIONS: set "
            "FORMS_APP_SETTINGS to the settings file of the one to use"
        )
    if INSTANCE_SETTINGS.exists():
        return INSTANCE_SETTINGS
    return EXAMPLE_SETTINGS


def load_settings(path: Path | str | None = None) -> Settings:
    """Read and check the settings; raise SettingsError saying what is wrong and where."""
    path = Path(path) if path else settings_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise SettingsError(f"cannot read settings file {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise SettingsError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise SettingsError(f"{path}: expected a mapping of settings at the top level")

    def section(name: str, required: tuple[str, ...] = ()) -> dict:
        value = raw.get(name) or {}
        if not isinstance(value, dict):
            raise SettingsError(f"{path}: '{name}' must be a mapping")
        missing = [key for key in required if not value.get(key)]
        if missing:
            raise SettingsError(f"{path}: '{name}' needs {', '.join(missing)}")
        return value

    organisation = section("organisation", ("name", "brand_colour"))
    if not _COLOUR.match(str(organisation["brand_colour"])):
        raise SettingsError(f"{path}: organisation.brand_colour must look like #1a5f7a")
    organisation.setdefault("short_name", organisation["name"])

    services = tuple(_service(path, item) for item in raw.get("services") or [])
    themes = tuple(_theme(path, item) for item in raw.get("themes") or [])
    if not services:
        raise SettingsError(f"{path}: list at least one service under 'services'")
    for label, items in (("services", services), ("themes", themes)):
        codes = [item.code for item in items]
        if len(codes) != len(set(codes)):
            raise SettingsError(f"{path}: two {label} share a code")

    closure_days = tuple(str(day) for day in raw.get("closure_days") or [])
    for day in closure_days:
        if not re.match(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$", day):
            raise SettingsError(f"{path}: closure day {day!r} must be MM-DD, like 12-24")

    try:
        ko41a = read_ko41a(raw.get("ko41a"), {s.code for s in services}, {t.code for t in themes})
    except MappingError as error:
        raise SettingsError(f"{path}: {error}") from error

    data_dir = Path(os.environ.get("FORMS_APP_DATA_DIR") or raw.get("data_dir") or "instance/data")
    if not data_dir.is_absolute():
        data_dir = PROJECT_DIR / data_dir

    return Settings(
        source=path,
        organisation=organisation,
        contact=section("contact", ("phone", "email")),
        pals=section("pals", ("phone",)),
        safeguarding=section("safeguarding", ("adults_phone", "children_phone")),
        advocacy=section("advocacy", ("name",)),
        procedure=str(raw.get("procedure") or "england-nhs-social-care-2009"),
        closure_days=closure_days,
        services=services,
        themes=themes,
        data_dir=data_dir,
        form_url=str(raw.get("form_url") or "http://127.0.0.1:5000").rstrip("/"),
        site_url=str(raw.get("site_url") or "http://127.0.0.1:8000").rstrip("/"),
        raw=raw,
        ko41a=ko41a,
    )


def _service(path: Path, item: object) -> Service:
    if not isinstance(item, dict) or not _CODE.match(str(item.get("code", ""))):
        raise SettingsError(f"{path}: each service needs a code of lowercase letters, digits, -")
    if not item.get("name"):
        raise SettingsError(f"{path}: service {item['code']} needs a name")
    people = item.get("people_served")
    if people is not None and (not isinstance(people, int) or people < 0):
        raise SettingsError(f"{path}: service {item['code']} people_served must be a whole number")
    name_cy = item.get("name_cy")
    if name_cy is not None and (not isinstance(name_cy, str) or not name_cy.strip()):
        raise SettingsError(f"{path}: service {item['code']} name_cy must be text (or left out)")
    procedure = item.get("procedure") or ""
    if not isinstance(procedure, str) or (procedure and not _PROCEDURE.match(procedure)):
        raise SettingsError(
            f"{path}: service {item['code']} procedure must be the code of a procedure profile"
        )
    return Service(
        code=item["code"],
        name=str(item["name"]),
        people_served=people,
        name_cy=name_cy.strip() if name_cy else None,
        procedure=procedure,
    )


def _theme(path: Path, item: object) -> Theme:
    if not isinstance(item, dict) or not _CODE.match(str(item.get("code", ""))):
        raise SettingsError(f"{path}: each theme needs a code of lowercase letters, digits, -")
    return Theme(code=item["code"], name=str(item.get("name") or item["code"]))
