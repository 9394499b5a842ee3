"""Languages: Swedish first, others from the message catalogue (Flask-Babel)."""

from __future__ import annotations

import logging
from pathlib import Path

from babel.support import Translations
from flask import Blueprint, Flask, current_app, redirect, request
from flask_babel import get_locale

from .auth.principal import signed_in
from .extensions import babel
from .redirects import local_target
from .resources import TRANSLATIONS

RTL = {"ar", "fa", "he", "ur"}
COOKIE = "lang"
#: Each language's name in itself (for choosing one).
NAMES = {"sv": "Svenska", "en": "English", "ar": "العربية"}
log = logging.getLogger(__name__)

bp = Blueprint("i18n", __name__)


def missing_catalogues(languages: tuple[str, ...], folder: Path = TRANSLATIONS) -> list[str]:
    """Name the languages whose compiled catalogue is absent (they would show Swedish)."""
    return [
        code
        for code in languages[1:]
        if not (folder / code / "LC_MESSAGES" / "messages.mo").is_file()
    ]


def translate(message: str, language: str) -> str:
    """A catalogue message in ``language`` outside any request (the demo seeder, for one)."""
    return Translations.load(str(TRANSLATIONS), [language]).gettext(message)


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    person = signed_in()
    # A client's own language (also used for their SMS); a proxy reads in the language they chose.
    if person is not None and person.kind == "client" and person.client.language in languages:
        return person.client.language
    chosen = request.cookies.get(COOKIE)
    return chosen if chosen in languages else languages[0]


def page_language() -> str:
    """The language this request's page is shown in (the selector's choice, else the first)."""
    return str(get_locale() or current_app.config["LANGUAGES"][0])


def text_direction(locale: str) -> str:
    return "rtl" if locale.split("_")[0] in RTL else "ltr"


@bp.route("/sprak/<code>", methods=["GET", "POST"])
def choose(code: str):
    """Show the pages in another language. Only a form posted from our own page (CSRF-checked)
    changes a signed-in client's stored language, which their SMS and calls follow too; a link
    from anywhere else can do no more than set this browser's cookie."""
    target = request.form.get("next") if request.method == "POST" else request.args.get("next")
    response = redirect(local_target(target) or "/", 303)
    if code in current_app.config["LANGUAGES"]:
        person = signed_in()
        if request.method == "POST" and person is not None and person.kind == "client":
            person.client.language = code  # the request's session commits it
        response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def init_app(app: Flask, languages: tuple[str, ...]) -> None:
    # Catalogues are compiled when the package is built (setup.py) or by `make`; never here, so
    # an installed package stays read-only.
    missing = missing_catalogues(languages)
    if missing:
        log.warning(
            "no compiled catalogue for %s (build the package, or run `make` in a checkout)",
            ", ".join(missing),
        )
    app.config["LANGUAGES"] = languages
    app.config["BABEL_DEFAULT_LOCALE"] = languages[0]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)


def page_context(languages: tuple[str, ...]) -> dict[str, object]:
    """Every template's language, its direction and the languages offered (``portal.wiring``)."""
    locale = page_language()
    return {
        "lang": locale,
        "dir": text_direction(locale),
        "languages": languages,
        "language_names": NAMES,
    }
