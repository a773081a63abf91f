"""The vocabulary (the codes the data may hold) is the schemas' own, nothing else writes a whole
vocabulary out again, and every list of words for those codes covers exactly the codes the
schemas define."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from bench import report as bench_report
from forms_app.casework import state
from forms_app.demo import data as demo_data
from forms_app.journeys import JOURNEYS
from forms_app.letters import catalogue
from forms_app.reports import words
from forms_app.sheets import layout
from forms_app.sitebuild import hooks, pdfs, timescales
from forms_app.staff import action_forms, labels
from forms_app.storage import vocabulary
from forms_app.storage.vocabulary import CHANNELS, EVENT_TYPES, KINDS, LANGUAGES, OUTCOMES

PROJECT = Path(__file__).resolve().parents[2]

# Which schema field each list of the vocabulary module is, read here straight from the files.
FIELDS = {
    "KINDS": ("submissions", "kind"),
    "VARIANTS": ("submissions", "variant"),
    "LANGUAGES": ("submissions", "language"),
    "CHANNELS": ("submissions", "channel"),
    "EVENT_TYPES": ("events", "type"),
    "STAGES": ("events", "stage"),
    "OUTCOMES": ("events", "outcome"),
}


def _schema_enum(resource: str, field: str) -> list[str]:
    schema = json.loads((PROJECT / f"datapackage/schemas/{resource}.schema.json").read_text())
    (found,) = [f for f in schema["fields"] if f["name"] == field]
    return found["constraints"]["enum"]


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_each_vocabulary_is_its_schema_enum_in_order(name):
    assert list(getattr(vocabulary, name)) == _schema_enum(*FIELDS[name])


def test_a_complaint_is_the_first_kind():
    # The procedure profiles take every kind after the first as "other feedback".
    assert KINDS[0] == "complaint"


# Words for codes: where a list of words and a vocabulary both exist, they hold the same codes.
WORDS_FOR_EVERY_CODE = {
    "staff labels of kinds": (labels.KINDS, KINDS),
    "staff labels of outcomes": (labels.OUTCOMES, OUTCOMES),
    "staff labels of channels": (labels.CHANNELS, CHANNELS),
    "staff labels of languages": (labels.LANGUAGES, LANGUAGES),
    "staff labels of events": (labels.EVENTS, EVENT_TYPES),
    "report kind labels by language": (words.KIND_LABELS, LANGUAGES),
    "report outcome labels by language": (words.OUTCOME_LABELS, LANGUAGES),
    "report phrases by language": (words.PHRASES, LANGUAGES),
    "report outcome groups": ({k: v for k, v in words.OUTCOME_GROUP_OF.items() if k}, OUTCOMES),
    "site language names": (hooks.LANGUAGE_NAMES, LANGUAGES),
    "site search label": (hooks.SEARCH_LABEL, LANGUAGES),
    "site timescale words by language": (timescales.TEXT, LANGUAGES),
    "site kind words by language": (timescales.KIND_TEXT, LANGUAGES),
    "site easy kind words by language": (timescales.EASY_KIND_TEXT, LANGUAGES),
    "leaflet large print title": (pdfs.LARGE_PRINT_TITLE, LANGUAGES),
    **{
        f"report kind labels in {language}": (words.KIND_LABELS[language], KINDS)
        for language in words.KIND_LABELS
    },
}


@pytest.mark.parametrize("what", sorted(WORDS_FOR_EVERY_CODE))
def test_words_are_given_for_exactly_the_schema_codes(what):
    words_for, codes = WORDS_FOR_EVERY_CODE[what]
    assert set(words_for) == set(codes), what


@pytest.mark.parametrize("language", LANGUAGES)
def test_report_outcome_labels_name_every_outcome(language):
    # The report's outcome labels also name groups that are not codes ("open", "well_founded").
    assert set(OUTCOMES) <= set(words.OUTCOME_LABELS[language])


def test_the_site_words_every_kind_but_a_complaint_as_other_feedback():
    assert set(timescales.OTHER_KINDS) == set(KINDS) - {"complaint"}
    assert len(timescales.OTHER_KINDS) == len(KINDS) - 1
    for language in LANGUAGES:
        assert set(timescales.KIND_TEXT[language]) == set(timescales.OTHER_KINDS)
        assert set(timescales.EASY_KIND_TEXT[language]) == set(timescales.OTHER_KINDS)


def test_there_is_a_journey_for_every_kind():
    assert {journey.kind for journey in JOURNEYS.values()} == set(KINDS)


# Chosen parts of a vocabulary (codes with weights, or the codes one action offers): every code
# they name must be a schema code.
CHOSEN_CODES = {
    "channels staff can log": (state.CHANNELS, CHANNELS),
    "outcomes staff record on the case page": (
        [code for code, _label in action_forms.OUTCOME_CHOICES],
        OUTCOMES,
    ),
    "outcomes staff record in the sheet": (layout.OUTCOMES, OUTCOMES),
    "outcome groups of the reports": (words.OUTCOME_GROUPS, OUTCOMES),
    "outcomes of the demo data": (demo_data.OUTCOMES, OUTCOMES),
    "kinds of the report benchmark": ([kind for kind, _w in bench_report.KINDS], KINDS),
    "outcomes of the report benchmark": ([code for code, _w in bench_report.OUTCOMES], OUTCOMES),
    **{
        f"kinds the {letter} letter suits": (kinds, KINDS)
        for letter, kinds in catalogue.FOR_KINDS.items()
    },
}


@pytest.mark.parametrize("what", sorted(CHOSEN_CODES))
def test_chosen_codes_are_schema_codes(what):
    chosen, codes = CHOSEN_CODES[what]
    assert chosen, what
    assert set(chosen) <= set(codes), f"{what}: {sorted(set(chosen) - set(codes))}"


def _written_out_vocabularies(path: Path) -> list[str]:
    """Each tuple or list of string literals in a source file that holds exactly the codes of
    one vocabulary: a copy that would go stale when the schema changes."""
    whole = {name: set(getattr(vocabulary, name)) for name in FIELDS}
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, (ast.Tuple, ast.List)) or len(node.elts) < 2:
            continue
        if not all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
            continue
        values = {e.value for e in node.elts}
        same = [name for name, codes in whole.items() if codes == values]
        found += [f"{path}:{node.lineno} {name}" for name in same]
    return found


def test_no_module_writes_out_a_whole_vocabulary_again():
    sources = [*(PROJECT / "forms_app").rglob("*.py"), *(PROJECT / "bench").rglob("*.py")]
    own = PROJECT / "forms_app/storage/vocabulary.py"
    copies = [hit for path in sources if path != own for hit in _written_out_vocabularies(path)]
    assert sources and not copies, copies
