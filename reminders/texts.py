"""What clients read and hear: SMS and call texts, kept in the message catalogue.

Each text is a Swedish message id; ``render`` translates it into the client's language through
the translator ``portal`` registers (``hooks.TRANSLATE``), falling back to Swedish. Texts say the
time, the worker's first name and a link: never a diagnosis, never a unit's name.
"""

from __future__ import annotations

import re

from . import hooks


def _l(message: str) -> str:
    """Mark ``message`` for the catalogue (extracted like portal's lazy texts)."""
    return message


TEXTS = {
    "reminder": _l("Påminnelse: %(text)s"),
    "reminder_reply": _l("Påminnelse: %(text)s Svara 1 när du har gjort det."),
    "visit_today": _l("Hej! %(worker)s kommer i dag kl %(time)s. Se mer: %(link)s"),
    "visit_tomorrow": _l("Hej! %(worker)s kommer i morgon kl %(time)s. Se mer: %(link)s"),
    "visit_on": _l("Hej! %(worker)s kommer %(date)s kl %(time)s. Se mer: %(link)s"),
    "opted_out": _l("Du får inga fler sms från oss. Skicka START om du vill få sms igen."),
    "opted_in": _l("Nu får du sms från oss igen. Skicka STOPP om du vill sluta."),
    "call_offer": _l(
        "Vill du prata i telefon i stället för besöket %(date)s kl %(time)s? "
        "%(worker)s ringer dig. Vill du ändå avboka? Gå till %(link)s"
    ),
    "proxy_copy": _l("Kopia för %(name)s: %(text)s"),
    "proxy_opted_out": _l("Du får inga fler påminnelser för %(name)s."),
    "support_ended": _l("Hej! Det du bad om i appen är avslutat. Har du frågor? Ring %(phone)s."),
    "support_ended_no_phone": _l("Hej! Det du bad om i appen är avslutat."),
    "login_code": _l("Din kod är %(code)s. Den gäller i 10 minuter."),
    "video_invite": _l("Hej! %(worker)s vill prata med dig på video nu. Tryck här: %(link)s"),
    "video_invite_guest": _l(
        "Hej! %(worker)s bjuder in dig till ett videosamtal nu. Tryck här: %(link)s"
    ),
    "new_message": _l("%(worker)s har skrivit till dig. Läs här: %(link)s"),
    "help_home": _l("%(worker)s kommer %(when)s. %(link)s"),
    "help_video": _l("%(worker)s ringer dig med video %(when)s. %(link)s"),
    "help_phone": _l("%(worker)s ringer dig %(when)s. %(link)s"),
    "first_contact_call": _l("Hej %(name)s! %(worker)s från kommunen ringer dig %(when)s."),
    "when_today": _l("idag %(time)s"),
    "when_tomorrow": _l("i morgon %(time)s"),
    "when_day": _l("%(day)s %(time)s"),
    "call_offer_no_visit": _l("Tack för ditt svar. Din boendestödjare ringer dig."),
    "call_greeting": _l(
        "Hej! Det här är boendestödet. %(text)s Tryck 1 om allt är bra. "
        "Tryck 2 om du vill att vi ringer dig."
    ),
    "call_ok": _l("Tack! Ha en bra dag."),
    "call_back": _l("Tack! Vi ringer dig snart."),
    "call_silent": _l("Vi hörde inget svar. Vi ringer dig snart."),
}

#: Text-to-speech voice and language by client language (Swedish is the default). Twilio's
#: default voice speaks neither Swedish nor Arabic, so each names an Amazon Polly voice that does.
VOICES = {
    "sv": ("Polly.Astrid", "sv-SE"),
    "en": ("Polly.Amy", "en-GB"),
    "ar": ("Polly.Zeina", "arb"),
}


def voice_for(language: str) -> dict[str, str]:
    """The ``voice`` and ``language`` attributes of a ``<Say>`` in the client's language."""
    voice, locale = VOICES.get(language, VOICES["sv"])
    return {"voice": voice, "language": locale}


#: Words that must never be in an SMS: a message on a lock screen can be read by anyone.
SENSITIVE = re.compile(
    r"psyk|diagnos|missbruk|beroende|autism|adhd|npf|schizo|bipolär|depression|ångest|"
    r"funktionsneds|utvecklingsstör|lss\b|socialtjänst|metadon|subutex",
    re.IGNORECASE,
)


def translate(language: str, message_id: str) -> str:
    fn = hooks.handler(hooks.TRANSLATE)
    return fn(language, message_id) if fn is not None else message_id


def render(key: str, language: str = "sv", **params: object) -> str:
    """The text ``key`` in ``language`` with ``params`` filled in."""
    return translate(language, TEXTS[key]) % params


def sensitive_words(text: str) -> list[str]:
    """The words in ``text`` that must not go out by SMS (empty when it is fine)."""
    return sorted({m.group(0).lower() for m in SENSITIVE.finditer(text)})
