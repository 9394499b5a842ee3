"""What a proxy may do: the features a client can allow, and the rule that reads a proxy's
standing consent. Here, below the client pages, because sign-in asks it too: a proxy whose
client allows nothing (consent withdrawn) is not let in, and is signed out on their next page.
"""

from __future__ import annotations

import enum

from models import Proxy


class Feature(enum.Enum):
    SEE_VISITS = "see_visits"
    BOOK = "book"
    REMINDERS = "reminders"
    WRITE_MESSAGES = "write_messages"
    #: Everything held about the client and who read it ("Mina uppgifter"): notes, messages
    #: and check-ins included, so a consent of its own.
    SEE_RECORDS = "see_records"
    #: Only the client: how they feel, their plan, their video calls.
    CLIENT_ONLY = "client_only"


#: The features a client can allow a proxy, and the ``Proxy`` column that holds each answer.
GRANTABLE: dict[Feature, str] = {
    Feature.SEE_VISITS: "can_see_visits",
    Feature.BOOK: "can_book",
    Feature.REMINDERS: "gets_reminders",
    Feature.WRITE_MESSAGES: "can_write_messages",
    Feature.SEE_RECORDS: "can_see_records",
}


def allowed(proxy: Proxy) -> set[Feature]:
    """What the client's recorded, unwithdrawn consent lets this proxy do (empty: nothing)."""
    consent = proxy.consent
    if not proxy.active or consent is None or consent.withdrawn_at is not None:
        return set()
    return {feature for feature, column in GRANTABLE.items() if getattr(proxy, column)}
