"""Everything a client or proxy can read exists in Arabic (staff pages may stay Swedish)."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
METHOD_MAP = [("portal/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
#: Files whose texts reach client-side pages; everything under these folders counts too.
CLIENT_FILES = (
    "portal/auth/codes.py",
    "portal/auth/views.py",
    "portal/errors.py",
    "templates/auth/code.html",
    "templates/auth/phone.html",
    "templates/base.html",
    "templates/errors/error.html",
)
CLIENT_FOLDERS = ("portal/client/", "templates/client/")
STAFF_ONLY = ("portal/client/staff_views.py",)


def client_messages() -> set[str]:
    found = set()
    for filename, _, message, _, _ in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS, options_map={"**.html": {}}
    ):
        if filename in STAFF_ONLY:
            continue
        if filename in CLIENT_FILES or filename.startswith(CLIENT_FOLDERS):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_text_a_client_reads_is_in_the_arabic_catalogue() -> None:
    with (ROOT / "portal/translations/ar/LC_MESSAGES/messages.po").open("rb") as f:
        catalogue = read_po(f)
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    missing = sorted(client_messages() - translated)
    assert missing == [], f"add these to the Arabic catalogue: {missing}"


def test_placeholders_survive_translation() -> None:
    with (ROOT / "portal/translations/ar/LC_MESSAGES/messages.po").open("rb") as f:
        catalogue = read_po(f)
    for message in catalogue:
        if message.id:
            for name in ("%(name)s", "%(n)s", "%(max)s", "%(phone)s", "%(start)s", "%(end)s"):
                assert (name in message.id) == (name in message.string), message.id
