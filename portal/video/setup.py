"""The video package's parts for one app: its signalling namespace, the echo peer, the caller id.

``portal.wiring`` puts the namespace on the app's Socket.IO server and runs the job that ends
abandoned sessions; ``create_app`` calls ``init_app`` to make the parts.
"""

from __future__ import annotations

from flask import Flask

from video.echo import EchoService
from video.events import VideoNamespace
from video.webhooks import CALLER_ID_KEY

from ..auth.loading import no_ended_staff_session

NAMESPACE_KEY = "boendestod.video.namespace"
ECHO_KEY = "boendestod.video.echo"


def init_app(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    db = app.extensions["boendestod.db"]
    app.extensions[NAMESPACE_KEY] = VideoNamespace(
        db, settings.secret_key, settings.ice, admit=no_ended_staff_session
    )
    app.extensions[ECHO_KEY] = EchoService()
    twilio = settings.twilio
    app.config[CALLER_ID_KEY] = settings.caller_id or (twilio.from_number if twilio else "") or ""


def namespace(app: Flask) -> VideoNamespace:
    """This app's signalling namespace (made by ``init_app``)."""
    found: VideoNamespace = app.extensions[NAMESPACE_KEY]
    return found
