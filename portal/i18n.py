"""Languages: Swedish first, others from the message catalogue (Flask-Babel)."""

from __future__ import annotations

import logging
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, current_app, redirect, request

from .auth.principal import signed_in
from .extensions import babel
from .redirects import local_target

TRANSLATIONS = Path(__file__).with_name("translations")
RTL = {"ar", "fa", "he", "ur"}
COOKIE = "lang"
#: Each language's name in itself (for choosing one).
NAMES = {"sv": "Svenska", "en": "English", "ar": "العربية"}
log = logging.getLogger(__name__)

bp = Blueprint("i18n", __name__)


def compile_catalogues(folder: Path = TRANSLATIONS) -> None:
    """Compile each .po to .mo when the .mo is missing or older (no build step needed)."""
    for po in folder.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        with mo.open("wb") as f:
            write_mo(f, catalog)
        log.info("compiled %s", mo)


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    person = signed_in()
    # A client's own language (also used for their SMS); a proxy reads in the language they chose.
    if person is not None and person.kind == "client" and person.client.language in languages:
        return person.client.language
    chosen = request.cookies.get(COOKIE)
    return chosen if chosen in languages else languages[0]


def text_direction(locale: str) -> str:
    return "rtl" if locale.split("_")[0] in RTL else "ltr"


@bp.get("/sprak/<code>")
def choose(code: str):  # type: ignore[no-untyped-def]
    response = redirect(local_target(request.args.get("next")) or "/")
    if code in current_app.config["LANGUAGES"]:
        person = signed_in()
        if person is not None and person.kind == "client":
            # Saved on the client (the request's session commits it), so the portal and their
            # SMS follow on every phone.
            person.client.language = code
        response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def init_app(app: Flask, languages: tuple[str, ...]) -> None:
    compile_catalogues()
    app.config["LANGUAGES"] = languages
    app.config["BABEL_DEFAULT_LOCALE"] = languages[0]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)

    @app.context_processor
    def _lang() -> dict[str, object]:
        from flask_babel import get_locale

        locale = str(get_locale() or languages[0])
        return {
            "lang": locale,
            "dir": text_direction(locale),
            "languages": languages,
            "language_names": NAMES,
        }
