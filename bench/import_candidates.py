"""CSV import of candidates through the duplicate check, against a large candidates table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_import \\
        python bench/import_candidates.py --existing 1000000 --rows 100000 [--full] [--seed 1]

Tops the candidates table up to ``--existing`` (``bench.load_candidates``' COPY loader), then
writes a CSV of ``--rows`` rows (``--full``: 1,000,000) and imports it with the
``import_candidates`` machinery, duplicate check on. The file mixes what an agency's export
holds: about 30 % people already in Tracker (their email, profile URL or name typed another
way: updated or unchanged), new people with some in-file repeats (merged), and 1 % rows with
an invalid email (refused). Prints rows per second (target ≥ 2,000), the peak memory of the
process and its growth during the import (flat: the file is streamed chunk by chunk), and the
share of the time the duplicate check took (its batched lookups and decisions). The imported
rows are deleted afterwards, so the script can run again on the same database.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

if str(Path(__file__).resolve().parent.parent) not in sys.path:  # run as `python bench/x.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import print_figure, print_header, setup_django

# Without DATABASE_URL: a fresh SQLite database in a temporary folder, never the developer's.
if not os.environ.get("DATABASE_URL"):
    os.environ["TRACKER_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-import-")
setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.load_candidates import (  # noqa: E402
    CandidateGenerator,
    ensure_candidates,
    profile_url_variant,
)
from candidates.candidate_import import CandidateImporter  # noqa: E402
from candidates.importing import import_file  # noqa: E402
from candidates.models import Candidate, MatchReview  # noqa: E402

ROWS_PER_SECOND_TARGET = 2_000.0
EXISTING_SHARE = 0.30
REFUSED_SHARE = 0.01
HEADER = [
    "First Name",
    "Last Name",
    "Email",
    "Phone",
    "Current Title",
    "Current Company",
    "Location",
    "LinkedIn Profile URL",
    "Created At",
    "Last Updated",
]


def _rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _existing_sample(rng: random.Random, count: int) -> list[Candidate]:
    """About ``count`` random existing candidates, by probing random ids (no full scan)."""
    bounds = Candidate.objects.order_by("pk").values_list("pk", flat=True)
    low, high = bounds.first(), bounds.last()
    if low is None or count <= 0:
        return []
    fields = ("first_name", "last_name", "email", "linkedin_profile_url", "profile_key")
    found: list[Candidate] = []
    while len(found) < count:
        ids = [rng.randint(low, high) for _ in range(min(10_000, 2 * (count - len(found))))]
        found += list(Candidate.objects.filter(pk__in=ids).only(*fields)[: count - len(found)])
    return found


def write_file(path: Path, *, rows: int, seed: int) -> dict[str, int]:
    """The import file; returns how many rows of each kind it holds."""
    rng = random.Random(f"bench-import:{seed}")
    existing = _existing_sample(rng, int(rows * EXISTING_SHARE))
    generator = CandidateGenerator(seed=seed + 7, start=2_000_000_000, now=datetime.now(UTC))
    kinds = {"existing": 0, "new": 0, "invalid email": 0}
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write("\ufeff")
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        existing_iter = iter(existing)
        for _ in range(rows):
            roll = rng.random()
            person = next(existing_iter, None) if roll < EXISTING_SHARE else None
            if person is not None:
                kinds["existing"] += 1
                way = rng.random()
                email = person.email.upper() if way < 0.5 and person.email else ""
                url = profile_url_variant(person.profile_key, rng) if person.profile_key else ""
                writer.writerow(
                    [
                        person.first_name,
                        person.last_name,
                        email,
                        "+44 20 7946 0000",
                        "",
                        "",
                        "",
                        url,
                        "",
                        "",
                    ]
                )
                continue
            row = next(generator)
            email = row["email"]
            if rng.random() < REFUSED_SHARE:
                email = email.replace("@", " at ") or "not-an-email"
                kinds["invalid email"] += 1
            else:
                kinds["new"] += 1
            writer.writerow(
                [
                    row["first_name"],
                    row["last_name"],
                    email,
                    row["phone"],
                    row["current_title"],
                    row["current_company"],
                    row["location"],
                    row["linkedin_profile_url"],
                    row["created_at"].strftime("%Y-%m-%d %H:%M:%S"),
                    row["updated_at"].strftime("%Y-%m-%d %H:%M:%S"),
                ]
            )
    return kinds


class TimedImporter(CandidateImporter):
    """The real importer, with the duplicate check's part of each chunk timed."""

    def __init__(self) -> None:
        super().__init__()
        self.check_seconds = 0.0

    def _erased(self, rows):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return super()._erased(rows)
        finally:
            self.check_seconds += time.perf_counter() - started

    def _decide(self, rows):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return super()._decide(rows)
        finally:
            self.check_seconds += time.perf_counter() - started


class QueryTimer:
    """``connection.execute_wrapper``: the time spent waiting for the database."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def clean_up() -> int:
    """Delete what the import created (reviews first: they point at the candidates)."""
    MatchReview.objects.filter(candidate__source=Candidate.Source.IMPORT).delete()
    table = connection.ops.quote_name(Candidate._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE source = %s", [Candidate.Source.IMPORT])
        return cursor.rowcount


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--existing", type=int, default=1_000_000, help="candidates already there")
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the imported file")
    parser.add_argument("--full", action="store_true", help="import 1,000,000 rows")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rows = 1_000_000 if args.full else args.rows

    print_header(f"import {rows:,} candidates into a table of {args.existing:,}")
    call_command("migrate", verbosity=0)
    ensure_candidates(args.existing, seed=args.seed)
    clean_up()  # a previous run stopped half-way
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "import.csv"
        started = time.perf_counter()
        kinds = write_file(path, rows=rows, seed=args.seed)
        print(
            f"   file: {path.stat().st_size / 1e6:,.1f} MB, "
            + ", ".join(f"{count:,} {kind}" for kind, count in kinds.items())
            + f" (written in {time.perf_counter() - started:.1f} s)",
            flush=True,
        )
        importer = TimedImporter()
        rss_before = _rss_mb()
        cpu_before = time.process_time()
        database = QueryTimer()
        with path.open("rb") as stream, connection.execute_wrapper(database):
            summary = import_file(importer=importer, stream=stream)
        cpu = time.process_time() - cpu_before
    print("   " + summary.as_text().replace("\n", "\n   "))
    rate = summary.rows / summary.elapsed
    print_figure(
        "rows per second (duplicate check on)",
        rate,
        "rows/s",
        note=f"target ≥ {ROWS_PER_SECOND_TARGET:,.0f}",
    )
    print_figure(
        "rows per CPU second of the importer process",
        summary.rows / cpu,
        "rows/s",
        note="(the wall-clock rate without the waits for the database and a shared CPU)",
    )
    print_figure(
        "database share of the time",
        100 * database.seconds / summary.elapsed,
        "%",
        note=f"({database.queries:,} statements, {database.queries / summary.rows:.3f} per row)",
    )
    print_figure(
        "duplicate check share of the time", 100 * importer.check_seconds / summary.elapsed, "%"
    )
    print_figure("peak memory (process RSS)", _rss_mb(), "MB")
    print_figure(
        "memory growth during the import", _rss_mb() - rss_before, "MB", note="flat: streamed"
    )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"   load average during the run: {load} on {os.cpu_count()} CPUs")
    removed = clean_up()
    print(f"   cleaned up: {removed:,} imported candidates deleted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
