"""The signalling edge: a Socket.IO namespace with a room per session and one per participant.

Media never passes here; only offers, answers and ICE candidates between people the session
names. Every event is parsed, checked and answered; a bad message gets an ``error`` event, never
a crash. Rooms (not in-memory socket maps) carry the routing, so with a Redis message queue a
worker on one app process and a client on another still reach each other.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any

from flask import request
from flask_socketio import Namespace, emit, join_room, leave_room

from models import Database, Participant, ParticipantRole, SessionStatus, VideoSession, utcnow

from . import services, validation
from .ice import IceSettings, rtc_configuration
from .services import Refused
from .validation import BadMessage

log = logging.getLogger(__name__)
NAMESPACE = "/video"


def session_room(session_id: int) -> str:
    return f"s{session_id}"


def person_room(participant_id: int) -> str:
    return f"p{participant_id}"


@dataclass(frozen=True)
class Connection:
    participant_id: int
    session_id: int
    role: ParticipantRole
    name: str


def _guarded(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Answer any failure with an ``error`` event; a bad message never takes the server down."""

    @wraps(handler)
    def wrapped(self: VideoNamespace, *args: Any) -> Any:
        try:
            return handler(self, *args)
        except BadMessage as exc:
            emit("error", {"code": exc.code})
        except Refused as exc:
            emit("error", {"code": "refused", "reason": exc.reason})
        except Exception:
            log.exception("video event %s failed", handler.__name__)
            emit("error", {"code": "server"})
        return None

    return wrapped


