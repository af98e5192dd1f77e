"""The Celery application: configuration comes from Django settings (``CELERY_*``)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker_rsc.settings")

app = Celery("tracker_rsc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="tracker_rsc.ping")
def ping() -> str:
    """A no-op task: the smoke test and /healthz/ checks prove a worker executes it."""
    return "pong"
