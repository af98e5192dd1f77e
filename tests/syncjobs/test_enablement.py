"""Enablement: the setup after enabling (registration, seats, bulk sync), errors and retry."""

# ruff: noqa: F811  (pytest fixtures imported from their module and used as arguments)

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from syncjobs import enablement
from syncjobs.models import SyncRun
from tests.syncjobs.candidate_fakes import (  # noqa: F401  (fixtures)
    candidate_linkedin,
    scheduled,
    seat,
)
from tests.syncjobs.linkedin_fakes import ORG, published  # noqa: F401
from tracker_rsc import services
from tracker_rsc.linkedin import PermanentError, TransientError
from tracker_rsc.models import Integration, LinkedInSeat

pytestmark = pytest.mark.django_db


def enable(capture, contracts=("urn:li:contract:100",)) -> Integration:
    with capture(execute=True):
        integration, _ = services.integration_enable(
            organization_urn=ORG, contract_urns=list(contracts), actor=None
        )
    return integration


def test_enabling_queues_the_setup_after_commit(published, django_capture_on_commit_callbacks):
    enable(django_capture_on_commit_callbacks)

    assert published == [("syncjobs.tasks.integration_setup", ())]


def test_setup_registers_pulls_seats_and_starts_the_bulk_sync(
    candidate_linkedin, scheduled, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://tracker.agency.example"
    candidate_linkedin.seats["urn:li:contract:100"] = [seat(1), seat(2)]
    enable(django_capture_on_commit_callbacks)

    result = enablement.integration_setup.run()

    integration = Integration.objects.get()
    assert result["registration"] == "registered"
    assert integration.status == Integration.Status.ENABLED
    assert integration.registered_at is not None
    [registration] = candidate_linkedin.registrations
    assert registration["organization_urn"] == ORG
    assert registration["contract_urns"] == ["urn:li:contract:100"]
    assert registration["callback_url"] == integration.callback_url
    assert registration["callback_url"].startswith("https://tracker.agency.example/")
    assert LinkedInSeat.objects.count() == 2
    bulk = SyncRun.objects.get(kind=SyncRun.Kind.BULK_SYNC)
    assert bulk.status == SyncRun.Status.PENDING and bulk.cursor["organization_urn"] == ORG
    assert scheduled == [0]


def test_linkedin_s_challenge_after_registration_touches_no_database(
    candidate_linkedin,
    scheduled,
    django_capture_on_commit_callbacks,
    client,
    settings,
    django_assert_num_queries,
):
    settings.LINKEDIN_CLIENT_SECRET = "shh"
    integration = enable(django_capture_on_commit_callbacks)
    enablement.integration_register(client=candidate_linkedin)

    with django_assert_num_queries(0):
        response = client.get(integration.callback_path, {"challengeCode": "c0ffee-1"})

    assert response.status_code == 200
    assert response.json()["challengeCode"] == "c0ffee-1"


def test_a_refused_registration_leaves_the_error_and_retrying_is_safe(
    candidate_linkedin, scheduled, published, django_capture_on_commit_callbacks, admin_client
):
    candidate_linkedin.fail_next["register_integration"] = [
        PermanentError("Callback URL must use HTTPS", status=422)
    ]
    enable(django_capture_on_commit_callbacks)

    assert enablement.integration_setup.run() == {"registration": "error"}

    integration = Integration.objects.get()
    assert integration.status == Integration.Status.ERROR
    assert "Callback URL must use HTTPS" in integration.last_error
    assert not SyncRun.objects.filter(kind=SyncRun.Kind.BULK_SYNC).exists()
    page = admin_client.get(reverse("admin:tracker_rsc_integration_change", args=[integration.pk]))
    assert b"Retry setup" in page.content

    url = reverse("admin:tracker_rsc_integration_retry_setup")
    assert admin_client.get(url).status_code == 200  # the confirmation page
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url)
    assert response.status_code == 302
    assert published == [("syncjobs.tasks.integration_setup", ())]

    enablement.integration_setup.run()
    enablement.integration_setup.run()  # twice: still one bulk sync run, one registration each

    integration.refresh_from_db()
    assert integration.status == Integration.Status.ENABLED and integration.last_error == ""
    assert len(candidate_linkedin.registrations) == 2
    assert SyncRun.objects.filter(kind=SyncRun.Kind.BULK_SYNC).count() == 1


def test_retry_is_refused_when_there_is_nothing_to_retry(admin_client, published):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.integration_setup_retry(actor=None)  # disabled
    integration = Integration.get()
    Integration.objects.filter(pk=integration.pk).update(
        status=Integration.Status.ENABLED, organization_urn=ORG, registered_at="2026-01-01T00:00Z"
    )
    with pytest.raises(ValidationError):
        services.integration_setup_retry(actor=None)
    response = admin_client.post(reverse("admin:tracker_rsc_integration_retry_setup"))
    assert response.status_code == 302 and published == []


def test_transient_registration_failures_retry_then_record_the_error(
    candidate_linkedin, django_capture_on_commit_callbacks
):
    failures = [TransientError("Service Unavailable", status=503) for _ in range(10)]
    candidate_linkedin.fail_next["register_integration"] = failures
    enable(django_capture_on_commit_callbacks)
    task = enablement.integration_setup

    result = task.apply()  # eagerly: every retry runs at once

    assert result.get() == {"registration": "error"}
    assert len(failures) == 10 - (task.max_retries + 1)  # one call per attempt
    integration = Integration.objects.get()
    assert integration.status == Integration.Status.ERROR
    assert "Service Unavailable" in integration.last_error
    assert integration.registered_at is None


def test_setup_does_nothing_when_disabled(candidate_linkedin):
    assert enablement.integration_setup_run() == {"registration": "not enabled"}
    assert candidate_linkedin.registrations == []


def test_enable_integration_command_queues_the_setup(published, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        call_command("enable_integration", "--organization", ORG, "--contract", "urn:li:contract:9")

    assert ("syncjobs.tasks.integration_setup", ()) in published


def test_housekeeping_requeues_a_lost_setup_and_a_stalled_bulk_sync(
    candidate_linkedin, scheduled, published, django_capture_on_commit_callbacks
):
    enable(django_capture_on_commit_callbacks)
    published.clear()
    assert enablement.integration_housekeeping() == {"setup_queued": 1, "bulk_sync_queued": 0}
    assert published == [("syncjobs.tasks.integration_setup", ())]

    enablement.integration_setup_run()  # registers, leaves a pending bulk run, queues a step
    scheduled.clear()
    assert enablement.integration_housekeeping() == {"setup_queued": 0, "bulk_sync_queued": 0}
    assert scheduled == []  # that step is on its way (see the next test for a lost one)


def test_housekeeping_leaves_a_queued_step_alone_and_resumes_a_lost_one(
    candidate_linkedin, scheduled, published, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from syncjobs.runs import stale_after

    enable(django_capture_on_commit_callbacks)
    enablement.integration_setup_run()
    run = SyncRun.objects.get(kind=SyncRun.Kind.BULK_SYNC)
    # Released a moment ago with its next step queued (a back-off countdown, say).
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
    scheduled.clear()
    assert enablement.integration_housekeeping()["bulk_sync_queued"] == 0
    assert scheduled == []

    # The broker lost that step: nothing has moved the run for longer than a step can take.
    SyncRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - stale_after() - timedelta(seconds=1)
    )
    assert enablement.integration_housekeeping()["bulk_sync_queued"] == 1
    assert scheduled == [0]