class VideoNamespace(Namespace):
    def __init__(
        self,
        db: Database,
        secret: str,
        ice: IceSettings,
        clock: Callable[[], datetime] = utcnow,
        namespace: str = NAMESPACE,
        admit: Callable[[], bool] = lambda: True,
    ) -> None:
        super().__init__(namespace)
        #: Asked at connect whether the app lets this connection in at all (the portal refuses a
        #: browser whose staff session has ended); who may join which session is the token's.
        self.admit = admit
        self.db = db
        self.secret = secret
        self.ice = ice
        self.clock = clock
        self.connections: dict[str, Connection] = {}
        # Who may be signalled in a session; refreshed from the database on a miss, so a person
        # let in on another process is found too.
        self._admitted: dict[int, tuple[float, set[int]]] = {}
        self._lock = threading.Lock()

    # -- connection ---------------------------------------------------------------------------

    def on_connect(self, auth: Any = None) -> bool:
        return self.admit()

    @_guarded
    def on_join(self, data: Any = None) -> None:
        token = validation.small_object(data).get("token")
        sid = request.sid  # type: ignore[attr-defined]
        now = self.clock()
        with self.db.transaction() as s:
            joined = services.join(s, self.secret, token, sid, now)
            me = joined.participant
            conn = Connection(me.id, me.session_id, me.role, me.name)
            admitted = me.admitted_at is not None
            peers = [_person(p) for p in joined.peers]
            waiting = [_person(p) for p in joined.waiting]
            worker = services.participant(joined.session, ParticipantRole.WORKER)
            worker_id, worker_name = worker.id, worker.name
            replaced = joined.replaced_sid
        self.connections[sid] = conn
        join_room(person_room(conn.participant_id))
        if replaced:
            # The same person on a new network or tab: the old socket steps aside.
            self.send_to("replaced", {}, replaced)
            self.close_room_member(replaced, conn.participant_id)
        if not admitted:
            emit("waiting", {"me": conn.participant_id, "worker": worker_name})
            self.send_to("knock", _person_of(conn), person_room(worker_id))
            return
        self._forget(conn.session_id)
        join_room(session_room(conn.session_id))
        emit(
            "joined",
            {
                "me": conn.participant_id,
                "role": conn.role.value,
                "peers": peers,
                "waiting": waiting if conn.role is ParticipantRole.WORKER else [],
                # TURN credentials only for a person let in, minted for them alone.
                "rtc": rtc_configuration(self.ice, f"p{conn.participant_id}", now),
            },
        )
        emit("peer-joined", _person_of(conn), to=session_room(conn.session_id), skip_sid=sid)

    def send_to(self, event: str, data: Any, room: str) -> None:
        """Emit to a room from anywhere (a request, a webhook, another process's socket)."""
        self.socketio.emit(event, data, to=room, namespace=self.namespace)

    def close_room_member(self, sid: str, participant_id: int) -> None:
        conn = self.connections.pop(sid, None)
        server = self.socketio.server
        try:
            server.leave_room(sid, person_room(participant_id), namespace=self.namespace)
            if conn is not None:
                server.leave_room(sid, session_room(conn.session_id), namespace=self.namespace)
        except Exception:  # the old socket lived on another process or is gone already
            log.debug("could not move socket %s out of its rooms", sid)

    @_guarded
    def on_admit(self, data: Any = None) -> None:
        conn = self._me()
        pid = validation.small_object(data).get("pid")
        if not isinstance(pid, int):
            raise BadMessage("bad_recipient")
        with self.db.transaction() as s:
            me = s.get_one(Participant, conn.participant_id)
            services.admit(s, me, pid, self.clock())
        self._forget(conn.session_id)
        self.send_to("admitted", {}, person_room(pid))

    @_guarded
    def on_signal(self, data: Any = None) -> None:
        conn = self._me()
        message = validation.signal(data)
        if not self._may_reach(conn, message["to"]):
            raise BadMessage("bad_recipient")
        to = message.pop("to")
        message["from"] = conn.participant_id
        self.send_to("signal", message, person_room(to))

    @_guarded
    def on_media(self, data: Any = None) -> None:
        """Tell the others that a camera or microphone went off or on (shown as an icon)."""
        conn = self._me()
        state = validation.small_object(data)
        payload = {
            "pid": conn.participant_id,
            "audio": bool(state.get("audio", True)),
            "video": bool(state.get("video", True)),
        }
        emit("media", payload, to=session_room(conn.session_id), skip_sid=request.sid)  # type: ignore[attr-defined]

    def on_ping(self, data: Any = None) -> Any:
        """Answer at once (an acknowledgement): the page measures signalling delay with it."""
        return data if isinstance(data, int | float | str) else None

    @_guarded
    def on_end(self, data: Any = None) -> None:
        conn = self._me()
        with self.db.transaction() as s:
            me = s.get_one(Participant, conn.participant_id)
            services.end_as_worker(s, me, self.clock())
        self.announce_end(conn.session_id)

    def announce_end(self, session_id: int) -> None:
        self.send_to("ended", {}, session_room(session_id))
        with self.db.transaction() as s:
            vs = s.get(VideoSession, session_id)
            people = [p.id for p in vs.participants] if vs else []
        for pid in people:
            self.send_to("ended", {}, person_room(pid))
        self.socketio.close_room(session_room(session_id), namespace=self.namespace)

    @_guarded
    def on_leave(self, data: Any = None) -> None:
        self._leave(request.sid)  # type: ignore[attr-defined]

    def on_disconnect(self, reason: Any = None) -> None:
        try:
            self._leave(request.sid)  # type: ignore[attr-defined]
        except Exception:
            log.exception("video disconnect cleanup failed")

    # -- helpers ------------------------------------------------------------------------------

    def _leave(self, sid: str) -> None:
        conn = self.connections.pop(sid, None)
        if conn is None:
            return
        with self.db.transaction() as s:
            who = services.leave(s, sid, self.clock())
            ended = who is not None and who.session.status is SessionStatus.ENDED
        leave_room(session_room(conn.session_id))
        if who is not None and not ended:
            self.send_to("peer-left", {"pid": conn.participant_id}, session_room(conn.session_id))

    def _me(self) -> Connection:
        conn = self.connections.get(request.sid)  # type: ignore[attr-defined]
        if conn is None:
            raise Refused("not_joined")
        return conn

    def _forget(self, session_id: int) -> None:
        with self._lock:
            self._admitted.pop(session_id, None)

    def _admitted_in(self, session_id: int, refresh: bool = False) -> set[int]:
        with self._lock:
            cached = self._admitted.get(session_id)
        if refresh or cached is None or cached[0] < time.monotonic():
            with self.db.transaction() as s:
                cached = (time.monotonic() + 5.0, services.admitted_ids(s, session_id))
            with self._lock:
                self._admitted[session_id] = cached
        return cached[1]

    def _may_reach(self, conn: Connection, to: int) -> bool:
        """Both the sender and the recipient are let into the same, unfinished session."""
        if to == conn.participant_id:
            return False
        ids = self._admitted_in(conn.session_id)
        if to not in ids or conn.participant_id not in ids:
            ids = self._admitted_in(conn.session_id, refresh=True)
        return to in ids and conn.participant_id in ids


def _person(p: Participant) -> dict[str, Any]:
    return {"pid": p.id, "name": p.name, "role": p.role.value}


def _person_of(conn: Connection) -> dict[str, Any]:
    return {"pid": conn.participant_id, "name": conn.name, "role": conn.role.value}
