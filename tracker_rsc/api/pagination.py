"""Cursor pagination of the REST API: newest first, stable at any size, strict about its input.

DRF's CursorPagination silently falls back to the default page size when ``page_size`` is not
a number and clamps it above the maximum; here either is a 400 naming the parameter, as the
schema says (an integer from 1 to ``max_page_size``). A cursor the API did not hand out is a
404, DRF's answer, documented on every paginated list.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.pagination import CursorPagination as _CursorPagination
from rest_framework.request import Request


class CursorPagination(_CursorPagination):
    """Cursor pagination ordered newest first, with an id tie-breaker (stable at any size)."""

    ordering = ("-id",)
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int | None:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        field = serializers.IntegerField(min_value=1, max_value=self.max_page_size)
        try:
            return field.run_validation(raw)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({self.page_size_query_param: exc.detail}) from exc

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = (
                    f"Number of results per page, 1 to {self.max_page_size} "
                    f"(default {self.page_size})."
                )
            elif parameter["name"] == self.cursor_query_param:
                parameter["description"] = (
                    "The opaque cursor from the previous page's next or previous link; any "
                    "other value is a 404."
                )
        return parameters


class CandidateCursorPagination(CursorPagination):
    """Most recently updated first: Tracker's "Last Updated" order, served by cand_updated_idx."""

    # DRF takes any number of fields; the stub's default declares a one-field tuple.
    ordering = ("-updated_at", "-id")  # type: ignore[assignment]
