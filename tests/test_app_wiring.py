"""Every process wires the whole integration, not only the Celery worker.

Run in a fresh interpreter: inside the test session, test modules have already imported the
flow modules, which would hide a receiver or handler that only the worker registers (enabling
from ``manage.py enable_integration`` once queued nothing for that reason).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from syncjobs.models import OutboxEvent, SyncRun

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, django
django.setup()
from tracker_rsc import signals
from syncjobs import notifications, outbox, runs
print(json.dumps({
    "enabled_receivers": len(signals.integration_enabled.receivers),
    "outbox": sorted(outbox.HANDLERS),
    "pushes": sorted(notifications.HANDLERS),
    "runners": sorted(runs.RUNNERS),
}))
"""


def test_a_plain_django_process_registers_every_receiver_handler_and_runner():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tracker_rsc.settings"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    wiring = json.loads(done.stdout.strip().splitlines()[-1])
    assert wiring["enabled_receivers"] >= 1
    assert wiring["outbox"] == sorted(OutboxEvent.Kind.values)
    assert {
        "EXPORT_CANDIDATE_PROFILE",
        "APPLICATION_EVALUATION",
        "HIRING_PROJECT_CONNECTION_CHANGE",
    } <= set(wiring["pushes"])
    periodic = set(SyncRun.Kind.values) - {"evaluation_ingest"}
    assert periodic <= set(wiring["runners"])
