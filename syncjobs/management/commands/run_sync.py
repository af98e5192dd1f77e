"""``manage.py run_sync KIND``: run one sync job once, now, and print its run's counters."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from syncjobs import tasks  # noqa: F401  (imports every flow, which registers its runner)
from syncjobs.runs import RUNNERS


class Command(BaseCommand):
    help = "Run one sync job once and print its counters. Kinds: " + ", ".join(sorted(RUNNERS))

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="which sync job: " + ", ".join(sorted(RUNNERS)))

    def handle(self, *args: Any, kind: str, **options: Any) -> None:
        runner = RUNNERS.get(kind)
        if runner is None:
            raise CommandError(
                f"Unknown sync kind “{kind}”. Choose one of: {', '.join(sorted(RUNNERS))}."
            )
        runs = runner.func(actor=None)
        if not runs:
            self.stdout.write(f"{kind}: nothing to do (another run is in progress, or no work).")
            return
        failed = False
        for run in runs:
            run.refresh_from_db()
            scope = f" [{run.contract}]" if run.contract_id else ""
            self.stdout.write(
                f"{run.get_kind_display()} #{run.pk}{scope}: {run.status} — total {run.total}, "
                f"processed {run.processed}, linked {run.linked}, created {run.created}, "
                f"updated {run.updated}, failed {run.failed}, skipped {run.skipped or {}}"
                + (f", {run.counters}" if run.counters else "")
            )
            if run.error:
                self.stdout.write(f"  error: {run.error}")
            failed = failed or run.status == run.Status.FAILED
        if failed:
            raise CommandError(f"{kind} failed; see the errors above and the run in the admin.")
