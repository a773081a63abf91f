"""The import mapping: a YAML file saying which source column fills which field, and how.

Loaded with YAML's base loader, so every value stays text: ``Y``, ``No`` and ``On`` mean what they
say in a spreadsheet instead of turning into true and false, and ``01/04/2023`` is not a number.
``load_mapping`` checks the whole file and raises MappingError listing every problem, before a
single row is read. The format is documented in the README ("Importing").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from forms_app.procedures.profiles import ProcedureError

from .messages import expected
from .vocabulary import Vocabulary

DEFAULT_DATE_FORMATS = (
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
)
# Filled by the import itself, never from a column.
STORE_OWNED = {"ref", "idempotency_key", "received", "channel", "procedure", "crc"}
EVENT_ATTRIBUTES = ("stage", "kind", "outcome", "value", "note")
# Event attributes that are codes: written as a word in the mapping they are a fixed code;
# "value" and "note" written as a word name a column.
CODED_ATTRIBUTES = {"stage", "kind", "outcome"}
TOP_KEYS = {
    "source",
    "date_formats",
    "reference",
    "received",
    "procedure",
    "skip_when",
    "submissions",
    "personal",
    "events",
}
SOURCE_KEYS = {"sheet", "header_row", "encoding", "delimiter"}
SPEC_KEYS = {"column", "columns", "value", "values", "split", "join", "default", "formats"}
EVENT_KEYS = {"type", "date", "kinds", *EVENT_ATTRIBUTES}
# What each event type cannot do without (the procedure's sense, not the schema's).
REQUIRED_ATTRIBUTES = {
    "stage_entered": "stage",
    "outcome_recorded": "outcome",
    "ombudsman_outcome": "outcome",
    "kind_changed": "kind",
    "assigned": "value",
    "service_changed": "value",
    "theme_added": "value",
    "theme_removed": "value",
    "flag_set": "value",
    "flag_cleared": "value",
    "action_added": "value",
    "action_completed": "value",
}
ENCODINGS = {"utf-8", "utf-8-sig", "cp1252", "latin-1", "iso-8859-1"}


class MappingError(ValueError):
    """The mapping file cannot be used: ``problems`` says every reason, one per line."""

    def __init__(self, path: Path, problems: list[str]):
        super().__init__(f"{path.name}: " + "; ".join(problems))
        self.path = path
        self.problems = problems


def match_key(text: str) -> str:
    """How cells are matched to mapped values and column names: NFC, case and spacing ignored,
    so ``Partly Upheld``, ``partly upheld`` and ``Partly  upheld `` all match."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


@dataclass(frozen=True)
class Spec:
    """Where one value comes from: source column(s), or a fixed value; and how to read it.

    ``values`` maps ``match_key(cell)`` to the code stored; without it the cell is stored as it
    is. ``split`` cuts a cell into several values (joined again with ``;`` in a field, or one
    event each). ``default`` is used when the cells are empty.
    """

    columns: tuple[str, ...] = ()
    fixed: str | None = None
    values: Mapping[str, str] | None = None
    value_words: tuple[str, ...] = ()  # the mapped words as written, for messages
    split: str | None = None
    join: str = "\n"
    default: str | None = None
    formats: tuple[str, ...] = DEFAULT_DATE_FORMATS

    @property
    def where(self) -> str:
        """The column(s) to name in a problem about this value."""
        if self.columns:
            return " + ".join(self.columns)
        return "(mapping)"


@dataclass(frozen=True)
class EventRule:
    """One dated column that becomes an event; ``kinds`` limits it to rows of those kinds."""

    type: str
    date: Spec
    attributes: Mapping[str, Spec]
    kinds: frozenset[str] | None = None


