"""Data protection operations on the data package: erasure, restriction, retention, access.

- ``rewrite``: removing cases (the store rewrites its tables), finished after a crash from an
  intent file.
- ``reach``: what lies beyond the tables: letters, drafts and the Google Sheet outbox.
- ``purge``: the retention purge (N years after closure, never under legal hold).
- ``subject_access``: everything held about a person, as a folder or ZIP with a cover note.
- ``erasure``: erasure, refusal and restriction with reason codes; legal hold.

Every operation writes an entry in the audit log (``forms_app.records.audit``), with names,
never values. The flags they set (legal hold, restriction) and their reason codes are case
state, so they live in ``forms_app.casework.flags``, where the sheet and reports read them too.
"""
