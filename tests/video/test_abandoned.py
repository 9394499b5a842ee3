"""Sessions everyone left without pressing "end" are ended at the moment they were left."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from flask import Flask

from models import Database, SessionStatus, VideoSession, Visit, VisitStatus, utcnow
from tests.video.test_signalling import connect, events, join, open_call
from video import services
from video.abandoned import end_abandoned

pytestmark = pytest.mark.db


def status(db: Database, session_id: int) -> SessionStatus:
    with db.transaction() as s:
        return s.get(VideoSession, session_id).status


def test_a_call_both_left_ends_at_the_moment_they_left_and_counts_as_delivered(
    app: Flask, db: Database
) -> None:
    call = open_call(app, db)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        anna, sandra = connect(app), connect(app)
        join(anna, call["worker"])
        join(sandra, call["client"])
        anna.emit("admit", {"pid": call["client_pid"]}, namespace="/video")
        join(sandra, call["client"])
    left = start + timedelta(minutes=25)
    with time_machine.travel(left, tick=False):  # both tabs closed, nobody pressed "end"
        anna.disconnect(namespace="/video")
        sandra.disconnect(namespace="/video")

    assert end_abandoned(db, left + timedelta(minutes=5)) == []  # they may still come back
    assert status(db, call["session"]) is SessionStatus.LIVE
    assert end_abandoned(db, left + timedelta(minutes=11)) == [call["session"]]
    with db.transaction() as s:
        visit = s.get(Visit, call["visit"])
        assert visit.status is VisitStatus.DONE
        assert visit.actual_start == start and visit.actual_end == left
        assert services.waiting_session_for_client(s, visit.client_id, left) is None


def test_someone_still_connected_keeps_the_call_going(app: Flask, db: Database) -> None:
    call = open_call(app, db)
    anna, sandra = connect(app), connect(app)
    join(anna, call["worker"])
    join(sandra, call["client"])
    anna.emit("admit", {"pid": call["client_pid"]}, namespace="/video")
    join(sandra, call["client"])
    events(anna)
    anna.disconnect(namespace="/video")  # Anna's network dropped; Sandra waits for her
    assert end_abandoned(db, utcnow() + timedelta(minutes=30)) == []
    assert status(db, call["session"]) is SessionStatus.LIVE


def test_a_socket_never_seen_closing_ends_when_the_links_expire(app: Flask, db: Database) -> None:
    call = open_call(app, db)
    anna = connect(app)
    join(anna, call["worker"])  # then the process dies: the socket stays marked as connected
    with db.transaction() as s:
        expiry = max(p.expires_at for p in s.get(VideoSession, call["session"]).participants)
    assert end_abandoned(db, expiry - timedelta(minutes=1)) == []
    assert end_abandoned(db, expiry) == [call["session"]]
    with db.transaction() as s:  # Sandra never came: the visit was not delivered
        assert s.get(Visit, call["visit"]).status is VisitStatus.PLANNED
