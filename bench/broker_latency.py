"""From a push reaching Tracker to its task being done, through a real Celery worker.

    python bench/broker_latency.py                        # embedded default: filesystem broker
    CELERY_BROKER_POLLING_INTERVAL=1 python bench/broker_latency.py     # kombu's own default
    REDIS_URL=redis://127.0.0.1:6379/15 python bench/broker_latency.py  # production's broker

What the broker adds to every export (and every other push): the bench stores signed pushes
exactly as the callback does (``notification_receive``: signature check, row, enqueue on
commit) and a real ``celery worker`` process (solo pool, this repository's settings) claims and
settles each one. The push type is one Tracker does not process, so the task's own work is a
claim and one update: what is measured is the broker's delay (the export's own work is
``bench/exports.py``'s). Latency = the row's ``processed_at`` minus its ``received_at``, both
written by Tracker; pushes are sent one at a time, ``--gap`` apart.

Also printed: the worker's CPU while idle for ``--idle-seconds`` (what a short polling
interval costs), read from ``/proc/<pid>/stat``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import REPO_ROOT, print_figure, print_header, sandbox_environment, summarize

TARGET_P95_MS = 300.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=60, help="pushes (60)")
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between pushes (0.25)")
    parser.add_argument("--idle-seconds", type=float, default=20.0, help="idle CPU window (20)")
    args = parser.parse_args()
    if args.count < 1 or args.gap < 0 or args.idle_seconds < 0:
        parser.error("--count ≥ 1, --gap ≥ 0, --idle-seconds ≥ 0")
    return args


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (and its reaped children) from /proc, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def start_worker() -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "tracker_rsc",
            "worker",
            "--pool",
            "solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "warning",
        ],
        cwd=REPO_ROOT,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    args = parse_args()
    sandbox_environment("bench-broker-")
    os.environ["LINKEDIN_CLIENT_SECRET"] = "bench-broker-secret"  # noqa: S105
    from bench._common import setup_django

    setup_django()
    logging.disable(logging.WARNING)
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from syncjobs.models import InboundNotification
    from syncjobs.notifications import notification_receive
    from tracker_rsc.linkedin.signatures import SIGNATURE_HEADER, signature_header
    from tracker_rsc.models import Integration

    call_command("migrate", verbosity=0)
    integration = Integration.get()
    integration.status = Integration.Status.ENABLED
    integration.organization_urn = "urn:li:organization:2414183"
    integration.enabled_at = timezone.now()
    integration.save()
    token = integration.callback_token
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    broker = settings.CELERY_BROKER_URL.split("://", 1)[0]
    interval = options.get("polling_interval", "kombu's default (1 s)")
    print_header(f"broker latency — {broker} broker, polling interval {interval}")

    def push(n: int) -> InboundNotification:
        body = json.dumps({"type": "BENCH_BROKER_PROBE", "id": f"probe-{time.time_ns()}-{n}"})
        data = body.encode()
        receipt = notification_receive(
            token=token,
            body=data,
            headers={SIGNATURE_HEADER: signature_header(data, settings.LINKEDIN_CLIENT_SECRET)},
        )
        assert receipt.status_code == 200, receipt
        return receipt.notification

    def wait_done(notification: InboundNotification, timeout: float = 30.0) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = InboundNotification.objects.filter(pk=notification.pk).values(
                "received_at", "processed_at"
            )[0]
            if row["processed_at"] is not None:
                return (row["processed_at"] - row["received_at"]).total_seconds() * 1000
            time.sleep(0.005)
        raise TimeoutError(f"notification {notification.pk} not processed in {timeout} s")

    worker = start_worker()
    try:
        wait_done(push(-1), timeout=120)  # the worker is up and consuming
        latencies = []
        for n in range(args.count):
            latencies.append(wait_done(push(n)))
            time.sleep(args.gap)
        stats = summarize(latencies)
        print_figure("push stored → processed p50", stats["p50"], "ms")
        print_figure("push stored → processed p95", stats["p95"], "ms", target=TARGET_P95_MS)
        print_figure("push stored → processed max", stats["max"], "ms")
        if args.idle_seconds:
            time.sleep(2)
            before = process_cpu_seconds(worker.pid)
            time.sleep(args.idle_seconds)
            idle = process_cpu_seconds(worker.pid) - before
            print_figure("idle worker CPU (share of one core)", 100 * idle / args.idle_seconds, "%")
    finally:
        worker.terminate()
        worker.wait(timeout=30)


if __name__ == "__main__":
    main()
