"""API permissions, following tracker_rsc.roles so the API, pages and admin agree.

Any authenticated active user reads everything, creates and updates candidates and placements,
and creates requisitions. Owners of a requisition (and admins) update or delete it and delete
its placements. Deleting or erasing a candidate is for admins only.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from tracker_rsc.roles import can_manage_requisition, is_admin

_ADMIN_ONLY_MESSAGE = "Only an administrator may {what}."


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
