"""Every refusal a booking rule can give, written twice: for the client and for staff.

A client reads easy-read words that say what to do next ("Välj en annan tid"); staff read what
is in the way and for whom ("Omar har redan ett besök 13:00–14:00 då"). Pages for clients show
``message``, staff pages show ``staff_message``, so staff never read a text meant for a client.
A refusal only staff can meet (starting a visit, a day note) has no client text.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from ..errors import DomainError


@dataclass(frozen=True)
class Voices:
    #: What a client reads; None when only staff can meet this refusal.
    client: LazyString | None
    staff: LazyString


SLOT_TAKEN = _l("Någon hann boka den tiden nyss. Välj en annan tid.")
NO_VIDEO = _l("Du har sagt nej till video. Vill du ha video? Säg det till din personal.")

REFUSALS: dict[str, Voices] = {
    "dst": Voices(
        _l("Den tiden finns inte den dagen. Klockan ställs om."),
        _l("Tiden finns inte den dagen: klockan ställs om."),
    ),
    "past": Voices(
        _l("Den tiden har redan varit. Välj en annan tid."), _l("Tiden har redan varit.")
    ),
    "notice": Voices(
        _l("Boka minst %(hours)s timmar innan. Välj en senare tid."),
        _l("Klienter bokar minst %(hours)s timmar innan."),
    ),
    "hours": Voices(
        _l("Vi kan komma mellan 07.00 och 22.00. Välj en annan tid."),
        _l("Stöd ges mellan 07.00 och 22.00, inom en dag."),
    ),
    "worker_off": Voices(
        _l("Den personen arbetar inte då. Välj en annan tid."),
        _l("%(worker)s arbetar inte då (arbetstid %(shift)s)."),
    ),
    "worker_busy": Voices(SLOT_TAKEN, _l("%(worker)s har redan ett besök %(clash)s då.")),
    "worker_travel": Voices(
        _l("Den personen hinner inte komma då. Välj en annan tid."),
        _l(
            "%(worker)s behöver %(minutes)s minuter för att resa till eller från besöket %(clash)s."
        ),
    ),
    "overlap": Voices(
        _l("Du har redan en tid då. Välj en annan tid."),
        _l("%(client)s har redan ett besök %(clash)s då."),
    ),
    "grant": Voices(
        _l("Du har redan bokat all tid du har fått. Vill du ha mer hjälp? Fråga oss."),
        _l(
            "%(client)s har redan bokat all beviljad tid den perioden (%(booked)s av "
            "%(granted)s minuter)."
        ),
    ),
    "no_decision": Voices(
        _l("Du kan inte boka tid själv än. Vill du ha hjälp? Fråga oss."),
        _l("%(client)s har inget beslut om boendestöd som gäller då."),
    ),
    "continuity": Voices(
        _l("Du kan inte få fler nya personer just nu. Välj en av dina vanliga."),
        _l(
            "%(client)s skulle få fler än %(most)s olika boendestödjare på 30 dagar. "
            "Kryssa i undantaget om det behövs."
        ),
    ),
    "no_video": Voices(
        NO_VIDEO,
        _l("%(client)s har sagt nej till video. Ring och föreslå telefon eller hembesök."),
    ),
    "taken": Voices(SLOT_TAKEN, _l("Tiden blev upptagen nyss. Välj en annan tid.")),
    "closed": Voices(
        _l("Det besöket går inte att ändra längre."),
        _l("Besöket har börjat, är slut eller är inställt. Det går inte att ändra."),
    ),
    "later": Voices(
        _l("Välj en senare tid samma dag."), _l("Den nya tiden ska vara senare samma dag.")
    ),
    "too_early": Voices(None, _l("Besöket är för långt fram. Du kan starta två timmar innan.")),
    "too_late": Voices(
        None,
        _l("Besöket skulle ha börjat för mer än två timmar sedan. Be samordnaren rätta det."),
    ),
    "not_startable": Voices(
        None, _l("Besöket kan inte startas. Det är redan avslutat eller avbokat.")
    ),
    "not_started": Voices(None, _l("Du har inte startat besöket. Starta det först.")),
    "reason": Voices(None, _l("Besöket blev längre eller kortare än planerat. Skriv varför.")),
    "no_show_planned": Voices(None, _l("Bara ett planerat besök kan markeras som uteblivet.")),
    "no_show_early": Voices(None, _l("Besöket har inte börjat än.")),
    "note_empty": Voices(None, _l("Skriv något i anteckningen.")),
    "note_early": Voices(None, _l("Skriv anteckningen när besöket har börjat.")),
    "end_first": Voices(None, _l("Slutet måste komma efter början.")),
    "availability_too_long": Voices(None, _l("Det går att lägga in högst ett år i taget.")),
    "horizon": Voices(None, _l("Boka högst ett år framåt.")),
}

#: A value for every detail a refusal can name (the test that reads every refusal uses them).
SAMPLE_DETAILS = {
    "hours": 2,
    "shift": "08:00–17:00",
    "worker": "Omar",
    "client": "Sandra Nilsson",
    "clash": "13:00–14:00",
    "booked": 360,
    "granted": 240,
    "most": 3,
    "minutes": 15,
}


class BookingRefused(DomainError):
    """A booking rule said no; ``code`` names the refusal (a key of ``REFUSALS``) so a page can
    offer the right next step, ``details`` fill in its texts."""

    def __init__(self, code: str, status: int = 400, **details: object) -> None:
        self.code, self.details = code, details
        self.voices = REFUSALS[code]
        super().__init__(self.voices.client or self.voices.staff, status)
        self.message = self._text(self.voices.client or self.voices.staff)

    def _text(self, text: LazyString) -> LazyString:
        # A text without details stays lazy, so it is read in the language of the page.
        return text if not self.details else LazyString(_fill, text, self.details)

    @property
    def staff_message(self) -> LazyString:
        """What staff read: what is in the way, never the client's own words."""
        return self._text(self.voices.staff)


def _fill(text: LazyString, details: dict[str, object]) -> str:
    message = str(text)
    return message % details if "%(" in message else message
