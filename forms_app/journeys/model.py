"""The shape of a journey: pages of questions, each question bound to a schema field.

Journeys own the words and the order; the schema owns the data rules; templates own layout.
A question names the resource and field its answer is stored in, so an answer is always stored
by field name, never by the label the person saw.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .wording import Text

Answers = Mapping[str, str]
Condition = Callable[[Answers], bool]


@dataclass(frozen=True)
class Choice:
    value: str
    label: Text
    hint: Text | None = None
    # A choice shown after a divider ("or"), like "Not sure".
    divider_before: bool = False


@dataclass(frozen=True)
class Question:
    """One answer on a page.

    ``widget`` is one of text, email, tel, postcode, textarea, radios, checkboxes, date.
    ``choices`` is a tuple, or ``"services"`` to list the organisation's services.
    ``required`` may depend on other answers (contact details needed for the chosen method).
    ``messages`` map a problem code (required, maxLength, pattern, enum, date, future) to the
    words the person sees; anything not given falls back to ``answers.DEFAULT_MESSAGES``.
    """

    name: str
    widget: str
    label: Text
    resource: str = "submissions"
    hint: Text | None = None
    choices: tuple[Choice, ...] | str = ()
    required: bool | Condition = False
    messages: Mapping[str, Text] = field(default_factory=dict)
    autocomplete: str | None = None
    width: str | None = None  # a GOV.UK input width class suffix, like "20" or "one-half"
    rows: int = 5
    show_if: Condition | None = None

    def is_required(self, answers: Answers) -> bool:
        return self.required(answers) if callable(self.required) else bool(self.required)

    def is_shown(self, answers: Answers) -> bool:
        return self.show_if(answers) if self.show_if else True


@dataclass(frozen=True)
class Page:
    """A page of the journey: usually one question (GOV.UK: one thing per page)."""

    slug: str
    title: Text
    questions: tuple[Question, ...] = ()
    intro: Text | None = None
    # A page with no questions is content the person reads and continues from.
    body: tuple[Text, ...] = ()
    show_if: Condition | None = None
    # The first question's label is the page heading, unless the page has its own heading.
    heading_is_label: bool = True
    # The easy-read pictogram beside the page: a name in ``journeys.pictures.PICTURES``.
    picture: str | None = None
    # A page where the person may add files (photos, letters, documents) instead of answering
    # questions: drawn by the public file pages, its words in ``pages.evidence``.
    files: bool = False

    def is_shown(self, answers: Answers) -> bool:
        return self.show_if(answers) if self.show_if else True


@dataclass(frozen=True)
class Journey:
    """Everything the person is asked for one kind of feedback, in order."""

    kind: str
    slug: str
    name: Text
    start_title: Text
    start_body: tuple[Text, ...]
    pages: tuple[Page, ...]
    # Values every record of this journey carries without asking (an enquiry is never anonymous).
    fixed: Mapping[str, str] = field(default_factory=dict)

    def page(self, slug: str) -> Page | None:
        return next((page for page in self.pages if page.slug == slug), None)

    def shown_pages(self, answers: Answers) -> list[Page]:
        return [page for page in self.pages if page.is_shown(answers)]

    def questions(self) -> list[Question]:
        return [question for page in self.pages for question in page.questions]

    def next_page(self, slug: str, answers: Answers) -> Page | None:
        """The page after ``slug`` that applies to these answers; None means check answers."""
        pages = self.pages
        index = next(i for i, page in enumerate(pages) if page.slug == slug)
        return next((page for page in pages[index + 1 :] if page.is_shown(answers)), None)

    def previous_page(self, slug: str, answers: Answers) -> Page | None:
        pages = self.pages
        index = next(i for i, page in enumerate(pages) if page.slug == slug)
        return next((page for page in reversed(pages[:index]) if page.is_shown(answers)), None)
