"""The small rules on their own: join links, TURN credentials, signalling message checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from video.ice import IceSettings, rtc_configuration, turn_credentials
from video.tokens import BadToken, make_token, read_token
from video.validation import BadMessage, signal, valid_sdp

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
SECRET = "s" * 40
SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"


def test_a_join_link_names_one_person_until_it_expires() -> None:
    token = make_token(SECRET, 7, NOW + timedelta(hours=1))
    assert read_token(SECRET, token, NOW) == 7
    with pytest.raises(BadToken, match="expired"):
        read_token(SECRET, token, NOW + timedelta(hours=1, seconds=1))


def test_a_join_link_cannot_be_moved_to_someone_else_or_stretched() -> None:
    pid, expiry, signature = make_token(SECRET, 7, NOW + timedelta(hours=1)).split(".")
    with pytest.raises(BadToken, match="forged"):
        read_token(SECRET, f"8.{expiry}.{signature}", NOW)
    with pytest.raises(BadToken, match="forged"):
        read_token(SECRET, f"{pid}.{int(expiry) + 86400}.{signature}", NOW)
    with pytest.raises(BadToken, match="forged"):
        read_token("another-secret", f"{pid}.{expiry}.{signature}", NOW)
    for junk in ("", "7", "a.b.c", None, 7, "x" * 500):
        with pytest.raises(BadToken):
            read_token(SECRET, junk, NOW)


def test_turn_credentials_follow_coturns_rest_scheme() -> None:
    username, password = turn_credentials("turn-secret", "p12", NOW, 3600)
    assert username == f"{int(NOW.timestamp()) + 3600}:p12"
    expected = hmac.new(b"turn-secret", username.encode(), hashlib.sha1).digest()
    assert base64.b64decode(password) == expected


def test_only_turn_servers_get_credentials_and_each_person_their_own() -> None:
    ice = IceSettings(
        stun_urls=("stun:turn.example.se:3478",),
        turn_urls=("turn:turn.example.se:3478",),
        turn_secret="turn-secret",
        transport_policy="relay",
    )
    one, two = rtc_configuration(ice, "p1", NOW), rtc_configuration(ice, "p2", NOW)
    stun, turn = one["iceServers"]
    assert stun == {"urls": ["stun:turn.example.se:3478"]}
    assert turn["username"].endswith(":p1") and turn["credential"]
    assert two["iceServers"][1]["credential"] != turn["credential"]
    assert one["iceTransportPolicy"] == "relay"
    assert rtc_configuration(IceSettings(), "p1", NOW)["iceServers"] == []


def test_settings_that_cannot_work_are_named() -> None:
    assert IceSettings(turn_urls=("turn:x",)).problems()
    assert IceSettings(transport_policy="relay").problems()
    assert IceSettings(transport_policy="sometimes").problems()
    assert IceSettings().problems() == []


def test_offers_answers_and_candidates_pass_and_come_out_clean() -> None:
    assert signal({"to": 2, "kind": "offer", "sdp": SDP, "extra": "x"}) == {
        "to": 2,
        "kind": "offer",
        "sdp": SDP,
        "restart": False,
    }
    candidate = {
        "candidate": "candidate:1 1 udp 1 10.0.0.1 5000 typ host",
        "sdpMid": "0",
        "sdpMLineIndex": 0,
    }
    assert signal({"to": 2, "kind": "candidate", "candidate": candidate})["candidate"] == candidate


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("offer", "not_an_object"),
        ([1, 2], "not_an_object"),
        ({"to": "2", "kind": "offer", "sdp": SDP}, "bad_recipient"),
        ({"to": True, "kind": "offer", "sdp": SDP}, "bad_recipient"),
        ({"to": 2, "kind": "bye", "sdp": SDP}, "bad_kind"),
        ({"to": 2, "kind": "offer", "sdp": "hello"}, "bad_sdp"),
        ({"to": 2, "kind": "offer", "sdp": "v=0\r\n<script>\r\n"}, "bad_sdp"),
        ({"to": 2, "kind": "answer", "sdp": 5}, "bad_sdp"),
        ({"to": 2, "kind": "offer", "sdp": SDP + "a=x" * 30000}, "too_big"),
        ({"to": 2, "kind": "candidate", "candidate": "candidate:1"}, "bad_candidate"),
        ({"to": 2, "kind": "candidate", "candidate": {"candidate": "rm -rf"}}, "bad_candidate"),
        (
            {"to": 2, "kind": "candidate", "candidate": {"candidate": "", "sdpMLineIndex": -1}},
            "bad_candidate",
        ),
    ],
)
def test_malformed_signalling_is_refused_with_a_reason(payload: object, code: str) -> None:
    with pytest.raises(BadMessage) as caught:
        signal(payload)
    assert caught.value.code == code


def test_sdp_shape() -> None:
    assert valid_sdp(SDP)
    assert not valid_sdp(SDP.replace("m=audio", "M=audio"))
    assert not valid_sdp("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n")  # no media section
