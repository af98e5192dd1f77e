"""The LinkedIn client's figures: limiter throughput against its limit, and client overhead.

    python bench/linkedin_client.py                     # 120 s at 10,000 records/min, 2 workers
    python bench/linkedin_client.py --seconds 30 --limit 3000 --workers 4
    REDIS_URL=redis://127.0.0.1:6379/5 python bench/linkedin_client.py   # the Redis limiter

(a) Limiter: ``--workers`` threads, each with its own ``LinkedInClient`` and its own limiter
instance over the shared budget (the file limiter of the embedded default, or Redis with
``REDIS_URL``), upsert 100-record batches for ``--seconds`` against the sandbox served by a
threaded WSGI server in this process, with zero latency and the sandbox's own limits set out of
the way. The figures come from the sandbox's call log, i.e. what "LinkedIn" received: records
per minute achieved against the configured limit, and the most records in any rolling minute
(which must not exceed the limit).

(b) Overhead: the time ``upsert_candidates`` spends in the client for one 100-record batch —
building the body and the Rest.li keys, the HTTP round trip through ``requests`` and parsing
the 100 per-record statuses — with the server replaced by ``responses`` answering a canned body
(no server time at all), and, for comparison, by a trivial local HTTP server.

Without DATABASE_URL a fresh SQLite database is made in a temporary directory (nothing of the
developer's ``var/`` is touched); with it, use a scratch database.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import print_figure, print_header, sandbox_environment, start_server, summarize

ORG = "urn:li:organization:2414183"
BATCH = 100  # LinkedIn's maximum batch size, and what the bulk sync sends


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="limiter run length (120)")
    parser.add_argument("--limit", type=int, default=10_000, help="records per minute (10000)")
    parser.add_argument("--workers", type=int, default=2, help="client threads (2)")
    parser.add_argument("--batches", type=int, default=300, help="overhead samples (300)")
    args = parser.parse_args()
    if args.seconds <= 0 or args.limit < BATCH or args.workers < 1 or args.batches < 10:
        parser.error("--seconds > 0, --limit >= 100, --workers >= 1, --batches >= 10")
    return args


def prepare_environment(args: argparse.Namespace) -> None:
    sandbox_environment("bench-linkedin-")
    os.environ["LINKEDIN_RECORDS_PER_MINUTE"] = str(args.limit)
    os.environ["LINKEDIN_RATE_LIMIT_ENABLED"] = "true"


def records(prefix: str, count: int = BATCH) -> list:
    from tracker_rsc.linkedin import CandidateRecord

    created = datetime(2025, 11, 1, 9, 0, tzinfo=UTC)
    return [
        CandidateRecord(
            candidate_id=f"{prefix}-{n}",
            first_name="Jane",
            last_name=f"Doe {n}",
            emails=[f"jane.{prefix}.{n}@example.com"],
            phones=["+44 20 7946 0000"],
            current_company="Acme",
            current_title="Senior Data Engineer",
            linkedin_profile_url="",
            external_profile_url=f"http://127.0.0.1:8000/candidates/{prefix}-{n}/",
            created_at=created,
            last_modified_at=created,
        )
        for n in range(count)
    ]


def client_for(url: str, **overrides: object):
    from django.conf import settings

    from tracker_rsc.linkedin import LinkedInClient, RetryPolicy
    from tracker_rsc.linkedin.limiter import get_limiter

    options: dict[str, object] = {
        "api_url": f"{url}/sandbox/linkedin",
        "token_url": f"{url}/sandbox/linkedin/oauth/v2/accessToken",
        "client_id": settings.LINKEDIN_CLIENT_ID,
        "client_secret": settings.LINKEDIN_CLIENT_SECRET,
        "version": settings.LINKEDIN_VERSION,
        "timeout": 30.0,
        "retry": RetryPolicy(attempts=5, base_wait=0.2, max_wait=5.0),
        "organization_urn": ORG,
        "limiters": {"candidates": get_limiter("candidates")},
    }
    options.update(overrides)
    return LinkedInClient(**options)  # type: ignore[arg-type]


def limiter_run(args: argparse.Namespace, url: str) -> None:
    from django.conf import settings
    from django.db import connections
    from django.utils import timezone

    from tracker_rsc.sandbox import limits
    from tracker_rsc.sandbox.models import ApiCall
    from tracker_rsc.sandbox.services import settings_update

    # LinkedIn's side out of the way: the client's limiter alone keeps the pace.
    settings_update(records_per_minute=10_000_000, requests_per_day=10_000_000)
    backend = "Redis" if settings.REDIS_URL else "file (fcntl)"
    if settings.REDIS_URL:
        from tracker_rsc.linkedin.limiter import get_limiter

        get_limiter("candidates").reset()  # type: ignore[attr-defined]
    print(
        f"   (a) limiter: {args.workers} worker(s), {backend} limiter at {args.limit:,} "
        f"records/min, {args.seconds:g} s of {BATCH}-record upserts",
        flush=True,
    )
    since = timezone.now()
    deadline = time.monotonic() + args.seconds
    errors: list[str] = []

    def worker(number: int) -> None:
        client = client_for(url)
        batch = 0
        try:
            while time.monotonic() < deadline:
                result = client.upsert_candidates(records(f"w{number}-b{batch}"))
                if result.failed:
                    errors.append(f"worker {number}: {len(result.failed)} records refused")
                batch += 1
        except Exception as exc:  # reported below; a bench must finish with its figures
            errors.append(f"worker {number}: {exc!r}")
        finally:
            client.close()
            connections.close_all()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    stats = limits.stats(family="candidates", since=since)
    points = list(
        ApiCall.objects.filter(family="candidates", at__gte=since, status__lt=400, records__gt=0)
        .order_by("at", "id")
        .values_list("at", "records")
    )
    print_figure("records sent (sandbox log)", stats["records"], "rec")
    print_figure("requests (sandbox log)", stats["requests"], "req")
    print_figure("run length (workers finish their last wait)", elapsed, "s")
    # Records per minute, in consecutive minutes from the first admitted call. The budget
    # starts full, so each whole minute should carry the limit, no more.
    whole = int((points[-1][0] - points[0][0]).total_seconds() // 60) if points else 0
    buckets = [0] * whole
    for at, count in points:
        index = int((at - points[0][0]).total_seconds() // 60)
        if index < whole:
            buckets[index] += count
    for number, count in enumerate(buckets, start=1):
        print_figure(f"records in minute {number}", count, "rec")
    if buckets:
        achieved = sum(buckets) / len(buckets)
        print_figure("records per minute achieved (whole minutes)", achieved, "rpm")
        print_figure("achieved / limit", achieved / args.limit, "x")
    print_figure(
        "max records in any rolling minute (sandbox)",
        stats["max_records_in_rolling_minute"],
        "rec",
        target=args.limit,
    )
    print_figure("429 answers from the sandbox", stats["throttled"], "")
    for error in errors[:5]:
        print(f"   ! {error}")


def overhead_with_responses(args: argparse.Namespace) -> list[float]:
    import responses

    from tracker_rsc.linkedin import restli

    url = "https://linkedin.bench"
    batch = records("o")
    keys = [
        restli.v1_key(
            {"atsCandidateId": r.candidate_id, "dataProvider": "ATS", "integrationContext": ORG}
        )
        for r in batch
    ]
    answer = json.dumps({"results": {k: {"status": 204} for k in keys}, "errors": {}})
    samples: list[float] = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(
            responses.POST,
            f"{url}/oauth/v2/accessToken",
            json={"access_token": "bench-token", "expires_in": "1800"},
        )
        mock.add(responses.PUT, f"{url}/v2/atsCandidates", body=answer, status=200)
        client = client_for(
            "https://unused",
            api_url=url,
            token_url=f"{url}/oauth/v2/accessToken",
            limiters={},
        )
        for round_number in range(args.batches + 10):
            started = time.perf_counter_ns()
            result = client.upsert_candidates(batch)
            took = (time.perf_counter_ns() - started) / 1_000_000
            assert len(result.succeeded) == BATCH, result.failed
            if round_number >= 10:  # the first calls warm caches and fetch the token
                samples.append(took)
        client.close()
    return samples


def overhead_with_trivial_server(args: argparse.Namespace) -> tuple[list[float], list[float]]:
    from tracker_rsc.linkedin import restli

    batch = records("t")
    keys = [
        restli.v1_key(
            {"atsCandidateId": r.candidate_id, "dataProvider": "ATS", "integrationContext": ORG}
        )
        for r in batch
    ]
    answer = json.dumps({"results": {k: {"status": 204} for k in keys}, "errors": {}}).encode()
    token = json.dumps({"access_token": "bench-token", "expires_in": "1800"}).encode()
    server_ms: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as requests' pooled session expects
        # Headers and body leave in two writes; with Nagle on, the body would wait for the
        # client's delayed ACK (~40 ms) and the figure would measure TCP, not the client.
        disable_nagle_algorithm = True

        def _answer(self, payload: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self._answer(token)

        def do_PUT(self) -> None:
            started = time.perf_counter_ns()
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self._answer(answer)
            server_ms.append((time.perf_counter_ns() - started) / 1_000_000)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    client = client_for(url, api_url=url, token_url=f"{url}/oauth/v2/accessToken", limiters={})
    samples: list[float] = []
    for round_number in range(args.batches + 10):
        started = time.perf_counter_ns()
        client.upsert_candidates(batch)
        took = (time.perf_counter_ns() - started) / 1_000_000
        if round_number >= 10:
            samples.append(took)
    client.close()
    server.shutdown()
    server.server_close()
    return samples, server_ms[10:]


def main() -> None:
    args = parse_args()
    prepare_environment(args)
    from bench._common import setup_django

    setup_django()
    logging.disable(logging.WARNING)
    from django.core.cache import cache
    from django.core.management import call_command

    print("   migrating the bench database …", flush=True)
    call_command("migrate", verbosity=0)
    cache.clear()
    server, url = start_server()
    print_header(f"LinkedIn client — limiter at {args.limit:,} records/min, overhead per batch")
    try:
        limiter_run(args, url)
    finally:
        server.shutdown()

    print(f"   (b) client overhead per {BATCH}-record upsert, {args.batches} samples", flush=True)
    mocked = summarize(overhead_with_responses(args))
    for name in ("p50", "p95", "max"):
        print_figure(f"client only (responses), {name}", mocked[name], "ms")
    real, server_side = overhead_with_trivial_server(args)
    round_trip, answer = summarize(real), summarize(server_side)
    for name in ("p50", "p95"):
        print_figure(f"trivial local server, round trip, {name}", round_trip[name], "ms")
    print_figure("  of which the server's handler, p50", answer["p50"], "ms")
    print_figure(
        "  client + HTTP overhead, p50 (round trip - server)",
        round_trip["p50"] - answer["p50"],
        "ms",
    )


if __name__ == "__main__":
    main()
