"""Starting headless Chromium: the browser the tests drive (pages, axe checks, HTTPS). The
service itself never starts it: letters and leaflets are printed by ``printing.pdf``.

Playwright cannot download its own browsers here, so it is pointed at Debian's Chromium
(``/usr/bin/chromium``, or the ``CHROMIUM`` environment variable). The switches keep it off a
network it cannot reach and from updating or syncing itself.
"""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch_chromium(playwright, executable: str = CHROMIUM):
    """Start headless Chromium with the switches above through a running Playwright
    (``sync_playwright()``); the caller closes the browser it gets back."""
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
