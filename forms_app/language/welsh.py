"""Welsh for the published site: numbers with days and months, dates, nations, the names of
the shipped procedures' stages and ombudsmen, and the settings values written in English.

The Welsh here is plain, standard Welsh written by a developer. A Welsh speaker (ideally the
organisation's own translator) should review it before the site goes live.

Digits are used for numbers, as Welsh public bodies do, with the mutation the spoken number
causes: "2 ddiwrnod" (dau ddiwrnod), "2 fis" (dau fis); other numbers leave "diwrnod" and "mis"
unchanged.
"""

from __future__ import annotations

import re
from datetime import date

MONTHS = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "cy": (
        "Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin",
        "Gorffennaf", "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr",
    ),
}  # fmt: skip

#: "bank holidays in ..." for each nation of the holidays package.
NATIONS = {
    "en": {
        "ENG": "in England",
        "WLS": "in Wales",
        "SCT": "in Scotland",
        "NIR": "in Northern Ireland",
    },
    "cy": {
        "ENG": "yn Lloegr",
        "WLS": "yng Nghymru",
        "SCT": "yn yr Alban",
        "NIR": "yng Ngogledd Iwerddon",
    },
}

_DAYS_CY = {
    "Monday": "Llun",
    "Tuesday": "Mawrth",
    "Wednesday": "Mercher",
    "Thursday": "Iau",
    "Friday": "Gwener",
    "Saturday": "Sadwrn",
    "Sunday": "Sul",
}
_DAY = "(" + "|".join(_DAYS_CY) + ")"
_TIME = r"(\d{1,2}(?:[.:]\d{2})?\s?(?:am|pm))"


def days(n: int, unit: str, language: str) -> str:
    """``3 working days`` / ``3 diwrnod gwaith``; ``28 days`` / ``28 diwrnod``."""
    if language == "cy":
        noun = "ddiwrnod" if n == 2 else "diwrnod"
        return f"{n} {noun}" + (" gwaith" if unit == "working" else "")
    noun = "working day" if unit == "working" else "day"
    return f"{n} {noun}{'' if n == 1 else 's'}"


def months(n: int, language: str) -> str:
    """``12 months`` / ``12 mis``."""
    if language == "cy":
        return f"{n} {'fis' if n == 2 else 'mis'}"
    return f"{n} month{'' if n == 1 else 's'}"


_NASAL_YEARS = {5, 6, 7, 8, 9, 10, 12, 15, 18, 20, 50, 100}


def years(n: int, language: str) -> str:
    """``10 years`` / ``10 mlynedd`` (with the mutation the spoken number causes in Welsh:
    1 flwyddyn, 2 flynedd, 3 blynedd, 10 mlynedd; other numbers take ``o flynyddoedd``)."""
    if language != "cy":
        return f"{n} year{'' if n == 1 else 's'}"
    if n == 1:
        return "1 flwyddyn"
    if n == 2:
        return "2 flynedd"
    if n in (3, 4):
        return f"{n} blynedd"
    if n in _NASAL_YEARS:
        return f"{n} mlynedd"
    return f"{n} o flynyddoedd"


def long_date(value: date, language: str) -> str:
    """``23 November 2026`` / ``23 Tachwedd 2026``."""
    return f"{value.day} {MONTHS[language][value.month - 1]} {value.year}"


def month_year(value: date, language: str) -> str:
    """``November 2027`` / ``Tachwedd 2027``."""
    return f"{MONTHS[language][value.month - 1]} {value.year}"


def day_month(text: str, language: str) -> str:
    """A closure day ``MM-DD`` as ``24 December`` / ``24 Rhagfyr``."""
    month, day = (int(part) for part in text.split("-"))
    return f"{day} {MONTHS[language][month - 1]}"


def opening_hours(text: str) -> str | None:
    """Welsh for the usual shape of opening hours, or None if the text is not that shape.

    ``Monday to Friday, 9am to 5pm`` becomes ``Dydd Llun i ddydd Gwener, 9am i 5pm``.
    """
    match = re.fullmatch(rf"\s*{_DAY}\s+to\s+{_DAY},?\s+{_TIME}\s+to\s+{_TIME}\s*", text)
    if not match:
        return None
    first, last, start, end = match.groups()
    return f"Dydd {_DAYS_CY[first]} i ddydd {_DAYS_CY[last]}, {start} i {end}"


def localise(values: dict, language: str) -> dict:
    """Settings sections for one language.

    In Welsh, a key ``X_cy`` beside ``X`` (for example ``contact.opening_hours_cy`` or
    ``organisation.name_cy``) replaces ``X``; opening hours in the usual shape are translated
    when no ``_cy`` value is given. Everything else stays as the organisation wrote it.
    """
    if language != "cy":
        return values
    out: dict = {}
    for key, value in values.items():
        if isinstance(value, dict):
            out[key] = localise(value, language)
            continue
        welsh = values.get(f"{key}_cy")
        if welsh not in (None, ""):
            out[key] = welsh
        elif key.endswith("opening_hours") and isinstance(value, str):
            out[key] = opening_hours(value) or value
        else:
            out[key] = value
    return out


# The names of stages and escalation bodies in the shipped procedure profiles ---------------

STAGE_NAMES_CY = {
    "Stage 1": "Cam 1",
    "Stage 2": "Cam 2",
    "Stage 3": "Cam 3",
    "Appeal": "Apêl",
    "Local resolution": "Datrys yn lleol",
    "Investigation and response": "Ymchwiliad ac ymateb",
    "Stage 1: frontline response": "Cam 1: ymateb rheng flaen",
    "Stage 2: investigation": "Cam 2: ymchwiliad",
    "Stage 1: local resolution": "Cam 1: datrys yn lleol",
    "Stage 2: formal investigation": "Cam 2: ymchwiliad ffurfiol",
    "Stage 3: review panel": "Cam 3: panel adolygu",
}

#: Bodies with an official Welsh name; the others keep their English name in Welsh text.
ESCALATION_NAMES_CY = {
    "Public Services Ombudsman for Wales": "Ombwdsmon Gwasanaethau Cyhoeddus Cymru",
    "Charity Commission for England and Wales": "Comisiwn Elusennau Cymru a Lloegr",
    "Parliamentary and Health Service Ombudsman": "Parliamentary and Health Service Ombudsman",
    "Local Government and Social Care Ombudsman": "Local Government and Social Care Ombudsman",
    "Scottish Public Services Ombudsman": "Scottish Public Services Ombudsman",
    "Northern Ireland Public Services Ombudsman": "Northern Ireland Public Services Ombudsman",
}
