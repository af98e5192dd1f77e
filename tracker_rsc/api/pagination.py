from rest_framework.pagination import CursorPagination as _CursorPagination


class CursorPagination(_CursorPagination):
    """Cursor pagination ordered newest first, with an id tie-breaker (stable at any size)."""

    ordering = ("-id",)
    page_size_query_param = "page_size"
    max_page_size = 200


class CandidateCursorPagination(CursorPagination):
    """Most recently updated first: Tracker's "Last Updated" order, served by cand_updated_idx."""

    # DRF takes any number of fields; the stub's default declares a one-field tuple.
    ordering = ("-updated_at", "-id")  # type: ignore[assignment]
