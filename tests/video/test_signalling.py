"""The signalling namespace: who may join, who is refused, and bad messages never crash it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from flask_socketio.test_client import SocketIOTestClient

from models import Channel, Database, Participant, ParticipantRole, Visit, VisitStatus, utcnow
from portal.extensions import socketio
from tests.factories import make_client, make_staff, make_visit
from video import services
from video.services import record_video_consent, token_for

pytestmark = pytest.mark.db
SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"


def open_call(app: Flask, db: Database) -> dict[str, object]:
    secret = app.config["SECRET_KEY"]
    with db.transaction() as s:
        anna = make_staff(s, "anna", phone="+46700000101")
        sandra = make_client(s, first_name="Sandra", workers=[anna])
        olle = make_client(s, first_name="Olle", workers=[anna])
        record_video_consent(s, sandra, anna, utcnow())
        record_video_consent(s, olle, anna, utcnow())
        visit = make_visit(s, sandra, anna, start=utcnow(), channel=Channel.VIDEO)
        later = utcnow() + timedelta(hours=2)  # a worker is never booked twice at once
        other = make_visit(s, olle, anna, start=later, channel=Channel.VIDEO)
        vs = services.start_video(s, visit, utcnow(), secret=secret, public_url="http://x")
        vs2 = services.start_video(s, other, utcnow(), secret=secret, public_url="http://x")
        return {
            "visit": visit.id,
            "session": vs.id,
            "worker": token_for(services.participant(vs, ParticipantRole.WORKER), secret),
            "client": token_for(services.participant(vs, ParticipantRole.CLIENT), secret),
            "olle": token_for(services.participant(vs2, ParticipantRole.CLIENT), secret),
            "client_pid": services.participant(vs, ParticipantRole.CLIENT).id,
            "worker_pid": services.participant(vs, ParticipantRole.WORKER).id,
        }


def connect(app: Flask) -> SocketIOTestClient:
    return socketio.test_client(app, namespace="/video")


def events(client: SocketIOTestClient) -> list[tuple[str, object]]:
    return [(e["name"], e["args"][0] if e["args"] else None) for e in client.get_received("/video")]


def join(client: SocketIOTestClient, token: object) -> list[tuple[str, object]]:
    client.emit("join", {"token": token}, namespace="/video")
    return events(client)


def test_the_worker_lets_sandra_in_from_the_waiting_room(app: Flask, db: Database) -> None:
    call = open_call(app, db)
    anna, sandra = connect(app), connect(app)
    [(name, joined)] = join(anna, call["worker"])
    assert name == "joined" and joined["peers"] == []
    assert join(sandra, call["client"]) == [
        ("waiting", {"me": call["client_pid"], "worker": "Anna"})
    ]
    assert ("knock", {"pid": call["client_pid"], "name": "Sandra", "role": "client"}) in events(
        anna
    )

    anna.emit("admit", {"pid": call["client_pid"]}, namespace="/video")
    assert events(sandra) == [("admitted", {})]
    [(name, joined)] = join(sandra, call["client"])
    assert name == "joined" and [p["name"] for p in joined["peers"]] == ["Anna"]
    assert (
        "peer-joined",
        {"pid": call["client_pid"], "name": "Sandra", "role": "client"},
    ) in events(anna)

    # Now the two can signal each other.
    sandra.emit(
        "signal", {"to": call["worker_pid"], "kind": "offer", "sdp": SDP}, namespace="/video"
    )
    [(name, message)] = events(anna)
    assert name == "signal" and message["from"] == call["client_pid"] and message["sdp"] == SDP


def test_sandra_cannot_signal_anyone_before_she_is_let_in(app: Flask, db: Database) -> None:
    call = open_call(app, db)
    anna, sandra = connect(app), connect(app)
    join(anna, call["worker"])
    join(sandra, call["client"])
    events(anna)
    sandra.emit(
        "signal", {"to": call["worker_pid"], "kind": "offer", "sdp": SDP}, namespace="/video"
    )
    assert events(sandra) == [("error", {"code": "bad_recipient"})]
    assert events(anna) == []


def test_an_expired_link_is_refused(app: Flask, db: Database) -> None:
    call = open_call(app, db)
    with time_machine.travel(utcnow() + timedelta(hours=5), tick=False):
        assert join(connect(app), call["client"]) == [
            ("error", {"code": "refused", "reason": "expired"})
        ]


def test_a_link_for_another_session_does_not_reach_this_one(app: Flask, db: Database) -> None:
    call = open_call(app, db)
    anna, olle = connect(app), connect(app)
    join(anna, call["worker"])
    events(anna)
    [(name, _)] = join(olle, call["olle"])
    assert name == "waiting"  # in his own session's waiting room, not Sandra's
    assert events(anna) == []
    olle.emit("signal", {"to": call["worker_pid"], "kind": "offer", "sdp": SDP}, namespace="/video")
    assert events(olle) == [("error", {"code": "bad_recipient"})]


def test_a_forged_link_and_only_the_worker_may_let_people_in(app: Flask, db: Database) -> None:
    call = open_call(app, db)
    pid, expiry, signature = str(call["client"]).split(".")
    assert join(connect(app), f"{call['worker_pid']}.{expiry}.{signature}") == [
        ("error", {"code": "refused", "reason": "forged"})
    ]
    sandra = connect(app)
    join(sandra, call["client"])
    sandra.emit("admit", {"pid": call["client_pid"]}, namespace="/video")
    assert events(sandra) == [("error", {"code": "refused", "reason": "not_worker"})]
    sandra.emit("end", namespace="/video")
    assert events(sandra) == [("error", {"code": "refused", "reason": "not_worker"})]


def test_a_third_person_needs_the_workers_invitation(app: Flask, db: Database) -> None:
    call = open_call(app, db)
    secret = app.config["SECRET_KEY"]
    with db.transaction() as s:
        vs = s.get(services.VideoSession, call["session"])
        anna = vs.visit.staff
        olle_worker = make_staff(s, "bo")
        with pytest.raises(services.Refused, match="not_worker"):
            services.invite_guest(
                s, vs, olle_worker, "Tolk", None, utcnow(), secret=secret, public_url="http://x"
            )
        guest, link = services.invite_guest(
            s, vs, anna, "Tolk Amal", None, utcnow(), secret=secret, public_url="http://x"
        )
        guest_token = link.rsplit("/", 1)[1]
        with pytest.raises(services.Refused, match="full"):
            services.invite_guest(
                s, vs, anna, "En till", None, utcnow(), secret=secret, public_url="http://x"
            )
    # Made-up participant ids for this session do not exist; the invited one waits to be let in.
    from video.tokens import make_token

    assert join(connect(app), make_token(secret, 999, utcnow() + timedelta(hours=1))) == [
        ("error", {"code": "refused", "reason": "unknown"})
    ]
    [(name, _)] = join(connect(app), guest_token)
    assert name == "waiting"


def test_nobody_joins_after_the_end_and_the_visit_is_done_with_real_times(
    app: Flask, db: Database
) -> None:
    call = open_call(app, db)
    anna, sandra = connect(app), connect(app)
    join(anna, call["worker"])
    join(sandra, call["client"])
    anna.emit("admit", {"pid": call["client_pid"]}, namespace="/video")
    join(sandra, call["client"])
    events(sandra)
    anna.emit("end", namespace="/video")
    assert ("ended", {}) in events(sandra)
    assert join(connect(app), call["client"]) == [("error", {"code": "refused", "reason": "ended"})]
    with db.transaction() as s:
        visit = s.get(Visit, call["visit"])
        assert visit.status is VisitStatus.DONE and visit.channel is Channel.VIDEO
        assert visit.actual_start is not None and visit.actual_end >= visit.actual_start
        assert all(p.sid is None for p in s.query(Participant))


def test_a_session_that_never_started_leaves_the_visit_as_planned(app: Flask, db: Database) -> None:
    call = open_call(app, db)
    anna = connect(app)
    join(anna, call["worker"])
    anna.emit("end", namespace="/video")
    with db.transaction() as s:
        assert s.get(Visit, call["visit"]).status is VisitStatus.PLANNED


def test_bad_and_huge_messages_get_an_error_and_the_socket_keeps_working(
    app: Flask, db: Database
) -> None:
    call = open_call(app, db)
    anna = connect(app)
    join(anna, call["worker"])
    for payload in (
        "x",
        [1],
        {"to": 1},
        {"to": call["client_pid"], "kind": "offer", "sdp": "v=0" + "a" * 100_000},
    ):
        anna.emit("signal", payload, namespace="/video")
    codes = [args["code"] for name, args in events(anna) if name == "error"]
    assert codes == ["not_an_object", "not_an_object", "bad_kind", "too_big"]
    anna.emit("join", "not-an-object", namespace="/video")
    assert events(anna) == [("error", {"code": "not_an_object"})]
    assert anna.emit("ping", 42, namespace="/video", callback=True) == 42
    assert anna.is_connected("/video")


def test_a_dropped_socket_rejoins_and_a_second_tab_replaces_the_first(
    app: Flask, db: Database
) -> None:
    call = open_call(app, db)
    anna, first, second = connect(app), connect(app), connect(app)
    join(anna, call["worker"])
    anna.emit("admit", {"pid": call["client_pid"]}, namespace="/video")
    join(first, call["client"])
    events(anna)
    [(name, _)] = join(second, call["client"])
    assert name == "joined"
    assert ("replaced", {}) in events(first)
    first.disconnect(namespace="/video")
    # The old socket going away does not take Sandra out of the call.
    with db.transaction() as s:
        assert s.get(Participant, call["client_pid"]).sid is not None
    second.disconnect(namespace="/video")
    assert ("peer-left", {"pid": call["client_pid"]}) in events(anna)
    [(name, joined)] = join(connect(app), call["client"])
    assert name == "joined" and [p["name"] for p in joined["peers"]] == ["Anna"]
