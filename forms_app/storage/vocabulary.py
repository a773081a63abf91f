"""The codes the data may hold, read once from the table schemas in ``datapackage/``.

The schemas own the vocabulary: the kinds of feedback, the wording variants, the languages, the
channels, the event types, the stages and the outcomes are each an ``enum`` of one field there.
Code that needs the whole list of a vocabulary takes it from here, so adding a code to a schema
is the only change needed for the code to know it.

Why here and not in ``forms_app.language``: these are codes stored in the data, not words for
people, and ``storage.contract`` already reads the schemas. The words a person reads for a code
(in English and Welsh) stay with the page or report that shows them; a test checks that every
such list of words covers exactly the codes defined here.
"""

from __future__ import annotations

from .contract import Contract

_CONTRACT = Contract()

#: complaint, concern, comment, compliment, enquiry: a complaint first (it follows the stages).
KINDS: tuple[str, ...] = tuple(_CONTRACT.enum("submissions", "kind"))
#: The wordings of the form: standard, easy read, young people's.
VARIANTS: tuple[str, ...] = tuple(_CONTRACT.enum("submissions", "variant"))
#: The languages a person can use: English first (the default), then Welsh.
LANGUAGES: tuple[str, ...] = tuple(_CONTRACT.enum("submissions", "language"))
#: How feedback reached the organisation (online, logged by staff, or imported).
CHANNELS: tuple[str, ...] = tuple(_CONTRACT.enum("submissions", "channel"))
#: What can happen to a case: the ``type`` of an event.
EVENT_TYPES: tuple[str, ...] = tuple(_CONTRACT.enum("events", "type"))
#: The procedure stages an event can concern.
STAGES: tuple[str, ...] = tuple(_CONTRACT.enum("events", "stage"))
#: The outcomes a stage (or the ombudsman) can reach.
OUTCOMES: tuple[str, ...] = tuple(_CONTRACT.enum("events", "outcome"))
