"""Printing: HTML to PDF in this process with WeasyPrint for the letters and the leaflets
(``pdf``), and the launcher of Debian's headless Chromium that only the browser tests use
(``chromium``)."""
