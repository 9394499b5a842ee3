"""Everything a client or proxy can read exists in Arabic (staff pages may stay Swedish).

"Client-facing" means: the client portal, the booking pages (/boka), "Jag behöver hjälp" and a
resident's first contact (/hjalp, /fraga), the video and phone pages a client opens (/ring), the
sign-in and error pages, and the SMS and call texts a client gets. Staff pages (/personal, the
coordinator's, manager's and caseworker's pages) stay Swedish/English.
"""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from portal.labels import VISIT_STATUS

ROOT = Path(__file__).resolve().parents[2]
METHOD_MAP = [
    ("portal/**.py", "python"),
    ("reminders/**.py", "python"),
    ("templates/**.html", "jinja2"),
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
#: Files whose texts reach client-side pages, SMS or calls; everything under these folders too.
CLIENT_FILES = (
    # Sign-in, errors, the page frame.
    "portal/auth/codes.py",
    "portal/auth/forms.py",
    "portal/auth/views.py",
    "portal/errors.py",
    "templates/auth/code.html",
    "templates/auth/phone.html",
    "templates/auth/closed.html",
    "templates/base.html",
    "templates/macros.html",
    "templates/errors/error.html",
    # Booking (/boka): the client's pages, refusals, the cancellation SMS, the calendar feed.
    "portal/booking/actions.py",
    "portal/booking/filters.py",
    "portal/booking/forms.py",
    "portal/booking/ical.py",
    "portal/booking/queries.py",
    "portal/booking/refusals.py",
    "portal/booking/rules.py",
    "templates/booking/asked.html",
    "templates/booking/calendar.html",
    "templates/booking/cancel_offer.html",
    "templates/booking/cancel_reason.html",
    "templates/booking/cancelled.html",
    "templates/booking/confirm.html",
    "templates/booking/days.html",
    "templates/booking/how.html",
    "templates/booking/icons.html",
    "templates/booking/later.html",
    "templates/booking/move.html",
    "templates/booking/refused.html",
    "templates/booking/start.html",
    "templates/booking/times.html",
    "templates/booking/visit.html",
    # "Jag behöver hjälp" (/hjalp) and a resident's first contact (/fraga).
    "portal/lightsupport/forms.py",
    "portal/lightsupport/requests.py",
    "portal/lightsupport/unmet.py",
    "portal/lightsupport/views.py",
    "templates/lightsupport/confirm.html",
    "templates/lightsupport/first_contact.html",
    "templates/lightsupport/first_contact_code.html",
    "templates/lightsupport/first_contact_sent.html",
    "templates/lightsupport/how.html",
    "templates/lightsupport/sent.html",
    "templates/lightsupport/what.html",
    "templates/lightsupport/when.html",
    # Video and phone (/ring): the call, the camera check, "no video", ringing.
    "portal/video/texts.py",
    "portal/video/views.py",
    "templates/video/call.html",
    "templates/video/check.html",
    "templates/video/icons.html",
    "templates/video/none.html",
    "templates/video/ringing.html",
    "templates/video/call_me.html",
    # "Hur går det?" and the survey before a follow-up.
    "portal/ratings/asking.py",
    "portal/ratings/survey.py",
    "portal/ratings/views.py",
    "templates/ratings/area.html",
    "templates/ratings/done.html",
    "templates/ratings/pictures.html",
    "templates/ratings/start.html",
    "templates/ratings/survey.html",
    # The client's own reminders page describes rules with these; SMS and call texts.
    "portal/outreach/services.py",
    "reminders/texts.py",
    # A closed client's sign-in says whom to call.
    "portal/lifecycle/closure.py",
)
CLIENT_FOLDERS = ("portal/client/", "templates/client/")
STAFF_ONLY = ("portal/client/staff_views.py",)
#: Texts in the files above that only staff read (every other text in those files counts).
STAFF_TEXTS = {
    "portal/booking/actions.py": {
        "%(name)s vill ha mer hjälp än beslutet ger. Prata med %(name)s.",  # a staff task
    },
    "portal/booking/forms.py": {  # the worker's and coordinator's forms
        "Varför blev besöket längre eller kortare?",
        "Daganteckning",
        "Orsak (syns inte för klienten)",
        "Boendestödjare",
        "Dag",
        "Tid",
        "Godkänn fler än tre personer för klienten (loggas)",
        "Typ",
        "Frånvaro",
        "Extra tid",
        "Från dag",
        "Från kl",
        "Till dag",
        "Till kl",
        "Anteckning",
        "Från",
        "Till",
    },
    "portal/booking/queries.py": {"Den personen finns inte i din enhet."},
    "portal/booking/refusals.py": {  # the staff column of every refusal
        "Tiden finns inte den dagen: klockan ställs om.",
        "Tiden har redan varit.",
        "Klienter bokar minst %(hours)s timmar innan.",
        "Stöd ges mellan 07.00 och 22.00, inom en dag.",
        "%(worker)s arbetar inte då (arbetstid %(shift)s).",
        "%(worker)s har redan ett besök %(clash)s då.",
        "%(client)s har redan ett besök %(clash)s då.",
        "%(client)s har redan bokat all beviljad tid den perioden (%(booked)s av %(granted)s "
        "minuter).",
        "%(client)s skulle få fler än %(most)s olika boendestödjare på 30 dagar. Kryssa i "
        "undantaget om det behövs.",
        "%(client)s har sagt nej till video. Ring och föreslå telefon eller hembesök.",
        "%(client)s har inget beslut om boendestöd som gäller då.",
        "Tiden blev upptagen nyss. Välj en annan tid.",
        "Besöket har börjat, är slut eller är inställt. Det går inte att ändra.",
        "Den nya tiden ska vara senare samma dag.",
        "Besöket är för långt fram. Du kan starta två timmar innan.",
        "Besöket skulle ha börjat för mer än två timmar sedan. Be samordnaren rätta det.",
        "Besöket kan inte startas. Det är redan avslutat eller avbokat.",
        "Du har inte startat besöket. Starta det först.",
        "Besöket blev längre eller kortare än planerat. Skriv varför.",
        "Bara ett planerat besök kan markeras som uteblivet.",
        "Besöket har inte börjat än.",
        "Skriv något i anteckningen.",
        "Skriv anteckningen när besöket har börjat.",
        "Slutet måste komma efter början.",
    },
    "portal/lightsupport/unmet.py": {  # why Fördela alla left a request (the coordinator)
        "ingen personal är ledig före %(until)s.",
        "de lediga tiderna gick till andra förfrågningar. Välj själv eller vänta.",
    },
    "portal/outreach/services.py": {  # the SMS log on the worker's outreach page
        "påminnelse",
        "besökspåminnelse",
        "påminnelse, kopia till ombud",
        "besökspåminnelse, kopia till ombud",
        "inloggningskod",
        "bekräftelse på STOPP",
        "bekräftelse på START",
        "erbjudande om samtal",
        "väntar",
        "skickas",
        "skickat",
        "levererat",
        "gick inte fram",
        "stoppat",
        "bekräftade",
        "vill avboka",
        "STOPP",
        "START",
        "meddelande",
    },
    "portal/video/views.py": {  # the worker's console and room (/personal/video)
        "Kryssa i rutan när klienten har sagt ja.",
        "Samtycket till video är sparat.",
        "Samtycket till video är borttaget. %(n)s videobesök blev telefonsamtal.",
        "%(name)s har fått ett sms med länken.",
        "Samtalet är inte startat, eller är slut.",
        "Numret ser inte ut som ett mobilnummer.",
        "Skriv namnet på personen du bjuder in.",
        "%(name)s är inbjuden. Länken: %(link)s",
        "Din telefon ringer nu. Svara, så kopplas du till %(name)s.",
        "Samtalet är avslutat.",
    },
}
#: Texts defined in shared label tables that a client reads (booking/visit.html shows a status).
CLIENT_LABELS = {str(text) for text in VISIT_STATUS.values()}


def client_messages() -> set[str]:
    found = set(CLIENT_LABELS)
    for filename, _, message, _, _ in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS, options_map={"**.html": {}}
    ):
        if filename in STAFF_ONLY:
            continue
        message = message if isinstance(message, str) else message[0]
        if message in STAFF_TEXTS.get(filename, ()):
            continue
        if filename in CLIENT_FILES or filename.startswith(CLIENT_FOLDERS):
            found.add(message)
    return found


