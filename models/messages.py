"""Short secure messages between a client and their support worker ("Skriv till mitt stöd")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import Client, Proxy, Staff

#: Longest message a client (or worker) may write; a phone screen's worth.
MESSAGE_MAX_LENGTH = 500


class Message(Base):
    """One message in a client's thread with their support; read in the portal, never by SMS."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_client_created", "client_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    #: The worker who wrote it, or (from the client) the worker it was sent to.
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    #: True when the client wrote it; False when a worker did.
    from_client: Mapped[bool] = mapped_column(default=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the other side opened it.
    read_at: Mapped[datetime | None]
    #: The client's proxy who wrote it for them (with the client's consent); None: the client.
    proxy_id: Mapped[int | None] = mapped_column(ForeignKey("proxies.id", ondelete="SET NULL"))
    #: The form's one-time key: pressing "Skicka" twice sends one message.
    nonce: Mapped[str | None] = mapped_column(String(40), unique=True)

    client: Mapped[Client] = relationship()
    staff: Mapped[Staff | None] = relationship()
    proxy: Mapped[Proxy | None] = relationship()
