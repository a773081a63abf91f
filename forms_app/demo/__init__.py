"""Synthetic demonstration data: invented people, cases and staff accounts."""
