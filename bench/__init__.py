"""Benchmarks: every figure is a ratio against a baseline measured in the same run, because
these machines are shared and noisy. ``make bench`` runs them all into ``bench/results.json``."""

import os

# Production is the app's default (forms_app/web/config.py); the benchmarks measure the code on
# plain HTTP with throwaway data, as development does, in this process and every one it starts.
os.environ.setdefault("FORMS_APP_ENV", "development")
