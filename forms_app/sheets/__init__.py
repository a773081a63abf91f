"""The shared Google Sheet: staff triage where they already work, kept in step with the data
package (the system of record) by a background worker.

One concern per module:

- ``config``: the optional ``sheets:`` section of the settings file;
- ``client``: a gspread client from a service-account key file, or pointed at a local
  stand-in (tests, benchmarks) through an injected requests session;
- ``layout``: the tabs (Intake, Triage, Problems), their columns, dropdowns, highlighting,
  protection, and ``setup`` (idempotent);
- ``rows``: what one submission or case looks like as a row (a withheld one: its reference
  and status only);
- ``outbox``: the durable local state (SQLite in the data directory): what is waiting, what
  was maybe sent, what was confirmed, what staff last saw, which problems were reported;
- ``push``: batching rows into requests within Google's limits, exactly once;
- ``pull``: staff edits in Triage turned into events, or into problems;
- ``attribution``: who made an edit, from the Drive revision history;
- ``editors``: whether those people may make the edits, by the staff pages' access rules;
- ``positions``: where each Triage row is between whole reads, and when the whole tab must
  be read;
- ``quota``: at most N requests a minute;
- ``retry``: bounded exponential back-off with jitter, Retry-After, parking;
- ``alerts``: saying loudly that the sheet is behind;
- ``worker``: the loop, and one sync step as the list of its parts; ``configured``;
- ``spreadsheet``: opening the sheet (set up if need be), the step's one read, dropdowns;
- ``settling``: unclear appends resolved by reading keys, rows deleted by hand sent again,
  duplicate Triage rows;
- ``clearing``: the rows of withheld, erased and purged cases taken out of the sheet;
- ``appending``: new rows for each tab, from the outbox's queue;
- ``triage``: staff edits pulled in (or reported as problems), Triage rows kept up to date;
- ``parking``: stopping for a while after hours of failure, and the "behind" alert;
- ``status``: what ``feedback sheets status`` shows.

A submission never waits for Google: nothing in the request path imports this package.
"""
