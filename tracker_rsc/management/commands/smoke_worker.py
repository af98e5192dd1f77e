"""``manage.py smoke_worker``: prove that a Celery worker executes tasks from this broker."""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError, CommandParser
from kombu.utils.url import maybe_sanitize_url

from tracker_rsc.celery import app, smoke, smoke_key

POLL_SECONDS = 0.25


class Command(BaseCommand):
    help = (
        "Enqueue a smoke task through the configured broker and wait until a worker has "
        "executed it (it writes a key to the shared cache; there is no result backend). "
        "Exits non-zero when no worker ran it in time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--timeout",
            type=float,
            default=60.0,
            help="Seconds to wait for a worker (default 60).",
        )
        parser.add_argument(
            "--queue",
            default="",
            help="Queue to send the task to (default: the app's default queue).",
        )

    def handle(self, *args: Any, timeout: float, queue: str, **options: Any) -> None:
        if timeout <= 0:
            raise CommandError("--timeout must be a positive number of seconds.")
        broker = maybe_sanitize_url(app.conf.broker_url or "")
        token = uuid.uuid4().hex
        key = smoke_key(token)
        cache.delete(key)
        started = time.monotonic()
        try:
            # No queue named: the default routing (as queue=None).
            routing: dict[str, Any] = {"queue": queue} if queue else {}
            smoke.apply_async(args=(token,), **routing)
        except Exception as exc:  # kombu raises transport-specific errors; all mean "no broker"
            raise CommandError(
                f"Could not send the smoke task to the broker {broker}: {exc}"
            ) from exc
        self.stdout.write(f"Sent smoke task {token} to {broker}; waiting up to {timeout:g} s …")

        deadline = started + timeout
        while time.monotonic() < deadline:
            report = cache.get(key)
            if report is not None:
                cache.delete(key)
                elapsed = time.monotonic() - started
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Worker {report.get('hostname')} (pid {report.get('pid')}) executed the "
                        f"smoke task in {elapsed:.1f} s."
                    )
                )
                return
            time.sleep(POLL_SECONDS)  # polling a side effect: there is nothing to wait on
        raise CommandError(
            f"No worker executed the smoke task within {timeout:g} s. Is "
            f"`celery -A tracker_rsc worker` running against {broker}, with the same cache "
            "(REDIS_URL, or the same TRACKER_VAR_DIR in the embedded default)?"
        )
