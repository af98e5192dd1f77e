"""Run every bench script that exists and write ``bench/REPORT.md``: ``make bench``.

    make bench                                                  # 100,000 candidates, SQLite
    BENCH_CANDIDATES=1000000 DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        make bench                                              # the real measurement
    BENCH_ONLY="duplicate_check pages" make bench               # a subset

Each script runs as its own process with sizes that finish in minutes on a 2-core machine, and
prints its figures with ``bench._common.print_figure``; this script collects those lines and
writes each figure next to its target (docs/architecture.md §8), MET or MISSED — a missed target
is listed as missed, never hidden. A figure whose target is a lower bound (the limiter should
run *close* to LinkedIn's limit) is judged here; upper bounds come from the scripts themselves.
Scripts that do not exist yet are listed as "not measured", and so is a script that failed
(with the end of its output).

Sizes: ``BENCH_CANDIDATES`` (default 100,000) for the loader, the duplicate check and the
pages; the bulk sync at ``BENCH_BULK_SYNC_CANDIDATES`` (default 50,000: at 1,000,000 it takes
about half an hour on this machine, so that run is its own command, see bench/bulk_sync.py).

Databases: ``load_candidates``, ``duplicate_check`` and ``pages`` share ``DATABASE_URL`` (the
candidates table is loaded once, up to ``BENCH_CANDIDATES``). The scripts that write sync data
(exports, bulk sync, InMails/notes, the LinkedIn client) each get a scratch database of their
own so that they cannot disturb each other's figures: on PostgreSQL ``<name>_<script>`` (created
when missing), otherwise a fresh SQLite file that the script makes itself. Without
``DATABASE_URL`` the shared database is a fresh SQLite file in a temporary folder: nothing in
the developer's ``var/`` is touched.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
REPORT = BENCH_DIR / "REPORT.md"
DEFAULT_CANDIDATES = 100_000
# The bulk sync sends every eligible candidate through the sandbox, which stores each one too:
# at 1,000,000 that takes about half an hour here, so `make bench` measures it at this size
# (BENCH_BULK_SYNC_CANDIDATES; the 1,000,000 run is `python bench/bulk_sync.py --candidates
# 1000000`). Large enough to keep the limiter busy for its whole two-minute run.
DEFAULT_BULK_SYNC_CANDIDATES = 50_000
SCRIPT_TIMEOUT_SECONDS = 60 * 60

# One figure line of print_figure: label, value, unit, optional "target ≤ X unit MET|MISSED".
FIGURE = re.compile(
    r"^   \s*(?P<label>\S.*?)\s+(?P<value>-?\d+\.\d{3}) (?P<unit>\S*)\s*"
    r"(?:target ≤ (?P<target>\S+) (?P<tunit>\S*)\s+(?P<verdict>MET|MISSED))?\s*(?P<note>.*)$"
)
LOADED = re.compile(
    r"added (?P<rows>[\d,]+) candidates in (?P<copy>[\d.]+) s .*total (?P<total>[\d.]+) s"
)


@dataclass(frozen=True)
class Target:
    """A target this report applies to a figure the script prints without one."""

    label: str  # the figure's label, exactly as printed
    op: str  # "<=" or ">="
    value: float
    source: str


@dataclass(frozen=True)
class Script:
    name: str
    title: str
    args: list[str]
    shared_database: bool  # False: a scratch database of its own
    targets: tuple[Target, ...] = ()
    untargeted_note: str = ""
    markdown_output: bool = False  # the script prints Markdown: include it as it is
    scratch: bool = True  # with shared_database False: give it a scratch PostgreSQL database
    scratch_suffix: str = ""  # added to the scratch database's name
    failure_note: str = "A bad input was accepted or wrote something (see NO below)."
    file: str = ""  # the script under bench/ when it is not ``name`` (same script, other flags)


@dataclass
class Figure:
    label: str
    value: float
    unit: str
    target: str = ""
    verdict: str = ""
    note: str = ""


@dataclass
class Outcome:
    script: Script
    status: str  # "measured", "not measured", "failed"
    seconds: float = 0.0
    command: str = ""
    figures: list[Figure] = field(default_factory=list)
    output: str = ""


def scripts(candidates: int, bulk_candidates: int) -> list[Script]:
    count = str(candidates)
    return [
        Script(
            "load_candidates",
            f"Fast loader (COPY on PostgreSQL, batches on SQLite) up to {candidates:,} candidates",
            ["--count", count],
            shared_database=True,
        ),
        Script(
            "duplicate_check",
            "Duplicate check per rule vs. a plain indexed lookup",
            ["--count", count, "--lookups", "1000"],
            shared_database=True,
        ),
        Script(
            "pages",
            "Pages: candidates, requisitions, sync dashboard and candidate admin",
            ["--count", count, "--requests", "200"],
            shared_database=True,
        ),
        Script(
            "import_candidates",
            f"CSV import of {max(1_000, candidates // 10):,} candidates into {candidates:,}, "
            "duplicate check on",
            ["--existing", count, "--rows", str(max(1_000, candidates // 10))],
            shared_database=False,
            scratch_suffix=str(candidates),  # the table size is part of the set-up
            targets=(
                Target(
                    "rows per second (duplicate check on)",
                    ">=",
                    2000.0,
                    "an agency's 100,000+ candidates load at ≥ 2,000 rows/s",
                ),
            ),
            untargeted_note=(
                "Memory has no numeric target: it stays flat (the file is streamed in chunks of "
                "1,000 rows). The 1,000,000-row import is `python bench/import_candidates.py "
                "--existing 1000000 --full`."
            ),
        ),
        Script(
            "exports",
            "Export to ATS end to end, callback to linked candidate",
            ["--count", "500"],
            shared_database=False,
            untargeted_note="Exports per second have no numeric target; the callback's is ≤ 3 s.",
        ),
        Script(
            "bulk_sync",
            f"Bulk sync of {bulk_candidates:,} candidates: throughput, limiter, memory",
            ["--candidates", str(bulk_candidates), "--limiter-seconds", "120"],
            shared_database=False,
            scratch_suffix=str(bulk_candidates),  # the table size is part of the set-up
            targets=(
                Target(
                    "limiter utilisation (average / 10,000)",
                    ">=",
                    90.0,
                    "run close to LinkedIn's 10,000 records/minute",
                ),
            ),
            untargeted_note=(
                "Throughput and peak memory have no numeric target (memory stays flat "
                "as the table grows; compare runs at 100,000 and 1,000,000)."
            ),
        ),
        Script(
            "bulk_sync_cpu",
            f"Bulk sync of {bulk_candidates:,} candidates: Tracker's own CPU per candidate, "
            "against the in-memory LinkedIn stand-in in its own process",
            ["--candidates", str(bulk_candidates), "--standin"],
            shared_database=False,
            scratch_suffix=str(bulk_candidates),
            file="bulk_sync",
        ),
        Script(
            "broker_latency",
            "From a push stored to its task done, through a real Celery worker and the broker "
            "of this configuration (filesystem without REDIS_URL)",
            ["--count", "60"],
            shared_database=False,
            scratch=False,  # a fresh SQLite database and broker folder of its own (make run)
        ),
        Script(
            "interactions",
            "InMails and notes: one sync cycle",
            ["--seats", "100", "--events", "10000"],
            shared_database=False,
            targets=(
                Target(
                    "one cycle (InMails + notes)",
                    "<=",
                    1800.0,
                    "the task runs every 30 minutes, so a cycle must fit in 30",
                ),
            ),
        ),
        Script(
            "bad_input",
            "Bad input on every surface: what each got back, and nothing written (a rejected "
            "push is kept for audit)",
            ["--markdown"],
            shared_database=False,
            scratch=False,  # it always makes a fresh SQLite database of its own
            markdown_output=True,
        ),
        Script(
            "controls",
            "Security controls, each with the tests that prove it",
            ["--markdown"],
            shared_database=False,
            scratch=False,  # reads the test files; no database
            markdown_output=True,
            failure_note="A control names a test that does not exist (see the script's output).",
        ),
        Script(
            "linkedin_client",
            "LinkedIn client: limiter against 10,000 records/minute, overhead per batch",
            ["--seconds", "120"],
            shared_database=False,
            targets=(
                Target(
                    "achieved / limit",
                    ">=",
                    0.9,
                    "a bulk sync runs close to the limit and never over it",
                ),
            ),
        ),
    ]


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


def scratch_database(shared_url: str, name: str) -> str | None:
    """A PostgreSQL database of the script's own (created when missing), or None for SQLite."""
    if not shared_url.startswith(("postgres://", "postgresql://")):
        return None
    import psycopg

    parts = urlsplit(shared_url)
    database = f"{parts.path.lstrip('/')}_{name}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{database}"')
    return urlunsplit(parts._replace(path=f"/{database}"))


