"""The data directory's schema version: which release's layout its tables are in.

The version is the ``version`` of the package descriptor (``datapackage.json``) that the service
writes into the data directory; the code's own is the ``version`` of ``datapackage/``. They must
be equal for the service to start:

- older data: the tables may hold rows in a layout this code no longer writes (a column it
  lacks, a code renamed since). Starting would stamp the directory with the new version and
  skip the upgrade for good, so the service refuses and says to run ``feedback migrate``;
- newer data: written by a later release, whose rows this code may misread or damage, so the
  service refuses and says to run that release (or restore a backup taken before it).

A data directory without a descriptor has no version yet and takes the code's: every release
has written the descriptor at start before touching a table, so tables without one were made by
this code's own store (an import, a test, a benchmark), in its layout. A header in another
layout is refused by the store anyway.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .scanning import StorageError

#: The schema version of the first release, 0.1.0 of the service.
BASELINE = "1.0.0"
DESCRIPTOR = "datapackage.json"
_VERSION = re.compile(r"\d+(\.\d+)*")


class SchemaVersionError(StorageError):
    """The data directory's tables are in another release's layout: the service must not start."""


class OlderDataError(SchemaVersionError):
    """The data directory is in an earlier release's layout: run ``feedback migrate``."""


class NewerDataError(SchemaVersionError):
    """The data directory was written by a later release of the service."""


def version_key(version: str) -> tuple[int, ...]:
    """A version as numbers to compare (``"1.10.0"`` is after ``"1.9.0"``)."""
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        raise SchemaVersionError(f"{version!r} is not a schema version (numbers and dots)")
    return tuple(int(part) for part in version.split("."))


def data_version(data_dir: Path) -> str | None:
    """The schema version the data directory's tables are in; None when it has no descriptor
    yet (a new directory), which takes the code's version when the descriptor is written."""
    descriptor = Path(data_dir) / DESCRIPTOR
    try:
        text = descriptor.read_text("utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise SchemaVersionError(f"{descriptor} cannot be read: {error}") from error
    try:
        version = json.loads(text).get("version", BASELINE)
    except (ValueError, AttributeError) as error:
        raise SchemaVersionError(f"{descriptor} is not a package descriptor: {error}") from error
    version_key(version)
    return version


def check_schema_version(data_dir: Path, code_version: str) -> None:
    """Raise unless the data directory is in ``code_version``'s layout (or is new and empty).

    The message says what to do, in words for whoever runs the service."""
    found = data_version(data_dir)
    if found is None or version_key(found) == version_key(code_version):
        return
    if version_key(found) < version_key(code_version):
        raise OlderDataError(
            f"the data directory {data_dir} holds schema version {found}, from an earlier "
            f"release; this release needs version {code_version}. Stop the service and run "
            "`feedback migrate` (it backs the data up first; `feedback migrate --dry-run` "
            "says what it would change), then start the service again."
        )
    raise NewerDataError(
        f"the data directory {data_dir} holds schema version {found}, written by a later "
        f"release; this release reads version {code_version} and will not touch it. Run the "
        "later release, or restore the backup `feedback migrate` took before the upgrade."
    )
