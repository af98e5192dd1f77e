"""Writes for the integration state: enabling, errors, registration, settings and seat mapping.

The Integration row is shared by the admin and the sync workers, so every write here names the
fields it changes (``update_fields``): a worker recording an error never loses an admin's
settings change, and the other way round.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

# A pure normaliser (no models, no I/O): seats and candidates compare names the same way.
from candidates.normalize import normalize_name_part
from tracker_rsc import signals
from tracker_rsc.history import DEFAULT_HISTORY_YEARS, MAX_HISTORY_YEARS
from tracker_rsc.models import (
    Contract,
    Integration,
    LinkedInSeat,
    contract_urn_validator,
    organization_urn_validator,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    User = AbstractBaseUser

logger = logging.getLogger("tracker_rsc.seats")


def _user(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


def _clean_urns(organization_urn: str, contract_urns: Sequence[str]) -> tuple[str, list[str]]:
    """Trimmed, validated URNs (contracts de-duplicated, in order); ValidationError otherwise."""
    if isinstance(contract_urns, str):  # a bare string would be read one character at a time
        contract_urns = [contract_urns]
    errors: dict[str, list[str]] = {}
    organization = (organization_urn or "").strip()
    if not organization:
        errors["organization_urn"] = [
            "Enter the organization URN of your LinkedIn company page, such as "
            "urn:li:organization:2414183."
        ]
    else:
        try:
            organization_urn_validator(organization)
        except ValidationError:
            errors["organization_urn"] = [
                f"“{organization}” is not an organization URN; enter one such as "
                "urn:li:organization:2414183."
            ]
    contracts: list[str] = []
    for raw in contract_urns:
        urn = (raw or "").strip()
        if not urn or urn in contracts:
            continue
        try:
            contract_urn_validator(urn)
        except ValidationError:
            errors.setdefault("contract_urns", []).append(
                f"“{urn}” is not a contract URN; enter one such as urn:li:contract:100."
            )
            continue
        contracts.append(urn)
    if errors:
        raise ValidationError(errors)
    return organization, contracts


def integration_enable(
    *, organization_urn: str, contract_urns: Sequence[str] = (), actor: User | None
) -> tuple[Integration, bool]:
    """Enable the integration for the whole database (docs/architecture.md §4.1): ``(integration,
    created)``.

    Validates the URNs first (ValidationError naming the field; nothing written). In one
    transaction it records who enabled it and when, sets the status to enabled, clears the last
    error and creates the missing Contract rows; after commit it sends
    ``tracker_rsc.signals.integration_enabled(integration=...)``, which registers the callback
    with LinkedIn and starts the bulk sync.

    Idempotent: when already enabled for the same organization nothing changes, no signal is
    sent and ``created`` is False. Enabling for a different organization than the enabled one
    is a ValidationError. An integration in error can be enabled again (a retry: who enabled it
    and when stay as first recorded), also for another organization, which forgets the
    previous registration and records the new enabling.
    """
    organization, contracts = _clean_urns(organization_urn, contract_urns)
    Integration.get()  # the row must exist before it can be locked
    with transaction.atomic(durable=True):
        integration = Integration.objects.select_for_update().get(singleton=True)
        if integration.is_enabled:
            if integration.organization_urn != organization:
                raise ValidationError(
                    {
                        "organization_urn": (
                            f"The integration is already enabled for "
                            f"{integration.organization_urn}; one Tracker database connects "
                            "to one LinkedIn organization."
                        )
                    }
                )
            return integration, False
        update_fields = ["status", "organization_urn", "last_error"]
        same_organization = integration.organization_urn == organization
        if not same_organization:
            integration.registered_at = None
            update_fields.append("registered_at")
        if integration.enabled_at is None or not same_organization:
            # Who enabled it and when are recorded once per organization: a retry after an
            # error keeps them, and with them the bulk sync's history window and its resume.
            integration.enabled_at = timezone.now()
            integration.enabled_by = _user(actor)
            update_fields += ["enabled_at", "enabled_by"]
        integration.status = Integration.Status.ENABLED
        integration.organization_urn = organization
        integration.last_error = ""
        integration.save(update_fields=[*update_fields, "updated_at"])
        for urn in contracts:
            Contract.objects.get_or_create(urn=urn)
        transaction.on_commit(
            lambda: signals.integration_enabled.send(sender=Integration, integration=integration)
        )
    return integration, True


def integration_set_error(*, message: str) -> Integration:
    """Record why the integration is not working (status error; the admin page shows it).

    A disabled integration keeps its status and only records the message. Idempotent.
    """
    message = (message or "").strip()
    if not message:
        raise ValidationError({"last_error": "An integration error needs a message."})
    Integration.get()
    with transaction.atomic():
        integration = Integration.objects.select_for_update().get(singleton=True)
        if integration.status != Integration.Status.DISABLED:
            integration.status = Integration.Status.ERROR
        integration.last_error = message
        integration.save(update_fields=["status", "last_error", "updated_at"])
    return integration


def integration_mark_registered() -> Integration:
    """LinkedIn accepted the callback URL and the integrations: record when, clear any error.

    Raises ValidationError when the integration is not enabled (nothing to register).
    """
    Integration.get()
    with transaction.atomic():
        integration = Integration.objects.select_for_update().get(singleton=True)
        if integration.status == Integration.Status.DISABLED:
            raise ValidationError("The integration is not enabled; enable it before registering.")
        integration.status = Integration.Status.ENABLED
        integration.registered_at = timezone.now()
        integration.last_error = ""
        integration.save(update_fields=["status", "registered_at", "last_error", "updated_at"])
    return integration


def integration_setup_needed(integration: Integration) -> bool:
    """Whether the admin may ask for the setup again: in error, or enabled but not registered."""
    return integration.status == Integration.Status.ERROR or (
        integration.status == Integration.Status.ENABLED and integration.registered_at is None
    )


def integration_setup_retry(*, actor: User | None) -> Integration:
    """Ask for the enabling setup again (register with LinkedIn, seats, bulk sync).

    Safe to repeat: registration is idempotent on LinkedIn's side and a completed bulk sync is
    not run again. Sends ``integration_setup_requested`` after commit. Raises ValidationError
    (nothing sent) when the integration is disabled or already registered without an error.
    """
    Integration.get()
    with transaction.atomic(durable=True):
        integration = Integration.objects.select_for_update().get(singleton=True)
        if not integration_setup_needed(integration):
            raise ValidationError(
                "The integration is not enabled; enable it first."
                if integration.status == Integration.Status.DISABLED
                else "The integration is registered with LinkedIn and has no error; "
                "there is nothing to retry."
            )
        transaction.on_commit(
            lambda: signals.integration_setup_requested.send(
                sender=Integration, integration=integration, actor=_user(actor)
            )
        )
    return integration


def integration_update_settings(
    *,
    stub_profiles_enabled: bool | None = None,
    history_years: int | None = None,
    actor: User | None = None,
) -> Integration:
    """Change the admin-editable settings; fields left as None are kept.

    Raises ValidationError (nothing written) when ``history_years`` is out of range.
    """
    if history_years is not None and not 1 <= history_years <= MAX_HISTORY_YEARS:
        raise ValidationError(
            {
                "history_years": f"Enter a number of calendar years between 1 and "
                f"{MAX_HISTORY_YEARS} (the FAQ's default is {DEFAULT_HISTORY_YEARS})."
            }
        )
    Integration.get()
    with transaction.atomic():
        integration = Integration.objects.select_for_update().get(singleton=True)
        update_fields = []
        if stub_profiles_enabled is not None:
            integration.stub_profiles_enabled = stub_profiles_enabled
            update_fields.append("stub_profiles_enabled")
        if history_years is not None:
            integration.history_years = history_years
            update_fields.append("history_years")
        if update_fields:
            integration.save(update_fields=[*update_fields, "updated_at"])
    return integration


# --- Seats ----------------------------------------------------------------------------------


def _name_key(first_name: str, last_name: str) -> tuple[str, str] | None:
    key = (normalize_name_part(first_name), normalize_name_part(last_name))
    return key if all(key) else None


def seat_user_suggestions(seats: Iterable[LinkedInSeat]) -> dict[int, list[User]]:
    """For each seat id, the active Tracker users with the seat holder's first and last name.

    Names compare case-, accent- and punctuation-insensitively. One query over the users
    (an agency's staff, not its candidates), whatever the number of seats.
    """
    seats = list(seats)
    wanted = {seat.pk: _name_key(seat.first_name, seat.last_name) for seat in seats}
    if not any(wanted.values()):
        return {seat.pk: [] for seat in seats}
    by_name: dict[tuple[str, str], list[User]] = defaultdict(list)
    users = get_user_model().objects.filter(is_active=True).order_by("pk")
    for user in users.only("pk", "username", "first_name", "last_name"):
        key = _name_key(user.first_name, user.last_name)
        if key:
            by_name[key].append(user)
    return {pk: list(by_name.get(key, [])) if key else [] for pk, key in wanted.items()}


class BindingMethod:
    """How a seat came to be bound to (or unbound from) a Tracker user, as the audit says it."""

    SIGN_IN = "Sign in with LinkedIn"
    ADMIN = "admin"
    ADMIN_SUGGESTED = "admin, suggested user"


def seat_binding_audit(
    *,
    seat: LinkedInSeat,
    previous: User | None,
    bound_to: User | None,
    actor: User | None,
    method: str,
) -> None:
    """Record a seat bound, unbound or rebound in the admin's history (Django's LogEntry).

    The entry is the seat's, written by ``actor`` and naming the method, so an admin reads it
    on the seat's History page next to the form changes. Without an actor (a shell, a data
    migration) there is no user to attribute a LogEntry to, so the change is logged instead.
    Nothing is recorded when the binding did not change.
    """
    previous_id = previous.pk if previous is not None else None
    bound_id = bound_to.pk if bound_to is not None else None
    if previous_id == bound_id:
        return
    if bound_to is None:
        message = f"Unbound from {previous} ({method})."
    elif previous is None:
        message = f"Bound to {bound_to} ({method})."
    else:
        message = f"Bound to {bound_to}, was {previous} ({method})."
    who = _user(actor)
    if who is None:
        logger.info("seat %s: %s", seat.seat_urn, message)
        return
    LogEntry.objects.log_actions(
        user_id=who.pk,
        queryset=[seat],
        action_flag=CHANGE,
        change_message=message,
        single_object=True,
    )


def seat_map_user(
    *,
    seat: LinkedInSeat,
    user: User,
    actor: User | None = None,
    method: str = BindingMethod.ADMIN,
) -> bool:
    """Map an unmapped seat to a Tracker user. Returns False when it was already mapped.

    A conditional UPDATE: a seat mapped meanwhile (by another admin or the seat sync) is left
    as it is. Raises ValidationError for an inactive user. The binding is audited with
    ``method``; an active seat announces the user's new access (``seat_access_changed``).
    """
    if not user.is_active:
        raise ValidationError({"user": f"{user} is not an active user."})
    with transaction.atomic():
        mapped = LinkedInSeat.objects.filter(pk=seat.pk, user__isnull=True).update(user=user)
        if mapped:
            seat.user = user
            seat_binding_audit(seat=seat, previous=None, bound_to=user, actor=actor, method=method)
            if seat.active:
                seat_access_changed(user_ids=[user.pk])
    return bool(mapped)


# What a seat gives its user on LinkedIn: the member it acts as, while it is active.
SEAT_ACCESS_FIELDS = ("user_id", "person_urn", "active")


def seat_access_changed(*, user_ids: Iterable[int | None]) -> None:
    """Tell the flows that these users' seats changed (``signals.seat_access_changed``).

    Call it inside the transaction that changed the seats; users that are None are ignored.
    """
    ids = frozenset(pk for pk in user_ids if pk is not None)
    if ids:
        signals.seat_access_changed.send(sender=LinkedInSeat, user_ids=ids)


def seat_save(*, seat: LinkedInSeat, actor: User | None = None) -> LinkedInSeat:
    """Save a seat an admin created or edited (already validated by its form).

    When its user, member or active flag changed, the users it was and is mapped to are
    announced, so the access lists of the jobs they own follow. A changed user is audited as
    an admin binding (or unbinding).
    """
    with transaction.atomic():
        before = None
        if seat.pk is not None:
            before = (
                LinkedInSeat.objects.select_for_update()
                .filter(pk=seat.pk)
                .values_list(*SEAT_ACCESS_FIELDS)
                .first()
            )
        seat.save()
        after = tuple(getattr(seat, name) for name in SEAT_ACCESS_FIELDS)
        previous_id = before[0] if before else None
        if previous_id != seat.user_id:
            previous = (
                get_user_model().objects.filter(pk=previous_id).first() if previous_id else None
            )
            seat_binding_audit(
                seat=seat,
                previous=previous,
                bound_to=seat.user,
                actor=actor,
                method=BindingMethod.ADMIN,
            )
        if before != after:
            seat_access_changed(user_ids=[previous_id, seat.user_id])
    return seat


@dataclass
class SeatMappingResult:
    mapped: list[LinkedInSeat] = field(default_factory=list)
    already_mapped: list[LinkedInSeat] = field(default_factory=list)
    ambiguous: list[LinkedInSeat] = field(default_factory=list)
    no_match: list[LinkedInSeat] = field(default_factory=list)


def seats_map_to_suggested_users(
    *, seats: Iterable[LinkedInSeat], actor: User | None = None
) -> SeatMappingResult:
    """Map each unmapped seat whose name matches exactly one active user to that user.

    Seats matching several users (ambiguous) or none are left for an admin to map by hand.
    Idempotent: mapped seats are never changed.
    """
    seats = list(seats)
    suggestions = seat_user_suggestions(seat for seat in seats if seat.user_id is None)
    result = SeatMappingResult()
    with transaction.atomic():
        for seat in seats:
            if seat.user_id is not None:
                result.already_mapped.append(seat)
                continue
            users = suggestions.get(seat.pk, [])
            if len(users) > 1:
                result.ambiguous.append(seat)
            elif not users:
                result.no_match.append(seat)
            elif seat_map_user(
                seat=seat, user=users[0], actor=actor, method=BindingMethod.ADMIN_SUGGESTED
            ):
                result.mapped.append(seat)
            else:
                result.already_mapped.append(seat)
    return result


# --- Sign in with LinkedIn: a recruiter binds their own seat ----------------------------------


class SeatBindingRefused(ValidationError):
    """The signed-in member's seat cannot be bound; ``code`` says why, the message says so to
    the user, and nothing was changed."""


@dataclass(frozen=True)
class SeatBinding:
    """The outcome of a sign-in: the member's usable seats, and those bound just now."""

    person_urn: str
    seats: list[LinkedInSeat]
    newly_bound: list[LinkedInSeat]


