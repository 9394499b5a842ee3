"""Where the app's run-time files are, in a checkout and in an installed wheel alike.

setup.py's build step copies the top-level ``templates/`` into the package of a wheel, vendors the
npm files the pages load into ``vendor/`` and compiles the catalogues in ``translations/``; an
editable install (``make install``) writes the last two into the checkout's ``portal/`` too.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
#: Inside the package when installed from a wheel; the checkout's top-level folder otherwise.
TEMPLATES = next(
    (p for p in (PACKAGE / "templates", PACKAGE.parent / "templates") if p.is_dir()),
    PACKAGE / "templates",
)
STATIC = PACKAGE / "static"
TRANSLATIONS = PACKAGE / "translations"
#: Browser libraries copied from node_modules at build time; served at /vendor/<name>.
VENDOR = PACKAGE / "vendor"
