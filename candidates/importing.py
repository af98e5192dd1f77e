"""What every CSV import shares: the row-by-row report, the run loop, progress and the run record.

An importer (candidates, requisitions, Quick Skills) reads ``SourceRow`` chunks and returns one
``RowOutcome`` per row. ``import_file`` streams the file through it chunk by chunk, writes the
report as it goes and reports progress. A dry run is the real run inside a transaction that is
rolled back at the end, so its report is exactly what the real run would write, in-file
duplicates included, and nothing stays: no record, no outbox event, no task.

Admin uploads are ``ImportRun`` rows: ``import_run_start`` stores the file and queues the app's
import task after commit; the task calls ``import_run_execute``, which claims the run, runs the
import and saves the report next to it.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import reset_queries, transaction
from django.db.models import Q
from django.utils import timezone

from candidates.csv_reader import Column, CsvError, CsvFile, CsvLayout, SourceRow, count_records
from candidates.models import ImportRun

if TYPE_CHECKING:
    from celery import Task

    from tracker_rsc.roles import Actor

logger = logging.getLogger(__name__)

# An upload larger than this is refused by the admin form: bigger files belong on the command
# line (which streams them from disk without a task time limit).
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
# How often the run record's progress counter is written (a row UPDATE each time).
PROGRESS_EVERY_SECONDS = 1.0


class RowStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    MERGED = "merged"
    AMBIGUOUS = "ambiguous"
    REFUSED = "refused"


STATUS_ORDER = tuple(RowStatus)
REPORT_HEADER = ("line", "status", "record_id", "detail")


@dataclass(frozen=True)
class RowOutcome:
    """What happened to one row. ``record_id`` is the record created, updated or merged into."""

    line: int
    status: RowStatus
    record_id: int | None = None
    detail: str = ""

    def as_text(self) -> str:
        record = f" #{self.record_id}" if self.record_id else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"line {self.line}: {self.status.value}{record}{detail}"

    @classmethod
    def refused_by_database(cls, line: int, exc: Exception) -> RowOutcome:
        """A row the database would not store (its message on one line, at most 200 chars)."""
        message = " ".join(str(exc).split())[:200]
        detail = f"Not saved: the database refused it ({message})."
        return cls(line, RowStatus.REFUSED, None, detail)


class Importer(Protocol):
    """One kind of import. ``process`` handles a chunk of rows and never raises for a row."""

    # Read-only members, so an importer may hold a tuple (or any narrower sequence).
    @property
    def kind(self) -> str: ...
    @property
    def noun(self) -> str: ...
    @property
    def columns(self) -> Sequence[Column]: ...
    @property
    def chunk_size(self) -> int: ...

    def process(self, rows: list[SourceRow]) -> list[RowOutcome]: ...


@dataclass
class Progress:
    processed: int
    total: int | None
    elapsed: float

    @property
    def rate(self) -> float:
        return self.processed / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta_seconds(self) -> float | None:
        if not self.total or not self.rate:
            return None
        return max(0.0, (self.total - self.processed) / self.rate)

    def as_text(self) -> str:
        total = f"/{self.total:,}" if self.total else ""
        percent = f" ({100 * self.processed // self.total}%)" if self.total else ""
        eta = self.eta_seconds
        eta_text = f" · ETA {timedelta(seconds=round(eta))}" if eta is not None else ""
        return f"{self.processed:,}{total} rows{percent} · {self.rate:,.0f} rows/s{eta_text}"


@dataclass
class ImportSummary:
    noun: str
    dry_run: bool
    layout: CsvLayout | None = None
    counts: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    rows: int = 0
    elapsed: float = 0.0

    def add(self, outcome: RowOutcome) -> None:
        self.rows += 1
        self.counts[outcome.status.value] += 1
        if outcome.status == RowStatus.REFUSED:
            self.refusals[_reason_kind(outcome.detail)] += 1

    @property
    def unknown_columns(self) -> list[str]:
        return list(self.layout.unknown) if self.layout else []

    def count_dict(self) -> dict[str, int]:
        return {status.value: self.counts.get(status.value, 0) for status in STATUS_ORDER}

    def as_text(self) -> str:
        head = "Dry run, nothing was written" if self.dry_run else "Import finished"
        rate = self.rows / self.elapsed if self.elapsed > 0 else 0.0
        lines = [
            f"{head}: {self.rows:,} {self.noun} rows in {self.elapsed:.1f} s ({rate:,.0f} rows/s)."
        ]
        would = "would be " if self.dry_run else ""
        lines.append(
            "  "
            + ", ".join(f"{count:,} {would}{status}" for status, count in self.count_dict().items())
        )
        if self.layout is not None:
            lines.append(
                f"  Columns read ({self.layout.delimiter_name}-separated): "
                + ", ".join(self.layout.positions)
            )
        if self.unknown_columns:
            lines.append(
                "  Columns not imported (unknown): "
                + ", ".join(f"“{c}”" for c in self.unknown_columns)
            )
        return "\n".join(lines)


def _reason_kind(detail: str) -> str:
    return detail.split(":", 1)[0][:80]


class ReportWriter:
    """The row-by-row report, a CSV with columns line, status, record_id, detail."""

    def __init__(self, stream: IO[str]) -> None:
        self._writer = csv.writer(stream)
        self._writer.writerow(REPORT_HEADER)

    def write(self, outcome: RowOutcome) -> None:
        self._writer.writerow(
            (outcome.line, outcome.status.value, outcome.record_id or "", outcome.detail)
        )

    def note(self, text: str) -> None:
        """A line about the whole file (unknown columns, a file error): line 1, the header."""
        self._writer.writerow((1, "note", "", text))


def _chunks(rows: Iterator[SourceRow], size: int) -> Iterator[list[SourceRow]]:
    chunk: list[SourceRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_file(
    *,
    importer: Importer,
    stream: IO[bytes],
    dry_run: bool = False,
    report: ReportWriter | None = None,
    total: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_row: Callable[[RowOutcome], None] | None = None,
) -> ImportSummary:
    """Import every row of ``stream`` (CSV bytes) with ``importer``; returns the summary.

    Raises CsvError when the file itself is unusable (before anything is written). A row the
    importer refuses never stops the rest. With ``dry_run`` everything is rolled back.
    """
    summary = ImportSummary(noun=importer.noun, dry_run=dry_run)
    started = time.monotonic()
    csv_file = CsvFile(stream, importer.columns)
    summary.layout = csv_file.layout
    check_layout = getattr(importer, "check_layout", None)
    if check_layout is not None:
        check_layout(csv_file.layout)
    if report is not None and csv_file.layout.unknown:
        report.note(
            "Columns not imported (unknown): "
            + ", ".join(f"“{c}”" for c in csv_file.layout.unknown)
        )
    # A real run commits chunk by chunk (each importer's chunk is its own transaction), so a
    # large file never holds one transaction open; a dry run holds one and rolls it back.
    scope = transaction.atomic() if dry_run else contextlib.nullcontext()
    with scope:
        for chunk in _chunks(csv_file.rows(), importer.chunk_size):
            for outcome in importer.process(chunk):
                summary.add(outcome)
                if report is not None:
                    report.write(outcome)
                if on_row is not None:
                    on_row(outcome)
            if on_progress is not None:
                on_progress(Progress(summary.rows, total, time.monotonic() - started))
            # With DEBUG on Django keeps every statement's text (a chunk's INSERT is hundreds
            # of kilobytes); a request forgets them at its end, a long import after each chunk.
            reset_queries()
        if dry_run:
            transaction.set_rollback(True)
    summary.elapsed = time.monotonic() - started
    return summary


# --- Run records (admin uploads) ------------------------------------------------------------

# The task that runs each kind of import, filled by the apps that own them (AppConfig.ready).
IMPORT_TASKS: dict[str, Task[..., Any]] = {}


def register_import_task(kind: str, task: Task[..., Any]) -> None:
    IMPORT_TASKS[kind] = task


def import_task_time_limits() -> tuple[int, int]:
    """``(soft, hard)`` seconds for an import task: as long as the broker allows.

    A task must finish before the broker's visibility timeout, or the message is delivered to
    a second worker while the first still runs; two minutes are kept in hand for that.
    """
    hard = max(120, settings.CELERY_VISIBILITY_TIMEOUT - 120)
    return hard - 60, hard


def import_run_start(
    *,
    kind: str,
    upload: UploadedFile[Any],
    task: Task[..., Any],
    actor: Actor = None,
    dry_run: bool = False,
    overwrite: bool = False,
) -> ImportRun:
    """Store an uploaded CSV as a pending run and queue ``task(run_id)`` after commit.

    Raises ValueError for an empty or oversized file. If the broker cannot take the task, the
    run stays pending (shown as waiting for a worker) and can be started again from the admin.
    """
    if not upload.size:
        raise ValueError("The file is empty.")
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"The file is {upload.size / 1e6:.0f} MB; the upload takes at most "
            f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB. Import larger files with the management command."
        )
    with transaction.atomic():
        run = ImportRun(
            kind=kind,
            dry_run=dry_run,
            overwrite=overwrite,
            file_name=Path(upload.name or "upload.csv").name[:255],
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        run.file.save(run.file_name, upload, save=False)
        run.save()
        import_run_enqueue(run=run, task=task)
    return run


def import_run_enqueue(*, run: ImportRun, task: Task[..., Any]) -> None:
    """Queue ``task(run.pk)`` once the surrounding transaction commits; a broker error is
    logged, not raised (the run stays pending)."""

    def publish() -> None:
        try:
            task.apply_async(args=(run.pk,), retry=False)
        except Exception:  # kombu and redis raise many types; all mean "not queued now"
            logger.warning("could not queue import run %s", run.pk, exc_info=True)

    transaction.on_commit(publish, robust=True)


def _claim(run_id: int) -> bool:
    """Pending → running; a run left running by a killed worker is taken back once its task
    time limit has passed (re-running an import changes nothing it already did)."""
    now = timezone.now()
    stale = now - timedelta(seconds=import_task_time_limits()[1])
    return bool(
        ImportRun.objects.filter(
            Q(status=ImportRun.Status.PENDING)
            | Q(status=ImportRun.Status.RUNNING, started_at__lt=stale),
            pk=run_id,
        ).update(status=ImportRun.Status.RUNNING, started_at=now, processed=0, error="")
    )


def import_run_execute(*, run_id: int, importer_factory: Callable[[ImportRun], Importer]) -> str:
    """Run a stored import once; safe to call twice (a run already claimed is left alone).

    Returns the run's final status. A file that cannot be read fails the run with the reason;
    rows are refused one by one in the report, never failing the run.
    """
    if not _claim(run_id):
        logger.info("import run %s is not pending; nothing to do", run_id)
        return ImportRun.objects.filter(pk=run_id).values_list("status", flat=True).first() or ""
    run = ImportRun.objects.get(pk=run_id)
    importer = importer_factory(run)
    last_write = 0.0

    def on_progress(progress: Progress) -> None:
        nonlocal last_write
        now = time.monotonic()
        if now - last_write >= PROGRESS_EVERY_SECONDS:
            last_write = now
            ImportRun.objects.filter(pk=run_id).update(processed=progress.processed)

    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as report_file:
        writer = ReportWriter(report_file)
        try:
            with run.file.open("rb") as stream:
                total = count_records(stream)
            ImportRun.objects.filter(pk=run_id).update(total=total)
            with run.file.open("rb") as stream:
                summary = import_file(
                    importer=importer,
                    stream=stream,
                    dry_run=run.dry_run,
                    report=writer,
                    total=total,
                    on_progress=on_progress,
                )
        except CsvError as exc:
            writer.note(str(exc))
            _finish(run, report_file, status=ImportRun.Status.FAILED, error=str(exc))
            return ImportRun.Status.FAILED
        except Exception as exc:
            logger.exception("import run %s failed", run_id)
            writer.note(f"The import stopped: {type(exc).__name__}: {exc}")
            _finish(
                run,
                report_file,
                status=ImportRun.Status.FAILED,
                error=f"The import stopped unexpectedly ({type(exc).__name__}: {exc}). Rows "
                "before the stop are imported; importing the file again continues safely.",
            )
            return ImportRun.Status.FAILED
        run.total = summary.rows
        run.processed = summary.rows
        run.counts = summary.count_dict()
        run.unknown_columns = summary.unknown_columns
        _finish(run, report_file, status=ImportRun.Status.SUCCEEDED)
    return ImportRun.Status.SUCCEEDED


def _finish(run: ImportRun, report_file: IO[str], *, status: str, error: str = "") -> None:
    """Save the report and the outcome, and delete the uploaded file: it holds people's data
    that an erasure could not reach, and a run is never repeated from it (a new upload is)."""
    report_file.seek(0)
    stem = Path(run.file_name).stem or "import"
    run.report.save(f"{stem}-report-{run.pk}.csv", File(report_file), save=False)
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    run.file.delete(save=False)
    run.save(
        update_fields=[
            "file",
            "report",
            "status",
            "error",
            "finished_at",
            "total",
            "processed",
            "counts",
            "unknown_columns",
        ]
    )


def report_rows(run: ImportRun, *, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` rows of a run's report that need a look (not created/unchanged)."""
    if not run.report:
        return []
    rows = []
    with run.report.open("rb") as stream:
        text = (line.decode("utf-8") for line in stream)
        for row in csv.DictReader(text):
            if row["status"] in (RowStatus.CREATED, RowStatus.UNCHANGED):
                continue
            rows.append(row)
            if len(rows) >= limit:
                break
    return rows
