"""Bulk sync throughput, limiter utilisation and memory: ``python bench/bulk_sync.py``.

    python bench/bulk_sync.py                        # 100,000 candidates, fresh SQLite database
    python bench/bulk_sync.py --candidates 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_bulk_sync python bench/bulk_sync.py

The LinkedIn side is the sandbox, served over real HTTP by a threaded WSGI server on a local
port **in this process** (the adapter, its retries and the Rest.li encoding run exactly as in
production); the sandbox's own rate limits and latency are off, so the figures are Tracker's.

1. Throughput: the candidates table is topped up to N rows with ``bench/load_candidates.py``
   (realistic data: ``updated_at`` spread over five years, some emails missing, 40 % linked), the
   integration is enabled now, and one bulk sync runs to the end with Tracker's limiter off.
   Printed: candidates scanned and records sent per second, batches, skip counts, and the peak
   memory of the process (``ru_maxrss``; with ``--tracemalloc`` also Python's traced peak during
   the run, which slows it down). The sandbox's memory is included: it is the same process.
2. Limiter utilisation: the sandbox's stored candidates are cleared and a new bulk sync runs for
   ``--limiter-seconds`` (120) with the limiter on (10,000 records a minute, the file backend in
   a temporary folder so that nothing else shares the budget). Printed: the average records per
   minute that reached the sandbox (upserts and match reads, both count as records) against
   10,000, and the most records in any 60-second window (must not exceed 10,000). A run shorter
   than a few minutes reads high on average: the limiter admits a full minute's budget at once.

Without DATABASE_URL a fresh SQLite database is made in a temporary directory; with it, use a
scratch database (the run adds candidates and deletes earlier bench runs' bulk-sync links).
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import print_figure, print_header, sandbox_environment, start_server

ORG = "urn:li:organization:2414183"
RECORDS_PER_MINUTE = 10_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=100_000, help="table size (100,000)")
    parser.add_argument(
        "--limiter-seconds", type=float, default=120.0, help="length of the limiter run (120)"
    )
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations")
    parser.add_argument(
        "--standin",
        action="store_true",
        help="LinkedIn is bench/linkedin_standin.py in its own process (from memory, no "
        "database): prints Tracker's own CPU ms per candidate; no limiter run",
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="with --standin: cProfile the run, stats to FILE"
    )
    args = parser.parse_args()
    if args.candidates < 1 or args.limiter_seconds < 0:
        parser.error("--candidates must be at least 1 and --limiter-seconds not negative")
    return args


def prepare_environment() -> None:
    # Limiter state, token cache and (without DATABASE_URL) the database stay in a temp folder.
    sandbox_environment("bench-bulk-sync-", always_fresh_var_dir=True)
    os.environ.pop("REDIS_URL", None)


def cpu_seconds() -> float:
    """CPU time (user + system) of this whole process: with --standin, Tracker's alone."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_linkedin_side() -> None:
    from candidates.models import MatchReview, MemberLink
    from syncjobs.models import SyncRun
    from tracker_rsc.sandbox.models import ApiCall, AtsCandidate

    SyncRun.objects.filter(kind=SyncRun.Kind.BULK_SYNC).delete()
    MemberLink.objects.filter(method=MemberLink.Method.BULK_SYNC).delete()
    MatchReview.objects.all().delete()
    AtsCandidate.objects.all().delete()
    ApiCall.objects.all().delete()


def sandbox_records(since: float | None = None) -> int:
    from datetime import UTC, datetime

    from django.db.models import Sum

    from tracker_rsc.sandbox.models import ApiCall

    calls = ApiCall.objects.filter(endpoint="atsCandidates", status__lt=400)
    if since is not None:
        calls = calls.filter(at__gte=datetime.fromtimestamp(since, tz=UTC))
    return calls.aggregate(n=Sum("records"))["n"] or 0


