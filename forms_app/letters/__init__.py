"""Letters: templates per procedure and language (Markdown with Jinja) in the top-level
``letters/`` directory, filled with the case and the person, kept with the case, and printed
as HTML or PDF (in-process, without a browser)."""
