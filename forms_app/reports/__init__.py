"""Reports and anonymised published outcomes (issue 6): ``feedback report`` and
``feedback publish``.

- ``periods``: the UK financial year, its quarters, any dates;
- ``loading``: every case folded from its events (``casework.state.fold``);
- ``figures`` and ``returns``: the counts, each with how it is counted;
- ``disclosure``: small-number suppression with secondary suppression (or NHS rounding);
- ``freetext``: approved public summaries, personal details replaced with 😊;
- ``pii_gate``: nothing personal is published, checked before writing and over the built site;
- ``charts``, ``pages``, ``datapackage``: SVG charts, English and Welsh Markdown, CSV + JSON;
- ``build`` and ``publish``: staging, checking and putting in place, all or nothing.
"""
