"""Words people read for our enums, kept in the message catalogue."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from models import Role

CHANNEL = {"home": _l("hembesök"), "video": _l("video"), "phone": _l("telefon")}
VISIT_STATUS = {
    "planned": _l("planerat"),
    "started": _l("pågår"),
    "done": _l("utfört"),
    "cancelled_by_client": _l("avbokat av klienten"),
    "cancelled_by_staff": _l("avbokat av personal"),
    "no_show": _l("uteblev"),
}
ESCALATION_TYPE = {
    "repeated_cancellations": _l("upprepade avbokningar"),
    "beyond_light_support": _l("behöver biståndsprövning"),
    "unresolved_red": _l("röd incheckning utan svar"),
    "unconfirmed_reminder": _l("obekräftad påminnelse"),
    "undeliverable_phone": _l("telefonen nås inte"),
    "worker_concern": _l("oro från boendestödjare"),
    "child_concern": _l("oro för barn"),
    "decision_expiring": _l("beslut löper ut"),
    "plan_not_approved": _l("plan inte godkänd"),
}
ESCALATION_STATUS = {
    "new": _l("ny"),
    "taken": _l("tagen"),
    "waiting": _l("väntar på"),
    "closed": _l("avslutad"),
}
GOAL_LEVEL = {
    "motivation": _l("med aktivt motivationsarbete"),
    "with_support": _l("med stöd"),
    "more_independent": _l("mer självständigt med visst stöd"),
    "without_support": _l("utan stöd"),
}
OUTCOME = {
    "new_decision": _l("nytt beslut"),
    "changed_decision": _l("ändrat beslut"),
    "follow_up_meeting": _l("uppföljningsmöte"),
    "no_action": _l("ingen åtgärd"),
    "support_ended": _l("avslutad insats"),
}
SOURCE = {
    "booking": _l("bokningen"),
    "light_support": _l("stöd utan biståndsprövning"),
    "check_in": _l("incheckningen"),
    "reminders": _l("påminnelserna"),
    "worker": _l("boendestödjare"),
    "decisions": _l("beslutsbevakningen"),
    "plans": _l("planbevakningen"),
}
MOOD = {"green": _l("mår bra (grön)"), "yellow": _l("sådär (gul)"), "red": _l("mår dåligt (röd)")}
EVENT = {
    "visit": _l("Besök"),
    "note": _l("Daganteckning"),
    "check_in": _l("Incheckning"),
    "reminder": _l("Påminnelse"),
    "request": _l("Förfrågan"),
    "escalation": _l("Ärende"),
}
ROLE = {
    "worker": _l("boendestödjare"),
    "coordinator": _l("samordnare"),
    "caseworker": _l("biståndshandläggare"),
    "manager": _l("enhetschef"),
    "admin": _l("administratör"),
}
NEED = {
    "intellectual_disability": _l("intellektuell funktionsnedsättning"),
    "autism": _l("autism"),
    "adhd": _l("adhd"),
    "psychiatric": _l("psykisk ohälsa"),
    "substance_use": _l("missbruk"),
}


GENDER = {"woman": _l("Kvinna"), "man": _l("Man")}


def role_name(value: str) -> object:
    """Jinja filter: a role in words."""
    return ROLE.get(value, value)


def need_name(value: str) -> object:
    """Jinja filter: a need in words."""
    return NEED.get(value, value)


def context() -> dict[str, object]:
    """Every template's names for enums (``portal.wiring``)."""
    return {
        "roles": Role,
        "channel_names": CHANNEL,
        "visit_status_names": VISIT_STATUS,
        "escalation_type_names": ESCALATION_TYPE,
        "escalation_status_names": ESCALATION_STATUS,
        "goal_level_names": GOAL_LEVEL,
        "outcome_names": OUTCOME,
        "source_names": SOURCE,
        "event_names": EVENT,
    }
