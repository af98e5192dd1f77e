"""API permissions, following tracker_rsc.roles so the API, pages and admin agree.

Any authenticated active user reads every record, creates and updates candidates and placements,
and creates requisitions; LinkedIn widget data in those records (the linked member, link events,
member ids in activity details) is only for callers with a Recruiter seat (``tracker_rsc.access``,
applied by the serializers and filters through ``sees_linkedin_widget``). Owners of a requisition
(and admins) update or delete it and delete its placements. Deleting or erasing a candidate is
for admins only.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from tracker_rsc import access
from tracker_rsc.roles import can_manage_requisition, is_admin

_ADMIN_ONLY_MESSAGE = "Only an administrator may {what}."


def sees_linkedin_widget(request: Request | None) -> bool:
    """``tracker_rsc.access.can_see_linkedin_widget`` for the caller, asked once per request.

    Serializers ask it for every row of a page and filters for their values; the answer is
    kept on the request so a page costs one seat query, not one per row. No request (a
    serializer used outside a view) sees nothing: the API fails closed.
    """
    if request is None:
        return False
    cached = getattr(request, "_tracker_linkedin_widget", None)
    if cached is None:
        cached = access.can_see_linkedin_widget(getattr(request, "user", None))
        request._tracker_linkedin_widget = cached
    return cached


class IsActiveUser(BasePermission):
    """Authenticated and active (an inactive user's token or session opens nothing)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)


class CandidatePermission(IsActiveUser):
    message = _ADMIN_ONLY_MESSAGE.format(what="delete or erase a candidate")

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if getattr(view, "action", None) in ("destroy", "erase"):
            return is_admin(request.user)
        return True


class RequisitionPermission(IsActiveUser):
    message = "Only an owner of this requisition or an administrator may change or delete it."

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return can_manage_requisition(request.user, obj)


class PlacementPermission(IsActiveUser):
    message = (
        "Only an owner of the placement's requisition or an administrator may remove a "
        "candidate from its shortlist."
    )

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method == "DELETE":
            return can_manage_requisition(request.user, obj.requisition)
        return True
