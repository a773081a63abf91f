"""A questionnaire as data: its questions (a scale to choose from, or optional free text), and
the words the person reads in every language and wording, loaded from ``<key>.yaml`` in this
folder. The keys of questions and choices are what is stored; the words never are, so changing
a question's wording keeps every earlier answer countable."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

FOLDER = Path(__file__).resolve().parent
#: The questionnaires this service offers, by key (each a ``<key>.yaml`` here).
KNOWN = ("satisfaction", "equality")


@dataclass(frozen=True)
class Question:
    """One question. ``choices`` for a scale question; ``limit`` (characters) for free text.
    ``groups``: for a long list of choices shown under headings, each heading's key and its
    choices (``choices`` then holds them all, in order, and any shown after the groups)."""

    key: str
    choices: tuple[str, ...] = ()
    limit: int = 0
    optional: bool = False
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def is_text(self) -> bool:
        return not self.choices


@dataclass(frozen=True)
class Questionnaire:
    key: str
    version: int
    questions: tuple[Question, ...]
    _words: dict

    @property
    def scale_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if not q.is_text)

    def question(self, key: str) -> Question:
        return next(q for q in self.questions if q.key == key)

    def words(self, language: str, wording: str) -> dict[str, str]:
        """Every key's words in ``language`` and ``wording``: a wording falls back to its
        language's standard words key by key, and a language to English the same way."""
        return _merged(self.key, language, wording)

    def say(self, language: str, wording: str, key: str, **values) -> str:
        return self.words(language, wording)[key].format(**values)


@cache
def load(key: str) -> Questionnaire:
    """The questionnaire ``key`` (one of ``KNOWN``); raises ``KeyError`` for any other."""
    if key not in KNOWN:
        raise KeyError(key)
    raw = yaml.safe_load((FOLDER / f"{key}.yaml").read_text(encoding="utf-8"))
    scales = {name: tuple(choices) for name, choices in raw["scales"].items()}
    questions = []
    for item in raw["questions"]:
        if "scale" in item:
            questions.append(Question(item["key"], choices=scales[item["scale"]]))
        elif "groups" in item:
            groups = tuple((name, tuple(keys)) for name, keys in item["groups"].items())
            after = tuple(item.get("after") or ())
            every = tuple(key for _name, keys in groups for key in keys) + after
            questions.append(Question(item["key"], choices=every, groups=groups))
        else:
            questions.append(
                Question(item["key"], limit=int(item["text"]), optional=bool(item.get("optional")))
            )
    return Questionnaire(raw["key"], int(raw["version"]), tuple(questions), raw["words"])


@cache
def _merged(key: str, language: str, wording: str) -> dict[str, str]:
    raw = load(key)._words
    merged = dict(raw["en"]["standard"])
    if wording != "standard":
        merged.update(raw["en"].get(wording) or {})
    if language != "en":
        by_language = raw.get(language) or {}
        merged.update(by_language.get("standard") or {})
        if wording != "standard":
            merged.update(by_language.get(wording) or {})
    return merged
