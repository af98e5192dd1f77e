"""Recruiter pages at scale: query plans of the candidate list, and page render times.

    python bench/pages.py --count 1000000 [--requests 200]

Against ``DATABASE_URL`` (PostgreSQL in the real measurement; SQLite works for a small count).
Tops the candidates table up with ``bench.load_candidates.ensure_candidates``, gives a share of
them a Quick Skill and a few candidates a timeline and shortlists, then:

1. prints the query plan (``EXPLAIN ANALYZE`` on PostgreSQL, ``EXPLAIN QUERY PLAN`` on SQLite)
   of the list page's one page query: default order, search by name, search by email, filter
   linked, filter by skill and a second page (keyset cursor), and says which indexes it used;
2. renders the candidate list (rotating through those filters) and the candidate page
   ``--requests`` times each through Django's test Client, signed in as a seated recruiter,
   and prints p50/p95/p99.

Nothing here asserts: it prints figures (DESIGN §8: performance is measured in bench/).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

if str(Path(__file__).resolve().parent.parent) not in sys.path:  # run as `python bench/x.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import print_figure, print_header, setup_django, summarize, timed

setup_django()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from candidates.models import Candidate, CandidateSkill, QuickSkill  # noqa: E402
from candidates.normalize import normalize_skill  # noqa: E402
from candidates.selectors_pages import (  # noqa: E402
    CANDIDATES_PER_PAGE,
    CandidateFilters,
    Cursor,
    candidate_list_queryset,
    keyset_queryset,
)

BENCH_USER = "bench-pages"
BENCH_SKILL = "Bench Python"
# One candidate in this many gets the bench skill: a common skill, as Python is in an agency.
SKILL_EVERY = 50
# Candidates that get a timeline and shortlists, so the candidate page has something to draw.
DETAIL_SAMPLE = 40
ACTIVITIES_PER_DETAIL = 60
PLACEMENTS_PER_DETAIL = 5
# Targets for a signed-in page render through the test Client (server time, no network).
LIST_P95_TARGET_MS = 250.0
DETAIL_P95_TARGET_MS = 250.0


def _prepare(count: int, seed: int) -> tuple[object, list[int]]:
    """Data the pages need besides candidates; idempotent. Returns (user, detail ids)."""
    from bench.load_candidates import ensure_candidates

    call_command("migrate", verbosity=0, interactive=False)
    ensure_candidates(count, seed=seed)
    from django.contrib.auth import get_user_model

    from requisitions.models import Activity, Placement, Requisition
    from tracker_rsc.models import Contract, LinkedInSeat

    user, _ = get_user_model().objects.get_or_create(
        username=BENCH_USER, defaults={"first_name": "Bench", "last_name": "Recruiter"}
    )
    contract, _ = Contract.objects.get_or_create(urn="urn:li:contract:990001")
    LinkedInSeat.objects.get_or_create(
        seat_urn="urn:li:seat:990001", defaults={"user": user, "contract": contract}
    )
    skill, _ = QuickSkill.objects.get_or_create(
        key=normalize_skill(BENCH_SKILL), defaults={"name": BENCH_SKILL}
    )
    if not CandidateSkill.objects.filter(skill=skill).exists():
        print(f"   tagging one candidate in {SKILL_EVERY} with “{BENCH_SKILL}” …", flush=True)
        with connection.cursor() as cursor:
            table = CandidateSkill._meta.db_table
            cursor.execute(
                f"INSERT INTO {table} (candidate_id, skill_id, source, added_at) "
                f"SELECT id, %s, 'manual', updated_at FROM {Candidate._meta.db_table} "
                f"WHERE id %% {SKILL_EVERY} = 0",
                [skill.pk],
            )
    rng = random.Random(seed)
    max_id = Candidate.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    wanted = sorted({rng.randint(1, max_id) for _ in range(DETAIL_SAMPLE * 2)})
    detail_ids = list(
        Candidate.objects.filter(pk__in=wanted).values_list("pk", flat=True)[:DETAIL_SAMPLE]
    )
    requisition = Requisition.objects.filter(title="Bench requisition").first()
    if requisition is None:
        requisition = Requisition.objects.create(title="Bench requisition")
        requisition.owners.set([user])
    with transaction.atomic():
        for pk in detail_ids:
            if Activity.objects.filter(candidate_id=pk).exists():
                continue
            Activity.objects.bulk_create(
                Activity(
                    candidate_id=pk,
                    kind=rng.choice(["inmail", "note", "system", "export", "sync"]),
                    subject=f"Bench activity {i}",
                    body="Lorem ipsum " * 20,
                )
                for i in range(ACTIVITIES_PER_DETAIL)
            )
            placements = [Placement(candidate_id=pk, requisition=requisition)]
            for i in range(PLACEMENTS_PER_DETAIL - 1):
                extra = Requisition.objects.create(title=f"Bench requisition {pk}-{i}")
                placements.append(Placement(candidate_id=pk, requisition=extra))
            Placement.objects.bulk_create(placements, ignore_conflicts=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {CandidateSkill._meta.db_table}")
            cursor.execute(f"ANALYZE {Activity._meta.db_table}")
    return user, detail_ids


def _cases() -> dict[str, CandidateFilters]:
    sample = (
        Candidate.objects.exclude(email_key="")
        .exclude(last_name_key="")
        .order_by("-updated_at", "-id")
        .values("email_key", "last_name_key", "first_name_key")[1000:1001]
    )
    row = next(iter(sample), {"email_key": "a@b.c", "last_name_key": "smith", "first_name_key": ""})
    return {
        "default (newest updated first)": CandidateFilters(),
        f"search by name “{row['last_name_key'][:4]}”": CandidateFilters(
            text=row["last_name_key"][:4]
        ),
        f"search by full name “{row['first_name_key']} {row['last_name_key']}”": CandidateFilters(
            text=f"{row['first_name_key']} {row['last_name_key']}"
        ),
        f"search by email “{row['email_key']}”": CandidateFilters(text=row["email_key"]),
        "filter linked": CandidateFilters(linked="linked"),
        "filter unlinked, oldest first": CandidateFilters(linked="unlinked", ascending=True),
        f"filter skill “{BENCH_SKILL}”": CandidateFilters(skill=BENCH_SKILL),
    }


def _explain(queryset) -> str:
    if connection.vendor == "postgresql":
        return queryset.explain(analyze=True, buffers=True)
    return queryset.explain()


def _indexes_used(plan: str) -> list[str]:
    found = re.findall(
        r"(?:Index (?:Only )?Scan(?: Backward)? using|USING (?:COVERING )?INDEX|"
        r"Bitmap Index Scan on) (\w+)",
        plan,
    )
    return sorted(set(found))


def print_plans() -> None:
    print("\n-- list page query plans (one page of the candidate list)")
    for label, filters in _cases().items():
        queryset, _ = candidate_list_queryset(filters=filters)
        assert queryset is not None
        paged = keyset_queryset(
            queryset,
            field_name="updated_at",
            descending=not filters.ascending,
            cursor=None,
            per_page=CANDIDATES_PER_PAGE,
        )
        plan = _explain(paged)
        print(f"\n## {label}  — indexes: {', '.join(_indexes_used(plan)) or 'NONE'}")
        print(plan)
        if label.startswith("default"):
            last = list(paged)[-2]
            cursor = Cursor(at=last.updated_at, pk=last.pk)
            second = keyset_queryset(
                queryset,
                field_name="updated_at",
                descending=True,
                cursor=cursor,
                per_page=CANDIDATES_PER_PAGE,
            )
            plan = _explain(second)
            print(
                f"\n## default, second page (keyset cursor)  — indexes: "
                f"{', '.join(_indexes_used(plan)) or 'NONE'}"
            )
            print(plan)
    sys.stdout.flush()


def time_pages(user, detail_ids: list[int], requests: int, seed: int) -> None:
    # No query log in memory while timing, and static URLs without a collectstatic manifest.
    with override_settings(
        DEBUG=False,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        _time_pages(user, detail_ids, requests, seed)


def _time_pages(user, detail_ids: list[int], requests: int, seed: int) -> None:
    client = Client()
    client.force_login(user)
    urls = [
        "/candidates/",
        "/candidates/?sort=updated",
        "/candidates/?linked=linked",
        "/candidates/?linked=unlinked",
        f"/candidates/?skill={BENCH_SKILL.replace(' ', '+')}",
    ]
    for filters in _cases().values():
        if filters.text:
            urls.append(f"/candidates/?q={filters.text.replace(' ', '+')}")
    # Second pages: follow the first page's "Next" link of the default list.
    first = client.get("/candidates/").content.decode()
    found = re.search(r'rel="next" href="\?([^"]*)"', first)
    if found:
        urls.append("/candidates/?" + found.group(1).replace("&amp;", "&"))
    rng = random.Random(seed)
    for url in urls:  # warm-up: connections, template cache, first-touch pages
        client.get(url)

    list_times = []
    for i in range(requests):
        response, elapsed = timed(client.get, urls[i % len(urls)])
        if response.status_code != 200:
            raise SystemExit(f"{urls[i % len(urls)]} answered {response.status_code}")
        list_times.append(elapsed)
    detail_times = []
    for _ in range(requests):
        url = f"/candidates/{rng.choice(detail_ids)}/"
        response, elapsed = timed(client.get, url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        detail_times.append(elapsed)

    print(f"\n-- page render times through the test Client ({requests} requests each)")
    for label, samples, target in (
        ("candidate list", list_times, LIST_P95_TARGET_MS),
        ("candidate page", detail_times, DETAIL_P95_TARGET_MS),
    ):
        stats = summarize(samples)
        print_figure(f"{label} p50", stats["p50"])
        print_figure(f"{label} p95", stats["p95"], target=target)
        print_figure(f"{label} p99", stats["p99"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="candidates wanted")
    parser.add_argument("--requests", type=int, default=200, help="renders per page kind")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.count < 1 or args.requests < 1:
        parser.error("--count and --requests must be positive")
    print_header(f"recruiter pages at {args.count:,} candidates")
    user, detail_ids = _prepare(args.count, args.seed)
    print(f"   {Candidate.objects.order_by().count():,} candidates in the table")
    print_plans()
    time_pages(user, detail_ids, args.requests, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
