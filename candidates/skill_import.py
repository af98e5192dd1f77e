"""CSV import of the Quick Skills dictionary: one skill per row, with its aliases.

Columns: ``Name`` (required) and ``Aliases``, the aliases separated by ``|`` (a pipe: commas
and semicolons are CSV delimiters in one Excel locale or another, and occur in skill names
less than anywhere else). Names and aliases are compared as Skills Search compares them
(case, accents and spacing ignored: ``normalize_skill``).

- A new name creates the skill with its aliases; a name already in the dictionary adds the
  aliases it lacks (**updated**) or nothing (**unchanged**). A second row with the same name
  in the file adds its aliases to the first (**merged**).
- A clash with the dictionary is reported, never written over: a name that is already an
  alias of another skill is **refused** (Skills Search would no longer know which one is
  meant); an alias that is another skill's name or alias is left out and named in the row's
  report. A row refused for a value too long writes nothing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from candidates import normalize, services
from candidates.csv_reader import Column, SourceRow
from candidates.importing import RowOutcome, RowStatus
from candidates.model_fields import model_field
from candidates.models import QuickSkill, QuickSkillAlias

ALIAS_SEPARATOR = "|"
# The dictionary is small (thousands of entries): a chunk is a transaction, rows each a savepoint.
CHUNK_SIZE = 200

COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", ("skill", "skill name", "quick skill"), required=True),
    Column(
        "aliases",
        "Aliases",
        ("alias", "synonyms", "other names"),
        help=f"separated by “{ALIAS_SEPARATOR}”",
    ),
)


def _clean(value: str) -> str:
    return " ".join(value.split())


class QuickSkillImporter:
    kind = "quick_skills"
    noun = "Quick Skill"
    columns = COLUMNS
    chunk_size = CHUNK_SIZE

    def __init__(self, **_: object) -> None:
        self.touched: set[int] = set()

    def process(self, rows: list[SourceRow]) -> list[RowOutcome]:
        outcomes = []
        with transaction.atomic():
            for row in rows:
                try:
                    with transaction.atomic():
                        outcome = self._row(row)
                except ValidationError as exc:
                    outcome = RowOutcome(row.line, RowStatus.REFUSED, None, " ".join(exc.messages))
                except DatabaseError as exc:
                    outcome = RowOutcome.refused_by_database(row.line, exc)
                outcomes.append(outcome)
        return outcomes

    def _row(self, row: SourceRow) -> RowOutcome:
        if row.problem:
            return RowOutcome(row.line, RowStatus.REFUSED, None, row.problem)
        name = _clean(row.values.get("name", ""))
        key = normalize.normalize_skill(name)
        if not key:
            return RowOutcome(row.line, RowStatus.REFUSED, None, "The row has no skill name.")
        aliases = [
            _clean(alias)
            for alias in row.values.get("aliases", "").split(ALIAS_SEPARATOR)
            if _clean(alias)
        ]
        for value, model, field in [(name, QuickSkill, "name")] + [
            (alias, QuickSkillAlias, "alias") for alias in aliases
        ]:
            limit = model_field(model, field).max_length
            if limit is not None and len(value) > limit:
                return RowOutcome(
                    row.line,
                    RowStatus.REFUSED,
                    None,
                    f"Too long: “{value[:40]}…” has {len(value)} characters, at most {limit}.",
                )
        skill = QuickSkill.objects.filter(key=key).first()
        if skill is None:
            owner = QuickSkillAlias.objects.filter(key=key).select_related("skill").first()
            if owner is not None:
                return RowOutcome(
                    row.line,
                    RowStatus.REFUSED,
                    owner.skill_id,
                    f"“{name}” is already an alias of the Quick Skill “{owner.skill.name}”: "
                    "not created (Skills Search could not tell the two apart).",
                )
        added, clashes = [], []
        created = skill is None
        if created:
            skill = services.quick_skill_create(name=name)
        assert skill is not None
        for alias in aliases:
            alias_key = normalize.normalize_skill(alias)
            if alias_key == skill.key:
                continue
            clash = self._clash(skill, alias_key)
            if clash:
                clashes.append(f"“{alias}” is {clash}")
                continue
            if not skill.aliases.filter(key=alias_key).exists():
                services.quick_skill_alias_add(skill=skill, alias=alias)
                added.append(alias)
        notes = []
        if added and not created:
            notes.append("Aliases added: " + ", ".join(added) + ".")
        if clashes:
            notes.append("Not added: " + "; ".join(clashes) + ".")
        detail = " ".join(notes)
        if created:
            status = RowStatus.CREATED
        elif skill.pk in self.touched:
            status = RowStatus.MERGED
            detail = f"The same skill as an earlier row. {detail}".strip()
        else:
            status = RowStatus.UPDATED if added else RowStatus.UNCHANGED
        self.touched.add(skill.pk)
        return RowOutcome(row.line, status, skill.pk, detail)

    @staticmethod
    def _clash(skill: QuickSkill, alias_key: str) -> str:
        other = QuickSkill.objects.filter(key=alias_key).exclude(pk=skill.pk).first()
        if other is not None:
            return f"the name of the Quick Skill “{other.name}”"
        alias = (
            QuickSkillAlias.objects.filter(key=alias_key)
            .exclude(skill=skill)
            .select_related("skill")
            .first()
        )
        if alias is not None:
            return f"an alias of the Quick Skill “{alias.skill.name}”"
        return ""


def quick_skill_importer(*, overwrite: bool = False) -> QuickSkillImporter:
    """Quick Skills have nothing to overwrite: names never change, aliases are only added."""
    return QuickSkillImporter()
