"""Who may do what: the two roles (admin, recruiter) and the Recruiter-seat check.

An admin is a Django staff user; every other active user is a recruiter. Recruiters read all
candidates and requisitions (one agency, one database) and change what their work needs;
admin-only operations are named here so views, the API and the admin agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from tracker_rsc.models import LinkedInSeat


def is_admin(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return bool(user and user.is_authenticated and (user.is_staff or user.is_superuser))


def active_seat(user: AbstractBaseUser | AnonymousUser | None) -> LinkedInSeat | None:
    """The user's active LinkedIn Recruiter seat, or None (no Recruiter access)."""
    if not user or not user.is_authenticated:
        return None
    from tracker_rsc.models import LinkedInSeat

    return (
        LinkedInSeat.objects.filter(
            user=user, active=True, product__in=LinkedInSeat.SUPPORTED_PRODUCTS
        )
        .select_related("contract")
        .order_by("-hiring_assistant", "id")
        .first()
    )


def has_recruiter_seat(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return active_seat(user) is not None


def can_manage_requisition(user: AbstractBaseUser | AnonymousUser | None, requisition) -> bool:
    """Owners of a requisition and admins may change, close or delete it."""
    if is_admin(user):
        return True
    if not user or not user.is_authenticated:
        return False
    return requisition.owners.filter(pk=user.pk).exists()
