"""Benchmarks: every figure is a ratio against a baseline measured in the same run, because
these machines are shared and noisy. ``make bench`` runs them all into ``bench/results.json``."""