def busiest_minute(since: float) -> int:
    """The most records the sandbox accepted in any 60-second window since ``since``."""
    from datetime import UTC, datetime, timedelta

    from tracker_rsc.sandbox.models import ApiCall

    calls = list(
        ApiCall.objects.filter(
            endpoint="atsCandidates",
            status__lt=400,
            at__gte=datetime.fromtimestamp(since, tz=UTC),
        )
        .order_by("at")
        .values_list("at", "records")
    )
    best = inside = 0
    first = 0
    for at, records in calls:
        inside += records
        while calls[first][0] <= at - timedelta(seconds=60):
            inside -= calls[first][1]
            first += 1
        best = max(best, inside)
    return best


def standin_run(args: argparse.Namespace) -> None:
    """One bulk sync against the in-memory stand-in: Tracker's CPU per candidate, profiled."""
    import cProfile
    import json
    import pstats
    import urllib.request

    from django.conf import settings
    from django.utils import timezone

    from bench.linkedin_standin import start_standin
    from candidates.models import MatchReview, MemberLink
    from syncjobs import bulk_sync
    from syncjobs.models import SyncRun
    from tracker_rsc.models import Integration

    process, url = start_standin()
    try:
        settings.LINKEDIN_API_URL = url
        settings.LINKEDIN_TOKEN_URL = f"{url}/oauth/v2/accessToken"
        settings.LINKEDIN_CLIENT_ID = "bench-client"
        settings.LINKEDIN_CLIENT_SECRET = "bench-secret"  # noqa: S105
        settings.LINKEDIN_RATE_LIMIT_ENABLED = False
        import syncjobs.enqueue

        syncjobs.enqueue.publish = lambda *a, **k: True
        integration = Integration.get()
        integration.status = Integration.Status.ENABLED
        integration.organization_urn = ORG
        integration.enabled_at = timezone.now()
        integration.registered_at = timezone.now()
        integration.history_years = 2
        integration.save()
        SyncRun.objects.filter(kind=SyncRun.Kind.BULK_SYNC).delete()
        MemberLink.objects.filter(method=MemberLink.Method.BULK_SYNC).delete()
        MatchReview.objects.all().delete()

        print_header(f"bulk sync — {args.candidates:,} candidates, in-memory LinkedIn stand-in")
        profiler = cProfile.Profile() if args.profile else None
        cpu_before = cpu_seconds()
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        run = bulk_sync.bulk_sync_run(sleep=lambda s: None)
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds() - cpu_before
        assert run is not None and run.status == SyncRun.Status.SUCCEEDED, run and run.error
        with urllib.request.urlopen(f"{url}/cpu") as answer:  # noqa: S310 (local stand-in)
            standin_cpu = json.load(answer)["cpu_seconds"]
        scanned = run.processed + run.skipped_total
        sent = run.counters.get("sent", 0)
        print(
            f"   run #{run.pk}: total {run.total:,}, scanned {scanned:,}, sent {sent:,}, "
            f"linked {run.linked:,}, failed {run.failed:,}, skipped {run.skipped}, "
            f"batches {run.counters.get('batches')}, counters {run.counters}"
        )
        print_figure("wall time, limiter off", elapsed, "s")
        print_figure("Tracker CPU time (this process)", cpu, "s")
        print_figure("stand-in CPU time (its own process)", standin_cpu, "s")
        print_figure(
            "Tracker CPU per candidate scanned", 1000 * cpu / max(1, scanned), "ms", target=0.2
        )
        print_figure("Tracker CPU per record sent", 1000 * cpu / max(1, sent), "ms")
        print_figure("candidates scanned per CPU second", scanned / cpu, "/s")
        if profiler:
            profiler.dump_stats(args.profile)
            stats = pstats.Stats(args.profile)
            print(f"   profile (cProfile, top 25 by cumulative time) in {args.profile}:")
            stats.sort_stats("cumulative").print_stats(25)
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    args = parse_args()
    prepare_environment()
    from bench._common import setup_django

    setup_django()
    logging.disable(logging.WARNING)
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    print("   migrating the bench database …", flush=True)
    call_command("migrate", verbosity=0)

    from bench.load_candidates import ensure_candidates
    from syncjobs import bulk_sync
    from syncjobs.models import SyncRun
    from tracker_rsc.models import Integration
    from tracker_rsc.sandbox.models import SandboxSettings

    ensure_candidates(args.candidates, verbose=True)
    if args.standin:
        standin_run(args)
        return
    server, url = start_server()
    base = f"{url}/sandbox/linkedin"
    settings.LINKEDIN_API_URL = base
    settings.LINKEDIN_TOKEN_URL = f"{base}/oauth/v2/accessToken"
    settings.SITE_URL = url
    settings.LINKEDIN_CLIENT_ID = "bench-client"
    settings.LINKEDIN_CLIENT_SECRET = "bench-secret"  # noqa: S105
    config = SandboxSettings.get()
    config.rate_limits_enabled = False
    config.save()
    # The outbox re-drive the completed run would queue has no broker here.
    import syncjobs.enqueue

    syncjobs.enqueue.publish = lambda *a, **k: True

    integration = Integration.get()
    integration.status = Integration.Status.ENABLED
    integration.organization_urn = ORG
    integration.enabled_at = timezone.now()
    integration.registered_at = timezone.now()
    integration.history_years = 2
    integration.save()
    reset_linkedin_side()

    print_header(f"bulk sync — {args.candidates:,} candidates, sandbox over local HTTP")

    # 1. Throughput, limiter off.
    settings.LINKEDIN_RATE_LIMIT_ENABLED = False
    if args.tracemalloc:
        tracemalloc.start()
    rss_before = rss_mib()
    started = time.perf_counter()
    run = bulk_sync.bulk_sync_run(sleep=lambda s: None)
    elapsed = time.perf_counter() - started
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
    if args.tracemalloc:
        tracemalloc.stop()
    assert run is not None and run.status == SyncRun.Status.SUCCEEDED, run and run.error
    scanned = run.processed + run.skipped_total
    sent = run.counters.get("sent", 0)
    print(
        f"   run #{run.pk}: total {run.total:,}, sent {sent:,}, linked {run.linked:,}, "
        f"failed {run.failed:,}, skipped {run.skipped}, batches {run.counters.get('batches')}"
    )
    print_figure("wall time, limiter off", elapsed, "s")
    print_figure("candidates scanned per second", scanned / elapsed, "/s")
    print_figure("records sent per second (upserts)", sent / elapsed, "/s")
    print_figure(
        "LinkedIn records per second (upserts+match reads)",
        sandbox_records() / elapsed,
        "/s",
    )
    print_figure("peak RSS of the process", rss_mib(), "MiB", note=f"(before: {rss_before:.0f})")
    if traced_peak is not None:
        print_figure("peak traced Python memory during the run", traced_peak, "MiB")

    # 2. Limiter utilisation over a short run.
    if args.limiter_seconds > 0:
        reset_linkedin_side()
        settings.LINKEDIN_RATE_LIMIT_ENABLED = True
        settings.LINKEDIN_RECORDS_PER_MINUTE = RECORDS_PER_MINUTE
        from tracker_rsc.linkedin import get_client

        run = bulk_sync.bulk_sync_claim()
        client = get_client()
        window_start = time.time()
        started = time.monotonic()
        bulk_sync.bulk_sync_step(run, client=client, deadline=started + args.limiter_seconds)
        minutes = (time.monotonic() - started) / 60
        records = sandbox_records(since=window_start - 1)
        per_minute = records / minutes
        run.refresh_from_db()
        print(
            f"   limiter run: {minutes * 60:.0f} s, {records:,} records reached the sandbox "
            f"({run.counters.get('sent', 0):,} candidates sent)"
        )
        print_figure("records per minute with the limiter on (average)", per_minute, "/min")
        print_figure(
            "most records in any 60-second window",
            busiest_minute(window_start - 1),
            "",
            target=RECORDS_PER_MINUTE,
            note="(LinkedIn's limit)",
        )
        print_figure("limiter utilisation (average / 10,000)", 100 * per_minute / 10_000, "%")
    server.shutdown()


if __name__ == "__main__":
    main()
