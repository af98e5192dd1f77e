"""API permissions: every write needs the Django model permission the admin asks for too.

Reads are open to any authenticated active user (LinkedIn widget data in them — the linked
member, link events, member ids in activity details — only for callers with a Recruiter seat:
``tracker_rsc.access``, applied by the serializers and filters through
``sees_linkedin_widget``). Each write action of each viewset needs the model permission named
in ``WRITE_PERMISSIONS`` (the API's permission matrix, one table); a write the table does not
name is refused (fail closed). On top of the model permission, changing or deleting a
requisition, and removing a placement from its shortlist, needs an owner of the requisition or
an admin (``tracker_rsc.roles.can_manage_requisition``).

Recruiters get their permissions from the Recruiters group (``tracker_rsc.roles``); staff from
what an admin grants them; superusers have all. Deleting a candidate needs
``candidates.delete_candidate`` and erasing one ``candidates.erase_candidate``, as in the admin.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from tracker_rsc import access
from tracker_rsc.roles import can_manage_requisition

# viewset basename → action → the model permissions it needs.
WRITE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "candidate": {
        "create": ("candidates.add_candidate",),
        "update": ("candidates.change_candidate",),
        "partial_update": ("candidates.change_candidate",),
        "destroy": ("candidates.delete_candidate",),
        "erase": ("candidates.erase_candidate",),
    },
    "requisition": {
        "create": ("requisitions.add_requisition",),
        "update": ("requisitions.change_requisition",),
        "partial_update": ("requisitions.change_requisition",),
        "destroy": ("requisitions.delete_requisition",),
    },
    "placement": {
        "create": ("requisitions.add_placement",),
        "update": ("requisitions.change_placement",),
        "partial_update": ("requisitions.change_placement",),
        "destroy": ("requisitions.delete_placement",),
    },
}

_VERBS = {
    "create": "create",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
    "erase": "erase",
}


def required_permissions(view: Any) -> tuple[str, ...] | None:
    """The permissions the view's write action needs; None when the table has no entry."""
    return WRITE_PERMISSIONS.get(getattr(view, "basename", ""), {}).get(getattr(view, "action", ""))


def sees_linkedin_widget(request: HttpRequest | Request | None) -> bool:
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
        # Cached on the request (Request has no slot for it): one seat query per request.
        request._tracker_linkedin_widget = cached  # type: ignore[attr-defined]
    return cached


class IsActiveUser(BasePermission):
    """Authenticated and active (an inactive user's token or session opens nothing)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)


class ModelWritePermission(IsActiveUser):
    """Reads for any active user; each write for holders of its model permissions."""

    message = "You do not have permission to perform this action."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in SAFE_METHODS:
            return True
        if getattr(view, "action", None) is None:
            # No operation at this path for this method: the dispatch answers 405 (with Allow),
            # as the schema documents, and runs nothing.
            return True
        needed = required_permissions(view)
        if needed is None:
            return False
        if request.user.has_perms(needed):
            return True
        verb = _VERBS.get(view.action, view.action)
        self.message = (
            f"You may not {verb} {view.basename}s: that needs the permission "
            f"{', '.join(needed)}. Ask an administrator."
        )
        return False


class CandidatePermission(ModelWritePermission):
    pass


class RequisitionPermission(ModelWritePermission):
    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        if can_manage_requisition(request.user, obj):
            return True
        self.message = "Only an owner of this requisition or an administrator may change it."
        return False


class PlacementPermission(ModelWritePermission):
    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method != "DELETE" or can_manage_requisition(request.user, obj.requisition):
            return True
        self.message = (
            "Only an owner of the placement's requisition or an administrator may remove a "
            "candidate from its shortlist."
        )
        return False
