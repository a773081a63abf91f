"""Letter PDFs: the median time to print one letter to PDF in this process (WeasyPrint), after
one warm-up print. The letter is the Welsh stage response, filled from a synthetic case as the
staff page fills it, with a compliment's emoji added, printed with the shipped stylesheet."""

from __future__ import annotations

import statistics
import time
from datetime import date
from pathlib import Path

RUNS = 15


def _letter_page() -> str:
    from forms_app.casework.deadlines import stage_due
    from forms_app.casework.state import fold
    from forms_app.letters import catalogue
    from forms_app.letters.document import page
    from forms_app.letters.fill import context, fill
    from forms_app.organisation.settings import EXAMPLE_SETTINGS, load_settings
    from forms_app.procedures.profiles import load_procedure

    settings = load_settings(EXAMPLE_SETTINGS)
    procedure = load_procedure("charity-help-and-care")
    first = procedure.first_stage.code
    submission = {
        "ref": "ABCD-2345",
        "received": "2025-03-03T10:00:00+00:00",
        "kind": "complaint",
        "service": "home-care",
        "language": "cy",
        "procedure": procedure.code,
        "variant": "standard",
        "anonymous": "false",
    }
    event = {
        "event_id": "e" * 12,
        "ref": "ABCD-2345",
        "at": "2025-03-20T10:00:00+00:00",
        "actor": "olive",
        "type": "outcome_recorded",
        "stage": first,
        "kind": "",
        "outcome": "partially_upheld",
        "value": "",
        "note": "Roedd yr ymweliad yn hwyr ddwywaith. 🌟 Diolch am ddweud wrthym.",
    }
    case = fold(submission, [event], first_stage=first)
    values = context(
        case=case,
        personal={"name": "Siân Example", "address": "1 Heol y Felin", "postcode": "CF99 1ZZ"},
        submission=submission,
        settings=settings,
        procedure=procedure,
        due=stage_due(procedure, procedure.calendar(), case, case.current, date(2025, 3, 4)),
        officer="Olive Officer",
        signatory="Mina Manager",
        language="cy",
        today=date(2025, 3, 21),
    )
    template = catalogue.find(catalogue.DEFAULT_DIR, procedure.code, "cy", "stage_response")
    text = fill(template.source(), values)
    meta = {
        "language": "cy",
        "ref": case.ref,
        "date": values["today"],
        "name": "Siân Example",
        "address": ["1 Heol y Felin", "CF99 1ZZ"],
        "org": values["org"],
    }
    css = (catalogue.DEFAULT_DIR / "letter.css").read_text("utf-8")
    return page(text, meta, inline_css=css)


def measure(scratch: Path | None = None) -> dict:
    from forms_app.letters.pdf import print_letter

    html = _letter_page()
    print_letter(html)  # warm-up: fonts loaded and pango started once per process
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        printed = print_letter(html)
        times.append(time.perf_counter() - started)
    assert printed.pdf.startswith(b"%PDF-") and not printed.missing, printed.missing
    return {"letter_pdf_p50_ms": round(statistics.median(times) * 1000, 1)}


if __name__ == "__main__":
    print(measure())
