"""``manage.py run_sync KIND``: run one sync job now, to the end, printing its progress.

A windowed stream (InMails, notes) runs until it has reached now less LinkedIn's safety lag,
however far behind it was; every progress update is printed as it happens (the window reached
and the counters), then each run's status, the time it reached and its counters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from syncjobs import tasks  # noqa: F401  (imports every flow, which registers its runner)
from syncjobs.interactions import BUDGET_SPENT, CAUGHT_UP
from syncjobs.models import SyncRun
from syncjobs.runs import RUNNERS, sync_progress_listener

# Runs that walk LinkedIn's timeline: their window end is how far they have reached.
WINDOWED = {
    SyncRun.Kind.INMAIL_SYNC,
    SyncRun.Kind.NOTE_SYNC,
    SyncRun.Kind.STUB_IMPORT,
    SyncRun.Kind.PURGE_CHECK,
}


def _when(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S} UTC"


def _counters(run: SyncRun) -> str:
    text = (
        f"total {run.total}, processed {run.processed}, linked {run.linked}, "
        f"created {run.created}, updated {run.updated}, failed {run.failed}, "
        f"skipped {run.skipped or {}}"
    )
    return text + (f", {run.counters}" if run.counters else "")


def _name(run: SyncRun) -> str:
    scope = f" [{run.contract}]" if run.contract_id else ""
    return f"{run.get_kind_display()} #{run.pk}{scope}"


class Command(BaseCommand):
    help = (
        "Run one sync job now, to the end (InMails and notes: until now less the safety lag), "
        "printing its progress and counters. Kinds: " + ", ".join(sorted(RUNNERS))
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="which sync job: " + ", ".join(sorted(RUNNERS)))

    def _progress(self, run: SyncRun) -> None:
        if run.kind in WINDOWED and run.window_end:
            where = f"reached {_when(run.window_end)}"
        else:
            where = f"{run.progress_percent}%" if run.total else "working"
        self.stdout.write(f"  {_name(run)}: {where} — {_counters(run)}")
        self.stdout.flush()

    def handle(self, *args: Any, kind: str, **options: Any) -> None:
        runner = RUNNERS.get(kind)
        if runner is None:
            raise CommandError(
                f"Unknown sync kind “{kind}”. Choose one of: {', '.join(sorted(RUNNERS))}."
            )
        with sync_progress_listener(self._progress):
            runs = runner.func(actor=None)
        if not runs:
            self.stdout.write(f"{kind}: nothing to do (another run is in progress, or no work).")
            return
        failed = False
        for run in runs:
            run.refresh_from_db()
            self.stdout.write(f"{_name(run)}: {run.status} — {_counters(run)}")
            if run.kind in WINDOWED and run.window_end:
                self.stdout.write(f"  reached {_when(run.window_end)}{self._reach_note(run)}")
            if run.error:
                self.stdout.write(f"  error: {run.error}")
            failed = failed or run.status == run.Status.FAILED
        if failed:
            raise CommandError(f"{kind} failed; see the errors above and the run in the admin.")

    @staticmethod
    def _reach_note(run: SyncRun) -> str:
        counters = run.counters or {}
        if counters.get(CAUGHT_UP):
            return " (now less LinkedIn's safety lag: caught up)"
        if counters.get(BUDGET_SPENT):
            return " (its time budget ran out; the next run continues from there)"
        return ""
