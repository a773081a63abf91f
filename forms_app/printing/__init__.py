"""Printing HTML to PDF: the one headless Chromium the leaflets, the letters and the browser
tests share."""
