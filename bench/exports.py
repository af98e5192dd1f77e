"""Export to ATS, end to end: exports processed per second against the in-process sandbox.

    python bench/exports.py                 # 500 exports, one worker, a fresh SQLite database
    python bench/exports.py --count 2000 --workers 2
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_tracker python bench/exports.py

What one export costs, exactly as in production except for the broker: the sandbox (playing
LinkedIn, served by a threaded WSGI server on a local port in this process) signs the push and
POSTs it to Tracker's callback over HTTP → the callback verifies the signature, stores the
notification and enqueues its task → a worker runs the task function: it claims the row, fetches
the exported profile from the sandbox over HTTP, takes the identity locks, runs the duplicate
check, creates the candidate, links the member, shortlists them, maps the skills and records the
export activity. The broker is replaced by an in-memory queue (``--workers`` threads consume it)
so the figure is Tracker's own cost, not the broker's.

Arranged before the clock starts (LinkedIn's side of the work): N members, enough seats for
LinkedIn's 300 exports per seat per month, one synced job, and N exports queued as pushes. Timed:
from the first push delivery to the last candidate linked. Without DATABASE_URL a fresh SQLite
database is made in a temporary directory (nothing of the developer's ``var/`` is touched); with
it, use a scratch database: the run adds N candidates to it.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import queue
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import print_figure, print_header, sandbox_environment, start_server, summarize

SEAT_QUOTA_MARGIN = 250  # exports per sandbox seat, under LinkedIn's 300 per seat per month


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=500, help="exports to process (500)")
    parser.add_argument("--workers", type=int, default=1, help="task worker threads (1)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the worker threads' tasks")
    args = parser.parse_args()
    if args.count < 1 or args.workers < 1:
        parser.error("--count and --workers must be at least 1")
    return args


def prepare_environment() -> None:
    sandbox_environment("bench-exports-")


def arrange(count: int, url: str) -> tuple[int, list[str]]:
    """Both sides of the world; returns the requisition id and the exports' request ids."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from requisitions.services import requisition_create
    from tracker_rsc.models import Contract, Integration, LinkedInSeat
    from tracker_rsc.sandbox import services as sandbox
    from tracker_rsc.sandbox.models import AtsIntegration, JobPosting, Member

    org = "urn:li:organization:2414183"
    base = f"{url}/sandbox/linkedin"
    settings.SITE_URL = url
    settings.LINKEDIN_API_URL = base
    settings.LINKEDIN_TOKEN_URL = f"{base}/oauth/v2/accessToken"
    settings.LINKEDIN_RATE_LIMIT_ENABLED = False

    integration = Integration.get()
    integration.status = Integration.Status.ENABLED
    integration.organization_urn = org
    integration.enabled_at = timezone.now()
    integration.save()
    owner, _ = get_user_model().objects.get_or_create(username="bench-exports-owner")
    requisition = requisition_create(
        owners=[owner], title="Bench: evergreen data engineers", kind="evergreen"
    )
    contract, _ = Contract.objects.get_or_create(urn="urn:li:contract:900")

    li_contract = sandbox.contract_ensure(urn="urn:li:contract:900", organization_urn=org)
    # Seats of this run only: LinkedIn's 300 exports per seat per month would refuse a second
    # run in the same scratch database that reused the first run's seats.
    stamp = int(time.time())
    seats = []
    for n in range(-(-count // SEAT_QUOTA_MARGIN)):
        seat_urn = f"urn:li:seat:{stamp}{n:04d}"
        seats.append(
            sandbox.seat_ensure(
                contract=li_contract,
                urn=seat_urn,
                person_urn=f"urn:li:person:benchseat{stamp}x{n}",
            )
        )
        LinkedInSeat.objects.get_or_create(
            seat_urn=seat_urn, defaults={"contract": contract, "user": owner}
        )
    members = Member.objects.bulk_create(
        Member(
            person_urn=f"urn:li:person:bench{stamp}x{n}",
            first_name=f"Bench{n}",
            last_name=f"Exportee{stamp}",
            emails=[],
            profile_url=f"https://www.linkedin.com/in/bench-{stamp}-{n}",
            headline="Data Engineer",
            location="London, United Kingdom",
            companies=["Acme"],
            skills=["Python", "Apache Spark", "SQL"],
            positions=[{"title": "Data Engineer", "companyName": "Acme"}],
        )
        for n in range(count)
    )
    JobPosting.objects.update_or_create(
        integration_context=org,
        external_job_posting_id=str(requisition.pk),
        defaults={"title": requisition.title, "state": "LISTED"},
    )
    AtsIntegration.objects.update_or_create(
        integration_context=org,
        integration_type="ONE_CLICK_EXPORT",
        tenant_type="RECRUITER",
        defaults={
            "status": "ENABLED",
            "callback_url": f"{url}{integration.callback_path}",
            "configurations": {"JOB_POSTING_VIEWERS": "ALL_PRODUCT_USERS"},
        },
    )
    request_ids = [
        sandbox.export_create(
            seat_urn=seats[n // SEAT_QUOTA_MARGIN].urn,
            person_urn=member.person_urn,
            job_id=str(requisition.pk),
            email=f"bench{stamp}.{n}@example.com",
        ).request_id
        for n, member in enumerate(members)
    ]
    return requisition.pk, request_ids


def main() -> None:
    args = parse_args()
    prepare_environment()
    from bench._common import setup_django

    setup_django()
    logging.disable(logging.WARNING)
    from django.core.management import call_command
    from django.db import connections

    print("   migrating the bench database …", flush=True)
    call_command("migrate", verbosity=0)

    from django.db.models import Count

    import syncjobs.enqueue
    import tracker_rsc.sandbox.tasks
    from candidates.models import MemberLink
    from requisitions.models import Placement
    from syncjobs.models import InboundNotification
    from syncjobs.notifications import notification_process_task
    from tracker_rsc.sandbox.models import DeliveryAttempt
    from tracker_rsc.sandbox.pushes import deliver_pending_pushes

    # The sandbox's own delivery task and Tracker's broker are replaced by direct calls.
    tracker_rsc.sandbox.tasks.enqueue_delivery = lambda push_id: None
    tasks: queue.Queue[int | None] = queue.Queue()

    def publish(task: object, *task_args: object, **kwargs: object) -> bool:
        if getattr(task, "name", "") == "syncjobs.tasks.notification_process":
            tasks.put(int(task_args[0]))  # type: ignore[arg-type]
        return True

    syncjobs.enqueue.publish = publish

    server, url = start_server()
    requisition_id, request_ids = arrange(args.count, url)
    print_header(f"Export to ATS end to end — {args.count} exports, {args.workers} worker(s)")

    durations: list[float] = []
    cpu_ms: list[float] = []
    claimed: list[int] = []
    done = threading.Semaphore(0)

    def thread_cpu() -> float:
        # This worker thread's own CPU: not the sandbox's threads answering it.
        usage = resource.getrusage(resource.RUSAGE_THREAD)
        return usage.ru_utime + usage.ru_stime

    profiles: list[cProfile.Profile] = []

    def worker() -> None:
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiles.append(profiler)
        while True:
            notification_id = tasks.get()
            if notification_id is None:
                break
            started, cpu_started = time.perf_counter(), thread_cpu()
            if profiler:
                profiler.enable()
            if notification_process_task(notification_id) is not None:
                claimed.append(notification_id)
            if profiler:
                profiler.disable()
            cpu_ms.append((thread_cpu() - cpu_started) * 1000)
            durations.append((time.perf_counter() - started) * 1000)
            done.release()
        connections.close_all()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.workers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    delivery = deliver_pending_pushes(force=True)
    delivered_at = time.perf_counter()
    for _ in range(delivery["delivered"]):
        done.acquire()
    finished = time.perf_counter()
    for _ in threads:
        tasks.put(None)
    for thread in threads:
        thread.join()
    server.shutdown()

    elapsed = finished - started
    if profiles:
        stats = pstats.Stats(*profiles)
        stats.dump_stats(args.profile)
        print(f"   profile of the tasks (cProfile, top 30 by own time) in {args.profile}:")
        stats.sort_stats("tottime").print_stats(30)
    notifications = InboundNotification.objects.filter(
        event_type="EXPORT_CANDIDATE_PROFILE", request_id__in=request_ids
    )
    processed = notifications.filter(status=InboundNotification.Status.PROCESSED).count()
    linked = MemberLink.objects.filter(
        method="export",
        unlinked_at__isnull=True,
        candidate__placements__requisition_id=requisition_id,
    ).count()
    placed = Placement.objects.filter(requisition_id=requisition_id).count()
    callback_ms = [
        float(ms)
        for ms in DeliveryAttempt.objects.filter(
            push__request_id__in=request_ids, ok=True
        ).values_list("duration_ms", flat=True)
    ]
    print(f"   exports queued in the sandbox: {len(request_ids)}; pushes delivered: {delivery}")
    print(f"   processed {processed}, candidates linked {linked}, shortlisted {placed}")
    print_figure("end to end: exports processed per second", args.count / elapsed, "/s")
    print_figure("end to end: wall time", elapsed, "s")
    print_figure("callback phase (all pushes stored)", delivered_at - started, "s")
    if callback_ms:
        stats = summarize(callback_ms)
        print_figure("callback POST round trip p50", stats["p50"], "ms")
        print_figure(
            "callback POST round trip p95",
            stats["p95"],
            "ms",
            target=3000,
            note="(LinkedIn gives up after 3 s)",
        )
    if durations:
        stats = summarize(durations)
        print_figure("task (fetch + intake) p50", stats["p50"], "ms")
        print_figure("task (fetch + intake) p95", stats["p95"], "ms")
        cpu = summarize(cpu_ms)
        print_figure("worker CPU per export (mean)", sum(cpu_ms) / len(cpu_ms), "ms")
        print_figure("worker CPU per export p95", cpu["p95"], "ms")
        print_figure("exports per CPU second of a worker", 1000 * len(cpu_ms) / sum(cpu_ms), "/s")
    visible = [
        (processed_at - received_at).total_seconds() * 1000
        for received_at, processed_at in notifications.filter(
            processed_at__isnull=False
        ).values_list("received_at", "processed_at")
    ]
    if visible:
        stats = summarize(visible)
        note = "(all pushed at once: includes the backlog's wait)"
        print_figure("push stored → candidate visible p50", stats["p50"], "ms", note=note)
        print_figure("push stored → candidate visible p95", stats["p95"], "ms", note=note)
    twice = len(claimed) - len(set(claimed))
    per_export = (
        MemberLink.objects.filter(
            method="export", candidate__placements__requisition_id=requisition_id
        )
        .values("person_urn")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    print_figure("exports processed twice (claims, extra links)", twice + per_export, "", target=0)
    if processed != args.count or linked < args.count:
        print("   WARNING: not every export was processed and linked", flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
