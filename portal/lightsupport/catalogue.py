"""The catalogue of light support: what a client can ask for without an assessment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import DEFAULT_LIGHT_SUPPORT, LightSupportCategory

from ..errors import DomainError


def categories(session: Session, active_only: bool = True) -> list[LightSupportCategory]:
    query = select(LightSupportCategory).order_by(
        LightSupportCategory.position, LightSupportCategory.id
    )
    if active_only:
        query = query.where(LightSupportCategory.active)
    return list(session.scalars(query))


def by_key(session: Session, key: str) -> LightSupportCategory | None:
    return session.scalar(select(LightSupportCategory).where(LightSupportCategory.key == key))


def skill_of(session: Session, key: str) -> str | None:
    """The skill matching looks for when a request is of this kind (None: none, or no entry)."""
    return session.scalar(select(LightSupportCategory.skill).where(LightSupportCategory.key == key))


def ensure_defaults(session: Session) -> None:
    """Fill an empty catalogue with the defaults (the migration does this for a new database)."""
    if session.scalar(select(func.count(LightSupportCategory.id))):
        return
    for position, (key, skill, names) in enumerate(DEFAULT_LIGHT_SUPPORT):
        session.add(
            LightSupportCategory(key=key, names=dict(names), skill=skill, position=position)
        )
    session.flush()


def save_category(
    session: Session,
    key: str,
    names: dict[str, str],
    *,
    in_scope: bool,
    active: bool,
    skill: str | None,
) -> LightSupportCategory:
    """Add or edit an entry. Open requests keep their key, so editing never breaks them."""
    key = key.strip().lower()
    if not key.replace("_", "").isalnum() or len(key) > 40:
        raise DomainError(_l("Nyckeln får bara ha bokstäver, siffror och understreck."))
    if not names.get("sv", "").strip():
        raise DomainError(_l("Skriv ett svenskt namn."))
    entry = by_key(session, key)
    if entry is None:
        count = session.scalar(select(func.count(LightSupportCategory.id))) or 0
        entry = LightSupportCategory(key=key, position=count)
        session.add(entry)
    entry.names = {lang: text.strip()[:80] for lang, text in names.items() if text.strip()}
    entry.in_scope, entry.active = in_scope, active
    entry.skill = (skill or "").strip() or None
    session.flush()
    return entry
