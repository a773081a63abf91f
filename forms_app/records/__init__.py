"""Records in and out: imports from earlier systems, staff exports, retention and the
rights of the person, and the audit log."""
