"""The sandbox's signed pushes and challenge, checked with the adapter's ``signatures`` module.

The callback here is a small HTTP server that does exactly what the adapter offers a receiver:
``verify_signature`` on the raw body (401 when it fails) and ``challenge_response`` for the
validation GET. The sandbox delivers to it over real HTTP.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.contract.helpers import CLIENT_SECRET, CONTRACT, ORG, posting
from tracker_rsc.linkedin import PUSH_EXPORT_CANDIDATE, PUSH_INTEGRATION_STATUS, parse_push
from tracker_rsc.linkedin.signatures import (
    SIGNATURE_HEADER,
    challenge_response,
    signature_header,
    verify_signature,
)
from tracker_rsc.models import Integration
from tracker_rsc.sandbox import pushes
from tracker_rsc.sandbox import services as sandbox
from tracker_rsc.sandbox.models import DeliveryAttempt, Push


@dataclass
class Received:
    body: bytes
    signature: str | None
    accepted: bool


@dataclass
class Callback:
    url: str
    secret: str
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def callback() -> Iterator[Callback]:
    state = Callback(url="", secret=CLIENT_SECRET)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            signature = self.headers.get(SIGNATURE_HEADER)
            accepted = verify_signature(body, signature, state.secret)
            state.received.append(Received(body, signature, accepted))
            self.answer(200 if accepted else 401, {"accepted": accepted})

        def do_GET(self) -> None:
            code = parse_qs(urlsplit(self.path).query).get("challengeCode", [""])[0]
            self.answer(200, challenge_response(code, state.secret))

        def answer(self, status: int, data: dict) -> None:
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/linkedin/callback/"
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def registered(li, callback, settings, live_server) -> Callback:
    # The sandbox calls back only under allowed origins: this receiver's and Tracker's.
    origin = callback.url.split("/linkedin/", 1)[0]
    settings.LINKEDIN_SANDBOX_CALLBACK_ORIGINS = [origin, live_server.url]
    li.register_integration(
        organization_urn=ORG,
        contract_urns=[CONTRACT],
        callback_url=callback.url,
        customer_name="Acme",
    )
    return callback


def test_the_sandboxs_pushes_verify_and_lead_to_what_they_announce(li, world, registered):
    li.upsert_job_postings([posting("101")])
    export = sandbox.export_create(
        seat_urn=world.user.urn, person_urn=world.jane.person_urn, job_id="101"
    )

    counts = pushes.deliver_pending_pushes(force=True)

    sent = Push.objects.count()
    assert counts == {"attempted": sent, "delivered": sent, "retrying": 0, "failed": 0}
    assert len(registered.received) == sent and all(r.accepted for r in registered.received)
    parsed = [parse_push(r.body) for r in registered.received]
    assert {p.type for p in parsed} == {PUSH_INTEGRATION_STATUS, PUSH_EXPORT_CANDIDATE}
    [announced] = [p for p in parsed if p.type == PUSH_EXPORT_CANDIDATE]
    assert announced.id == export.request_id
    assert li.get_exported_candidate(announced.id).profile.person_urn == world.jane.person_urn
    for push in parsed:
        if push.type == PUSH_INTEGRATION_STATUS:
            assert li.get_integration_status(push.id).status == "ENABLED"


def test_forged_pushes_are_refused(registered):
    body = json.dumps({"type": PUSH_EXPORT_CANDIDATE, "id": "8f14e45f"}).encode()
    genuine = signature_header(body, CLIENT_SECRET)
    forgeries = {
        "another secret": signature_header(body, "guessed-secret"),
        "tampered body": genuine,
        "no prefix": genuine.removeprefix("hmacsha256="),
        "another scheme": genuine.replace("hmacsha256=", "hmacsha1="),
        "no header": None,
    }

    for name, signature in forgeries.items():
        sent = body.replace(b"8f14e45f", b"00000000") if name == "tampered body" else body
        headers = {SIGNATURE_HEADER: signature} if signature else {}
        response = requests.post(registered.url, data=sent, headers=headers, timeout=10)
        assert response.status_code == 401, name
    genuine_answer = requests.post(
        registered.url, data=body, headers={SIGNATURE_HEADER: genuine}, timeout=10
    )

    assert genuine_answer.status_code == 200
    assert [r.accepted for r in registered.received] == [False] * len(forgeries) + [True]


def test_a_push_signed_with_another_secret_is_refused_and_retried_later(world, registered):
    registered.secret = "the-secret-tracker-actually-holds"

    pushes.deliver_pending_pushes(force=True)

    push = Push.objects.first()
    assert push.status == Push.Status.PENDING and push.attempts == 1
    assert push.last_status_code == 401 and push.next_attempt_at > push.created_at
    assert not any(r.accepted for r in registered.received)
    registered.secret = CLIENT_SECRET  # the operator fixes the secret; LinkedIn retries
    pushes.deliver_pending_pushes(force=True)
    push.refresh_from_db()
    assert push.status == Push.Status.DELIVERED and push.attempts == 2


def test_the_challenge_answer_passes_the_sandboxs_validation(world, registered, live_server):
    assert pushes.callback_validate(url=registered.url).ok
    # Tracker's own callback view answers with the same helper.
    tracker = pushes.callback_validate(url=f"{live_server.url}{Integration.get().callback_path}")
    assert tracker.ok, tracker.error

    registered.secret = "another-secret"
    refused = pushes.callback_validate(url=registered.url)
    assert not refused.ok and "challengeResponse" in refused.error
    assert DeliveryAttempt.objects.filter(kind=DeliveryAttempt.Kind.CHALLENGE).count() == 3
