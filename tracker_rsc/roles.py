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


# --- Model permissions ------------------------------------------------------------------------
# The API and the admin check Django model permissions. Recruiters get theirs from one group,
# given to every new non-staff user (tracker_rsc.apps); staff get what an admin grants them, and
# superusers have every permission. Deleting or erasing a candidate is not a recruiter's.

RECRUITERS_GROUP = "Recruiters"
RECRUITER_PERMISSIONS = (
    "candidates.add_candidate",
    "candidates.change_candidate",
    "requisitions.add_requisition",
    "requisitions.change_requisition",  # their own requisitions (checked per object)
    "requisitions.delete_requisition",  # likewise
    "requisitions.add_placement",
    "requisitions.change_placement",
    "requisitions.delete_placement",  # on their own requisitions' shortlists
)


def recruiters_group_ensure():
    """The Recruiters group, holding at least ``RECRUITER_PERMISSIONS`` (created when missing).

    Run after every ``migrate`` (post_migrate, once the permissions exist), so the group
    follows this list; what an admin added to the group by hand is kept.
    """
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    group, _ = Group.objects.get_or_create(name=RECRUITERS_GROUP)
    wanted = Q(pk__in=[])
    for name in RECRUITER_PERMISSIONS:
        app_label, codename = name.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.add(*Permission.objects.filter(wanted))
    return group


def recruiter_grant(user) -> None:
    """Make ``user`` a recruiter (the Recruiters group's permissions)."""
    from django.contrib.auth.models import Group

    group = Group.objects.filter(name=RECRUITERS_GROUP).first() or recruiters_group_ensure()
    user.groups.add(group)
