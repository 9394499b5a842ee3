"""The client's own reminders: read what is set, add one in three easy questions, remove it.

The rules are the same as the worker's (``portal.outreach.services``); here the client answers
"what", "when" and "how" with big choices, and may remove only the reminders they added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Client, Recurrence, ReminderChannel, ReminderRule
from models.numbers import whole_number
from reminders.expansion import local_moment

from ..errors import DomainError
from ..outreach import services as outreach

#: Ready-made texts, so that most clients need not write anything.
PRESETS = (
    _l("Ta din medicin"),
    _l("Ät lunch"),
    _l("Handla mat"),
    _l("Tvätta"),
    _l("Ta ut soporna"),
)
OWN = "egen"
WHEN = {
    "idag": _l("Idag"),
    "imorgon": _l("I morgon"),
    "varje-dag": _l("Varje dag"),
}
HOW = {
    "sms": ReminderChannel.SMS,
    "samtal": ReminderChannel.CALL,
    "appen": ReminderChannel.PORTAL,
}
#: A client keeps at most this many of their own reminders at once.
MAX_OWN = 20
#: The longest own reminder text, as the page's field allows and staff reminders have.
OWN_TEXT_MAX = 120
CLOCK = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


@dataclass
class Answers:
    """What the client chose or typed, kept as typed so a refused form shows it again."""

    what: str = ""
    own_text: str = ""
    when: str = ""
    clock: str = ""
    how: str = ""
    problems: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: dict[str, str]) -> Answers:
        return cls(
            what=form.get("vad", ""),
            own_text=form.get("egen_text", ""),
            when=form.get("nar", ""),
            clock=form.get("klockan", "")[:10],
            how=form.get("hur", ""),
        )

    def text(self) -> str:
        if self.what == OWN:
            return self.own_text.strip()
        preset = whole_number(self.what)
        if preset is not None and preset < len(PRESETS):
            return str(PRESETS[preset])
        return ""

    def clock_time(self) -> time | None:
        match = CLOCK.match(self.clock)
        if not match:
            return None
        hour, minute = int(match.group(1)), int(match.group(2))
        return time(hour, minute) if hour < 24 and minute < 60 else None

    def check(self) -> bool:
        """Note a plain-words problem per question; True when every question is answered."""
        if self.what == OWN and len(self.own_text.strip()) > OWN_TEXT_MAX:
            self.problems["vad"] = str(_l("Texten är för lång. Skriv högst 120 tecken."))
        elif not self.text():
            self.problems["vad"] = str(
                _l("Skriv vad du vill komma ihåg.")
                if self.what == OWN
                else _l("Välj vad du vill komma ihåg.")
            )
        if self.when not in WHEN:
            self.problems["nar"] = str(_l("Välj när."))
        if self.clock_time() is None:
            self.problems["klockan"] = str(_l("Skriv en tid, till exempel 08:30."))
        if self.how not in HOW:
            self.problems["hur"] = str(_l("Välj hur du vill bli påmind."))
        return not self.problems


def rule_input(answers: Answers, today: date) -> outreach.RuleInput:
    once = answers.when != "varje-dag"
    return outreach.RuleInput(
        text=answers.text(),
        channel=HOW[answers.how],
        recurrence=Recurrence.ONCE if once else Recurrence.DAILY,
        local_time=answers.clock_time(),
        on_date=(today + timedelta(days=answers.when == "imorgon")) if once else None,
        client_chose_time=True,
    )


def current_rules(session: Session, client_id: int, now: datetime) -> list[ReminderRule]:
    """The client's reminders still to come: a one-off that has passed is left out."""
    return [
        rule
        for rule in outreach.active_rules(session, client_id)
        if rule.recurrence is not Recurrence.ONCE or (rule.once_at and rule.once_at > now)
    ]


def add_own(
    session: Session, client: Client, answers: Answers, now: datetime, zone: ZoneInfo
) -> ReminderRule:
    """Save the client's reminder, or raise ``DomainError`` saying in plain words why not."""
    data = rule_input(answers, now.astimezone(zone).date())
    if data.channel is ReminderChannel.SMS and client.sms_opt_out:
        raise DomainError(
            _l("Du har sagt STOPP till sms. Välj samtal eller appen. Eller skicka START till oss.")
        )
    if sum(rule.by_client for rule in current_rules(session, client.id, now)) >= MAX_OWN:
        raise DomainError(_l("Du har många påminnelser. Ta bort en först."))
    same = same_rule(session, client.id, data, zone)
    if same is not None:  # pressed twice: one reminder
        return same
    (rule,) = outreach.create_rule(session, client, data, now, zone, by_client=True)
    return rule


def same_rule(
    session: Session, client_id: int, data: outreach.RuleInput, zone: ZoneInfo
) -> ReminderRule | None:
    """The client's active reminder that says and does exactly this already, if any."""
    query = select(ReminderRule).where(
        ReminderRule.client_id == client_id,
        ReminderRule.active,
        ReminderRule.text == data.text.strip(),
        ReminderRule.channel == data.channel,
        ReminderRule.recurrence == data.recurrence,
        ReminderRule.local_time == data.local_time,
    )
    if data.recurrence is Recurrence.ONCE and data.on_date and data.local_time:
        query = query.where(
            ReminderRule.once_at == local_moment(data.on_date, data.local_time, zone)
        )
    return session.scalars(query.limit(1)).first()


def remove_own(session: Session, client_id: int, rule_id: int) -> ReminderRule:
    """Stop a reminder the client added; a worker's reminder is changed with the worker."""
    rule = session.scalar(
        select(ReminderRule).where(ReminderRule.id == rule_id, ReminderRule.client_id == client_id)
    )
    if rule is None or not rule.active:
        raise DomainError(_l("Påminnelsen finns inte."), 404)
    if not rule.by_client:
        raise DomainError(_l("Din personal har lagt in den. Prata med din personal."), 403)
    return outreach.stop_rule(session, client_id, rule_id)
