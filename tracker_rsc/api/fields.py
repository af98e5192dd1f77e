"""JSON types are part of the API contract: a field is sent as the type the schema gives it.

(Also the API's content negotiation: one format, JSON, and no ``format`` query parameter.)

DRF coerces: ``0`` becomes the string ``"0"``, ``"1"`` the integer ``1``, ``"yes"`` a boolean.
An integration that sends the wrong type has a bug, and coercing hides it until the day the
coercion guesses wrong, so the API's writable serializers refuse it with a 400 naming the
field, as the OpenAPI schema promises (``StrictJSONTypesMixin``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from rest_framework import relations, serializers
from rest_framework.negotiation import DefaultContentNegotiation

from tracker_rsc.api.schema import MAX_ID

# The field kinds the API writes, the JSON type each takes, and DRF's own wording for it.
_EXPECTED: list[tuple[type[serializers.Field], type, str]] = [
    (serializers.BooleanField, bool, "Must be a valid boolean."),
    (serializers.IntegerField, int, "A valid integer is required."),
    (relations.PrimaryKeyRelatedField, int, "A valid integer is required."),
    (serializers.CharField, str, "Not a valid string."),
    (serializers.ChoiceField, str, "Not a valid string."),
    (serializers.DateTimeField, str, "Not a valid string."),
    (serializers.ListField, list, "Expected a list of items."),
    (relations.ManyRelatedField, list, "Expected a list of items."),
]


def _type_error(field: serializers.Field, value: Any) -> str | None:
    """What is wrong with ``value``'s JSON type for ``field``, or None when it is right."""
    if value is None:
        return None  # null is the field's own business (allow_null)
    for field_class, python_type, message in _EXPECTED:
        if isinstance(field, field_class):
            # bool is an int in Python; in JSON it is not a number.
            wrong = not isinstance(value, python_type) or (
                python_type is int and isinstance(value, bool)
            )
            return message if wrong else None
    return None


def _errors_in(field: serializers.Field, value: Any) -> Any:
    message = _type_error(field, value)
    if message:
        return [message]
    is_id = isinstance(field, relations.PrimaryKeyRelatedField) and value is not None
    if is_id and not 1 <= value <= MAX_ID:
        # Ids are 64-bit and positive: a larger number never reaches the database (where it
        # would overflow: a 500), and the schema says so.
        return [f"Must be an id from 1 to {MAX_ID}."]
    child = getattr(field, "child", None) or getattr(field, "child_relation", None)
    if isinstance(value, list) and child is not None:
        errors = {
            index: item_errors
            for index, item in enumerate(value)
            if (item_errors := _errors_in(child, item))
        }
        return errors or None
    return None


class StrictJSONTypesMixin:
    """Refuse a body whose fields have the wrong JSON type, before DRF would coerce them."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            errors = {}
            for name, field in self.fields.items():  # type: ignore[attr-defined]
                if field.read_only or name not in data:
                    continue
                if field_errors := _errors_in(field, data[name]):
                    errors[name] = field_errors
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)  # type: ignore[misc]


class NoFormatParameter(DefaultContentNegotiation):
    """DRF's negotiation without its ``?format=`` switch, which the schema does not list (an
    unknown format would be a 404). The API's views use it; the schema view keeps DRF's, so
    ``/api/schema/?format=json`` still answers JSON."""

    # Only the one setting DRF reads here; the stubs type it as the whole api_settings.
    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)  # type: ignore[assignment]