def run(script: Script, *, env: dict[str, str], python: str) -> Outcome:
    path = BENCH_DIR / f"{script.file or script.name}.py"
    if not path.exists():
        return Outcome(
            script,
            "not measured",
            output=f"bench/{script.file or script.name}.py does not exist yet",
        )
    argv = [python, str(path.relative_to(REPO_ROOT)), *script.args]
    database = env.get("DATABASE_URL")
    command = (f"DATABASE_URL={redacted(database)} " if database else "") + shlex.join(
        ["python", *argv[1:]]
    )
    print(f"\n>>> {command}", flush=True)
    started = time.monotonic()
    lines: list[str] = []
    process = subprocess.Popen(
        argv,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line.rstrip("\n"))
        returncode = process.wait(timeout=SCRIPT_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        returncode = -1
        lines.append(f"killed after {SCRIPT_TIMEOUT_SECONDS} s")
    outcome = Outcome(
        script,
        "measured" if returncode == 0 else "failed",
        seconds=time.monotonic() - started,
        command=command,
        output="\n".join(lines),
    )
    if returncode != 0:
        outcome.output += f"\n(exit status {returncode})"
    outcome.figures = figures(lines, script)
    return outcome


def figures(lines: list[str], script: Script) -> list[Figure]:
    found: list[Figure] = []
    extra = {target.label: target for target in script.targets}
    section = ""  # the script's current "-- heading", e.g. "rule email"
    for line in lines:
        if line.startswith("-- "):
            section = re.split(r"[:(]", line[3:], maxsplit=1)[0].strip()
            continue
        loaded = LOADED.search(line)
        if loaded:
            rows = int(loaded["rows"].replace(",", ""))
            total = float(loaded["total"])
            found.append(Figure("candidates added", rows, "rows"))
            found.append(Figure("load wall time (rows, member links, indexes)", total, "s"))
            found.append(Figure("load rate", rows / total if total else 0.0, "rows/s"))
            continue
        match = FIGURE.match(line)
        if not match or match["unit"] == "/":  # "p50 / p95 / p99" rows repeat figures below
            continue
        label = match["label"].strip()
        figure = Figure(
            label=f"{section}: {label}" if section else label,
            value=float(match["value"]),
            unit=match["unit"],
            note=match["note"].strip(),
        )
        if match["target"]:
            figure.target = f"≤ {match['target']} {match['tunit']}".strip()
            figure.verdict = match["verdict"]
        elif label in extra:
            target = extra[label]
            met = (
                figure.value <= target.value if target.op == "<=" else figure.value >= target.value
            )
            sign = "≤" if target.op == "<=" else "≥"
            figure.target = f"{sign} {target.value:g} {figure.unit}".strip()
            figure.verdict = "MET" if met else "MISSED"
            figure.note = "; ".join(part for part in (figure.note, target.source) if part)
        found.append(figure)
    return found


def markdown(
    outcomes: list[Outcome], *, candidates: int, bulk_candidates: int, database: str, command: str
) -> str:
    met = sum(f.verdict == "MET" for o in outcomes for f in o.figures)
    missed = [(o, f) for o in outcomes for f in o.figures if f.verdict == "MISSED"]
    lines = [
        "# Benchmark report",
        "",
        f"Written by `bench/report.py` on {time.strftime('%Y-%m-%d %H:%M %Z')}. "
        f"Reproduce: `{command}`.",
        "",
        f"- Host: {platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()} "
        "(a shared machine: other work ran beside this one, so times are upper bounds).",
        f"- Candidates: {candidates:,} (the bulk sync: {bulk_candidates:,}); shared database: "
        f"{database}.",
        f"- Targets: {met} met, {len(missed)} missed.",
        "",
    ]
    if missed:
        lines += ["**Missed targets**", ""]
        lines += [
            f"- {o.script.name}: {f.label} = {f.value:,.3f} {f.unit} (target {f.target})"
            for o, f in missed
        ]
        lines.append("")
    lines += ["## Figures", ""]
    lines += ["| script | figure | value | target | verdict |", "| --- | --- | ---: | --- | --- |"]
    for outcome in outcomes:
        if outcome.status != "measured":
            lines.append(f"| {outcome.script.name} | {outcome.status} | | | |")
            continue
        for figure in outcome.figures:
            verdict = f"**{figure.verdict}**" if figure.verdict == "MISSED" else figure.verdict
            lines.append(
                f"| {outcome.script.name} | {figure.label} | {figure.value:,.3f} {figure.unit} "
                f"| {figure.target or 'none'} | {verdict} |"
            )
    lines.append("")
    for outcome in outcomes:
        lines += [f"## {outcome.script.name}: {outcome.script.title}", ""]
        if outcome.status == "not measured":
            lines += [f"Not measured: {outcome.output}.", ""]
            continue
        lines += [f"Command: `{outcome.command}` ({outcome.seconds:,.0f} s).", ""]
        if outcome.script.markdown_output:
            if outcome.status == "failed":
                lines += [f"**{outcome.script.failure_note}**", ""]
            lines += [outcome.output.strip(), ""]
            continue
        if outcome.status == "failed":
            tail = "\n".join(outcome.output.splitlines()[-30:])
            lines += ["**Not measured: the script failed.** End of its output:", "", "```"]
            lines += [tail, "```", ""]
            continue
        if outcome.script.untargeted_note:
            lines += [outcome.script.untargeted_note, ""]
        lines += ["```", outcome.output.strip(), "```", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--candidates",
        type=int,
        default=int(os.environ.get("BENCH_CANDIDATES", DEFAULT_CANDIDATES)),
        help=f"candidates to measure at (BENCH_CANDIDATES, default {DEFAULT_CANDIDATES:,})",
    )
    parser.add_argument("--only", nargs="+", metavar="SCRIPT", help="run only these scripts")
    parser.add_argument("--output", type=Path, default=REPORT, help="where to write the report")
    parser.add_argument(
        "--bulk-sync-candidates",
        type=int,
        default=int(os.environ.get("BENCH_BULK_SYNC_CANDIDATES", DEFAULT_BULK_SYNC_CANDIDATES)),
        help=f"bulk sync table size (BENCH_BULK_SYNC_CANDIDATES, {DEFAULT_BULK_SYNC_CANDIDATES:,})",
    )
    args = parser.parse_args(argv)
    if args.candidates < 1 or args.bulk_sync_candidates < 1:
        parser.error("--candidates and --bulk-sync-candidates must be at least 1")
    selected = scripts(args.candidates, args.bulk_sync_candidates)
    if args.only:
        unknown = set(args.only) - {script.name for script in selected}
        if unknown:
            parser.error(f"unknown script(s): {', '.join(sorted(unknown))}")
        selected = [script for script in selected if script.name in args.only]

    python = sys.executable
    # DEBUG is left to each script: the read-side ones measure with it off (bench._common),
    # the ones that serve the LinkedIn sandbox need it on.
    base_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    shared_url = base_env.get("DATABASE_URL", "")
    if not shared_url:
        folder = tempfile.mkdtemp(prefix="bench-report-")
        shared_url = f"sqlite:///{folder}/bench.sqlite3"
        base_env["TRACKER_VAR_DIR"] = folder
    shared_env = {**base_env, "DATABASE_URL": shared_url}
    if any(script.shared_database for script in selected):
        print(f">>> migrating the shared database {redacted(shared_url)}", flush=True)
        subprocess.run(
            [python, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=REPO_ROOT,
            # Every table, the sandbox's included: the scripts that serve it share this database.
            env={"DEBUG": "on", **shared_env},
            check=True,
        )

    outcomes = []
    for script in selected:
        if script.shared_database:
            env = shared_env
        else:
            env = {
                k: v for k, v in base_env.items() if k not in ("DATABASE_URL", "TRACKER_VAR_DIR")
            }
            name = "_".join(part for part in (script.name, script.scratch_suffix) if part)
            scratch = scratch_database(shared_url, name) if script.scratch else None
            if scratch:
                env["DATABASE_URL"] = scratch
        outcomes.append(run(script, env=env, python=python))

    prefix = f"BENCH_CANDIDATES={args.candidates} "
    if args.bulk_sync_candidates != DEFAULT_BULK_SYNC_CANDIDATES:
        prefix += f"BENCH_BULK_SYNC_CANDIDATES={args.bulk_sync_candidates} "
    if os.environ.get("DATABASE_URL"):
        prefix += f"DATABASE_URL={redacted(os.environ['DATABASE_URL'])} "
    only = f"BENCH_ONLY='{' '.join(args.only)}' " if args.only else ""
    command = f"{prefix}{only}make bench"
    report = markdown(
        outcomes,
        candidates=args.candidates,
        bulk_candidates=args.bulk_sync_candidates,
        database=redacted(shared_url),
        command=command,
    )
    args.output.write_text(report)
    print(f"\n>>> wrote {args.output}")
    failed = [o.script.name for o in outcomes if o.status == "failed"]
    if failed:
        print(f">>> failed: {', '.join(failed)} (listed as not measured)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