def test_every_text_a_client_reads_is_in_the_arabic_catalogue() -> None:
    with (ROOT / "portal/translations/ar/LC_MESSAGES/messages.po").open("rb") as f:
        catalogue = read_po(f)
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    missing = sorted(client_messages() - translated)
    assert missing == [], f"add these to the Arabic catalogue: {missing}"


def test_the_client_files_listed_still_exist() -> None:
    gone = [name for name in (*CLIENT_FILES, *STAFF_TEXTS) if not (ROOT / name).exists()]
    assert gone == [], f"renamed or removed; update the list: {gone}"


def test_placeholders_survive_translation() -> None:
    with (ROOT / "portal/translations/ar/LC_MESSAGES/messages.po").open("rb") as f:
        catalogue = read_po(f)
    for message in catalogue:
        if message.id:
            for name in ("%(name)s", "%(n)s", "%(max)s", "%(phone)s", "%(start)s", "%(end)s"):
                assert (name in message.id) == (name in message.string), message.id


#: Arabic verbs in the masculine third person that a sentence about a worker would need in the
#: feminine for Anna ("يأتي" / "تأتي"); sentences about workers avoid verbs that mark gender.
MASCULINE_VERBS = ("يأتي", "سيأتي", "يتصل", "سيتصل", "كتب", "تحدث", "رأى", "يدعوك", "يريد",
                   "سيُدخلك", "عنده")  # fmt: skip


def test_sentences_about_a_worker_do_not_guess_the_workers_gender() -> None:
    catalogue = read_po((ROOT / "portal/translations/ar/LC_MESSAGES/messages.po").open("rb"))
    about_worker = [
        m for m in catalogue
        if isinstance(m.id, str) and m.string and ("%(worker)s" in m.id or (
            "%(name)s" in m.id
            and any(w in m.id for w in ("kommer", "ringer", "pratade", "skrev", "har sett",
                                        "var här", "var hos", "släpper", "ingen tid")))
        )
    ]  # fmt: skip
    assert len(about_worker) > 15
    gendered = [
        (m.id, m.string) for m in about_worker if any(v in m.string for v in MASCULINE_VERBS)
    ]
    assert gendered == []
