"""Derived columns kept right by the model, whatever the write path.

A *derivation* is ``(target, source, function)``: ``target`` always holds ``function(source)``.
The duplicate-check keys of ``Candidate`` and the keys of the Quick Skills dictionary are
derivations of the fields people type; a stale key silently breaks the duplicate check, the
bulk sync's "missing email" rule and the dictionary's uniqueness.

Why not ``GeneratedField``: the normalisers (``candidates.normalize``) use Unicode
decomposition (NFKD/NFC), ``str.casefold``, Python's notion of a letter or digit in every script
and URL parsing. None of that can be written identically in SQL on SQLite and PostgreSQL, and
two copies of the rules (Python for incoming data, SQL for the stored column) would drift. So
the one home of the normalisation stays ``candidates.normalize``, and every write path calls it:

- ``Model.save()`` (services, ``objects.create``, ``get_or_create``, ``update_or_create``, the
  admin): the ``pre_save`` receiver ``apply_on_pre_save`` sets the targets; the models'
  ``save()`` adds the targets to ``update_fields`` when a source is in it;
- raw saves (``loaddata`` fixtures) and saves of a data migration's historical model: the
  same ``pre_save`` receiver, matched on the model's label (a historical model is another
  class with the same label);
- ``bulk_create`` and ``bulk_update``: ``DerivedQuerySet`` fills the targets first;
- ``update()``: plain values are derived in Python and written in the same UPDATE; an
  expression (``F()``, ``Upper()``, ``Concat()`` …) cannot be, so the rows it touches are read
  back in the same transaction and their targets rewritten with ``bulk_update``;
- data migrations: the managers are ``use_in_migrations``, so a historical model's
  ``objects`` is this queryset too.

Setting a target directly through ``update()`` is refused (``ValueError``): it would store a
key that does not match its source. ``QuerySet._update`` (what ``Model.save`` uses) is not
overridden; ``save()`` is covered by the receiver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import models, transaction

Derivation = tuple[str, str, Callable[[Any], str]]

# Rows re-read per query after an update() with expressions: bounded memory, few round trips.
RECOMPUTE_CHUNK = 1000

# Model label → its derivations, for the pre_save receiver (filled by the querysets below, so
# historical models of data migrations, which are other classes, are found by their label).
_BY_LABEL: dict[str, Sequence[Derivation]] = {}


def apply_derivations(obj: Any, derivations: Sequence[Derivation]) -> None:
    """Set every target of ``obj`` from its source, in order (a target may feed a later one)."""
    for target, source, function in derivations:
        setattr(obj, target, function(getattr(obj, source)))


def targets_for(sources: Iterable[str], derivations: Sequence[Derivation]) -> list[str]:
    """The targets that change when ``sources`` change (transitively, in order)."""
    changed = set(sources)
    targets: list[str] = []
    for target, source, _function in derivations:
        if source in changed:
            changed.add(target)
            if target not in targets:
                targets.append(target)
    return targets


def with_targets(
    update_fields: Iterable[str] | None, derivations: Sequence[Derivation]
) -> list[str] | None:
    """``update_fields`` plus the targets of the sources in it (None stays None: all fields)."""
    if update_fields is None:
        return None
    fields = list(update_fields)
    return fields + [name for name in targets_for(fields, derivations) if name not in fields]


def apply_on_pre_save(sender: type[models.Model], instance: models.Model, **_: Any) -> None:
    """``pre_save`` receiver for every model with derivations, raw saves (fixtures) included."""
    derivations = _BY_LABEL.get(sender._meta.label)
    if derivations:
        apply_derivations(instance, derivations)


def _is_expression(value: Any) -> bool:
    return hasattr(value, "resolve_expression")


class DerivedQuerySet(models.QuerySet):
    """A queryset whose bulk writes keep the model's derivations right (see the module doc).

    Subclasses set ``derivations`` and ``label`` (``app_label.ModelName``).
    """

    derivations: Sequence[Derivation] = ()
    label: str = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.label:
            _BY_LABEL[cls.label] = cls.derivations

    @property
    def _targets(self) -> set[str]:
        return {target for target, source, _ in self.derivations if target != source}

    def bulk_create(self, objs: Iterable[models.Model], *args: Any, **kwargs: Any) -> list:
        objs = list(objs)
        for obj in objs:
            apply_derivations(obj, self.derivations)
        if kwargs.get("update_fields"):
            kwargs["update_fields"] = with_targets(kwargs["update_fields"], self.derivations)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(
        self, objs: Iterable[models.Model], fields: Sequence[str], *args: Any, **kwargs: Any
    ) -> int:
        objs = list(objs)
        for obj in objs:
            apply_derivations(obj, self.derivations)
        # Django's bulk_update runs update() with CASE expressions of the targets themselves:
        # a plain queryset writes them as they were just derived.
        plain = models.QuerySet(self.model, using=self.db)
        return plain.bulk_update(objs, with_targets(fields, self.derivations), *args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        direct = sorted(self._targets & set(kwargs))
        if direct:
            raise ValueError(
                f"{', '.join(direct)} of {self.model._meta.label} is derived from other fields "
                "and cannot be updated directly; update its source field instead."
            )
        targets = targets_for(kwargs, self.derivations)
        if not targets:
            return super().update(**kwargs)
        sources = {source for _, source, _ in self.derivations if source in kwargs}
        if not any(_is_expression(kwargs[name]) for name in sources):
            values = dict(kwargs)
            for target, source, function in self.derivations:
                if source in values:
                    values[target] = function(values[source])
            return super().update(**values)
        # An expression is computed by the database: read the touched rows back and derive.
        with transaction.atomic(using=self.db):
            pks = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            self._recompute(pks, targets)
        return count

    def _recompute(self, pks: list[Any], targets: list[str]) -> None:
        base = models.QuerySet(self.model, using=self.db)
        needed = {source for _, source, _ in self.derivations} | set(targets)
        for index in range(0, len(pks), RECOMPUTE_CHUNK):
            rows = list(base.filter(pk__in=pks[index : index + RECOMPUTE_CHUNK]).only(*needed))
            for row in rows:
                apply_derivations(row, self.derivations)
            base.bulk_update(rows, targets)


def recompute_all(model: type[models.Model], derivations: Sequence[Derivation]) -> int:
    """Rewrite every row's targets from its sources (data migrations); returns rows changed."""
    base = models.QuerySet(model)
    names = list(dict.fromkeys([name for d in derivations for name in d[:2]]))
    changed = 0
    last_pk: Any = None
    while True:
        page = base.order_by("pk")
        if last_pk is not None:
            page = page.filter(pk__gt=last_pk)
        rows = list(page.only(*names)[:RECOMPUTE_CHUNK])
        if not rows:
            return changed
        last_pk = rows[-1].pk
        stale = []
        for row in rows:
            before = {name: getattr(row, name) for name in names}
            apply_derivations(row, derivations)
            if any(getattr(row, name) != value for name, value in before.items()):
                stale.append(row)
        if stale:
            base.bulk_update(stale, targets_for(names, derivations))
            changed += len(stale)
