"""``manage.py import_candidates FILE.csv``, through the Export to ATS duplicate check."""

from __future__ import annotations

from typing import Any

from candidates.candidate_import import CandidateImporter
from candidates.management.commands._import import ImportCommand


class Command(ImportCommand):
    help = (
        "Import candidates from a CSV file. Every row goes through the duplicate check of "
        "Export to ATS (LinkedIn profile URL > email > name): a match is updated (empty fields "
        "only, or all with --overwrite), an ambiguous name goes to the review queue, rows of "
        "the same person are merged, and a refused row never stops the rest."
    )
    kind = "candidates"

    def make_importer(self, *, overwrite: bool, actor: Any = None) -> CandidateImporter:
        return CandidateImporter(overwrite=overwrite, actor=actor)
