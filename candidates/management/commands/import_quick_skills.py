"""``manage.py import_quick_skills FILE.csv``: the Quick Skills dictionary, with aliases."""

from __future__ import annotations

from typing import Any

from candidates.management.commands._import import ImportCommand
from candidates.skill_import import QuickSkillImporter


class Command(ImportCommand):
    help = (
        "Import Quick Skills (Name, Aliases separated by |). Skills already in the dictionary "
        "get the aliases they lack; names repeated in the file are merged; a clash with "
        "another skill's name or alias is reported, never written over."
    )
    kind = "quick_skills"

    def make_importer(self, *, overwrite: bool, actor: Any = None) -> QuickSkillImporter:
        return QuickSkillImporter()
