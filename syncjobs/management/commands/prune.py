"""``manage.py prune``: apply the retention ages now (the daily beat job does the same)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from syncjobs.retention import RULES, retention_prune


def _non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Delete sent outbox events, processed/ignored/rejected notifications and finished sync "
        "runs older than the retention ages, in small batches. Erasure records, member links, "
        "the admin log, held records and anything pending or failed are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be deleted."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=None,
            help=f"Rows per transaction (default PRUNE_BATCH_SIZE, {settings.PRUNE_BATCH_SIZE}).",
        )
        for rule in RULES:
            parser.add_argument(
                f"--{rule.name.replace('_', '-')}-days",
                dest=rule.name,
                type=_non_negative,
                default=None,
                metavar="DAYS",
                help=f"Age for {rule.name.replace('_', ' ')} (default {rule.setting}, "
                f"{getattr(settings, rule.setting)}; 0 keeps them all).",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1; nothing was deleted.")
        days = {rule.name: options[rule.name] for rule in RULES if options[rule.name] is not None}
        counts = retention_prune(dry_run=options["dry_run"], batch_size=batch_size, days=days)
        verb = "would delete" if options["dry_run"] else "deleted"
        for rule in RULES:
            age = days.get(rule.name, getattr(settings, rule.setting))
            kept = " (kept forever: age 0)" if age <= 0 else f" older than {age} days"
            self.stdout.write(f"{rule.name.replace('_', ' ')}: {verb} {counts[rule.name]}{kept}")
