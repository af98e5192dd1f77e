"""Integration registration, signed pushes, retries with backoff, challenge validation."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
import requests
import responses
import time_machine
from django.utils import timezone

from tests.sandbox.conftest import CLIENT_SECRET, ORG, ids_query
from tests.sandbox.helpers import job_posting, post_jobs
from tracker_rsc.sandbox import tasks
from tracker_rsc.sandbox.models import AtsIntegration, DeliveryAttempt, Push, SandboxSettings
from tracker_rsc.sandbox.pushes import (
    callback_url_allowed,
    callback_validate,
    deliver_pending_pushes,
)

CALLBACK = "https://tracker.example/integrations/linkedin/callback/tok/"
INTEGRATION_TYPES = ("ONE_CLICK_EXPORT", "IN_ATS_INDICATOR", "PROFILE_PLUGIN")


def _integration_key(kind: str, context: str = ORG) -> dict[str, str]:
    return {
        "integrationContext": context,
        "integrationType": kind,
        "tenantType": "RECRUITER",
        "dataProvider": "ATS",
    }


def _register(li, callback: str = CALLBACK):
    keys = [_integration_key(k) for k in INTEGRATION_TYPES]
    keys.append(_integration_key("CSA_API", "urn:li:contract:100"))
    entities = {
        "&".join(f"{n}={v}" for n, v in key.items()): {
            "patch": {"$set": {"integrationName": f"Agency {key['integrationType']}"}}
        }
        for key in keys
    }
    created = li.call(
        "POST", "v2/atsIntegrations", ids_query(keys), {"entities": entities},
        method="batch_partial_update",
    )  # fmt: skip
    assert created.status_code == 200 and not created.json()["errors"], created.content
    path_key = "&".join(f"{n}={v}" for n, v in _integration_key("ONE_CLICK_EXPORT").items())
    configured = li.put(
        f"v2/atsIntegrations/{path_key}/configurations",
        "ids=CALLBACK_URL",
        {"entities": {"CALLBACK_URL": {"configurationValue": {"string": callback}}}},
    )
    assert configured.status_code == 200 and not configured.json()["errors"], configured.content


def _expected_signature(body: bytes) -> str:
    return "hmacsha256=" + hmac.new(CLIENT_SECRET.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def registered(li, contract):
    SandboxSettings.objects.update_or_create(
        singleton=True, defaults={"auto_enable_integrations": False}
    )
    _register(li)


@pytest.fixture
def export_push(li, registered, seats, member):
    post_jobs(li, job_posting("12"))
    response = li.control(
        "export", {"seat": seats["user"].urn, "member": member.person_urn, "requisition_id": "12"}
    )
    return Push.objects.get(request_id=response.json()["request_id"])


def test_registration_is_stored(li, registered):
    one_click = AtsIntegration.objects.get(integration_type="ONE_CLICK_EXPORT")
    assert one_click.callback_url == CALLBACK
    assert one_click.configurations == {"CALLBACK_URL": CALLBACK}
    assert one_click.integration_name == "Agency ONE_CLICK_EXPORT"
    assert AtsIntegration.objects.get(integration_type="CSA_API").integration_context == (
        "urn:li:contract:100"
    )
    assert AtsIntegration.objects.count() == 4


def test_registration_is_idempotent_and_refuses_bad_keys(li, registered):
    _register(li)
    bad = _integration_key("CSA_API")  # CSA_API needs a contract context
    response = li.call(
        "POST",
        "v2/atsIntegrations",
        ids_query([bad]),
        {"entities": {"&".join(f"{k}={v}" for k, v in bad.items()): {"patch": {"$set": {}}}}},
        method="batch_partial_update",
    )

    assert AtsIntegration.objects.count() == 4
    assert next(iter(response.json()["errors"].values()))["status"] == 400


@responses.activate
def test_callback_registration_enables_and_pushes_integration_status(li, contract):
    responses.add(responses.POST, CALLBACK, status=200)
    _register(li)

    counts = deliver_pending_pushes()
    status_push = Push.objects.filter(push_type=Push.Type.INTEGRATION_STATUS_CHANGE).first()
    element = li.get("v2/atsIntegrations", f"q=request&requestId={status_push.request_id}").json()[
        "elements"
    ][0]

    assert counts["delivered"] == 4
    assert set(AtsIntegration.objects.values_list("status", flat=True)) == {"ENABLED"}
    assert element["status"] == "ENABLED"
    assert element["requestId"] == status_push.request_id
    assert element["integrationType"] in (*INTEGRATION_TYPES, "CSA_API")
    _register(li)  # registering again changes no status and pushes nothing more
    assert Push.objects.filter(push_type=Push.Type.INTEGRATION_STATUS_CHANGE).count() == 4


@responses.activate
def test_push_is_signed_with_the_client_secret(export_push):
    responses.add(responses.POST, CALLBACK, status=200)

    counts = deliver_pending_pushes()

    assert counts == {"attempted": 1, "delivered": 1, "retrying": 0, "failed": 0}
    sent = responses.calls[0].request
    body = sent.body if isinstance(sent.body, bytes) else sent.body.encode()
    assert sent.headers["X-LI-Signature"] == _expected_signature(body)
    payload = json.loads(body)
    assert payload["type"] == "EXPORT_CANDIDATE_PROFILE"
    assert payload["id"] == export_push.request_id
    assert set(payload) == {"type", "id", "expiresAt"}
    export_push.refresh_from_db()
    assert export_push.status == Push.Status.DELIVERED
    attempt = DeliveryAttempt.objects.get(push=export_push)
    assert (attempt.status_code, attempt.ok, attempt.url) == (200, True, CALLBACK)


@responses.activate
def test_non_2xx_is_retried_six_times_with_doubling_backoff_then_failed(export_push):
    responses.add(responses.POST, CALLBACK, status=500)
    moment = timezone.now()

    for delay in (0, 10, 20, 40, 80, 160, 320):
        moment += timedelta(seconds=delay)
        if delay:
            with time_machine.travel(moment - timedelta(seconds=1), tick=False):
                assert deliver_pending_pushes()["attempted"] == 0  # still backing off
        with time_machine.travel(moment, tick=False):
            assert deliver_pending_pushes()["attempted"] == 1

    export_push.refresh_from_db()
    assert export_push.attempts == 7
    assert export_push.status == Push.Status.FAILED
    assert len(responses.calls) == 7
    assert DeliveryAttempt.objects.filter(push=export_push, ok=False).count() == 7
    assert deliver_pending_pushes(force=True)["attempted"] == 0


@responses.activate
def test_backoff_is_respected_and_a_later_success_delivers(export_push):
    responses.add(responses.POST, CALLBACK, status=503)
    responses.add(responses.POST, CALLBACK, status=204)
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        first = deliver_pending_pushes()
        too_early = deliver_pending_pushes()
    with time_machine.travel(start + timedelta(seconds=11), tick=False):
        second = deliver_pending_pushes()

    assert (first["retrying"], too_early["attempted"], second["delivered"]) == (1, 0, 1)
    export_push.refresh_from_db()
    assert export_push.status == Push.Status.DELIVERED
    assert list(
        DeliveryAttempt.objects.filter(push=export_push)
        .order_by("attempted_at")
        .values_list("status_code", flat=True)
    ) == [503, 204]


@responses.activate
def test_connection_errors_count_as_failed_attempts(export_push):
    responses.add(responses.POST, CALLBACK, body=requests.exceptions.ConnectionError("refused"))

    counts = deliver_pending_pushes()

    assert counts["retrying"] == 1
    attempt = DeliveryAttempt.objects.get(push=export_push)
    assert attempt.status_code is None
    assert "refused" in attempt.error


@responses.activate
def test_celery_task_delivers_one_push(export_push):
    responses.add(responses.POST, CALLBACK, status=200)

    tasks.deliver_push.apply(args=[export_push.pk])

    export_push.refresh_from_db()
    assert export_push.status == Push.Status.DELIVERED
    tasks.deliver_push.apply(args=[export_push.pk])  # running it twice sends nothing more
    assert len(responses.calls) == 1


def test_pushes_wait_when_no_callback_is_registered(li, contract, seats, member):
    post_jobs(li, job_posting("12"))
    li.control(
        "export", {"seat": seats["user"].urn, "member": member.person_urn, "requisition_id": "12"}
    )

    counts = deliver_pending_pushes()

    assert counts["retrying"] == 1
    assert "No CALLBACK_URL" in DeliveryAttempt.objects.get().error


@responses.activate
def test_control_api_deliver_now_and_redeliver(li, export_push):
    responses.add(responses.POST, CALLBACK, status=200)

    delivered = li.control("deliver").json()
    again = li.control("redeliver", {"push_id": export_push.pk})
    listed = li.client.get("/sandbox/linkedin/control/api/pushes").json()["pushes"]

    assert delivered["delivered"] == 1
    assert again.status_code == 200
    assert listed[0]["status"] == "pending"
    assert listed[0]["delivery_attempts"][0]["status_code"] == 200


@responses.activate
def test_challenge_validation_checks_the_hmac(registered):
    def answer(request):
        code = request.params["challengeCode"]
        digest = hmac.new(CLIENT_SECRET.encode(), code.encode(), hashlib.sha256).hexdigest()
        return 200, {}, json.dumps({"challengeCode": code, "challengeResponse": digest})

    responses.add_callback(responses.GET, CALLBACK, callback=answer)

    attempt = callback_validate(integration_context=ORG)

    assert attempt.ok, attempt.error
    assert attempt.kind == DeliveryAttempt.Kind.CHALLENGE


@responses.activate
def test_challenge_validation_fails_on_a_wrong_answer(registered):
    responses.add(
        responses.GET, CALLBACK, json={"challengeCode": "whatever", "challengeResponse": "00"}
    )

    attempt = callback_validate(integration_context=ORG)

    assert not attempt.ok
    assert "challengeCode" in attempt.error


def test_configuring_an_unknown_integration_is_refused(li):
    path_key = "&".join(f"{n}={v}" for n, v in _integration_key("ONE_CLICK_EXPORT").items())

    response = li.put(
        f"v2/atsIntegrations/{path_key}/configurations",
        "ids=CALLBACK_URL",
        {"entities": {"CALLBACK_URL": {"configurationValue": {"string": CALLBACK}}}},
    )

    assert response.status_code == 400
    assert not AtsIntegration.objects.exists()


def test_pushes_are_signed_with_the_sandboxs_own_secret(li, export_push, settings):
    settings.LINKEDIN_SANDBOX_CLIENT_SECRET = "the-sandboxs-own-secret"
    settings.LINKEDIN_CLIENT_SECRET = "production-client-secret"
    with responses.RequestsMock() as mocked:
        mocked.add(responses.POST, CALLBACK, status=200)
        deliver_pending_pushes(force=True)
        sent = mocked.calls[0].request

    expected = hmac.new(b"the-sandboxs-own-secret", sent.body, hashlib.sha256).hexdigest()
    assert sent.headers["X-LI-Signature"] == f"hmacsha256={expected}"


def test_a_callback_outside_the_allowed_origins_is_refused_at_registration(li, contract):
    SandboxSettings.objects.update_or_create(
        singleton=True, defaults={"auto_enable_integrations": False}
    )
    path_key = "&".join(f"{n}={v}" for n, v in _integration_key("ONE_CLICK_EXPORT").items())
    li.call(
        "POST", "v2/atsIntegrations", ids_query([_integration_key("ONE_CLICK_EXPORT")]),
        {"entities": {path_key: {"patch": {"$set": {"integrationName": "Agency"}}}}},
        method="batch_partial_update",
    )  # fmt: skip

    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:6379/",
        "https://tracker.example.evil.test/cb/",
        "https://tracker.example:8443/cb/",
    ):
        answer = li.put(
            f"v2/atsIntegrations/{path_key}/configurations",
            "ids=CALLBACK_URL",
            {"entities": {"CALLBACK_URL": {"configurationValue": {"string": url}}}},
        )
        assert "not under an allowed origin" in str(answer.json()["errors"]), url
    assert AtsIntegration.objects.get(integration_type="ONE_CLICK_EXPORT").callback_url == ""


def test_a_stored_callback_outside_the_allowed_origins_is_never_called(li, export_push, settings):
    settings.LINKEDIN_SANDBOX_CALLBACK_ORIGINS = ["https://elsewhere.example"]
    with responses.RequestsMock() as mocked:  # strict: any request would fail the test
        counts = deliver_pending_pushes(force=True)
        challenge = callback_validate(integration_context=ORG)
        assert not mocked.calls

    export_push.refresh_from_db()
    assert counts["attempted"] == 1 and counts["delivered"] == 0
    assert "not under an allowed origin" in export_push.last_error
    assert not challenge.ok and "not under an allowed origin" in challenge.error


def test_the_default_allowed_origin_is_site_urls(settings):
    settings.LINKEDIN_SANDBOX_CALLBACK_ORIGINS = []
    settings.SITE_URL = "https://tracker.agency.example"

    assert callback_url_allowed("https://tracker.agency.example/integrations/linkedin/callback/x/")
    assert callback_url_allowed("https://TRACKER.agency.example:443/cb/")
    assert not callback_url_allowed("http://tracker.agency.example/cb/")
    assert not callback_url_allowed("https://tracker.agency.example.evil.test/cb/")
    assert not callback_url_allowed("https://user@169.254.169.254/cb/")
    assert not callback_url_allowed("file:///etc/passwd")
