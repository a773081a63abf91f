"""Which procedure a case follows, when one installation runs several.

Each service in the settings may name its own procedure profile (``services[].procedure``); the
settings' top-level ``procedure`` is the default for the services that name none. A case
follows the procedure recorded on it: its service's when it was received, and the new
service's after staff move it to a service under another procedure. These functions are the
one place that rule is read; everything that deals with a case or a service asks here.
"""

from __future__ import annotations

from typing import Protocol

from forms_app.organisation.settings import Settings

from .profiles import Procedure, ProcedureError, WorkingCalendar, load_procedure


class _Case(Protocol):
    """What the choice needs of a case (``casework.state.Case`` has it)."""

    service: str
    procedure: str


def procedure_code_for_service(settings: Settings, service: str) -> str:
    """The code of the procedure that cases of ``service`` follow (the default when the
    service names none, or is not in the settings)."""
    found = settings.service(service)
    return (found.procedure if found is not None else "") or settings.procedure


def procedure_for_service(settings: Settings, service: str) -> Procedure:
    """The procedure profile that cases of ``service`` follow."""
    return load_procedure(procedure_code_for_service(settings, service))


def procedure_code_for_case(settings: Settings, case: _Case) -> str:
    """The code of the procedure ``case`` follows: the one recorded on it, else its service's
    (a case always has one recorded; this covers a case made in code before it is stored)."""
    return case.procedure or procedure_code_for_service(settings, case.service)


def procedure_for_case(settings: Settings, case: _Case) -> Procedure:
    """The procedure profile ``case`` follows (see ``procedure_code_for_case``)."""
    return load_procedure(procedure_code_for_case(settings, case))


def procedure_codes(settings: Settings) -> list[str]:
    """Every procedure the installation runs: the default first, then the services' own, each
    once, in the order of the settings."""
    codes = [settings.procedure] + [s.procedure for s in settings.services if s.procedure]
    return list(dict.fromkeys(codes))


def procedures_in_use(settings: Settings) -> list[Procedure]:
    """The profiles of ``procedure_codes``, loaded."""
    return [load_procedure(code) for code in procedure_codes(settings)]


def services_under(settings: Settings, code: str) -> list[str]:
    """The codes of the services whose cases follow procedure ``code``."""
    return [
        s.code for s in settings.services if procedure_code_for_service(settings, s.code) == code
    ]


def check_procedures(settings: Settings) -> None:
    """Load every procedure the settings name, so that a service naming a missing or broken
    profile stops the app at start-up with the service named, not at its first case."""
    try:
        load_procedure(settings.procedure)
    except ProcedureError as exc:
        raise ProcedureError(f"{settings.source}: procedure: {exc}") from None
    for service in settings.services:
        if service.procedure:
            try:
                load_procedure(service.procedure)
            except ProcedureError as exc:
                raise ProcedureError(
                    f"{settings.source}: service {service.code} procedure: {exc}"
                ) from None


def calendar_for(procedure: Procedure, calendar: WorkingCalendar) -> WorkingCalendar:
    """The working calendar for ``procedure``: ``calendar`` when it is of the same nation, else
    the procedure's nation with the same closure days (an installation may run procedures of
    two nations, such as a cross-border body)."""
    if calendar.nation == procedure.nation:
        return calendar
    return procedure.calendar(calendar.closure_days)