@dataclass(frozen=True)
class ImportMapping:
    path: Path
    reference: Spec
    reference_prefix: str
    received: Spec
    procedure: str
    sheet: str | None = None
    header_row: int = 1
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    skip_when: Mapping[str, frozenset[str]] = field(default_factory=dict)
    submissions: Mapping[str, Spec] = field(default_factory=dict)
    personal: Mapping[str, Spec] = field(default_factory=dict)
    events: tuple[EventRule, ...] = ()

    def specs(self) -> Iterable[Spec]:
        yield self.reference
        yield self.received
        yield from self.submissions.values()
        yield from self.personal.values()
        for rule in self.events:
            yield rule.date
            yield from rule.attributes.values()

    @property
    def columns(self) -> set[str]:
        """Every source column the mapping reads."""
        names = {column for spec in self.specs() for column in spec.columns}
        return names | set(self.skip_when)

    @property
    def personal_columns(self) -> set[str]:
        """Source columns holding personal details: their cells are never repeated in output."""
        return {column for spec in self.personal.values() for column in spec.columns}


def read_mapping_data(path: Path) -> dict:
    """The mapping file's YAML as plain dicts, lists and strings."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(Path(path), [f"cannot read it: {exc.strerror}"]) from exc
    except UnicodeDecodeError:
        raise MappingError(Path(path), ["it is not UTF-8 text"]) from None
    try:
        # BaseLoader builds only str, list and dict: no types guessed, nothing constructed.
        data = yaml.load(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        raise MappingError(Path(path), [f"not valid YAML: {exc}"]) from exc
    if not isinstance(data, dict):
        raise MappingError(Path(path), ["the top level must be a mapping of keys"])
    return data


def load_mapping(path: Path, make_vocabulary) -> tuple[ImportMapping, Vocabulary]:
    """Read and check a mapping file; ``make_vocabulary(procedure_code_or_None)`` gives the
    codes to check it against. Raises MappingError listing every problem found."""
    path = Path(path)
    data = read_mapping_data(path)
    try:
        vocabulary = make_vocabulary(data.get("procedure") or None)
    except ProcedureError as exc:
        raise MappingError(path, [f"procedure: {exc}"]) from None
    return _Loader(path, vocabulary).mapping(data), vocabulary


class _Loader:
    """Builds an ImportMapping, collecting every problem rather than stopping at the first."""

    def __init__(self, path: Path, vocabulary: Vocabulary):
        self.path = path
        self.vocabulary = vocabulary
        self.contract = vocabulary.contract
        self.problems: list[str] = []
        self.formats = DEFAULT_DATE_FORMATS

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def unknown(self, where: str, keys: set[str]) -> None:
        self.problem(where, f"unknown key (expected some of: {', '.join(sorted(keys))})")

    def mapping(self, data: dict) -> ImportMapping:
        for key in sorted(set(data) - TOP_KEYS):
            self.unknown(key, TOP_KEYS)
        self.formats = self.date_formats(data.get("date_formats"), "date_formats")
        source = self.source(data.get("source") or {})
        reference, prefix = self.reference(data.get("reference"))
        received = self.spec(data.get("received"), "received", dated=True)
        if received is not None and not received.columns:
            self.problem("received", "name the column holding the date each case was received")
        mapping = ImportMapping(
            path=self.path,
            reference=reference or Spec(),
            reference_prefix=prefix,
            received=received or Spec(),
            procedure=self.vocabulary.procedure.code,
            skip_when=self.skip_when(data.get("skip_when") or {}),
            submissions=self.fields("submissions", data.get("submissions") or {}),
            personal=self.fields("personal", data.get("personal") or {}),
            events=self.events(data.get("events") or []),
            **source,
        )
        if "kind" not in mapping.submissions:
            self.problem("submissions", "kind is required: map a column (or a value) to it")
        if self.problems:
            raise MappingError(self.path, self.problems)
        return mapping

    # -- sections ---------------------------------------------------------------------------

    def source(self, data) -> dict:
        if not isinstance(data, dict):
            self.problem("source", "must be a mapping")
            return {}
        out = {}
        for key in sorted(set(data) - SOURCE_KEYS):
            self.unknown(f"source.{key}", SOURCE_KEYS)
        if "sheet" in data:
            out["sheet"] = str(data["sheet"])
        if "header_row" in data:
            if str(data["header_row"]).isdigit() and int(data["header_row"]) >= 1:
                out["header_row"] = int(data["header_row"])
            else:
                self.problem("source.header_row", "must be a row number, 1 or more")
        if "encoding" in data:
            encoding = str(data["encoding"]).lower()
            if encoding not in ENCODINGS:
                self.problem("source.encoding", f"must be one of {', '.join(sorted(ENCODINGS))}")
            # A byte-order mark is skipped whichever UTF-8 was named.
            out["encoding"] = "utf-8-sig" if encoding == "utf-8" else encoding
        if "delimiter" in data:
            delimiter = str(data["delimiter"])
            delimiter = "\t" if delimiter in ("\\t", "tab") else delimiter
            if len(delimiter) != 1:
                self.problem("source.delimiter", "must be one character (or tab)")
            out["delimiter"] = delimiter
        return out

    def reference(self, data) -> tuple[Spec | None, str]:
        if data is None:
            self.problem("reference", "name the column holding each case's original reference")
            return None, ""
        prefix = ""
        if isinstance(data, dict):
            data = dict(data)
            prefix = str(data.pop("prefix", ""))
        spec = self.spec(data, "reference")
        if spec is not None and (not spec.columns or spec.split or spec.default is not None):
            self.problem("reference", "must name one column (no split or default)")
        return spec, prefix

    def skip_when(self, data) -> dict[str, frozenset[str]]:
        if not isinstance(data, dict):
            self.problem("skip_when", "must map column names to a list of values")
            return {}
        out = {}
        for column, values in data.items():
            values = values if isinstance(values, list) else [values]
            out[str(column)] = frozenset(match_key(str(v)) for v in values)
        return out

    def fields(self, resource: str, data) -> dict[str, Spec]:
        if not isinstance(data, dict):
            self.problem(resource, "must map field names to columns")
            return {}
        columns = self.contract.columns(resource)
        allowed = [name for name in columns if name not in STORE_OWNED]
        out = {}
        for name, raw in data.items():
            where = f"{resource}.{name}"
            if name not in allowed:
                why = "is filled by the import itself" if name in columns else "is not a field"
                self.problem(where, f"{why} (fields: {', '.join(allowed)})")
                continue
            schema_field = self.contract.field(resource, name)
            spec = self.spec(raw, where, dated=schema_field["type"] in ("date", "datetime"))
            if spec is None:
                continue
            if spec.split and resource == "submissions":
                self.problem(where, "split is for personal communication_needs and events only")
            self.check_codes(resource, name, spec, where)
            out[name] = spec
        return out

    def events(self, data) -> tuple[EventRule, ...]:
        if not isinstance(data, list):
            self.problem("events", "must be a list of events")
            return ()
        types = self.contract.enum("events", "type")
        kinds = self.contract.enum("submissions", "kind")
        rules = []
        for index, raw in enumerate(data, start=1):
            where = f"events[{index}]"
            if not isinstance(raw, dict):
                self.problem(where, "must be a mapping with type and date")
                continue
            for key in sorted(set(raw) - EVENT_KEYS):
                self.unknown(f"{where}.{key}", EVENT_KEYS)
            type_ = raw.get("type")
            if type_ not in types:
                self.problem(f"{where}.type", f"must be one of: {', '.join(types)}")
                continue
            where = f"{where} ({type_})"
            date = self.spec(raw.get("date"), f"{where}.date", dated=True)
            if date is not None and not date.columns:
                self.problem(f"{where}.date", "name the column holding the date it happened")
            attributes = {}
            for name in EVENT_ATTRIBUTES:
                if name not in raw:
                    continue
                value = raw[name]
                if isinstance(value, str) and name in CODED_ATTRIBUTES:
                    value = {"value": value}
                spec = self.spec(value, f"{where}.{name}")
                if spec is not None and spec.split and name != "value":
                    self.problem(f"{where}.{name}", "only an event's value can be split")
                if spec is not None:
                    allowed = self.vocabulary.event_values(type_) if name == "value" else None
                    self.check_codes("events", name, spec, f"{where}.{name}", allowed)
                    attributes[name] = spec
            needed = REQUIRED_ATTRIBUTES.get(type_)
            if needed and needed not in raw:
                self.problem(where, f"a {type_} event needs its {needed}")
            only = raw.get("kinds")
            if only is not None:
                only = only if isinstance(only, list) else [only]
                for kind in only:
                    if kind not in kinds:
                        self.problem(f"{where}.kinds", f"{kind!r} is not one of {', '.join(kinds)}")
                only = frozenset(only)
            if date is not None:
                rules.append(EventRule(type_, date, attributes, only))
        return tuple(rules)

    # -- one value --------------------------------------------------------------------------

    def spec(self, raw, where: str, *, dated: bool = False) -> Spec | None:
        if raw is None or raw == "":
            self.problem(where, "is empty: name a column")
            return None
        if isinstance(raw, str):
            return Spec(columns=(raw,), formats=self.formats)
        if not isinstance(raw, dict):
            self.problem(where, "must be a column name or a mapping")
            return None
        for key in sorted(set(raw) - SPEC_KEYS):
            self.unknown(f"{where}.{key}", SPEC_KEYS)
        columns: tuple[str, ...] = ()
        if "column" in raw and "columns" in raw:
            self.problem(where, "give column or columns, not both")
        if "column" in raw:
            columns = (str(raw["column"]),)
        elif "columns" in raw:
            if not isinstance(raw["columns"], list) or not raw["columns"]:
                self.problem(f"{where}.columns", "must be a list of column names")
            else:
                columns = tuple(str(column) for column in raw["columns"])
        fixed = raw.get("value")
        if fixed is not None and columns:
            self.problem(where, "give a column or a fixed value, not both")
        if fixed is None and not columns:
            self.problem(where, "give a column (or a fixed value)")
            return None
        values, words = None, ()
        if "values" in raw:
            if not isinstance(raw["values"], dict):
                self.problem(f"{where}.values", "must map words in the column to codes")
            else:
                values = {match_key(str(k)): str(v) for k, v in raw["values"].items()}
                words = tuple(str(k) for k in raw["values"])
                if len(values) != len(raw["values"]):
                    self.problem(f"{where}.values", "two words differ only in case or spacing")
        formats = self.formats
        if "formats" in raw:
            formats = self.date_formats(raw["formats"], f"{where}.formats")
            if not dated:
                self.problem(f"{where}.formats", "only dates have formats")
        return Spec(
            columns=columns,
            fixed=None if fixed is None else str(fixed),
            values=values,
            value_words=words,
            split=raw.get("split") or None,
            join=str(raw.get("join", "\n")),
            default=None if raw.get("default") is None else str(raw["default"]),
            formats=formats,
        )

    def date_formats(self, raw, where: str) -> tuple[str, ...]:
        if raw is None:
            return self.formats
        raw = raw if isinstance(raw, list) else [raw]
        if not raw or not all(isinstance(item, str) and "%" in item for item in raw):
            self.problem(where, "must be strptime formats such as %d/%m/%Y")
            return self.formats
        return tuple(raw)

    def check_codes(self, resource: str, name: str, spec: Spec, where: str, allowed=None) -> None:
        """The codes a spec can produce (fixed, default, mapped) must suit the field, so a typo
        in the mapping is reported once here rather than once per row."""
        field_type = self.contract.field(resource, name)["type"]
        if field_type in ("date", "datetime"):
            return
        codes = []
        if spec.fixed is not None:
            codes.append(("value", spec.fixed))
        if spec.default is not None:
            codes.append(("default", spec.default))
        for word, code in zip(spec.value_words, (spec.values or {}).values(), strict=True):
            codes.append((f"values[{word}]", code))
        if allowed is None:
            allowed = self.vocabulary.allowed(resource, name)
        for label, code in codes:
            if code == "":
                continue  # maps to an empty cell: checked per row if the field is required
            parts = [code]
            if spec.split and name == "communication_needs":
                parts = code.split(";")
            for part in parts:
                problems = self.contract.check(resource, {name: part}, partial=True)
                if allowed is not None and part not in allowed:
                    # The procedure's or the settings' list: narrower than the schema's.
                    listed = ", ".join(allowed)
                    self.problem(f"{where}.{label}", f"{code!r} is not one of: {listed}")
                elif problems:
                    rule = expected(self.contract, resource, problems[0])
                    self.problem(f"{where}.{label}", f"{code!r} is not allowed: expected {rule}")
