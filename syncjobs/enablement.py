"""Enablement (docs/architecture.md §4.1): what happens once an admin enabled the integration.

``tracker_rsc.services.integration_enable`` (admin page, ``manage.py enable_integration``) sends
``integration_enabled`` after its commit; the admin's "Retry setup" sends
``integration_setup_requested``. Both queue ``integration_setup``, which

1. registers the integrations (ONE_CLICK_EXPORT, IN_ATS_INDICATOR, PROFILE_PLUGIN, CSA_API per
   contract) and the callback URL with LinkedIn (``register_integration``, idempotent on
   LinkedIn's side), then records it (``integration_mark_registered``). LinkedIn refusing it
   (a 4xx, refused credentials, a callback URL it cannot take) puts the integration in
   ``error`` with LinkedIn's message; a transient failure retries with backoff and, after
   the last retry, records the error the same way. Retrying is always safe;
2. pulls every contract's seats (``seat_sync``): a failure there is recorded on its run and
   does not hold up the bulk sync;
3. starts the bulk sync (``bulk_sync``), unless it has already completed for this organization.

LinkedIn's status of each integration arrives later by push (``INTEGRATION_STATUS_CHANGE``,
handled in ``notifications``): ``atsIntegrations?q=request`` can only be read with the request
id of such a push, so there is nothing to poll here.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from syncjobs import enqueue
from syncjobs.models import SyncRun
from syncjobs.views import callback_token_forget, callback_token_remember
from tracker_rsc import services as integration_services
from tracker_rsc import signals
from tracker_rsc.linkedin import LinkedInAPI, LinkedInError, TransientError, get_client
from tracker_rsc.models import Contract, Integration, new_callback_token

logger = logging.getLogger(__name__)

# Registration retries on transient failures: 1, 2, 4, 8, 16 minutes (jittered), then the
# integration is put in error for an admin to retry.
SETUP_MAX_RETRIES = 5
SETUP_BACKOFF_SECONDS = 60

REGISTERED = "registered"
FAILED = "error"
SKIPPED = "not enabled"


def customer_name() -> str:
    """The name LinkedIn shows for this customer's integrations ("Tracker (host)")."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"Tracker ({host})"


def _send_registration(
    *, integration: Integration, callback_token: str, client: LinkedInAPI | None
) -> list[str]:
    """Register the integrations and the callback URL for ``callback_token``; the contracts."""
    contracts = list(Contract.objects.filter(active=True).values_list("urn", flat=True))
    # LinkedIn validates the URL with a challenge right away: answer it from the cache.
    callback_token_remember(callback_token)
    client = client or get_client(organization_urn=integration.organization_urn)
    client.register_integration(
        organization_urn=integration.organization_urn,
        contract_urns=contracts,
        callback_url=settings.SITE_URL + reverse("linkedin-callback", args=[callback_token]),
        customer_name=customer_name(),
    )
    return contracts


def callback_token_rotate(*, actor: Any, client: LinkedInAPI | None = None) -> str:
    """Give the callback URL a new token, registered with LinkedIn first; returns a report.

    The token is the callback's credential; rotating it is the answer to a token seen where it
    should not be. The new URL is registered with LinkedIn (the enablement's registration,
    idempotent for the integrations) and only once LinkedIn accepted it does the new token
    replace the old one, which from then on is refused (404) at once. When LinkedIn refuses or
    cannot be reached, nothing changes: ValidationError says why, the old token keeps working.
    A disabled integration has nothing registered: the token is replaced, and the new URL is
    registered when the integration is enabled.
    """
    integration = Integration.get()
    old_token = integration.callback_token
    new_token = new_callback_token()
    registered = integration.status != Integration.Status.DISABLED
    if registered:
        try:
            _send_registration(integration=integration, callback_token=new_token, client=client)
        except TransientError as exc:
            callback_token_forget(new_token)
            raise ValidationError(
                f"LinkedIn could not be reached to register the new callback URL: {exc}. The "
                "callback token was not changed and keeps working; try again later."
            ) from exc
        except LinkedInError as exc:
            callback_token_forget(new_token)
            status = f" (HTTP {exc.status})" if exc.status else ""
            raise ValidationError(
                f"LinkedIn did not accept the new callback URL: {exc.message}{status}. The "
                "callback token was not changed and keeps working."
            ) from exc
        except (ValueError, ImproperlyConfigured) as exc:
            callback_token_forget(new_token)
            raise ValidationError(
                f"The new callback URL cannot be registered: {exc}. The callback token was not "
                "changed and keeps working."
            ) from exc
    values: dict[str, Any] = {"callback_token": new_token}
    if registered:
        values["registered_at"] = timezone.now()
    if not Integration.objects.filter(pk=integration.pk, callback_token=old_token).update(**values):
        callback_token_forget(new_token)
        raise ValidationError(
            "The callback token was rotated by someone else meanwhile; rotate again to register "
            "the current one."
        )
    callback_token_forget(old_token)
    who = actor.get_username() if actor is not None else "a command"
    logger.warning("callback token rotated by %s (registered with LinkedIn: %s)", who, registered)
    if registered:
        return (
            "Rotated the callback token: LinkedIn accepted the new callback URL; the old one no "
            "longer works."
        )
    return (
        "Rotated the callback token; the new callback URL is registered with LinkedIn when the "
        "integration is enabled."
    )


