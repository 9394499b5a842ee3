"""HTML to PDF with the Debian Chromium's own headless print (``--print-to-pdf``).

Why Chromium: it is already a system package here (the browser tests drive it), it lays out the
same HTML and inline SVG the caseworker sees on screen, and it needs no network and no new Python
dependency. WeasyPrint would add a library and Pango's Debian packages for the same result, and
Playwright would add a driver process per call; a plain subprocess with a timeout is the least.
The page is written to a private temporary folder and printed from a ``file://`` address, so
nothing is served and no request leaves the machine (the print page loads no resource at all).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

#: Seconds one print may take before it is given up (a cold start takes about two).
TIMEOUT = 60
FLAGS = [
    "--headless",
    "--no-sandbox",  # runs as a service user in a container; the page is our own, no script
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-pdf-header-footer",
]


class PdfUnavailable(RuntimeError):
    """Chromium is missing or failed; the caller shows the HTML page to print instead."""


def chromium() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        raise PdfUnavailable("chromium is not installed")
    return path


def html_to_pdf(html: str) -> bytes:
    """The PDF Chromium prints of ``html`` (a self-contained page)."""
    with tempfile.TemporaryDirectory(prefix="boendestod-pdf-") as folder:
        page, out = Path(folder, "page.html"), Path(folder, "page.pdf")
        page.write_text(html, encoding="utf-8")
        command = [
            chromium(), *FLAGS, f"--user-data-dir={folder}/profile",
            f"--print-to-pdf={out}", page.as_uri(),
        ]  # fmt: skip
        try:
            subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=True)
        except (subprocess.SubprocessError, OSError) as exc:
            log.warning("printing a PDF failed: %s", type(exc).__name__)
            raise PdfUnavailable(str(exc)) from exc
        if not out.exists() or out.stat().st_size == 0:
            raise PdfUnavailable("chromium wrote no PDF")
        return out.read_bytes()
