"""Duplicate-check latency per rule, next to a plain indexed lookup of the same key.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_tracker \\
        python bench/duplicate_check.py --count 1000000 [--lookups 1000] [--seed 1]

Tops the candidates table up to ``--count`` (bench.load_candidates), then for each rule
(member, profile URL, email, name) times ``--lookups`` calls of ``find_duplicate`` with only
that identifier, half for keys that exist and half for keys that do not, each next to a raw
``SELECT id … WHERE <key> = %s`` on the same data. Prints p50/p95/p99 in milliseconds, the
ratio to the plain lookup, each against its target (MET/MISSED), and for the name rule the
most rows scored and queries run by one lookup. The real figures need PostgreSQL with a
million rows; SQLite works with smaller counts.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if str(Path(__file__).resolve().parent.parent) not in sys.path:  # run as `python bench/x.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import print_figure, print_header, setup_django, summarize, timed

setup_django()

from django.db import connection  # noqa: E402

from bench.load_candidates import (  # noqa: E402
    BENCH_URN_PREFIX,
    ensure_candidates,
    profile_token,
    profile_url_variant,
)
from candidates import normalize  # noqa: E402
from candidates.dedupe import IncomingPerson, find_duplicate_traced  # noqa: E402
from candidates.matching import BLOCK_LIMIT  # noqa: E402
from candidates.models import Candidate, MemberLink  # noqa: E402

# Targets (docs/architecture.md §8: measured here, never asserted with timers in tests).
IDENTIFIER_P95_MS = 2.0  # profile URL and email; the member rule is held to the same
IDENTIFIER_RATIO = 2.0  # …and within 2x of the plain indexed lookup of the same key
NAME_P95_MS = 10.0
MAX_QUERIES = 5
WARMUP = 100  # lookups per rule before timing: caches, prepared plans, lazy imports


@dataclass
class Lookup:
    person: IncomingPerson
    plain_params: list[Any]
    existing: bool


@dataclass
class RuleResult:
    ours: list[float] = field(default_factory=list)
    plain: list[float] = field(default_factory=list)
    found: int = 0
    existing: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    max_queries: int = 0
    max_rows_scored: int = 0


def _plain_statements() -> dict[str, str]:
    q = connection.ops.quote_name
    candidate, link = Candidate._meta, MemberLink._meta

    def col(meta: Any, name: str) -> str:
        return q(meta.get_field(name).column)

    table = q(candidate.db_table)
    return {
        "member": (
            f"SELECT {col(link, 'candidate')} FROM {q(link.db_table)} "
            f"WHERE {col(link, 'person_urn')} = %s AND {col(link, 'unlinked_at')} IS NULL"
        ),
        "profile_url": f"SELECT {col(candidate, 'id')} FROM {table} "
        f"WHERE {col(candidate, 'profile_key')} = %s",
        "email": f"SELECT {col(candidate, 'id')} FROM {table} "
        f"WHERE {col(candidate, 'email_key')} = %s",
        "name": f"SELECT {col(candidate, 'id')} FROM {table} "
        f"WHERE {col(candidate, 'last_name_key')} = %s AND {col(candidate, 'first_name_key')} = %s",
    }


def _random_rows(model: type, count: int, rng: random.Random, **filters: Any) -> list[Any]:
    """About ``count`` random rows, by probing random ids (no ORDER BY random() scan)."""
    bounds = model.objects.order_by("pk").values_list("pk", flat=True)
    low, high = bounds.first(), bounds.last()
    if low is None:
        return []
    rows: list[Any] = []
    for _ in range(10):
        ids = {rng.randint(low, high) for _ in range(count * 3)}
        rows += list(model.objects.filter(pk__in=ids, **filters)[: count - len(rows)])
        if len(rows) >= count:
            break
    rng.shuffle(rows)
    return rows[:count]


def _typo(name: str, rng: random.Random) -> str:
    """One letter changed after the first two (the blocks need those): 'Jonathan' → 'Jonethan'."""
    positions = [i for i, ch in enumerate(name) if i >= 2 and ch.isascii() and ch.isalpha()]
    if len(name) < 6 or not positions:
        return name
    at = rng.choice(positions)
    letter = rng.choice([ch for ch in "aeioulnrst" if ch != name[at].lower()])
    return name[:at] + letter + name[at + 1 :]


def build_lookups(count: int, rng: random.Random) -> dict[str, list[Lookup]]:
    hits, misses = count - count // 2, count // 2
    lookups: dict[str, list[Lookup]] = {rule: [] for rule in _plain_statements()}

    for link in _random_rows(MemberLink, hits, rng, unlinked_at__isnull=True):
        lookups["member"].append(
            Lookup(IncomingPerson(person_urn=link.person_urn), [link.person_urn], True)
        )
    for i in range(misses):
        urn = f"{BENCH_URN_PREFIX}missing-{i}"
        lookups["member"].append(Lookup(IncomingPerson(person_urn=urn), [urn], False))

    with_url = _random_rows(Candidate, hits, rng, profile_key__gt="")
    for row in with_url:
        url = profile_url_variant(row.profile_key, rng)
        lookups["profile_url"].append(
            Lookup(IncomingPerson(profile_url=url), [row.profile_key], True)
        )
    for i in range(misses):
        slug = f"nobody-here-{profile_token(10**9 + i, 99)}"
        url = profile_url_variant(slug, rng)
        lookups["profile_url"].append(Lookup(IncomingPerson(profile_url=url), [slug], False))

    with_email = _random_rows(Candidate, hits, rng, email_key__gt="")
    for row in with_email:
        typed = rng.choice((row.email, row.email.upper(), f" {row.email.title()}  "))
        lookups["email"].append(Lookup(IncomingPerson(emails=(typed,)), [row.email_key], True))
    for i in range(misses):
        email = f"nobody.{i}@nowhere.example"
        lookups["email"].append(Lookup(IncomingPerson(emails=(email,)), [email], False))

    named = _random_rows(Candidate, hits, rng, first_name_key__gt="", last_name_key__gt="")
    for row in named:
        first = _typo(row.first_name, rng) if rng.random() < 0.2 else row.first_name
        person = IncomingPerson(first_name=first, last_name=row.last_name)
        keys = [normalize.normalize_name_part(row.last_name), normalize.normalize_name_part(first)]
        lookups["name"].append(Lookup(person, keys, True))
    # New people: a real first name with a real surname, the combination drawn at random
    # (common names land in crowded blocks: the case the blocking must survive).
    strangers = _random_rows(
        Candidate, misses * 2, rng, first_name_key__gt="", last_name_key__gt=""
    )
    for first_row, last_row in zip(strangers[::2], strangers[1::2], strict=False):
        person = IncomingPerson(first_name=first_row.first_name, last_name=last_row.last_name)
        keys = [last_row.last_name_key, first_row.first_name_key]
        lookups["name"].append(Lookup(person, keys, False))
    for items in lookups.values():
        rng.shuffle(items)
    return lookups


def run_rule(rule: str, items: list[Lookup], plain_sql: str) -> RuleResult:
    result = RuleResult()

    def plain(params: list[Any]) -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(plain_sql, params)
            return cursor.fetchall()

    for item in items[:WARMUP]:
        find_duplicate_traced(item.person)
        plain(item.plain_params)
    gc.collect()
    for number, item in enumerate(items):
        calls: list[tuple[str, Callable[..., Any], Any]] = [
            ("ours", find_duplicate_traced, item.person),
            ("plain", plain, item.plain_params),
        ]
        if number % 2:  # alternate which goes first, so neither always finds a warmer cache
            calls.reverse()
        for kind, function, argument in calls:
            value, elapsed = timed(function, argument)
            if kind == "ours":
                trace = value
                result.ours.append(elapsed)
            else:
                plain_ids = {row[0] for row in value}
                result.plain.append(elapsed)
        decision = trace.decision
        result.max_queries = max(result.max_queries, trace.queries)
        result.max_rows_scored = max(result.max_rows_scored, trace.rows_scored)
        outcome = (
            f"matched by {decision.rule}"
            if decision.candidate_id
            else "possible duplicate"
            if decision.possible_duplicate_of
            else "no match"
        )
        label = f"{'existing' if item.existing else 'missing'} → {outcome}"
        result.outcomes[label] = result.outcomes.get(label, 0) + 1
        if item.existing:
            result.existing += 1
            # The plain lookup lists every candidate with the key; ours must pick one of them.
            result.found += decision.candidate_id in plain_ids
    return result


def report(rule: str, result: RuleResult) -> list[bool]:
    ours, plain = summarize(result.ours), summarize(result.plain)
    print(f"-- rule {rule}: {len(result.ours):,} lookups")
    for label in sorted(result.outcomes):
        print(f"   {label:<44} {result.outcomes[label]:>10,}")
    if rule != "name":
        print(f"   existing key found{'':<26} {result.found:>10,} / {result.existing:,}")
    print(
        f"   {'find_duplicate   p50 / p95 / p99':<44} "
        f"{ours['p50']:>8.3f} / {ours['p95']:.3f} / {ours['p99']:.3f} ms"
    )
    print(
        f"   {'plain SELECT     p50 / p95 / p99':<44} "
        f"{plain['p50']:>8.3f} / {plain['p95']:.3f} / {plain['p99']:.3f} ms"
    )
    verdicts: list[bool] = []
    if rule == "name":
        verdicts.append(print_figure("find_duplicate p95", ours["p95"], "ms", target=NAME_P95_MS))
        print_figure("p95 ratio to the plain lookup", ours["p95"] / plain["p95"], "x")
        verdicts.append(
            print_figure(
                "max rows scored per lookup",
                result.max_rows_scored,
                "",
                target=2 * BLOCK_LIMIT,
                note=f"({BLOCK_LIMIT} per block, 2 blocks)",
            )
        )
    else:
        verdicts.append(
            print_figure("find_duplicate p95", ours["p95"], "ms", target=IDENTIFIER_P95_MS)
        )
        verdicts.append(
            print_figure(
                "p95 ratio to the plain lookup",
                ours["p95"] / plain["p95"],
                "x",
                target=IDENTIFIER_RATIO,
            )
        )
        print_figure("p50 ratio to the plain lookup", ours["p50"] / plain["p50"], "x")
    verdicts.append(
        print_figure("max queries per lookup", result.max_queries, "", target=MAX_QUERIES)
    )
    sys.stdout.flush()
    return verdicts


def describe_data() -> None:
    total = Candidate.objects.count()
    linked = MemberLink.objects.filter(unlinked_at__isnull=True).count()
    print(f"   candidates: {total:,}; active member links: {linked:,}")
    q = connection.ops.quote_name
    column = q(Candidate._meta.get_field("last_name_key").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column}, COUNT(*) FROM {q(Candidate._meta.db_table)} "
            f"GROUP BY {column} ORDER BY COUNT(*) DESC LIMIT 3"
        )
        top = cursor.fetchall()
    if total:
        shares = ", ".join(f"{name} {count:,} ({count / total:.2%})" for name, count in top)
        print(f"   most common surnames: {shares}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="candidates in the table")
    parser.add_argument("--lookups", type=int, default=1_000, help="lookups per rule")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.lookups < 2 * WARMUP:
        parser.error(f"--lookups must be at least {2 * WARMUP}")

    print_header(f"duplicate check, {args.count:,} candidates, {args.lookups:,} lookups per rule")
    try:
        ensure_candidates(args.count, seed=args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    describe_data()
    rng = random.Random(args.seed)
    lookups = build_lookups(args.lookups, rng)
    statements = _plain_statements()
    verdicts: list[bool] = []
    for rule, items in lookups.items():
        if not items:
            print(f"-- rule {rule}: no data to look up")
            continue
        verdicts += report(rule, run_rule(rule, items, statements[rule]))
    met = sum(verdicts)
    print(
        f"== {met} of {len(verdicts)} targets MET"
        + ("" if met == len(verdicts) else " (see MISSED above)")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
