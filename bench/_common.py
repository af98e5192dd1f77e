"""Helpers shared by the bench scripts: Django set-up, timing, percentiles, printing figures."""

from __future__ import annotations

import math
import os
import platform
import shlex
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent

T = TypeVar("T")


def setup_django() -> None:
    """Make the repository importable and set Django up (a no-op when it already is)."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker_rsc.settings")
    # Measure what production runs: with DEBUG on, Django also logs every query it sends.
    os.environ.setdefault("DEBUG", "off")
    # What a deployment sets (with DEBUG off there are no defaults); benches talk to localhost.
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("ERASURE_HMAC_KEY", "bench-erasure-key-" + "0123456789abcdef" * 2)
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def timed(function: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, float]:
    """Call ``function`` and return its result with the elapsed wall time in milliseconds."""
    started = time.perf_counter_ns()
    result = function(*args, **kwargs)
    return result, (time.perf_counter_ns() - started) / 1_000_000


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (an observed value, no interpolation); raises on no samples."""
    if not samples:
        raise ValueError("percentile of no samples")
    if not 0 < pct <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {pct}")
    ordered = sorted(samples)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(samples: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max of a list of timings."""
    return {
        "p50": percentile(samples, 50),
        "p95": percentile(samples, 95),
        "p99": percentile(samples, 99),
        "max": max(samples),
        "n": float(len(samples)),
    }


def verdict(value: float, target: float) -> str:
    """MET when ``value`` is at most ``target`` (every target here is an upper bound)."""
    return "MET" if value <= target else "MISSED"


def redacted_database_url() -> str | None:
    """``DATABASE_URL`` with any password replaced, fit to print."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def reproduce_command() -> str:
    """The command line that reproduces this run (the database URL without its password)."""
    argv = [f"python {shlex.quote(os.path.relpath(sys.argv[0], REPO_ROOT))}"]
    argv += [shlex.quote(arg) for arg in sys.argv[1:]]
    database_url = redacted_database_url()
    prefix = f"DATABASE_URL={shlex.quote(database_url)} " if database_url else ""
    return prefix + " ".join(argv)


def database_description() -> str:
    from django.db import connection

    vendor = connection.vendor
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        return f"PostgreSQL {version} ({connection.settings_dict.get('NAME')})"
    if vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} ({connection.settings_dict.get('NAME')})"
    return vendor


def print_header(title: str) -> None:
    print(f"== {title}")
    print(f"   reproduce: {reproduce_command()}")
    print(f"   database:  {database_description()}")
    print(
        f"   host:      {platform.node()} ({os.cpu_count()} CPUs), Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}"
    )
    sys.stdout.flush()


def print_figure(
    label: str, value: float, unit: str = "ms", *, target: float | None = None, note: str = ""
) -> bool | None:
    """Print one figure, with ``≤ target  MET|MISSED`` when it has a target; return met."""
    text = f"   {label:<44} {value:>10.3f} {unit:<3}"
    met = None
    if target is not None:
        met = value <= target
        text += f"  target ≤ {target:g} {unit:<3} {verdict(value, target)}"
    if note:
        text += f"  {note}"
    print(text, flush=True)
    return met


def sandbox_environment(var_prefix: str, *, always_fresh_var_dir: bool = False) -> None:
    """Environment for a bench that talks to the in-process LinkedIn sandbox (before Django).

    A fresh var dir (database without DATABASE_URL, broker folders, cache, limiter state) away
    from the developer's ``var/``: always with ``always_fresh_var_dir``, otherwise only when no
    DATABASE_URL is set.
    """
    if always_fresh_var_dir or not os.environ.get("DATABASE_URL"):
        os.environ["TRACKER_VAR_DIR"] = tempfile.mkdtemp(prefix=var_prefix)
    os.environ.setdefault("DEBUG", "true")  # the sandbox is mounted only with LINKEDIN_SANDBOX
    os.environ.setdefault("LINKEDIN_SANDBOX", "true")
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def start_server() -> tuple[Any, str]:
    """This project's WSGI app (sandbox included) on a free local port: ``(server, base URL)``."""
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=True)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
