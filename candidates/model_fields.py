"""A model's own (concrete) field by name, typed as such: for limits and labels from metadata.

``Model._meta.get_field`` may also answer a reverse relation, which has no ``max_length`` or
``verbose_name``; the names asked for here are always a model's own columns.
"""

from __future__ import annotations

from typing import Any

from django.db import models


def model_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The field ``name`` of ``model``; TypeError if the name is a reverse relation."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model._meta.label}.{name} is a reverse relation, not a field")
    return field
