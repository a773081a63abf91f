"""The ``feedback`` command line: one module per command group, each adding its own commands.

``feedback --help`` lists them. ``group.main`` is the Flask CLI group; every module here has a
``register(group)`` that adds its commands to it.
"""

from __future__ import annotations

from . import backup, data, demo, messages, migrate, records, reports, setup, sheets, staff, stores
from .group import main

_MODULES = (setup, data, demo, staff, sheets, messages, reports, records, backup, migrate, stores)
for _module in _MODULES:
    _module.register(main)

__all__ = ["main"]
