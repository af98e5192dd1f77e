"""Pages at scale: query plans of the candidate list, and render times of every page kind.

    python bench/pages.py --count 1000000 [--requests 200]

Against ``DATABASE_URL`` (PostgreSQL in the real measurement; SQLite works for a small count).
Tops the candidates table up with ``bench.load_candidates.ensure_candidates``, gives a share of
them a Quick Skill and a few candidates a timeline and shortlists, then:

1. prints the query plan (``EXPLAIN ANALYZE`` on PostgreSQL, ``EXPLAIN QUERY PLAN`` on SQLite)
   of the list page's one page query: default order, search by name, search by email, filter
   linked, filter by skill and a second page (keyset cursor), and says which indexes it used;
2. renders, ``--requests`` times each through Django's test Client, the candidate list
   (rotating through those filters, a one-letter search and a second page) and the candidate
   page as a seated recruiter, the requisition list and a requisition page with its shortlist,
   and, as an admin, the sync dashboard and the candidate admin list (plain, searched, and
   filtered); prints p50/p95/p99 and the most SQL queries one render of each kind ran;
3. side by side in one run, page 1 and a deep page (``--deep-page``, 10,000) of the recruiter
   list (keyset cursor: the deep page is a cursor at that position), the project's candidate
   admin (estimated count, OFFSET) and the stock Django admin changelist on the same table
   (``django.contrib.admin.ModelAdmin`` defaults on a bench-only admin site: ``COUNT(*)`` for
   the paginator and OFFSET for the page), with each page's ratio to the recruiter list's.

Nothing here asserts: it prints figures (docs/architecture.md §8: performance is measured in
bench/).
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
BENCH_ADMIN = "bench-pages-admin"
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
# Admin pages: staff tools, looked at less often, with counts and filters over the whole table.
ADMIN_P95_TARGET_MS = 500.0


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
    get_user_model().objects.filter(username=BENCH_ADMIN).exists() or (
        get_user_model().objects.create_superuser(BENCH_ADMIN, "", None)
    )
    requisition = Requisition.objects.filter(title="Bench requisition").first()
    if requisition is None:
        requisition = Requisition.objects.create(title="Bench requisition")
        requisition.owners.set([user])
    # Enough open requisitions for a full list page, each owned by the bench recruiter.
    missing = 60 - Requisition.objects.filter(title__startswith="Bench open ").count()
    for i in range(max(missing, 0)):
        Requisition.objects.create(title=f"Bench open {i}").owners.set([user])
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


def _requisition_id() -> int:
    from requisitions.models import Requisition

    return Requisition.objects.filter(title="Bench requisition").values_list("pk", flat=True)[0]


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


def _render(client: Client, urls: list[str], requests: int) -> tuple[list[float], int]:
    """Render ``urls`` in turn ``requests`` times: (milliseconds each, most queries in one)."""
    from django.db import reset_queries
    from django.test.utils import CaptureQueriesContext

    for url in urls:  # warm-up: connections, template cache, first-touch pages
        client.get(url)
    times, most_queries = [], 0
    for i in range(requests):
        url = urls[i % len(urls)]
        if i < len(urls):  # count each URL's queries once, outside the timed renders
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            most_queries = max(most_queries, len(queries))
        response, elapsed = timed(client.get, url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        times.append(elapsed)
    return times, most_queries


def _time_pages(user, detail_ids: list[int], requests: int, seed: int) -> None:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(user)
    urls = [
        "/candidates/",
        "/candidates/?sort=updated",
        "/candidates/?linked=linked",
        "/candidates/?linked=unlinked",
        f"/candidates/?skill={BENCH_SKILL.replace(' ', '+')}",
        "/candidates/?q=s",  # one letter: the widest prefix search there is
    ]
    for filters in _cases().values():
        if filters.text:
            urls.append(f"/candidates/?q={filters.text.replace(' ', '+')}")
    # Second pages: follow the first page's "Next" link of the default list.
    first = client.get("/candidates/").content.decode()
    found = re.search(r'rel="next" href="\?([^"]*)"', first)
    if found:
        urls.append("/candidates/?" + found.group(1).replace("&amp;", "&"))
    details = [
        f"/candidates/{pk}/" for pk in random.Random(seed).sample(detail_ids, len(detail_ids))
    ]
    admin = Client()
    admin.force_login(get_user_model().objects.get(username=BENCH_ADMIN))
    email = _cases_sample_email()
    pages = [
        ("candidate list", client, urls, LIST_P95_TARGET_MS),
        ("candidate page", client, details, DETAIL_P95_TARGET_MS),
        ("requisition list", client, ["/requisitions/"], LIST_P95_TARGET_MS),
        (
            "requisition page (shortlist cards)",
            client,
            [f"/requisitions/{_requisition_id()}/"],
            DETAIL_P95_TARGET_MS,
        ),
        ("admin: sync dashboard", admin, ["/admin/dashboard/"], ADMIN_P95_TARGET_MS),
        (
            "admin: candidate list (plain, searched, filtered)",
            admin,
            [
                "/admin/candidates/candidate/",
                f"/admin/candidates/candidate/?q={email}",
                "/admin/candidates/candidate/?q=smi",
                "/admin/candidates/candidate/?linked=no",
            ],
            ADMIN_P95_TARGET_MS,
        ),
    ]
    print(f"\n-- page render times through the test Client ({requests} requests each)")
    for label, who, page_urls, target in pages:
        samples, most_queries = _render(who, page_urls, requests)
        stats = summarize(samples)
        print_figure(f"{label} p50", stats["p50"])
        print_figure(f"{label} p95", stats["p95"], target=target)
        print_figure(f"{label} p99", stats["p99"])
        print_figure(f"{label}: most SQL queries in one render", most_queries, "")


def _stock_admin_urlconf() -> str:
    """A URLconf with the project's URLs plus the stock admin at ``/bench-stock-admin/``."""
    import types

    from django.contrib import admin
    from django.urls import include, path

    name = "bench_stock_admin_urls"
    if name not in sys.modules:
        site = admin.AdminSite(name="bench_stock_admin")
        site.register(Candidate, admin.ModelAdmin)  # every default: COUNT(*) and OFFSET
        module = types.ModuleType(name)
        module.urlpatterns = [
            path("bench-stock-admin/", site.urls),
            path("", include(settings.ROOT_URLCONF)),
        ]
        sys.modules[name] = module
    return name


