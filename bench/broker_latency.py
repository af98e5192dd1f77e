"""From a push reaching Tracker to its task being done, through real Celery workers.

    python bench/broker_latency.py                        # embedded default: filesystem broker
    CELERY_BROKER_POLLING_INTERVAL=1 python bench/broker_latency.py     # kombu's own default
    REDIS_URL=redis://127.0.0.1:6379/15 python bench/broker_latency.py  # production's broker
    python bench/broker_latency.py --exports --burst 300 --workers 2    # real exports

What the broker adds to every export (and every other push): the bench stores signed pushes
exactly as the callback does (``notification_receive``: signature check, row, enqueue on
commit) and a real ``celery worker`` process (solo pool, this repository's settings) claims and
settles each one. The push type is one Tracker does not process, so the task's own work is a
claim and one update: what is measured is the broker's delay (the export's own work is
``bench/exports.py``'s). Latency = the row's ``processed_at`` minus its ``received_at``, both
written by Tracker; pushes are sent one at a time, ``--gap`` apart.

With ``--exports`` the pushes are real exports (``EXPORT_CANDIDATE_PROFILE``): the worker
fetches each profile from ``bench/linkedin_standin.py`` (its own process, from memory) and runs
the whole intake, so the latency is push stored → candidate visible. ``--burst N`` then stores
N pushes at once and ``--workers`` worker processes drain them: exports per second (first push
stored → last candidate visible), the workers' CPU per export, and how many were processed
twice (claims and links; must be 0).

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
    parser.add_argument("--exports", action="store_true", help="real exports, not probes")
    parser.add_argument("--burst", type=int, default=0, help="with --exports: N pushes at once")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (1)")
    args = parser.parse_args()
    if args.count < 1 or args.gap < 0 or args.idle_seconds < 0 or args.workers < 1:
        parser.error("--count ≥ 1, --gap ≥ 0, --idle-seconds ≥ 0, --workers ≥ 1")
    if args.burst and not args.exports:
        parser.error("--burst needs --exports")
    return args


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (and its reaped children) from /proc, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def start_worker() -> subprocess.Popen:
    # Its log goes to the run's var dir, for when a figure looks wrong.
    log = open(Path(os.environ["TRACKER_VAR_DIR"]) / "worker.log", "a")  # noqa: SIM115
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
            "info",
        ],
        cwd=REPO_ROOT,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def main() -> None:
    args = parse_args()
    sandbox_environment("bench-broker-", always_fresh_var_dir=True)
    os.environ["LINKEDIN_CLIENT_SECRET"] = "bench-broker-secret"  # noqa: S105
    standin = None
    if args.exports:
        from bench.linkedin_standin import start_standin

        standin, url = start_standin()
        os.environ["LINKEDIN_API_URL"] = url
        os.environ["LINKEDIN_TOKEN_URL"] = f"{url}/oauth/v2/accessToken"
        os.environ["LINKEDIN_CLIENT_ID"] = "bench-client"
        os.environ["LINKEDIN_RATE_LIMIT_ENABLED"] = "false"
    try:
        measure(args)
    finally:
        if standin is not None:
            standin.terminate()
            standin.wait()


def measure(args: argparse.Namespace) -> None:
    from bench._common import setup_django

    setup_django()
    logging.disable(logging.WARNING)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db.models import Count
    from django.utils import timezone

    from candidates.models import MemberLink
    from requisitions.services import requisition_create
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
    requisition_id = 0
    if args.exports:
        owner, _ = get_user_model().objects.get_or_create(username="bench-broker-owner")
        requisition_id = requisition_create(
            owners=[owner], title="Bench: broker latency", kind="evergreen"
        ).pk
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    broker = settings.CELERY_BROKER_URL.split("://", 1)[0]
    interval = options.get("polling_interval", "none (pushed)" if broker != "filesystem" else 1)
    what = "exports" if args.exports else "probes"
    print_header(
        f"push → done, {what}, {broker} broker (polling interval {interval}), "
        f"{args.workers} worker process(es)"
    )
    stamp = time.time_ns()

    def push(n: int) -> InboundNotification:
        kind = "EXPORT_CANDIDATE_PROFILE" if args.exports else "BENCH_BROKER_PROBE"
        request_id = f"req{requisition_id}x{stamp}-{n}" if args.exports else f"probe-{stamp}-{n}"
        data = json.dumps({"type": kind, "id": request_id}).encode()
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
                "received_at", "processed_at", "status", "error"
            )[0]
            if row["processed_at"] is not None:
                expected = "processed" if args.exports else "ignored"
                assert row["status"] == expected, row
                return (row["processed_at"] - row["received_at"]).total_seconds() * 1000
            time.sleep(0.005)
        raise TimeoutError(f"notification {notification.pk} not processed in {timeout} s")

    from syncjobs.models import OutboxEvent

    backlog = OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING).count()
    if backlog:
        # Workers would spend their time sending these to the stand-in: not what is measured.
        print(f"   WARNING: {backlog:,} outbox events pending in this database; use a fresh one")
    workers = [start_worker() for _ in range(args.workers)]
    try:
        wait_done(push(-1), timeout=120)  # a worker is up and consuming
        latencies = []
        for n in range(args.count):
            latencies.append(wait_done(push(n)))
            time.sleep(args.gap)
        stats = summarize(latencies)
        label = "push stored → candidate visible" if args.exports else "push stored → processed"
        print_figure(f"{label} p50", stats["p50"], "ms")
        print_figure(f"{label} p95", stats["p95"], "ms", target=TARGET_P95_MS)
        print_figure(f"{label} max", stats["max"], "ms")
        if args.burst:
            cpu_before = sum(process_cpu_seconds(w.pid) for w in workers)
            pushed = [push(10_000_000 + n) for n in range(args.burst)]
            ids = [p.pk for p in pushed]
            for notification in pushed:
                wait_done(notification, timeout=600)
            cpu = sum(process_cpu_seconds(w.pid) for w in workers) - cpu_before
            rows = InboundNotification.objects.filter(pk__in=ids)
            first = min(rows.values_list("received_at", flat=True))
            last = max(rows.values_list("processed_at", flat=True))
            seconds = (last - first).total_seconds()
            visible = [
                (done - got).total_seconds() * 1000
                for got, done in rows.values_list("received_at", "processed_at")
            ]
            claims = rows.filter(attempts__gt=1).count()
            twice = (
                MemberLink.objects.filter(method="export", unlinked_at__isnull=True)
                .values("person_urn")
                .annotate(n=Count("pk"))
                .filter(n__gt=1)
                .count()
            )
            burst = summarize(visible)
            print(f"   burst: {args.burst} pushes stored at once, then drained")
            print_figure("burst: exports per second (stored → visible)", args.burst / seconds, "/s")
            print_figure("burst: push stored → candidate visible p50", burst["p50"], "ms")
            print_figure("burst: push stored → candidate visible p95", burst["p95"], "ms")
            print_figure("burst: worker CPU per export", 1000 * cpu / args.burst, "ms")
            print_figure("burst: exports processed twice", claims + twice, "", target=0)
        if args.idle_seconds:
            time.sleep(2)
            before = process_cpu_seconds(workers[0].pid)
            time.sleep(args.idle_seconds)
            idle = process_cpu_seconds(workers[0].pid) - before
            print_figure("idle worker CPU (share of one core)", 100 * idle / args.idle_seconds, "%")
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)


if __name__ == "__main__":
    main()
