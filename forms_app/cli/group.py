"""The ``feedback`` command group: a Flask CLI group, installed as a console script.

The commands are added by the modules beside this one (see ``forms_app/cli/__init__.py``);
``feedback run``, from Flask, serves the app for development.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup


def _create_app():
    from forms_app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main():
    """Feedback service: forms, data package, reports and site."""
