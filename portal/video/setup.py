"""Wire the video package into the app: the signalling namespace, the echo peer, webhooks."""

from __future__ import annotations

from flask import Flask

from models import utcnow
from video.abandoned import end_abandoned
from video.echo import EchoService
from video.events import VideoNamespace
from video.webhooks import CALLER_ID_KEY

from ..auth.loading import no_ended_staff_session
from ..extensions import socketio

NAMESPACE_KEY = "boendestod.video.namespace"
ECHO_KEY = "boendestod.video.echo"


def init_app(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    db = app.extensions["boendestod.db"]
    namespace = VideoNamespace(db, settings.secret_key, settings.ice, admit=no_ended_staff_session)
    # One SocketIO object serves the process; drop a namespace left by an earlier app (tests).
    socketio.namespace_handlers = [
        h for h in socketio.namespace_handlers if not isinstance(h, VideoNamespace)
    ]
    socketio.on_namespace(namespace)
    app.extensions[NAMESPACE_KEY] = namespace
    app.extensions[ECHO_KEY] = EchoService()
    app.extensions["boendestod.dispatcher"].every(
        60, lambda: end_abandoned(db, utcnow()), "video-abandoned-sessions"
    )
    twilio = settings.twilio
    app.config[CALLER_ID_KEY] = settings.caller_id or (twilio.from_number if twilio else "") or ""