def integration_register(*, client: LinkedInAPI | None = None) -> str:
    """Register the integrations and the callback URL with LinkedIn, and record the outcome.

    Returns "registered", "error" (LinkedIn refused; the integration is in error with its
    message) or "not enabled". Raises TransientError when LinkedIn could not answer now.
    """
    integration = Integration.get()
    if integration.status == Integration.Status.DISABLED:
        return SKIPPED
    try:
        contracts = _send_registration(
            integration=integration, callback_token=integration.callback_token, client=client
        )
    except TransientError:
        raise
    except LinkedInError as exc:
        integration_services.integration_set_error(
            message=f"LinkedIn refused the registration: {exc.message}"
            + (f" (HTTP {exc.status})" if exc.status else "")
        )
        return FAILED
    except (ValueError, ImproperlyConfigured) as exc:
        integration_services.integration_set_error(
            message=f"The registration cannot be sent: {exc}"
        )
        return FAILED
    try:
        integration_services.integration_mark_registered()
    except ValidationError:  # disabled meanwhile
        return SKIPPED
    logger.info(
        "registered with LinkedIn: %s, contracts %s", integration.organization_urn, contracts
    )
    return REGISTERED


def integration_setup_run(*, client: LinkedInAPI | None = None) -> dict[str, Any]:
    """Register, pull the seats, start the bulk sync. Idempotent; see the module docstring."""
    from syncjobs.bulk_sync import bulk_sync_claim, bulk_sync_schedule
    from syncjobs.runs import sync_run_release
    from syncjobs.seat_sync import seat_sync_runs

    registration = integration_register(client=client)
    if registration != REGISTERED:
        return {"registration": registration}
    seat_runs = seat_sync_runs(client=client)
    run = bulk_sync_claim()
    if run is not None:
        # Claimed only to create it with its scope; the steps run in their own tasks.
        sync_run_release(run)
        bulk_sync_schedule()
    return {
        "registration": registration,
        "seat_runs": len(seat_runs),
        "bulk_sync_run": run.pk if run is not None else None,
    }


@shared_task(
    name="syncjobs.tasks.integration_setup",
    bind=True,
    max_retries=SETUP_MAX_RETRIES,
    acks_late=True,
)
def integration_setup(self: Any) -> dict[str, Any]:
    """Celery entry point of ``integration_setup_run``: transient failures retry with backoff;
    after the last retry the integration is put in error (an admin retries from its page)."""
    try:
        return integration_setup_run()
    except TransientError as exc:
        if self.request.retries >= self.max_retries:
            integration_services.integration_set_error(
                message=f"LinkedIn could not be reached to register the integration "
                f"after {self.max_retries + 1} attempts: {exc}"
            )
            return {"registration": FAILED}
        countdown = max(exc.retry_after or 0, SETUP_BACKOFF_SECONDS * (2**self.request.retries))
        raise self.retry(exc=exc, countdown=countdown) from exc


@receiver(signals.integration_enabled, dispatch_uid="syncjobs.integration_enabled")
@receiver(signals.integration_setup_requested, dispatch_uid="syncjobs.integration_setup_requested")
def on_integration_enabled(sender: Any, integration: Integration, **_: Any) -> None:
    """Queue the setup once the enabling (or retry) transaction has committed."""
    enqueue.enqueue_on_commit(integration_setup)


@shared_task(name="syncjobs.tasks.integration_housekeeping")
def integration_housekeeping() -> dict[str, int]:
    """Every few minutes (beat): re-queue a setup whose task was lost, and a bulk sync that
    stopped moving.

    A registration that never happened (enabled, not registered, no error) is set up again. A
    bulk sync run is continued when nothing has moved it for longer than a step can take
    (``stale_after``): its next step was lost (the broker was down when it was queued, say) or
    its worker died. A run released moments ago has its next step queued, perhaps with a
    back-off countdown, and is left alone, so this never cuts a back-off short.
    """
    from syncjobs.bulk_sync import bulk_sync_needed, bulk_sync_schedule
    from syncjobs.runs import stale_after

    integration = Integration.get()
    counts = {"setup_queued": 0, "bulk_sync_queued": 0}
    if integration.is_enabled and integration.registered_at is None:
        counts["setup_queued"] = int(enqueue.publish(integration_setup))
        return counts
    if integration.is_enabled and bulk_sync_needed():
        from django.utils import timezone

        active = SyncRun.objects.filter(
            kind=SyncRun.Kind.BULK_SYNC, status__in=SyncRun.ACTIVE_STATUSES
        ).first()
        idle = (
            active is None
            or active.heartbeat_at is None
            or active.heartbeat_at < timezone.now() - stale_after()
        )
        if idle:
            counts["bulk_sync_queued"] = int(bulk_sync_schedule())
    return counts