def _usable(seat: LinkedInSeat) -> bool:
    return seat.active and seat.product in LinkedInSeat.SUPPORTED_PRODUCTS


def seat_bind_signed_in_member(*, user: User, person_urn: str) -> SeatBinding:
    """Bind the seats LinkedIn lists for ``person_urn`` to ``user``, who just proved with Sign in
    with LinkedIn that they are that member (docs/architecture.md §6.1).

    Only active seats of a supported product (what the seat sync stored from a contract Tracker
    knows) are bound. Refused with ``SeatBindingRefused`` (nothing changed) when:
    ``no_seat`` — no seat of that member; ``seat_inactive`` — only inactive ones;
    ``seat_taken`` — a seat is already mapped to another Tracker user (an admin must remap it:
    a sign-in never takes a seat away from a colleague); ``other_seat`` — the user already
    holds an active seat of another member (a Tracker user acts as one LinkedIn member; an
    admin unmaps the old seat first); ``inactive_user``.

    Idempotent: seats already bound to ``user`` stay bound and are reported, not re-audited.
    Each new binding is audited (method "Sign in with LinkedIn", by the user) and announced
    (``seat_access_changed``), exactly as an admin's mapping is.
    """
    if not user.is_active:
        raise SeatBindingRefused(f"{user} is not an active user.", code="inactive_user")
    with transaction.atomic(durable=True):
        seats = list(
            # Only the seats are locked: PostgreSQL cannot lock the nullable side of the
            # outer join to their users.
            LinkedInSeat.objects.select_for_update(of=("self",))
            .filter(person_urn=person_urn)
            .select_related("contract", "user")
            .order_by("seat_urn")
        )
        usable = [seat for seat in seats if _usable(seat)]
        if not seats:
            raise SeatBindingRefused(
                f"LinkedIn lists no Recruiter seat for the member you signed in as "
                f"({person_urn}) on this agency's contracts, so nothing was changed. Sign in "
                "with the LinkedIn account that holds your Recruiter license. "
                + LinkedInSeat.UNSUPPORTED_PRODUCT_MESSAGE,
                code="no_seat",
            )
        if not usable:
            names = ", ".join(seat.seat_urn for seat in seats)
            raise SeatBindingRefused(
                f"Your LinkedIn seat ({names}) is not active, so it gives no Recruiter access "
                "and nothing was changed. Ask your LinkedIn Recruiter admin to reactivate it.",
                code="seat_inactive",
            )
        taken = [seat for seat in usable if seat.user_id not in (None, user.pk)]
        if taken:
            seat = taken[0]
            raise SeatBindingRefused(
                f"The LinkedIn seat {seat.seat_urn} of {seat.full_name or person_urn} is "
                "mapped to another Tracker user. Nothing was changed: a Tracker admin must "
                "remap that seat to you in the admin (LinkedIn seats).",
                code="seat_taken",
            )
        other = (
            LinkedInSeat.objects.filter(
                user=user, active=True, product__in=LinkedInSeat.SUPPORTED_PRODUCTS
            )
            .exclude(person_urn=person_urn)
            .order_by("seat_urn")
            .first()
        )
        if other is not None:
            raise SeatBindingRefused(
                f"You already hold the LinkedIn seat {other.seat_urn} of another member "
                f"({other.full_name or other.person_urn}); a Tracker user acts as one LinkedIn "
                "member. Nothing was changed: ask a Tracker admin to unmap that seat first.",
                code="other_seat",
            )
        newly_bound = []
        for seat in usable:
            if seat.user_id == user.pk:
                continue
            if not seat_map_user(seat=seat, user=user, actor=user, method=BindingMethod.SIGN_IN):
                # Unreachable while the rows are locked; kept so a change of locking cannot
                # turn a lost race into a silent success.
                raise SeatBindingRefused(
                    f"The LinkedIn seat {seat.seat_urn} was just mapped by someone else; "
                    "nothing was changed.",
                    code="seat_taken",
                )
            newly_bound.append(seat)
    return SeatBinding(person_urn=person_urn, seats=usable, newly_bound=newly_bound)
