"""The codes an imported row may use: the schemas' rules, the procedure's stages, and the
organisation's services and themes from its settings.

Built once per import from the app's parts; the mapping and the row checks both read it, so a
code is judged the same way when the mapping is loaded and when a row is planned.
"""

from __future__ import annotations

from dataclasses import dataclass

from forms_app.procedures.profiles import Procedure, load_procedure
from forms_app.storage.contract import Contract

# Not a stage of any one procedure, but a stage a case can be at (the events schema allows it).
OMBUDSMAN_STAGE = "ombudsman"
NOT_SURE_SERVICE = "not_sure"


@dataclass(frozen=True)
class Vocabulary:
    contract: Contract
    procedure: Procedure
    services: tuple[str, ...]
    themes: tuple[str, ...]

    @classmethod
    def from_parts(cls, parts, procedure_code: str | None = None) -> Vocabulary:
        """From the app's parts; ``procedure_code`` (the mapping's) overrides the settings'."""
        procedure = parts.procedure
        if procedure_code and procedure_code != procedure.code:
            procedure = load_procedure(procedure_code)
        return cls(
            contract=parts.contract,
            procedure=procedure,
            services=tuple(parts.service_codes),
            themes=tuple(theme.code for theme in parts.settings.themes),
        )

    @property
    def stages(self) -> tuple[str, ...]:
        """Stage codes a case under this procedure can enter."""
        return (*(stage.code for stage in self.procedure.stages), OMBUDSMAN_STAGE)

    @property
    def service_codes(self) -> tuple[str, ...]:
        return (*self.services, NOT_SURE_SERVICE)

    def allowed(self, resource: str, field: str) -> tuple[str, ...] | None:
        """The closed list of codes a field takes beyond its schema, or None if the schema's
        rules are all there is (stage, service and theme lists live outside the schema)."""
        if resource == "events" and field == "stage":
            return self.stages
        if resource == "submissions" and field == "service":
            return self.service_codes
        return None

    def event_values(self, event_type: str) -> tuple[str, ...] | None:
        """The codes an event's ``value`` takes, where its type gives a closed list."""
        if event_type in ("theme_added", "theme_removed"):
            return self.themes
        if event_type == "service_changed":
            return self.service_codes
        return None
