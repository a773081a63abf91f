"""The ``sheets:`` section of the settings file (optional: without it there is no sheet).

Keys (every one but ``spreadsheet_key`` and ``credentials_file`` has a default)::

    sheets:
      spreadsheet_key: 1AbC...xyz          # from the sheet's address: /spreadsheets/d/<key>/edit
      credentials_file: /etc/feedback/sheets-key.json   # the service account's JSON key
      service_account_email: null          # read from the key file when not given
      enabled: true                        # false keeps the settings but stops the worker
      include_personal: false              # names and contact details in Intake (off!)
      summary_chars: 200                   # how much of the details Triage shows
      interval_seconds: 20                 # one sync step every this many seconds
      max_writes_per_minute: 50            # Google allows 60 per user; leave room
      max_reads_per_minute: 50
      max_rows_per_request: 500            # rows in one append (and under 2 MB, always)
      request_timeout_seconds: 30
      stale_after_seconds: 3600            # older than this waiting: alert
      park_after_seconds: 14400            # failing this long: park (retry hourly) and alert
      park_retry_seconds: 3600
      alert_to: [it@example.org]           # default: the admin accounts' emails
      api_base_url: null                   # tests only: a local stand-in, no credentials sent

Relative paths are relative to the project directory, as ``data_dir`` is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from forms_app.organisation.settings import PROJECT_DIR, Settings, SettingsError


@dataclass(frozen=True)
class SheetsConfig:
    spreadsheet_key: str
    credentials_file: Path | None = None
    service_account_email: str = ""
    enabled: bool = True
    include_personal: bool = False
    summary_chars: int = 200
    interval_seconds: float = 20.0
    max_writes_per_minute: int = 50
    max_reads_per_minute: int = 50
    max_rows_per_request: int = 500
    request_timeout_seconds: float = 30.0
    stale_after_seconds: float = 3600.0
    park_after_seconds: float = 4 * 3600.0
    park_retry_seconds: float = 3600.0
    alert_to: tuple[str, ...] = ()
    api_base_url: str = ""

    @property
    def usable(self) -> bool:
        return bool(
            self.enabled and self.spreadsheet_key and (self.credentials_file or self.api_base_url)
        )


_NUMBERS = {
    "summary_chars": (int, 0, 50_000),
    "interval_seconds": (float, 1, 3600),
    "max_writes_per_minute": (int, 1, 60),
    "max_reads_per_minute": (int, 1, 60),
    "max_rows_per_request": (int, 1, 10_000),
    "request_timeout_seconds": (float, 0.05, 600),
    "stale_after_seconds": (float, 60, 7 * 86400),
    "park_after_seconds": (float, 60, 7 * 86400),
    "park_retry_seconds": (float, 60, 86400),
}
_KNOWN = set(SheetsConfig.__dataclass_fields__)


def sheets_config(settings: Settings) -> SheetsConfig | None:
    """The section, checked; None when there is none. Raises SettingsError saying what is
    wrong (the worker refuses to start on a mistake rather than guess)."""
    raw = settings.raw.get("sheets")
    if raw is None:
        return None
    where = f"{settings.source}: sheets"
    if not isinstance(raw, dict):
        raise SettingsError(f"{where} must be a mapping")
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise SettingsError(f"{where}: unknown key(s) {', '.join(unknown)}")
    values: dict = {}
    key = raw.get("spreadsheet_key")
    if not isinstance(key, str) or not key.strip():
        raise SettingsError(f"{where}.spreadsheet_key is required (from the sheet's address)")
    values["spreadsheet_key"] = key.strip()
    if raw.get("credentials_file"):
        path = Path(str(raw["credentials_file"])).expanduser()
        values["credentials_file"] = path if path.is_absolute() else PROJECT_DIR / path
    for name in ("enabled", "include_personal"):
        if name in raw and raw[name] is not None:
            if not isinstance(raw[name], bool):
                raise SettingsError(f"{where}.{name} must be true or false")
            values[name] = raw[name]
    for name, (kind, low, high) in _NUMBERS.items():
        if raw.get(name) is None:
            continue
        value = raw[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SettingsError(f"{where}.{name} must be a number")
        if not low <= value <= high:
            raise SettingsError(f"{where}.{name} must be between {low} and {high}")
        values[name] = kind(value)
    if raw.get("service_account_email"):
        values["service_account_email"] = str(raw["service_account_email"]).strip()
    alert_to = raw.get("alert_to") or ()
    if isinstance(alert_to, str):
        alert_to = (alert_to,)
    if not all(isinstance(a, str) and "@" in a for a in alert_to):
        raise SettingsError(f"{where}.alert_to must be an email address or a list of them")
    values["alert_to"] = tuple(alert_to)
    base = raw.get("api_base_url")
    if base:
        if not str(base).startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
            raise SettingsError(f"{where}.api_base_url is for a local stand-in on loopback only")
        values["api_base_url"] = str(base).rstrip("/")
    return SheetsConfig(**values)
