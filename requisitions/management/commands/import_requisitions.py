"""``manage.py import_requisitions FILE.csv``: an agency's jobs, with their owners."""

from __future__ import annotations

from typing import Any

from candidates.management.commands._import import ImportCommand
from requisitions.requisition_import import RequisitionImporter


class Command(ImportCommand):
    help = (
        "Import requisitions (Title and Owners required; owners are usernames or emails "
        "separated by |). A job with the same title, client and location is updated (empty "
        "fields only, or all with --overwrite); an unknown owner refuses the row."
    )
    kind = "requisitions"

    def make_importer(self, *, overwrite: bool, actor: Any = None) -> RequisitionImporter:
        return RequisitionImporter(overwrite=overwrite, actor=actor)
