"""People: clients, staff and their roles, proxies, and the units they belong to."""

from __future__ import annotations

import enum
from datetime import datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    and_,
    false,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, enum_column, utcnow
from .sealed import Sealed

if TYPE_CHECKING:
    from .trust import Consent


class Role(enum.Enum):
    WORKER = "worker"
    COORDINATOR = "coordinator"
    CASEWORKER = "caseworker"
    MANAGER = "manager"
    ADMIN = "admin"


class Need(enum.Enum):
    """Profile groups a client's support is planned around; matched against staff skills."""

    INTELLECTUAL_DISABILITY = "intellectual_disability"
    AUTISM = "autism"
    ADHD = "adhd"
    PSYCHIATRIC = "psychiatric"
    SUBSTANCE_USE = "substance_use"


class Gender(enum.Enum):
    """A worker's gender as a client may ask for it (``Staff.gender``, ``Client.wanted_gender``
    hold the value; the columns stay text)."""

    WOMAN = "woman"
    MAN = "man"


class Unit(Base):
    """An organisational unit delivering boendestöd (a team or district)."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    #: The number a client whose support has ended is told to call (``portal.lifecycle``).
    phone: Mapped[str | None] = mapped_column(String(20))

    areas: Mapped[list[Area]] = relationship(back_populates="unit", order_by="Area.name")


class Area(Base):
    """A district (stadsdel, område) a unit serves, at an approximate position the admin keeps.

    No geocoding service is reachable, so a client placed in an area gets its position for the
    travel estimates of matching, unless a more exact one is given.
    """

    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)

    unit: Mapped[Unit] = relationship(back_populates="areas")


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    #: Work phone in E.164; used for bridged calls and urgent alerts.
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    #: Base32 TOTP secret, sealed at rest (``models.sealed``); None without an authenticator.
    totp_secret: Mapped[str | None] = mapped_column(Sealed(200))
    #: A demo account may sign in without TOTP while the demo setting is on; never in production.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    #: Staff skills, e.g. "autism", "mi", "esl"; compared with client needs when matching.
    skills: Mapped[list[str]] = mapped_column(default=list)
    #: ISO 639-1 codes the person speaks.
    languages: Mapped[list[str]] = mapped_column(default=list)
    home_area: Mapped[str | None] = mapped_column(String(80))
    home_lat: Mapped[float | None] = mapped_column(Float)
    home_lon: Mapped[float | None] = mapped_column(Float)
    #: A ``Gender`` value, for clients who ask for one (``Client.wanted_gender``); None: not said.
    gender: Mapped[str | None] = mapped_column(String(10))
    #: Path of the photo under the static folder, shown to clients so they know who comes.
    photo: Mapped[str | None] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    roles: Mapped[list[StaffRole]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", lazy="selectin"
    )
    hours: Mapped[list[WorkingHours]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", order_by="WorkingHours.weekday"
    )
    unit: Mapped[Unit | None] = relationship()

    @property
    def role_set(self) -> set[Role]:
        return {r.role for r in self.roles}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.role_set.intersection(roles))

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class StaffRole(Base):
    __tablename__ = "staff_roles"
    __table_args__ = (UniqueConstraint("staff_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))

    staff: Mapped[Staff] = relationship(back_populates="roles")


class WorkingHours(Base):
    """A recurring weekly window in local time when a worker can be booked."""

    __tablename__ = "working_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    #: 0 = Monday … 6 = Sunday.
    weekday: Mapped[int] = mapped_column(Integer)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)

    staff: Mapped[Staff] = relationship(back_populates="hours")


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    #: Mobile number in E.164; the client's sign-in identity.
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    #: Personnummer or samordningsnummer, twelve digits (portal.personnummer); staff who need
    #: it see it, everyone else sees it masked.
    personal_number: Mapped[str | None] = mapped_column(String(12), index=True, unique=True)
    #: Language of the portal and SMS: "sv", "en" or "ar".
    language: Mapped[str] = mapped_column(String(8), default="sv")
    birth_year: Mapped[int | None] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    #: Profile groups (values of ``Need``); staff-only information, never sent by SMS.
    needs: Mapped[list[str]] = mapped_column(default=list)
    #: Free-text preferences in the client's words ("ring innan du kommer").
    preferences: Mapped[str | None] = mapped_column(Text)
    #: The client asked for a woman or a man as their worker (a ``Gender`` value); None: either.
    wanted_gender: Mapped[str | None] = mapped_column(String(10))
    has_children_under_18: Mapped[bool] = mapped_column(Boolean, default=False)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    #: The district the client lives in; ``lat``/``lon`` come from it unless given exactly. No
    #: foreign key: SQLite adds none to this table in place (migration 0020); areas are kept.
    area_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: The caseworker (biståndshandläggare) whose caseload the client is in.
    caseworker_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    sms_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    #: When the client sent STOPP (shown to staff); None while SMS are allowed.
    sms_opt_out_at: Mapped[datetime | None]
    #: False while the case is closed (or the client is otherwise switched off): no sign-in, no
    #: reminders, not on any list.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the case was last closed (support ended) and by whom; None by: the daily check
    #: closed it because the last decision had ended (``portal.lifecycle.closure``).
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    #: When the case was last reopened, and by whom.
    reopened_at: Mapped[datetime | None]
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    caseworker: Mapped[Staff | None] = relationship(foreign_keys=[caseworker_id])
    workers: Mapped[list[ClientWorker]] = relationship(
        back_populates="client", cascade="all, delete-orphan", order_by="ClientWorker.position"
    )
    unit: Mapped[Unit | None] = relationship()
    area: Mapped[Area | None] = relationship(
        primaryjoin="foreign(Client.area_id) == Area.id", viewonly=True
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @hybrid_property
    def is_closed(self) -> bool:
        """The case is closed: support ended, sign-in shows whom to call."""
        return not self.active and self.closed_at is not None

    @is_closed.inplace.expression
    @classmethod
    def _is_closed(cls) -> ColumnElement[bool]:
        return and_(cls.active.is_(false()), cls.closed_at.is_not(None))


class ClientWorker(Base):
    """One of a client's regular support workers (continuity: normally two who alternate)."""

    __tablename__ = "client_workers"
    __table_args__ = (UniqueConstraint("client_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    #: 0 is the primary contact worker.
    position: Mapped[int] = mapped_column(Integer, default=0)
    since: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship(back_populates="workers")
    staff: Mapped[Staff] = relationship()


class ContactWorkerSpell(Base):
    """A time in which someone was one of a client's contact workers (``ClientWorker`` is now).

    Kept when a contact worker is replaced, so that figures for a past month ("visits made by
    a contact worker") count the contact workers of that month.
    """

    __tablename__ = "contact_worker_spells"
    __table_args__ = (Index("ix_contact_worker_spells_client_staff", "client_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    #: 0 while the primary contact worker.
    position: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: None while it lasts.
    ends_at: Mapped[datetime | None]
    #: The coordinator who made the change; None for data brought in (migration, import, demo).
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class ProxyRelation(enum.Enum):
    """Who the proxy is to the client. A god man helps with what the client agrees to; a
    förvaltare decides in the matters the court gave them: staff must tell the two apart."""

    GOD_MAN = "god_man"
    FORVALTARE = "forvaltare"
    RELATIVE = "relative"
    SUPPORT_PERSON = "support_person"


class Proxy(Base):
    """Someone who may act for a client, per feature, with the client's recorded consent."""

    __tablename__ = "proxies"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    relation: Mapped[ProxyRelation] = mapped_column(enum_column(ProxyRelation))
    can_see_visits: Mapped[bool] = mapped_column(Boolean, default=False)
    can_book: Mapped[bool] = mapped_column(Boolean, default=False)
    gets_reminders: Mapped[bool] = mapped_column(Boolean, default=False)
    #: May read everything the municipality holds about the client ("Mina uppgifter", the
    #: download, and who has read it): notes, messages and check-ins too, so asked for apart.
    can_see_records: Mapped[bool] = mapped_column(Boolean, default=False)
    can_write_messages: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship()
    #: The client's recorded consent behind this access; withdrawn consent ends it.
    consent: Mapped[Consent | None] = relationship()
