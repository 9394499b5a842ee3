"""The shared list of life areas, kept by an admin for the whole municipality.

An area is renamed (Swedish, English, Arabic), moved up or down, or switched off and on again;
never deleted, since mappings, orders, ratings and goals point at it. A switched-off area is no
longer offered for anything new (``life_areas(session)`` lists the active ones), and old records
still show its name.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import LifeArea, Staff, life_areas

from ..access import audit_change
from .units import UnitNotFound, UnitRefused

LANGUAGES = ("sv", "en", "ar")
MAX_NAME = 80


def _kept(session: Session, admin: Staff, area_id: int | None) -> LifeArea:
    """An area the admin may change: the list is the municipality's, so a unit's admin may not."""
    if admin.unit_id is not None:
        raise UnitRefused(_l("Bara en administratör för hela kommunen kan ändra livsområdena."))
    area = session.get(LifeArea, area_id) if area_id is not None else None
    if area is None:
        raise UnitNotFound(_l("Livsområdet finns inte."))
    return area


def rename(
    session: Session,
    admin: Staff,
    area_id: int | None,
    typed: dict[str, str],
    now: datetime,
    ip: str | None,
) -> LifeArea:
    """Give an area new names; Swedish is needed, English and Arabic fall back to it."""
    area = _kept(session, admin, area_id)
    names = {lang: " ".join((typed.get(lang) or "").split()) for lang in LANGUAGES}
    if not names["sv"]:
        raise UnitRefused(_l("Skriv ett svenskt namn."), field="sv")
    for lang in LANGUAGES:
        if len(names[lang]) > MAX_NAME:
            raise UnitRefused(_l("Namnet får vara högst 80 tecken."), field=lang)
    others = life_areas(session, active_only=False)
    for lang in LANGUAGES:
        taken = {o.name(lang).casefold() for o in others if o.id != area.id}
        if names[lang] and names[lang].casefold() in taken:
            raise UnitRefused(_l("Ett annat livsområde har redan det namnet."), field=lang)
    area.names = {lang: name for lang, name in names.items() if name}
    session.flush()
    audit_change(session, admin.id, None, "life_area", f"life area {area.id} renamed", now, ip)
    return area


def move(
    session: Session, admin: Staff, area_id: int | None, step: int, now: datetime, ip: str | None
) -> None:
    """Move an area one place up (-1) or down (+1) in the list everyone sees."""
    area = _kept(session, admin, area_id)
    ordered = life_areas(session, active_only=False)
    at = ordered.index(area)
    to = at + step
    if not 0 <= to < len(ordered):
        return
    ordered[at], ordered[to] = ordered[to], ordered[at]
    for position, each in enumerate(ordered):  # numbered afresh: equal positions sort stably
        each.position = position
    session.flush()
    audit_change(session, admin.id, None, "life_area", f"life area {area.id} moved", now, ip)


def switch(
    session: Session, admin: Staff, area_id: int | None, on: bool, now: datetime, ip: str | None
) -> LifeArea:
    """Switch an area off (no longer offered for anything new) or on again."""
    area = _kept(session, admin, area_id)
    if not on and area.active:
        still_on = session.scalars(select(LifeArea.id).where(LifeArea.active)).all()
        if len(still_on) <= 1:
            raise UnitRefused(_l("Minst ett livsområde måste vara i bruk."))
    area.active = on
    session.flush()
    what = "switched on" if on else "switched off"
    audit_change(session, admin.id, None, "life_area", f"life area {area.id} {what}", now, ip)
    return area
