"""The shared shape of the three import commands (a leading underscore: not a command itself).

``manage.py import_<kind> FILE.csv [--dry-run] [--overwrite] [--report PATH] [--quiet]``:
progress (rows/s, ETA) on stderr while it runs, the rows that need a look (or every row with
``-v 2`` and in a dry run) and a summary on stdout, and the full row-by-row report as CSV.
"""

from __future__ import annotations

import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from candidates.csv_reader import CsvError, columns_help, count_records
from candidates.importing import (
    Importer,
    Progress,
    ReportWriter,
    RowOutcome,
    RowStatus,
    import_file,
)


class ImportCommand(BaseCommand):
    kind = ""

    def make_importer(self, *, overwrite: bool, actor: Any = None) -> Importer:
        raise NotImplementedError

    def add_arguments(self, parser: ArgumentParser) -> None:
        importer = self.make_importer(overwrite=False)
        parser.epilog = "Columns (header names are matched without case, spaces or punctuation):\n"
        parser.epilog += columns_help(importer.columns)
        parser.add_argument("file", help="The CSV file (UTF-8, with or without BOM; , ; or tab)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would happen, row by row, and change nothing.",
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Replace existing values with the file's (default: fill empty fields only).",
        )
        parser.add_argument(
            "--report",
            help="Where to write the row-by-row report (CSV). Default: "
            "var/imports/<file>-<kind>-<time>.csv",
        )
        parser.add_argument(
            "--user",
            help="Username of the Tracker user the import is done as (recorded as the creator "
            "of new records).",
        )
        parser.add_argument(
            "--quiet", action="store_true", help="No progress line, only the summary."
        )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> ArgumentParser:
        from argparse import RawDescriptionHelpFormatter

        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        dry_run: bool = options["dry_run"]
        verbosity: int = options["verbosity"]
        quiet: bool = options["quiet"]
        report_path = Path(options["report"]) if options["report"] else self._default_report(path)
        report_path.parent.mkdir(parents=True, exist_ok=True)
        actor = None
        if options["user"]:
            actor = (
                get_user_model().objects.filter(username=options["user"], is_active=True).first()
            )
            if actor is None:
                raise CommandError(f"No active user named “{options['user']}”.")
        importer = self.make_importer(overwrite=options["overwrite"], actor=actor)
        with path.open("rb") as stream:
            total = count_records(stream)
        show_every = verbosity >= 2 or dry_run
        progress_shown = [0.0]
        err = self.stderr._out if hasattr(self.stderr, "_out") else sys.stderr
        tty = getattr(err, "isatty", lambda: False)()

        def on_progress(progress: Progress) -> None:
            if quiet or verbosity == 0:
                return
            now = time.monotonic()
            if now - progress_shown[0] < 1.0 and progress.processed != total:
                return
            progress_shown[0] = now
            if tty:
                err.write("\r\033[K" + progress.as_text())
            else:
                err.write(progress.as_text() + "\n")
            err.flush()

        def on_row(outcome: RowOutcome) -> None:
            if verbosity == 0:
                return
            if show_every or outcome.status in (RowStatus.REFUSED, RowStatus.AMBIGUOUS):
                style = self.style.ERROR if outcome.status == RowStatus.REFUSED else str
                self.stdout.write(style(outcome.as_text()))

        with (
            path.open("rb") as stream,
            report_path.open("w", encoding="utf-8", newline="") as report_file,
        ):
            try:
                summary = import_file(
                    importer=importer,
                    stream=stream,
                    dry_run=dry_run,
                    report=ReportWriter(report_file),
                    total=total,
                    on_progress=on_progress,
                    on_row=on_row,
                )
            except CsvError as exc:
                raise CommandError(f"{path.name}: {exc}") from exc
        if tty and not quiet:
            err.write("\n")
        self.stdout.write(summary.as_text())
        self.stdout.write(f"  Report: {report_path}")

    def _default_report(self, path: Path) -> Path:
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        return Path(settings.VAR_DIR) / "imports" / f"{path.stem}-{self.kind}-{stamp}.csv"
