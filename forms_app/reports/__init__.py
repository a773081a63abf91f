"""Reports and anonymised published outcomes: ``feedback report`` and ``feedback publish``.

- ``periods``: the UK financial year, its quarters, any dates;
- ``sources``: the case tables and the staff directory from the engine the settings choose
  (the data package's files, or PostgreSQL), behind one small reading interface;
- ``loading``: every case folded from its events (``folding``, with ``casework.state``) and
  taken as a report counts it (``counted``), starting from the cases the last report saved
  when it can (``saved_counts``: only the rows appended since are read);
- ``figures``: the counts and the returns to regulators, one module per family of tables;
- ``words``: the labels and phrases in English and Welsh, and how each table is counted;
- ``disclosure``: small-number suppression with secondary suppression (or NHS rounding);
- ``freetext``: approved public summaries, de-identified by ``deidentify`` (names and
  contact details as 😊, dates, ages and places marked, gendered words made neutral);
- ``pii_gate``: nothing personal is published, checked before writing and over the built site;
- ``charts``, ``pages``, ``datapackage``: SVG charts, English and Welsh Markdown, CSV + JSON
  (a page is put together from ``page_sections`` and ``page_words``; the list of reports on the
  outcomes page is ``report_list``);
- ``build`` and ``publish``: staging, checking and putting in place, all or nothing.
"""
