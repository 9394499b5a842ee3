"""Easy-read sentences for the reasons the video rules give."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

REFUSALS = {
    "expired": _l("Länken är för gammal. Be din boendestödjare om en ny länk."),
    "ended": _l("Samtalet är slut."),
    "not_worker": _l("Bara boendestödjaren för besöket kan göra det."),
    "no_consent": _l("Klienten har inte sagt ja till video. Skriv in samtycket först."),
    "full": _l("Det får vara högst tre personer i samtalet."),
    "no_phone": _l("Det finns inget telefonnummer att ringa."),
}
BROKEN_LINK = _l("Länken fungerar inte. Be din boendestödjare om en ny länk.")


def refusal(reason: str) -> str:
    return str(REFUSALS.get(reason, BROKEN_LINK))
