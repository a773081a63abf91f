"""The ``feedback`` command line: one module per command group, each adding its own commands.

``feedback --help`` lists them. ``group.main`` is the Flask CLI group; every module here has a
``register(group)`` that adds its commands to it.
"""

from __future__ import annotations

from . import (
    backup,
    data,
    demo,
    messages,
    migrate,
    records,
    reports,
    returns,
    setup,
    sheets,
    staff,
    stores,
)
from .group import main

for _module in (
    setup,
    data,
    demo,
    staff,
    sheets,
    messages,
    reports,
    returns,
    records,
    backup,
    migrate,
    stores,
):
    _module.register(main)

__all__ = ["main"]
