"""The API contract: every answer an operation can give is in the OpenAPI schema.

``ContractAutoSchema`` (REST_FRAMEWORK's ``DEFAULT_SCHEMA_CLASS``) adds the error responses to
every operation by its kind, in one place, so no view has to remember them:

=====  ==============================================================================
400    every operation except reading one record: invalid body, filter or page size
401    every operation: no credentials, or a bad, expired or revoked token
403    every operation: the user may not do this (or a session write without CSRF)
404    operations on one record (unknown id), and paginated lists (a bad cursor)
405    every operation: a method the path does not serve (``Allow`` lists those it does)
406    every operation: an ``Accept`` header the API cannot satisfy (it speaks JSON)
415    operations with a body: a ``Content-Type`` the API does not parse
429    every operation: throttled; ``Retry-After`` says how many seconds to wait
=====  ==============================================================================

A 400 body is a ``ValidationError`` (field name → messages) or, for a body that could not be
parsed, an ``Error``; every other error is an ``Error`` (``{"detail": "..."}``), which is what
DRF's exception handler renders. Ids in paths are 64-bit positive integers: the schema says
so, and ``ApiViewSetMixin.get_object`` answers 404 for anything else.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import relations, serializers

# Ids are 64-bit (BigAutoField); a larger number is refused, never sent to the database.
MAX_ID = 2**63 - 1


class ErrorSerializer(serializers.Serializer):
    """The body of every error except a field validation error."""

    detail = serializers.CharField(help_text="What went wrong, for a person to read.")


VALIDATION_ERROR = "ValidationError"
FIELD_ERRORS = "FieldErrors"
BAD_REQUEST = "BadRequest"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_COMPONENTS: dict[str, dict[str, Any]] = {
    FIELD_ERRORS: {
        "description": (
            "The messages about one field: a list of messages, or, for a list or an object "
            "field, the same shape keyed by the index or key of each part that failed."
        ),
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "object", "additionalProperties": _ref(FIELD_ERRORS)},
        ],
    },
    VALIDATION_ERROR: {
        "type": "object",
        "description": (
            "Field name (body field or query parameter) → its messages; ``non_field_errors`` "
            "holds the messages about the request as a whole."
        ),
        "additionalProperties": _ref(FIELD_ERRORS),
        "example": {"email": ["Enter a valid email address."]},
    },
    BAD_REQUEST: {
        "description": (
            "A field-level ValidationError, or an Error when the body could not be parsed."
        ),
        "oneOf": [_ref(VALIDATION_ERROR), _ref("Error")],
    },
}

_HEADERS: dict[str, dict[str, dict[str, Any]]] = {
    "401": {
        "WWW-Authenticate": {
            "schema": {"type": "string"},
            "description": "The scheme to authenticate with (``Token``).",
            "required": True,
        }
    },
    "405": {
        "Allow": {
            "schema": {"type": "string"},
            "description": "The methods this path serves.",
            "required": True,
        }
    },
    "429": {
        "Retry-After": {
            "schema": {"type": "integer", "minimum": 0},
            "description": "Seconds to wait before the next request is accepted.",
            "required": True,
        }
    },
}

_DESCRIPTIONS = {
    "400": "Invalid input; nothing was changed. The body names each field and what is wrong.",
    "401": (
        "Not authenticated: no credentials, or a token that is unknown, expired or revoked, "
        "or a user that is inactive."
    ),
    "403": (
        "Authenticated, but this user may not do this (or a session request that changes "
        "something came without its CSRF token)."
    ),
    "404": "No such record (unknown id), or a cursor this list did not hand out.",
    "405": "This method is not served at this path.",
    "406": "The Accept header asks for a format the API does not produce (it answers JSON).",
    "415": "The Content-Type of the body is not one the API reads.",
    "429": "Too many requests: throttled. Retry after the number of seconds in Retry-After.",
}


class ContractAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the error responses of every operation."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            responses.setdefault(code, self._error_response(code))
        return responses

    def _resolve_path_parameters(self, variables: list[str]) -> list[dict[str, Any]]:
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if schema.get("type") == "integer":
                schema.update(minimum=1, maximum=MAX_ID)
        return parameters

    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # Related ids are 64-bit positive integers, as the API checks (StrictJSONTypesMixin).
        if isinstance(field, relations.PrimaryKeyRelatedField) and schema.get("type") == "integer":
            schema.update(minimum=1, maximum=MAX_ID)
        return schema

    # --- which errors an operation can answer --------------------------------------------

    def _has_body(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH")

    def _is_detail(self) -> bool:
        return "{" in self.path

    def _is_paginated_list(self) -> bool:
        return self._is_list_view() and self._get_paginator() is not None

    def _error_codes(self) -> list[str]:
        codes = ["401", "403", "405", "406", "429"]
        if not (self.method == "GET" and self._is_detail()):
            codes.append("400")
        if self._is_detail() or self._is_paginated_list():
            codes.append("404")
        if self._has_body():
            codes.append("415")
        return sorted(codes)

    def _error_response(self, code: str) -> dict[str, Any]:
        for name, schema in _COMPONENTS.items():
            self.registry.register_on_missing(
                ResolvedComponent(
                    name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
                )
            )
        error = self.resolve_serializer(ErrorSerializer, "response")
        schema = _ref(BAD_REQUEST) if code == "400" else error.ref
        response: dict[str, Any] = {
            "description": _DESCRIPTIONS[code],
            "content": {"application/json": {"schema": schema}},
        }
        if code in _HEADERS:
            response["headers"] = _HEADERS[code]
        return response
