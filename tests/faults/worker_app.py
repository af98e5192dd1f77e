"""The Celery app the fault tests' worker runs: Tracker's own, restoring unacknowledged
messages every second instead of kombu's default of about 100 s (10 s x a throttle of 10).

Production keeps the default: there the visibility timeout is an hour, so how often the worker
looks for expired deliveries hardly matters; here redelivery must happen within seconds.
"""

from __future__ import annotations

from tracker_rsc.celery import app

app.conf.broker_transport_options = {
    **app.conf.broker_transport_options,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}

__all__ = ["app"]
