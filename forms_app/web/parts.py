"""The parts one server process works with, built once from the settings.

Built inside ``create_app`` (so after gunicorn forks its workers): nothing here opens a file
descriptor that outlives a call, which keeps the store's lock honest between processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app

from forms_app.accounts.users import use_document
from forms_app.casework.index import CaseIndex
from forms_app.casework.messaging import Messenger, install
from forms_app.organisation.settings import Settings
from forms_app.procedures.choice import (
    calendar_for,
    check_procedures,
    procedure_code_for_service,
    procedures_in_use,
)
from forms_app.procedures.profiles import Procedure, WorkingCalendar, closure_years, load_procedure
from forms_app.storage.contract import Contract
from forms_app.storage.drafts import Drafts, limits_from, open_drafts
from forms_app.storage.engines import open_store, store_url
from forms_app.storage.shared_database import use_database
from forms_app.storage.store import Store, check_local_filesystem

EXTENSION = "feedback"
CASE_INDEX = "casework"


@dataclass
class Parts:
    settings: Settings
    contract: Contract
    store: Store
    drafts: Drafts
    procedure: Procedure
    calendar: WorkingCalendar
    messenger: Messenger
    #: Every procedure the installation runs, the default first (``procedures.choice``).
    procedures: tuple[Procedure, ...] = ()
    #: The database the app servers share (``store_url``), or "" when everything is in files.
    shared_url: str = ""

    @classmethod
    def build(cls, settings: Settings, *, check_filesystem: bool = True) -> Parts:
        data_dir = settings.data_dir
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if check_filesystem:
            check_local_filesystem(data_dir)
        contract = Contract()
        contract.write_descriptor(data_dir)
        check_procedures(settings)
        procedure = load_procedure(settings.procedure)
        calendar = procedure.calendar(settings.closure_dates(closure_years()))
        tables = {name: contract.columns(name) for name in contract.resource_names}
        url = store_url(settings.raw.get("store_url"))
        store = open_store(data_dir, tables, url)  # first: it refuses a URL of no known engine
        # The audit log, the outboxes, retention and erasure are handed the data directory:
        # tell them once where its shared state lives.
        use_database(data_dir, url)
        use_document(data_dir, _accounts_document(url))
        # Stored changes queue their messages to the person through it (casework.messaging).
        messenger = Messenger(data_dir, settings, procedure, calendar)
        install(messenger)
        return cls(
            settings=settings,
            contract=contract,
            store=store,
            drafts=open_drafts(data_dir / "drafts", url, **limits_from(settings.raw)),
            procedure=procedure,
            calendar=calendar,
            messenger=messenger,
            procedures=tuple(procedures_in_use(settings)),
            shared_url=url,
        )

    def hear_back_by(self, kind: str, received: date | datetime, procedure: str = "") -> dict:
        """When someone who sent ``kind`` at ``received`` should hear back, under procedure
        ``procedure`` (its code; empty: the default)."""
        chosen = load_procedure(procedure) if procedure else self.procedure
        return chosen.hear_back_by(kind, received, calendar_for(chosen, self.calendar))

    def procedure_code_for(self, service: str) -> str:
        """The code of the procedure that cases of ``service`` follow."""
        return procedure_code_for_service(self.settings, service)

    @property
    def service_codes(self) -> list[str]:
        return [service.code for service in self.settings.services]


def _accounts_document(url: str):
    """What makes the staff accounts' document in the shared database (None: the file)."""
    if not url:
        return None
    from forms_app.storage.postgres.accounts import DocumentTable

    return lambda: DocumentTable(url, "users")


def parts() -> Parts:
    """The parts of the app handling the current request or command."""
    return current_app.extensions[EXTENSION]


def case_index() -> CaseIndex:
    """This process's case index, made on first use (not in ``create_app``: a process that
    never shows a case list never pays for reading every case)."""
    index = current_app.extensions.get(CASE_INDEX)
    if index is None:
        p = parts()
        closures = p.settings.closure_dates(closure_years())
        index = CaseIndex(p.store, p.procedure, closures)
        current_app.extensions[CASE_INDEX] = index
    return index
