"""Journeys: for each kind of feedback, the pages, the questions and their words."""

from .kinds import JOURNEYS, KINDS
from .model import Choice, Journey, Page, Question
from .wording import Text

__all__ = ["JOURNEYS", "KINDS", "Choice", "Journey", "Page", "Question", "Text"]
