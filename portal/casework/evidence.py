"""An escalation's evidence and a client's timeline in sentences a caseworker reads.

Evidence is stored as small dicts (``kind`` plus ids and times) so that it stays true when
wording changes; here each kind becomes one sentence with its date and, where there is one, a
link to the record it is about.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import LightSupportCategory

from ..booking.reports import REASONS as CANCEL_REASONS
from ..timeutil import local

CONCERN = {
    "need_increased": _l("behovet har ökat"),
    "need_decreased": _l("behovet har minskat"),
    "not_accepting": _l("tar inte emot stödet"),
    "other": _l("annan oro"),
    "child": _l("oro för ett barn"),
}
REQUEST_STATUS = {
    "new": _l("väntar"),
    "assigned": _l("tilldelad"),
    "escalated": _l("till handläggare"),
    "closed": _l("klar"),
    "withdrawn": _l("återtagen"),
}


@dataclass(frozen=True)
class Line:
    text: str
    link: str | None = None


def when(value: str | datetime | None) -> str:
    """A stored moment (ISO text or datetime) as local "2026-12-04 10:00"."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return local(moment).strftime("%Y-%m-%d %H:%M")


def category_names(session: Session) -> dict[str, str]:
    """The catalogue's Swedish name of each light-support category, by key."""
    rows = session.execute(select(LightSupportCategory.key, LightSupportCategory.names))
    return {key: (names or {}).get("sv", key) for key, names in rows}


def _cancellation(item: Mapping[str, Any], client_id: int, names: dict[str, str]) -> Line:
    if "days_ago" in item:  # the demo's older shape
        return Line(str(_l("Avbokade ett besök för %(n)s dagar sedan.", n=item["days_ago"])))
    reason = CANCEL_REASONS.get(item.get("reason") or "", _l("annat"))
    if item.get("planned_start") and item.get("at"):
        text = _l(
            "Avbokade besöket %(visit)s den %(at)s (%(reason)s).",
            visit=when(item["planned_start"]),
            at=when(item["at"]),
            reason=reason,
        )
    else:
        text = _l("Avbokade ett besök (%(reason)s).", reason=reason)
    if item.get("late"):
        text = _l("%(text)s Sent avbokat.", text=text)
    return Line(str(text), _visit_link(item, client_id))


def _check_in_asked(item: Mapping[str, Any], client_id: int, names: dict[str, str]) -> Line:
    if item.get("done"):
        return Line(
            str(
                _l(
                    "Boendestödjaren fick i uppgift %(at)s att höra av sig och har gjort det.",
                    at=when(item.get("at")),
                )
            )
        )
    return Line(
        str(
            _l(
                "Boendestödjaren fick i uppgift %(at)s att höra av sig; inte gjort än.",
                at=when(item.get("at")),
            )
        )
    )


def _decision(item: Mapping[str, Any], client_id: int, names: dict[str, str]) -> Line:
    return Line(
        str(_l("Beslutet gäller till %(end)s.", end=item.get("ends_on", ""))),
        url_for("casework.decision_page", client_id=client_id),
    )


def _plan(item: Mapping[str, Any], client_id: int, names: dict[str, str]) -> Line:
    return Line(
        str(
            _l(
                "Genomförandeplanen version %(v)s skrevs %(at)s och är inte godkänd av klienten.",
                v=item.get("version", ""),
                at=when(item.get("written_at")),
            )
        ),
        url_for("casework.plan_page", client_id=client_id),
    )


def _concern(item: Mapping[str, Any], client_id: int, names: dict[str, str]) -> Line:
    text = _l(
        "%(by)s meddelade oro: %(what)s. ”%(text)s”",
        by=item.get("by", ""),
        what=CONCERN.get(item.get("concern", ""), item.get("concern", "")),
        text=item.get("text", ""),
    )
    return Line(str(text), _visit_link(item, client_id))


def _outbox(item: Mapping[str, Any], client_id: int, names: dict[str, str]) -> Line:
    link = url_for("outreach.page", client_id=client_id)
    if item.get("rule_id"):
        return Line(
            str(
                _l(
                    "En viktig påminnelse skickades %(at)s och bekräftades inte.",
                    at=when(item.get("sent_at")),
                )
            ),
            link,
        )
    code = item.get("error_code")
    if code:
        return Line(str(_l("Ett sms kom inte fram (felkod %(code)s).", code=code)), link)
    return Line(str(_l("Ett sms kom inte fram.")), link)


def _request(item: Mapping[str, Any], client_id: int, names: dict[str, str]) -> Line:
    category = names.get(item.get("category", ""), item.get("category", ""))
    if item.get("reasons"):
        text = _l(
            "Bad om ”%(category)s” %(at)s. Utanför stöd utan biståndsprövning: %(reasons)s.",
            category=category,
            at=when(item.get("at")),
            reasons=", ".join(item["reasons"]),
        )
    else:
        status = REQUEST_STATUS.get(item.get("status", ""), item.get("status", ""))
        text = _l(
            "Tidigare förfrågan ”%(category)s” %(at)s (%(status)s).",
            category=category,
            at=when(item.get("at")),
            status=status,
        )
    return Line(str(text))


def _check_in(item: Mapping[str, Any], client_id: int, names: dict[str, str]) -> Line:
    return Line(
        str(_l("Klienten svarade att hen mår dåligt (röd) %(at)s.", at=when(item.get("at"))))
    )


DESCRIBE: dict[str, Callable[[Mapping[str, Any], int, dict[str, str]], Line]] = {
    "cancellation": _cancellation,
    "check_in_asked": _check_in_asked,
    "decision": _decision,
    "plan": _plan,
    "concern": _concern,
    "outbox": _outbox,
    "request": _request,
    "check_in": _check_in,
}


def _visit_link(item: Mapping[str, Any], client_id: int) -> str | None:
    visit_id = item.get("visit_id")
    if not isinstance(visit_id, int):
        return None
    return url_for("staff.client_visit", client_id=client_id, visit_id=visit_id)


def describe(session: Session, evidence: list[Mapping[str, Any]], client_id: int) -> list[Line]:
    """Each evidence item as a sentence, in the order it was gathered."""
    names = category_names(session)
    lines = []
    for item in evidence:
        describer = DESCRIBE.get(item.get("kind", ""))
        if describer is None:
            lines.append(Line(str(_l("Underlag från %(at)s.", at=when(item.get("at"))))))
        else:
            lines.append(describer(item, client_id, names))
    return lines