def compare_deep_pages(requests: int, deep_page: int) -> None:
    """Page 1 and page ``deep_page`` of three candidate lists on the same table, one run."""
    from django.contrib.auth import get_user_model

    from candidates.selectors_pages import Cursor

    per_page = CANDIDATES_PER_PAGE
    # The row just before the deep page in the recruiter list's order (read once, untimed).
    before = (
        Candidate.objects.order_by("-updated_at", "-id")
        .values("updated_at", "pk")[per_page * (deep_page - 1) - 1 : per_page * (deep_page - 1)]
        .first()
    )
    if before is None:
        print(f"\n-- deep pages: the table has fewer than {deep_page:,} pages; skipped")
        return
    cursor = Cursor(at=before["updated_at"], pk=before["pk"]).encode()
    # The stock admin shows ModelAdmin.list_per_page (100) rows a page: its page 10,000 is the
    # last of 1,000,000 rows; on a smaller table its last page stands in.
    from django.contrib.admin import ModelAdmin

    rows = Candidate.objects.order_by().count()
    stock_deep = min(deep_page, -(-rows // ModelAdmin.list_per_page))
    if stock_deep != deep_page:
        print(f"   stock admin: {rows:,} rows make {stock_deep:,} pages; its last page is used")
    user = get_user_model().objects.get(username=BENCH_USER)
    recruiter, staff = Client(), Client()
    recruiter.force_login(user)
    staff.force_login(get_user_model().objects.get(username=BENCH_ADMIN))
    lists = [
        ("recruiter list", recruiter, "/candidates/", f"/candidates/?cursor={cursor}"),
        (
            "project admin",
            staff,
            "/admin/candidates/candidate/",
            f"/admin/candidates/candidate/?p={deep_page}",
        ),
        (
            "stock Django admin",
            staff,
            "/bench-stock-admin/candidates/candidate/",
            f"/bench-stock-admin/candidates/candidate/?p={stock_deep}",
        ),
    ]
    print(
        f"\n-- candidate lists side by side: page 1 and page {deep_page:,} "
        f"({requests} renders each)"
    )
    with override_settings(ROOT_URLCONF=_stock_admin_urlconf()):
        results = {}
        for label, client, first, deep in lists:
            number = stock_deep if label.startswith("stock") else deep_page
            for page, url in (("page 1", first), ("deep page", deep)):
                samples, queries = _render(client, [url], requests)
                stats = summarize(samples)
                results[(label, page)] = stats
                shown = page if page == "page 1" else f"page {number:,}"
                print_figure(f"{label}, {shown} p50", stats["p50"])
                print_figure(f"{label}, {shown} p95", stats["p95"])
                print_figure(f"{label}, {shown}: SQL queries", queries, "")
        for page in ("page 1", "deep page"):
            base = results[("recruiter list", page)]["p50"]
            for label in ("project admin", "stock Django admin"):
                print_figure(
                    f"{page}: {label} p50 / recruiter list p50",
                    results[(label, page)]["p50"] / base,
                    "x",
                )


def _cases_sample_email() -> str:
    return next(
        (
            filters.text
            for label, filters in _cases().items()
            if label.startswith("search by email")
        ),
        "a@b.c",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="candidates wanted")
    parser.add_argument("--requests", type=int, default=200, help="renders per page kind")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--deep-page", type=int, default=10_000, help="the deep page compared (10,000)"
    )
    parser.add_argument(
        "--deep-requests", type=int, default=20, help="renders per list and page (20)"
    )
    args = parser.parse_args(argv)
    if args.count < 1 or args.requests < 1 or args.deep_page < 2 or args.deep_requests < 1:
        parser.error("--count, --requests, --deep-requests positive, --deep-page at least 2")
    print_header(f"pages at {args.count:,} candidates")
    user, detail_ids = _prepare(args.count, args.seed)
    print(f"   {Candidate.objects.order_by().count():,} candidates in the table")
    print_plans()
    time_pages(user, detail_ids, args.requests, args.seed)
    with override_settings(
        DEBUG=False,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        compare_deep_pages(args.deep_requests, args.deep_page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
