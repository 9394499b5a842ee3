"""The staff console hears about new escalations and tasks without reloading."""

import pytest
from flask import Flask

from models import Database, Role
from portal.extensions import socketio
from portal.live import NAMESPACE
from tests.conftest import https_client, post_form
from tests.factories import make_client, make_staff
from tests.portal.helpers import staff_client

pytestmark = pytest.mark.db


def test_karin_sees_a_new_concern_arrive_on_her_open_console(app: Flask, db: Database) -> None:
    with db.transaction() as s:
        karin = make_staff(s, "karin", roles=[Role.CASEWORKER])
        kalle = make_staff(s, "kalle", roles=[Role.CASEWORKER])
        anna = make_staff(s, "anna")
        sandra_id = make_client(s, "Sandra", workers=[anna], caseworker=karin).id
        del kalle
    karins = socketio.test_client(
        app, namespace=NAMESPACE, flask_test_client=staff_client(app, db, "karin")
    )
    kalles = socketio.test_client(
        app, namespace=NAMESPACE, flask_test_client=staff_client(app, db, "kalle")
    )
    assert karins.is_connected(NAMESPACE) and kalles.is_connected(NAMESPACE)

    anna_web = staff_client(app, db, "anna")
    post_form(
        anna_web,
        f"/personal/klient/{sandra_id}/oro",
        {"kind": "need_increased", "text": "Orkar inte"},
    )

    events = [e for e in karins.get_received(NAMESPACE) if e["name"] == "escalation"]
    assert [e["args"][0]["type"] for e in events] == ["worker_concern"]
    assert kalles.get_received(NAMESPACE) == []


def test_someone_not_signed_in_as_staff_cannot_listen(app: Flask) -> None:
    anonymous = socketio.test_client(app, namespace=NAMESPACE, flask_test_client=https_client(app))
    assert not anonymous.is_connected(NAMESPACE)
