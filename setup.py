"""The build step that puts what the app reads at run time into the package.

pyproject.toml holds the project's metadata; this file only adds to setuptools' ``build_py``,
because three kinds of run-time files are not Python modules beside the code:

- ``templates/`` stays at the top of the checkout (DESIGN.md's layout); it is copied into
  ``portal/templates`` in the wheel.
- The browser libraries come from npm (``npm ci`` fills ``node_modules/``, never committed); the
  files the pages load are copied into ``portal/vendor``, so nothing is fetched at run time.
- The message catalogues (``.po``) are compiled to ``.mo`` here, so an installed package is
  complete and read-only (nothing is written into it at start-up).

In an editable install (``make install``) setuptools runs this step with ``editable_mode`` set:
then the vendored files and ``.mo`` catalogues are written into the checkout's ``portal/`` (both
are git-ignored) and the templates are read where they are. ``portal/resources.py`` is the one
place the app looks them up.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
#: What the pages load from npm packages: the name served at /vendor/<name> -> its npm path.
VENDORED = {"socket.io.min.js": "socket.io-client/dist/socket.io.min.js"}


def compile_catalogues(translations: Path) -> None:
    """Compile every message catalogue with Babel's own ``pybabel compile``."""
    for po in sorted(translations.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        errors = CommandLineInterface().run(
            ["pybabel", "--quiet", "compile", "-i", str(po), "-o", str(mo)]
        )
        if errors:
            raise SystemExit(f"{po} has errors: fix it before building")


def vendor_browser_libraries(target: Path) -> None:
    """Copy the npm files the pages load into ``target``; refuse when npm has not run."""
    missing = [npm for npm in VENDORED.values() if not (HERE / "node_modules" / npm).is_file()]
    if missing:
        raise SystemExit(
            f"missing {', '.join(missing)} in node_modules: run `npm ci` before building"
        )
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name, npm in VENDORED.items():
        shutil.copyfile(HERE / "node_modules" / npm, target / name)


class BuildWithRuntimeFiles(build_py):
    """``build_py`` that also copies templates, vendors npm files and compiles catalogues."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            package = HERE / "portal"
        else:
            package = Path(self.build_lib) / "portal"
            # Copied afresh so a template deleted in the checkout is not left in a stale build/.
            shutil.rmtree(package / "templates", ignore_errors=True)
            shutil.copytree(HERE / "templates", package / "templates")
            shutil.copytree(
                HERE / "portal" / "translations", package / "translations", dirs_exist_ok=True
            )
        vendor_browser_libraries(package / "vendor")
        compile_catalogues(package / "translations")


setup(cmdclass={"build_py": BuildWithRuntimeFiles})
