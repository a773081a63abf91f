"""Whether the people who edited the sheet may make the changes found, by the staff pages' rules.

The Sheets API does not say who typed a cell. Google Drive's revision history of the file
(``attribution``) says who changed the file and when, so the people who may have made a step's
edits are the editors of the revisions since the last read, other than the service itself.
Each editor's email is matched to an active staff account, and an edit is applied only when
every one of them could make it in the staff pages: they handle cases (``CASE_ROLES``) and may
open this case (``casework.access.can_see``: services covered, confidential roles, safeguarding
lead). The change itself is then checked by the same casework transitions as on the pages.

So an edit is refused when nobody can be named (Google had not listed the revision yet), when
an editor has no staff account here (or a disabled one), and when an editor may not open the
case: in every such case the edit is reported in the Problems tab and never applied.
"""

from __future__ import annotations

from dataclasses import dataclass

from forms_app.accounts import User
from forms_app.casework.access import CASE_ROLES, can_see
from forms_app.casework.state import Case

from .attribution import SHEET, actor_for

#: Why an edit was refused before the casework rules were asked, as codes for the audit log
#: (which never holds an email address) and words for the Problems tab.
UNNAMED = "editor_unknown"
NO_ACCOUNT = "editor_not_staff"
NO_CASES = "editor_handles_no_cases"
NO_ACCESS = "editor_may_not_see_case"


@dataclass(frozen=True)
class Refusal:
    code: str
    reason: str


@dataclass(frozen=True)
class Editors:
    """Who may have made the edits found in one read."""

    emails: tuple[str, ...]
    accounts: tuple[User, ...]  # the active staff accounts among them
    strangers: tuple[str, ...]  # emails with no active staff account
    confidential: tuple[str, ...]  # the roles that may open a confidential case

    @classmethod
    def match(cls, emails: list[str], users: list[User], confidential: tuple[str, ...]):
        by_email = {u.email.strip().lower(): u for u in users if u.email and u.active}
        accounts = tuple(by_email[e] for e in emails if e in by_email)
        strangers = tuple(e for e in emails if e not in by_email)
        return cls(tuple(emails), accounts, strangers, confidential)

    @property
    def actor(self) -> str:
        """``sheet:<username>`` when one staff member made every edit; ``sheet`` otherwise."""
        if self.strangers or len(self.accounts) != 1:
            return SHEET
        return actor_for(list(self.emails), {self.emails[0]: self.accounts[0].username})

    def refusal(self, case: Case) -> Refusal | None:
        """Why these editors may not change this case (None: the casework rules decide)."""
        if not self.emails:
            return Refusal(
                UNNAMED,
                "The sheet's version history does not show who made this change, so it cannot "
                "be checked: type it again, or make it in the staff pages",
            )
        if self.strangers:
            return Refusal(
                NO_ACCOUNT,
                f"Changed by {', '.join(self.strangers)}, who has no staff account here: "
                "only staff who may open the case can change it",
            )
        for user in self.accounts:
            if not user.has(*CASE_ROLES):
                return Refusal(
                    NO_CASES,
                    f"{user.username} does not handle cases, so may not change them",
                )
            if not can_see(user, case, self.confidential):
                return Refusal(
                    NO_ACCESS,
                    f"{user.username} may not open this case in the staff pages, "
                    "so may not change it here",
                )
        return None
