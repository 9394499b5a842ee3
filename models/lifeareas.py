"""Life areas (livsområden): the short, editable list that mapping, orders, ratings and goals share.

The default list follows the ICF-based headings Swedish social services use in IBIC. An admin may
rename, reorder or switch off an area, never delete one that ratings or goals point at (``active``
instead). The key is what code, pictures and tests name; the names are what people read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base

#: (key, names per language) in the order they are shown; the migration seeds these.
DEFAULT_LIFE_AREAS: tuple[tuple[str, dict[str, str]], ...] = (
    ("everyday", {"sv": "Vardagliga sysslor", "en": "Everyday tasks", "ar": "المهام اليومية"}),
    ("personal_care", {"sv": "Personlig vård", "en": "Personal care", "ar": "العناية الشخصية"}),
    ("home", {"sv": "Hemliv", "en": "Home life", "ar": "الحياة المنزلية"}),
    ("communication", {"sv": "Kommunikation", "en": "Communication", "ar": "التواصل"}),
    ("relationships", {"sv": "Relationer", "en": "Relationships", "ar": "العلاقات"}),
    (
        "work",
        {"sv": "Arbete och sysselsättning", "en": "Work and occupation", "ar": "العمل والنشاط"},
    ),
    (
        "money",
        {"sv": "Pengar och papper", "en": "Money and administration", "ar": "المال والأوراق"},
    ),
    (
        "leisure",
        {"sv": "Samhälle och fritid", "en": "Community and leisure", "ar": "المجتمع ووقت الفراغ"},
    ),
    ("health", {"sv": "Hälsa", "en": "Health", "ar": "الصحة"}),
)


class LifeArea(Base):
    __tablename__ = "life_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable key, e.g. "home"; never changes once used.
    key: Mapped[str] = mapped_column(String(40), unique=True)
    #: The name per language, e.g. {"sv": "Hemliv", "en": "Home life"}.
    names: Mapped[dict[str, Any]] = mapped_column(default=dict)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("sv") or self.key


def life_areas(session: Session, active_only: bool = True) -> list[LifeArea]:
    """The list in the order it is shown."""
    query = select(LifeArea).order_by(LifeArea.position, LifeArea.id)
    if active_only:
        query = query.where(LifeArea.active)
    return list(session.scalars(query))


def ensure_life_areas(session: Session) -> None:
    """Fill an empty list with the defaults (the migration does this for a new database)."""
    if session.scalar(select(func.count(LifeArea.id))):
        return
    for position, (key, names) in enumerate(DEFAULT_LIFE_AREAS):
        session.add(LifeArea(key=key, names=dict(names), position=position))
    session.flush()
