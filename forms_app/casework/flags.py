"""Case flags that change how a case may be used (legal hold, restriction), and the reason codes
of the records operations that set them. No imports, so any module may use them.

Holds and restriction are ordinary ``flag_set``/``flag_cleared`` events (``value`` is the flag,
``note`` the reason), so the case's state folds them like any other flag and no schema change
is needed.
"""

from __future__ import annotations

LEGAL_HOLD = "legal_hold"  # never purged or erased while set (litigation, ombudsman, inquiry)
RESTRICTED = "restricted"  # UK GDPR Art 18: stored, but kept out of non-legal processing

# Erasure is done only for these (everything else is refused with a reason code).
ERASE_REASONS = {
    "malicious_allegation": "Art 17(1)(g)-style: a malicious allegation about a named person, "
    "investigated, no further action",
    "error": "recorded in error (wrong person, test or duplicate record)",
    "unlawful_processing": "Art 17(1)(d): the data should never have been processed",
}
# Why erasure is refused: the usual answer for complaint records, which the complaints
# regulations and the NHS Records Management Code require to be kept.
REFUSAL_REASONS = {
    "legal_obligation": "Art 17(3)(b): kept to comply with a legal obligation "
    "(complaints regulations, records retention)",
    "public_task": "Art 17(3)(b): needed for a task in the public interest",
    "legal_claims": "Art 17(3)(e): needed for legal claims",
    "public_health": "Art 17(3)(c): public interest in public health",
    "archiving": "Art 17(3)(d): archiving, research or statistics",
    "legal_hold": "the case is under a legal hold",
}
# Art 18(1)(a) to (d).
RESTRICT_REASONS = {
    "accuracy_contested": "Art 18(1)(a): the person contests the accuracy of the data",
    "unlawful_processing": "Art 18(1)(b): unlawful, and the person asks for restriction instead",
    "legal_claims": "Art 18(1)(c): the person needs it kept for legal claims",
    "objection_pending": "Art 18(1)(d): an objection is being considered",
}


def is_restricted(case) -> bool:
    """True if a folded case (``casework.state.Case``) is restricted."""
    return RESTRICTED in case.flags


def is_held(case) -> bool:
    return LEGAL_HOLD in case.flags
