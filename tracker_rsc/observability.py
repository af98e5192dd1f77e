"""Error reporting: Sentry with the Django and Celery integrations, on only with ``SENTRY_DSN``."""

from __future__ import annotations

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    """Report unhandled errors of web requests and Celery tasks to Sentry.

    Candidates' personal data stays out of the reports (``send_default_pii`` off: no user,
    cookies or request bodies). Celery's task failures are reported once, by the integration,
    not again as log lines; beat's crashes are reported too.
    """
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        integrations=[DjangoIntegration(), CeleryIntegration(monitor_beat_tasks=False)],
    )
