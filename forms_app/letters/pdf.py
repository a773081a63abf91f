"""HTML to PDF with headless chromium through Playwright's ``page.pdf()``.

Runs in a child process (``python -m forms_app.letters.pdf`` reading HTML on stdin, writing the
PDF on stdout), so a web worker never hosts a browser or Playwright's event loop in its threads.
The browser is given the page's HTML directly and blocked from the network.
"""

from __future__ import annotations

import subprocess
import sys

from forms_app.printing.chromium import launch_chromium

TIMEOUT_SECONDS = 60


class PdfError(RuntimeError):
    """The PDF could not be made (no chromium, or it failed)."""


def html_to_pdf(html: str) -> bytes:
    """The PDF of a whole HTML page (its CSS inline)."""
    try:
        result = subprocess.run(
            [sys.executable, "-m", "forms_app.letters.pdf"],
            input=html.encode("utf-8"),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PdfError(str(error)) from error
    if result.returncode != 0 or not result.stdout.startswith(b"%PDF-"):
        raise PdfError(result.stderr.decode("utf-8", "replace")[-2000:])
    return result.stdout


def _main() -> None:
    from playwright.sync_api import sync_playwright

    html = sys.stdin.buffer.read().decode("utf-8")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(java_script_enabled=False, offline=True)
            page = context.new_page()
            page.set_content(html, wait_until="load")
            data = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        finally:
            browser.close()
    sys.stdout.buffer.write(data)


if __name__ == "__main__":
    _main()
