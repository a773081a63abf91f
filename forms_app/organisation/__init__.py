"""The organisation's settings file, and the branded front-end assets built from it."""
