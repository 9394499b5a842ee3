"""Webhooks answer only to requests Twilio really signed."""

from flask import Flask
from twilio.request_validator import RequestValidator

from reminders.twilio_auth import twilio_signed

TOKEN = "twilio-test-token"
PUBLIC = "https://boendestod.example.se"


def make_app() -> Flask:
    app = Flask(__name__)
    app.config.update(TWILIO_AUTH_TOKEN=TOKEN, PUBLIC_URL=PUBLIC)

    @app.post("/webhooks/twilio/test")
    @twilio_signed
    def hook():
        return "ok"

    return app


def test_a_request_signed_for_the_public_url_is_accepted_behind_a_proxy() -> None:
    params = {"MessageSid": "SM1", "Body": "1"}
    signature = RequestValidator(TOKEN).compute_signature(f"{PUBLIC}/webhooks/twilio/test", params)
    # The app sees http://localhost (it is behind a proxy); the public URL setting fixes that.
    response = (
        make_app()
        .test_client()
        .post("/webhooks/twilio/test", data=params, headers={"X-Twilio-Signature": signature})
    )
    assert response.status_code == 200


def test_forged_tampered_and_unsigned_requests_are_refused() -> None:
    params = {"MessageSid": "SM1", "Body": "1"}
    client = make_app().test_client()
    forged = RequestValidator("wrong-token").compute_signature(
        f"{PUBLIC}/webhooks/twilio/test", params
    )
    good = RequestValidator(TOKEN).compute_signature(f"{PUBLIC}/webhooks/twilio/test", params)
    assert (
        client.post(
            "/webhooks/twilio/test", data=params, headers={"X-Twilio-Signature": forged}
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/webhooks/twilio/test",
            data={**params, "Body": "2"},
            headers={"X-Twilio-Signature": good},
        ).status_code
        == 403
    )
    assert client.post("/webhooks/twilio/test", data=params).status_code == 403
