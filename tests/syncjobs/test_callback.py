"""The LinkedIn callback and the life of a notification: store, claim, process, sweep, replay."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from syncjobs import notifications
from syncjobs.models import InboundNotification
from syncjobs.notifications import (
    MAX_ATTEMPTS,
    NotificationFailed,
    ReplayRefused,
    held,
    ignored,
    notification_claim,
    notification_discard,
    notification_process,
    notification_replay,
    notification_sweep,
    processed,
)
from tests.syncjobs.factories import InboundNotificationFactory
from tests.syncjobs.linkedin_fakes import (
    ORG,
    push_body,
    signed_headers,
    transient,
)
from tests.tracker_rsc.factories import AdminUserFactory, ContractFactory, enabled_integration
from tracker_rsc.linkedin import IntegrationStatus, PermanentError
from tracker_rsc.linkedin.signatures import challenge_response, signature_header
from tracker_rsc.models import Integration

Status = InboundNotification.Status
TEST_TYPE = "TEST_EVENT"


@pytest.fixture
def integration(db, linkedin_secret) -> Integration:
    return enabled_integration(ORG)


@pytest.fixture
def url(integration) -> str:
    return integration.callback_path


@pytest.fixture
def handler(monkeypatch):
    """A handler for TEST_EVENT whose behaviour each test chooses; records its calls."""
    calls: list[tuple[int, bool]] = []
    state = {"do": lambda n: processed({"done": n.request_id})}

    @notifications.notification_handler(TEST_TYPE)
    def handle(notification, *, override=False):
        calls.append((notification.pk, override))
        return state["do"](notification)

    yield calls, state
    notifications.HANDLERS.pop(TEST_TYPE, None)


def post(client, url, body: bytes, headers: dict | None = None, **extra):
    return client.post(url, data=body, content_type="application/json", **(headers or {}), **extra)


def received(event_type: str = TEST_TYPE, **kw) -> InboundNotification:
    return InboundNotificationFactory(event_type=event_type, **kw)


# --- GET challenge --------------------------------------------------------------------------


CHALLENGE = "3f2b9c1e-7a4d-4e8b-9c6f-1d2e3f4a5b6c"  # LinkedIn sends a UUID


def test_challenge_answers_without_database_or_broker(
    client, url, linkedin_secret, monkeypatch, django_assert_num_queries
):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr("celery.app.task.Task.apply_async", broker_down)
    monkeypatch.setattr("tracker_rsc.celery.app.connection_for_write", broker_down)
    cache.clear()
    with django_assert_num_queries(1):  # the first sight of the token: one indexed read
        first = client.get(url, {"challengeCode": CHALLENGE})
    with django_assert_num_queries(0):
        response = client.get(url, {"challengeCode": CHALLENGE})
    assert first.status_code == response.status_code == 200
    assert response.json() == first.json() == challenge_response(CHALLENGE, linkedin_secret)
    expected = hmac.new(linkedin_secret.encode(), CHALLENGE.encode(), hashlib.sha256).hexdigest()
    assert response.json() == {"challengeCode": CHALLENGE, "challengeResponse": expected}


def test_challenge_on_an_unknown_token_is_a_404(client, integration, linkedin_secret):
    for path in (
        "/integrations/linkedin/callback/any-token/",
        f"/integrations/linkedin/callback/{integration.callback_token[:-1]}~/",
        f"/integrations/linkedin/callback/{integration.callback_token}x/",
        "/integrations/linkedin/callback/not%20a%20token/",
    ):
        response = client.get(path, {"challengeCode": CHALLENGE})
        assert response.status_code == 404, path
        assert response.json() == {"error": "Unknown callback."}


def test_a_known_token_is_remembered_but_an_unknown_one_is_not(
    client, url, linkedin_secret, django_assert_num_queries
):
    cache.clear()
    for _ in range(2):
        with django_assert_num_queries(1):  # unknown tokens are never cached
            response = client.get(
                "/integrations/linkedin/callback/guessed/", {"challengeCode": CHALLENGE}
            )
        assert response.status_code == 404
    client.get(url, {"challengeCode": CHALLENGE})
    with django_assert_num_queries(0):
        assert client.get(url, {"challengeCode": CHALLENGE}).status_code == 200


def test_challenge_survives_a_cache_outage(client, url, linkedin_secret, monkeypatch):
    class CacheDown:
        def get(self, *args, **kwargs):
            raise ConnectionError("cache down")

        set = get

    monkeypatch.setattr("syncjobs.views.cache", CacheDown())
    response = client.get(url, {"challengeCode": CHALLENGE})
    assert response.status_code == 200
    assert response.json() == challenge_response(CHALLENGE, linkedin_secret)


def _not_called(*args, **kwargs):
    raise AssertionError("nothing may be signed here")


@pytest.mark.parametrize(
    "code",
    [
        '{"type":"x"}',
        '{"type": "EXPORT_CANDIDATE_PROFILE", "id": "forged"}',
        "a" * 129,
        "abc 123",
        "abc\n",
        "caf\u00e9",
        "../x",
    ],
)
def test_challenge_refuses_to_sign_what_is_not_a_challenge_code(
    client, url, linkedin_secret, monkeypatch, code
):
    monkeypatch.setattr("tracker_rsc.linkedin.signatures._hmac_sha256_hex", _not_called)
    with pytest.raises(ValueError, match="Not a challenge code"):
        challenge_response(code, linkedin_secret)
    response = client.get(url, {"challengeCode": code})
    assert response.status_code == 400
    assert response.json() == {
        "error": "challengeCode must be 1 to 128 letters, digits, '-' or '_'."
    }


def test_the_challenge_cannot_sign_a_push_body(client, url, linkedin_secret):
    """The signing oracle: a push body sent as the code must not come back signed."""
    body = push_body("EXPORT_CANDIDATE_PROFILE", "forged")
    response = client.get(url, {"challengeCode": body.decode()})
    assert response.status_code == 400
    assert "challengeResponse" not in response.json()
    digest = signature_header(body, linkedin_secret).removeprefix("hmacsha256=")
    assert digest not in response.content.decode()


def test_challenge_codes_up_to_128_characters_are_answered(client, url, linkedin_secret):
    code = "A-z_9" * 25 + "abc"
    assert len(code) == 128
    response = client.get(url, {"challengeCode": code})
    assert response.status_code == 200
    assert response.json() == challenge_response(code, linkedin_secret)


def test_challenge_without_code_is_a_400(client, url, linkedin_secret):
    response = client.get(url)
    assert response.status_code == 400
    assert "challengeCode" in response.json()["error"]


def test_challenge_without_a_secret_is_a_503(client, url, settings):
    settings.LINKEDIN_CLIENT_SECRET = ""
    response = client.get(url, {"challengeCode": CHALLENGE})
    assert response.status_code == 503


def test_other_methods_are_refused(client, url):
    assert client.put(url, data=b"{}").status_code == 405


# --- POST: error classes --------------------------------------------------------------------


def test_unknown_token_is_404_and_stores_nothing(client, integration, published):
    body = push_body("EXPORT_CANDIDATE_PROFILE", "r1")
    response = post(
        client, "/integrations/linkedin/callback/not-the-token/", body, signed_headers(body)
    )
    assert response.status_code == 404
    assert InboundNotification.objects.count() == 0
    assert published == []


def test_missing_signature_is_401_and_stored_rejected(client, url, published):
    body = push_body("EXPORT_CANDIDATE_PROFILE", "r1")
    response = post(client, url, body, HTTP_COOKIE="sessionid=abc", HTTP_AUTHORIZATION="Bearer x")
    assert response.status_code == 401
    row = InboundNotification.objects.get()
    assert row.status == Status.REJECTED
    assert row.signature_valid is False
    assert row.raw_body == body.decode()
    assert "Missing X-LI-Signature" in row.error
    lowered = {name.lower() for name in row.headers}
    assert "cookie" not in lowered and "authorization" not in lowered
    assert "content-type" in lowered
    assert published == []


def test_forged_signature_is_401_and_stored_rejected(client, url, published):
    body = push_body("EXPORT_CANDIDATE_PROFILE", "r1")
    response = post(client, url, body, signed_headers(body, secret="someone-else"))
    assert response.status_code == 401
    row = InboundNotification.objects.get()
    assert (row.status, row.signature_valid) == (Status.REJECTED, False)
    assert "does not match" in row.error
    assert row.request_id == ""  # nothing from an unsigned body is trusted
    assert published == []


def test_body_changed_after_signing_is_rejected(client, url, published):
    body = push_body("EXPORT_CANDIDATE_PROFILE", "r1")
    tampered = push_body("EXPORT_CANDIDATE_PROFILE", "r2")
    response = post(client, url, tampered, signed_headers(body))
    assert response.status_code == 401
    assert InboundNotification.objects.get().status == Status.REJECTED


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not JSON"),
        (b'["a list"]', "expected an object"),
        (b'{"type": "EXPORT_CANDIDATE_PROFILE"}', "push.id: missing"),
        (b'{"id": "r1"}', "push.type: missing"),
    ],
)
def test_malformed_body_is_400_and_stored_rejected(client, url, published, body, message):
    response = post(client, url, body, signed_headers(body))
    assert response.status_code == 400
    row = InboundNotification.objects.get()
    assert row.status == Status.REJECTED
    assert row.signature_valid is True
    assert message in row.error
    assert row.raw_body == body.decode()
    assert published == []


def test_rejected_deliveries_do_not_block_the_genuine_one(client, url, published):
    body = push_body("EXPORT_CANDIDATE_PROFILE", "r1")
    post(client, url, body)  # unsigned first
    response = post(client, url, body, signed_headers(body))
    assert response.status_code == 200
    statuses = sorted(InboundNotification.objects.values_list("status", flat=True))
    assert statuses == [Status.RECEIVED, Status.REJECTED]


# --- POST: valid notifications --------------------------------------------------------------


def test_valid_notification_is_stored_and_enqueued_on_commit(
    client, url, published, django_capture_on_commit_callbacks
):
    body = push_body("EXPORT_CANDIDATE_PROFILE", "8f14e45f", expiresAt=1764000000000)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(client, url, body, signed_headers(body))
        assert published == []  # nothing is published before the row is committed
    assert response.status_code == 200
    row = InboundNotification.objects.get()
    assert (row.event_type, row.request_id) == ("EXPORT_CANDIDATE_PROFILE", "8f14e45f")
    assert (row.status, row.signature_valid, row.attempts) == (Status.RECEIVED, True, 0)
    assert row.raw_body == body.decode()
    assert row.expires_at == datetime(2025, 11, 24, 16, 0, tzinfo=UTC)
    for callback in callbacks:
        callback()
    assert published == [("syncjobs.tasks.notification_process", (row.pk,))]


def run_published(published: list[tuple[str, tuple]]) -> list[int]:
    """Run what went to the broker, as a worker would, and empty the queue; returns the ids."""
    ids = []
    for task_name, args in published:
        assert task_name == "syncjobs.tasks.notification_process"
        notification_process(notification_id=args[0])
        ids.append(args[0])
    published.clear()
    return ids


def test_duplicate_delivery_is_200_and_processed_once(
    client, url, published, handler, django_capture_on_commit_callbacks
):
    calls, _ = handler
    body = push_body(TEST_TYPE, "dup-1")
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, url, body, signed_headers(body))
    row = InboundNotification.objects.get()
    assert run_published(published) == [row.pk]
    assert calls == [(row.pk, False)]

    with django_capture_on_commit_callbacks(execute=True):
        second = post(client, url, body, signed_headers(body))
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.json()["status"], second.json()["status"]) == ("Received.", "Already received.")
    assert published == []  # done already: nothing is queued again
    row = InboundNotification.objects.get()
    assert (row.status, row.attempts) == (Status.PROCESSED, 1)
    assert calls == [(row.pk, False)]


def test_duplicate_delivered_before_processing_is_queued_again_but_processed_once(
    client, url, published, handler, django_capture_on_commit_callbacks
):
    """LinkedIn retries while the first task is still queued (or lost with the broker)."""
    calls, _ = handler
    body = push_body(TEST_TYPE, "dup-2")
    answers = []
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(post(client, url, body, signed_headers(body)))
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[1].json()["status"] == "Already received."
    row = InboundNotification.objects.get()
    assert published == [("syncjobs.tasks.notification_process", (row.pk,))] * 2
    assert run_published(published) == [row.pk, row.pk]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PROCESSED, 1)
    assert calls == [(row.pk, False)]


def test_same_id_with_another_type_is_another_notification(client, url, published):
    for event_type in ("EXPORT_CANDIDATE_PROFILE", "APPLICATION_EVALUATION"):
        body = push_body(event_type, "same-id")
        assert post(client, url, body, signed_headers(body)).status_code == 200
    assert InboundNotification.objects.filter(request_id="same-id").count() == 2


def test_broker_down_still_stores_and_the_sweeper_processes_it(
    client, url, handler, monkeypatch, django_capture_on_commit_callbacks
):
    calls, _ = handler

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr("celery.app.task.Task.apply_async", refuse)
    body = push_body(TEST_TYPE, "while-down")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, url, body, signed_headers(body))
    assert response.status_code == 200
    row = InboundNotification.objects.get()
    assert row.status == Status.RECEIVED
    notification_sweep()  # too fresh: its task may still be on its way
    assert calls == []
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        counts = notification_sweep()
    row.refresh_from_db()
    assert row.status == Status.PROCESSED
    assert row.result["done"] == "while-down"
    assert counts["processed"] == 1
    assert calls == [(row.pk, False)]


# --- Claiming and outcomes ------------------------------------------------------------------


def test_claim_is_exclusive(db):
    row = received()
    first = notification_claim(notification_id=row.pk)
    assert first is not None and first.status == Status.PROCESSING and first.attempts == 1
    assert notification_claim(notification_id=row.pk) is None


def test_stale_processing_claim_is_taken_back_by_the_sweeper(db, handler):
    calls, _ = handler
    row = received()
    notification_claim(notification_id=row.pk)  # a worker that then died
    assert notification_sweep()["due"] == 0
    later = timezone.now() + notifications.stale_claim_age() + timedelta(seconds=5)
    with time_machine.travel(later):
        notification_sweep()
    row.refresh_from_db()
    assert row.status == Status.PROCESSED
    assert row.attempts == 2
    assert len(calls) == 1


def test_a_slow_worker_does_not_overwrite_the_outcome_of_the_one_that_took_over(db, handler):
    row = received()
    slow = notification_claim(notification_id=row.pk)
    later = timezone.now() + notifications.stale_claim_age() + timedelta(seconds=5)
    with time_machine.travel(later):
        notification_process(notification_id=row.pk)
    assert notifications._settle(slow, status=Status.FAILED, error="late") is False
    row.refresh_from_db()
    assert row.status == Status.PROCESSED


def test_ignored_and_held_outcomes_keep_their_reason(db, handler):
    _, state = handler
    first, second = received(), received()
    state["do"] = lambda n: ignored("not connected", {"requisition_id": 3})
    assert notification_process(notification_id=first.pk) == Status.IGNORED
    state["do"] = lambda n: held("erased person")
    assert notification_process(notification_id=second.pk) == Status.HELD
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.result == {"requisition_id": 3, "reason": "not connected"}
    assert second.result["reason"] == "erased person"


def test_unknown_type_is_ignored_with_a_reason(db):
    row = received(event_type="SOMETHING_NEW")
    assert notification_process(notification_id=row.pk) == Status.IGNORED
    row.refresh_from_db()
    assert "does not process SOMETHING_NEW" in row.result["reason"]


def test_transient_failure_is_retried_with_backoff_by_the_sweeper(db, handler):
    _, state = handler
    state["do"] = lambda n: (_ for _ in ()).throw(transient())
    row = received()
    assert notification_process(notification_id=row.pk) == Status.FAILED
    row.refresh_from_db()
    assert "LinkedIn is unavailable" in row.error
    first_retry = row.next_attempt_at
    assert (
        timezone.now() + timedelta(seconds=14)
        < first_retry
        <= timezone.now() + timedelta(seconds=31)
    )
    assert notification_sweep()["due"] == 0  # not due yet
    state["do"] = lambda n: processed({"ok": True})
    with time_machine.travel(first_retry + timedelta(seconds=1)):
        notification_sweep()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.error, row.next_attempt_at) == (
        Status.PROCESSED,
        2,
        "",
        None,
    )


def test_transient_failures_stop_after_max_attempts(db, handler):
    _, state = handler
    state["do"] = lambda n: (_ for _ in ()).throw(transient())
    row = received(attempts=MAX_ATTEMPTS - 1)
    notification_process(notification_id=row.pk)
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert row.next_attempt_at is None
    assert "gave up after 10 attempts" in row.error


def test_no_retry_beyond_the_request_ids_expiry(db, handler):
    _, state = handler
    state["do"] = lambda n: (_ for _ in ()).throw(transient())
    row = received(expires_at=timezone.now() + timedelta(seconds=5))
    notification_process(notification_id=row.pk)
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.next_attempt_at is None


@pytest.mark.parametrize(
    "error",
    [
        PermanentError("Not found", status=404),
        NotificationFailed("Requisition 9 does not exist"),
    ],
)
def test_permanent_failure_stays_failed_until_replayed(
    db, handler, published, error, django_capture_on_commit_callbacks
):
    calls, state = handler
    state["do"] = lambda n: (_ for _ in ()).throw(error)
    row = received()
    notification_process(notification_id=row.pk)
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.next_attempt_at is None
    assert str(error.args[0]) in row.error
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert notification_sweep()["due"] == 0
    # The admin fixes the cause and replays it.
    admin = AdminUserFactory()
    state["do"] = lambda n: processed({"ok": True})
    with django_capture_on_commit_callbacks(execute=True):
        notification_replay(notification=row, actor=admin)
    assert row.status == Status.RECEIVED
    assert published == [("syncjobs.tasks.notification_process", (row.pk,))]
    notification_process(notification_id=row.pk)
    row.refresh_from_db()
    assert row.status == Status.PROCESSED
    assert row.result["ok"] is True
    assert row.result["replays"][0]["by"] == admin.username
    assert row.result["replays"][0]["override"] is False
    assert len(calls) == 2


def test_unexpected_exception_is_recorded_and_retried(db, handler):
    _, state = handler
    state["do"] = lambda n: (_ for _ in ()).throw(RuntimeError("boom"))
    row = received()
    assert notification_process(notification_id=row.pk) == Status.FAILED
    row.refresh_from_db()
    assert row.error == "RuntimeError: boom"
    assert row.next_attempt_at is not None


def test_replay_with_override_reaches_the_handler(db, handler, published):
    calls, state = handler
    state["do"] = lambda n: held("erased")
    row = received()
    notification_process(notification_id=row.pk)
    state["do"] = lambda n: processed({"imported": True})
    notification_replay(notification=row, actor=AdminUserFactory(), override=True)
    notification_process(notification_id=row.pk)
    assert calls[-1] == (row.pk, True)
    row.refresh_from_db()
    assert row.status == Status.PROCESSED


@pytest.mark.parametrize("status", [Status.REJECTED, Status.PROCESSED, Status.RECEIVED])
def test_replay_is_refused_unless_failed_held_or_ignored(db, published, status):
    row = received(status=status)
    with pytest.raises(ReplayRefused):
        notification_replay(notification=row, actor=AdminUserFactory())
    row.refresh_from_db()
    assert row.status == status
    assert published == []


def test_discard_a_held_notification(db):
    row = received(status=Status.HELD, result={"reason": "erased"})
    admin = AdminUserFactory()
    notification_discard(notification=row, actor=admin, reason="asked to be forgotten")
    row.refresh_from_db()
    assert row.status == Status.IGNORED
    assert row.result["reason"] == f"Discarded by {admin.username}: asked to be forgotten"
    with pytest.raises(ReplayRefused):
        notification_discard(notification=row, actor=admin)


# --- INTEGRATION_STATUS_CHANGE --------------------------------------------------------------


def _status(request_id: str, status: str, context: str = ORG, kind: str = "ONE_CLICK_EXPORT"):
    return IntegrationStatus(
        request_id=request_id, integration_context=context, integration_type=kind, status=status
    )


def test_disabled_integration_status_puts_the_integration_in_error(integration, fake_linkedin):
    fake_linkedin.statuses["s1"] = _status("s1", "DISABLED")
    row = received(event_type="INTEGRATION_STATUS_CHANGE", request_id="s1")
    assert notification_process(notification_id=row.pk) == Status.PROCESSED
    integration.refresh_from_db()
    assert integration.status == Integration.Status.ERROR
    assert "ONE_CLICK_EXPORT" in integration.last_error and "DISABLED" in integration.last_error
    row.refresh_from_db()
    assert row.result["action"] == "integration set to error"
    # Switched on again in Recruiter: the error this handler set is cleared.
    fake_linkedin.statuses["s2"] = _status("s2", "ENABLED")
    again = received(event_type="INTEGRATION_STATUS_CHANGE", request_id="s2")
    notification_process(notification_id=again.pk)
    integration.refresh_from_db()
    assert (integration.status, integration.last_error) == (Integration.Status.ENABLED, "")


def test_enabled_status_does_not_clear_a_registration_error(integration, fake_linkedin):
    Integration.objects.filter(pk=integration.pk).update(
        status=Integration.Status.ERROR, last_error="Registration failed: bad credentials"
    )
    fake_linkedin.statuses["s1"] = _status("s1", "ENABLED")
    row = received(event_type="INTEGRATION_STATUS_CHANGE", request_id="s1")
    notification_process(notification_id=row.pk)
    integration.refresh_from_db()
    assert integration.status == Integration.Status.ERROR
    row.refresh_from_db()
    assert (row.status, row.result["action"]) == (Status.PROCESSED, "recorded")


def test_contract_scoped_status_is_accepted(integration, fake_linkedin):
    contract = ContractFactory()
    fake_linkedin.statuses["s1"] = _status("s1", "ENABLED", context=contract.urn, kind="CSA_API")
    row = received(event_type="INTEGRATION_STATUS_CHANGE", request_id="s1")
    assert notification_process(notification_id=row.pk) == Status.PROCESSED


def test_status_of_another_organization_is_ignored(integration, fake_linkedin):
    fake_linkedin.statuses["s1"] = _status("s1", "DISABLED", context="urn:li:organization:1")
    row = received(event_type="INTEGRATION_STATUS_CHANGE", request_id="s1")
    assert notification_process(notification_id=row.pk) == Status.IGNORED
    integration.refresh_from_db()
    assert integration.status == Integration.Status.ENABLED
