"""The data model's constraints (docs/architecture.md §3): each one refuses what it must and
allows the rest."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from candidates.models import MatchReview, MemberLink, QuickSkillAlias
from requisitions.models import Activity, Placement, ProjectConnection
from syncjobs.models import InboundNotification, OutboxEvent, SyncRun
from tests.candidates.factories import (
    CandidateFactory,
    CandidateSkillFactory,
    MemberLinkFactory,
    QuickSkillFactory,
)
from tests.requisitions.factories import (
    ActivityFactory,
    PlacementFactory,
    ProjectConnectionFactory,
)
from tests.syncjobs.factories import InboundNotificationFactory, OutboxEventFactory, SyncRunFactory
from tests.tracker_rsc.factories import ContractFactory, LinkedInSeatFactory
from tracker_rsc.models import Contract, Integration, LinkedInSeat

pytestmark = pytest.mark.django_db


def refused(create) -> bool:
    """True when the database refuses the write (in a savepoint, so the test goes on)."""
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


# --- tracker_rsc ----------------------------------------------------------------------------


def test_integration_get_creates_one_disabled_row_and_reuses_it():
    first = Integration.get()
    second = Integration.get()

    assert first.pk == second.pk
    assert Integration.objects.count() == 1
    assert first.status == Integration.Status.DISABLED
    assert first.history_years == 2
    assert len(first.callback_token) >= 32


def test_a_second_integration_row_is_refused():
    Integration.get()

    assert refused(lambda: Integration.objects.create())
    assert refused(lambda: Integration.objects.create(singleton=False))
    assert Integration.objects.count() == 1


def test_integration_callback_url_contains_its_token(settings):
    settings.SITE_URL = "https://tracker.example"
    integration = Integration.get()

    assert integration.callback_url == (
        f"https://tracker.example/integrations/linkedin/callback/{integration.callback_token}/"
    )


def test_contract_urn_is_unique():
    ContractFactory(urn="urn:li:contract:7")

    assert refused(lambda: Contract.objects.create(urn="urn:li:contract:7", name="again"))


@pytest.mark.parametrize(
    "product",
    [LinkedInSeat.Product.SALES_NAVIGATOR, LinkedInSeat.Product.RECRUITER_LITE],
)
def test_unsupported_products_are_refused_with_the_license_message(product):
    seat = LinkedInSeatFactory.build(contract=ContractFactory(), user=None, product=product)

    with pytest.raises(ValidationError) as excinfo:
        seat.full_clean()

    assert excinfo.value.messages == [LinkedInSeat.UNSUPPORTED_PRODUCT_MESSAGE]
    assert "Sales Navigator and Recruiter Lite licenses cannot be used" in str(excinfo.value)
    assert refused(seat.save)


@pytest.mark.parametrize(
    ("role", "creator", "searcher", "allowed"),
    [
        (LinkedInSeat.Role.RECRUITER_USER, False, False, True),
        (LinkedInSeat.Role.RECRUITER_ADMIN, False, False, True),
        (LinkedInSeat.Role.CUSTOM, True, True, True),
        (LinkedInSeat.Role.CUSTOM, True, False, False),
        (LinkedInSeat.Role.CUSTOM, False, True, False),
        (LinkedInSeat.Role.CUSTOM, False, False, False),
    ],
)
def test_hiring_assistant_only_on_the_roles_linkedin_allows(role, creator, searcher, allowed):
    seat = LinkedInSeatFactory.build(
        contract=ContractFactory(),
        user=None,
        role=role,
        hiring_project_creator=creator,
        recruiter_searcher=searcher,
        hiring_assistant=True,
    )

    if allowed:
        seat.full_clean()
        seat.save()
        assert LinkedInSeat.objects.filter(pk=seat.pk, hiring_assistant=True).exists()
    else:
        with pytest.raises(ValidationError) as excinfo:
            seat.full_clean()
        assert excinfo.value.messages == [LinkedInSeat.HIRING_ASSISTANT_ROLE_MESSAGE]
        assert refused(seat.save)
        assert not LinkedInSeat.objects.exists()


def test_custom_role_without_hiring_assistant_needs_no_permissions():
    seat = LinkedInSeatFactory.build(
        contract=ContractFactory(), user=None, role=LinkedInSeat.Role.CUSTOM
    )

    seat.full_clean()


@pytest.mark.parametrize(
    ("product", "hiring_assistant", "tier"),
    [
        (LinkedInSeat.Product.RECRUITER, False, "RSC"),
        (LinkedInSeat.Product.RPS, False, "RSC"),
        (LinkedInSeat.Product.RPS_PLUS, False, "RSC+"),
        (LinkedInSeat.Product.RECRUITER, True, "RSC+"),
    ],
)
def test_seat_tier(product, hiring_assistant, tier):
    seat = LinkedInSeat(product=product, hiring_assistant=hiring_assistant)

    assert seat.tier == tier


def test_seat_urn_is_unique():
    LinkedInSeatFactory(seat_urn="urn:li:seat:1")

    assert refused(lambda: LinkedInSeatFactory(seat_urn="urn:li:seat:1"))


# --- candidates -----------------------------------------------------------------------------


def test_one_active_member_link_per_candidate_with_history_allowed():
    link = MemberLinkFactory(person_urn="urn:li:person:a")
    candidate = link.candidate

    assert refused(lambda: MemberLinkFactory(candidate=candidate, person_urn="urn:li:person:b"))

    MemberLink.objects.filter(pk=link.pk).update(unlinked_at=timezone.now())
    MemberLinkFactory(candidate=candidate, person_urn="urn:li:person:b")
    MemberLinkFactory(candidate=candidate, person_urn="urn:li:person:c", unlinked_at=timezone.now())

    assert candidate.member_links.count() == 3
    assert candidate.member_links.filter(unlinked_at__isnull=True).count() == 1


def test_one_active_member_link_per_person_with_history_allowed():
    link = MemberLinkFactory(person_urn="urn:li:person:a")

    assert refused(lambda: MemberLinkFactory(person_urn="urn:li:person:a"))

    MemberLink.objects.filter(pk=link.pk).update(unlinked_at=timezone.now())
    MemberLinkFactory(person_urn="urn:li:person:a")

    assert MemberLink.objects.filter(person_urn="urn:li:person:a").count() == 2


def test_member_link_constraint_messages_in_full_clean():
    link = MemberLinkFactory(person_urn="urn:li:person:a")
    duplicate = MemberLink(
        candidate=link.candidate,
        person_urn="urn:li:person:b",
        method=MemberLink.Method.MANUAL,
        matched_on=MemberLink.MatchedOn.MEMBER,
    )

    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()

    assert "This candidate is already linked to a LinkedIn member." in excinfo.value.messages


def test_candidate_skill_pair_is_unique():
    candidate_skill = CandidateSkillFactory()

    assert refused(
        lambda: CandidateSkillFactory(
            candidate=candidate_skill.candidate, skill=candidate_skill.skill
        )
    )


def test_quick_skill_alias_key_is_unique_per_skill():
    skill, other = QuickSkillFactory(name="Python"), QuickSkillFactory(name="Go")
    QuickSkillAlias.objects.create(skill=skill, alias="Py", key="py")

    assert refused(lambda: QuickSkillAlias.objects.create(skill=skill, alias="PY", key="py"))
    QuickSkillAlias.objects.create(skill=other, alias="Py", key="py")


def test_one_open_review_per_kind_and_candidate():
    candidate = CandidateFactory()
    kind = MatchReview.Kind.AMBIGUOUS_MATCH
    review = MatchReview.objects.create(kind=kind, candidate=candidate)

    assert refused(lambda: MatchReview.objects.create(kind=kind, candidate=candidate))

    MatchReview.objects.create(kind=MatchReview.Kind.POSSIBLE_DUPLICATE, candidate=candidate)
    MatchReview.objects.filter(pk=review.pk).update(resolved_at=timezone.now())
    MatchReview.objects.create(kind=kind, candidate=candidate)
    assert candidate.reviews.count() == 3


# --- requisitions ---------------------------------------------------------------------------


def test_a_candidate_is_placed_once_per_requisition():
    placement = PlacementFactory()

    assert refused(
        lambda: PlacementFactory(candidate=placement.candidate, requisition=placement.requisition)
    )
    PlacementFactory(candidate=placement.candidate)
    assert Placement.objects.filter(candidate=placement.candidate).count() == 2


def test_duplicate_placement_full_clean_message():
    placement = PlacementFactory()

    with pytest.raises(ValidationError) as excinfo:
        Placement(candidate=placement.candidate, requisition=placement.requisition).full_clean()

    assert "This candidate is already on this requisition's shortlist." in excinfo.value.messages


def test_one_active_connection_per_requisition_and_per_project():
    connection = ProjectConnectionFactory(project_urn="urn:li:hiringProject:1")

    assert refused(
        lambda: ProjectConnectionFactory(
            requisition=connection.requisition, project_urn="urn:li:hiringProject:2"
        )
    )
    assert refused(lambda: ProjectConnectionFactory(project_urn="urn:li:hiringProject:1"))
    # Inactive rows are history: any number of them.
    ProjectConnectionFactory(
        requisition=connection.requisition,
        project_urn="urn:li:hiringProject:1",
        state=ProjectConnection.State.DISCONNECTED,
        active=False,
    )


def test_an_active_connection_must_be_connected():
    assert refused(
        lambda: ProjectConnectionFactory(state=ProjectConnection.State.REFUSED, active=True)
    )
    ProjectConnectionFactory(state=ProjectConnection.State.REFUSED, active=False)


def test_activity_external_id_is_unique_per_kind():
    ActivityFactory(kind=Activity.Kind.INMAIL, external_id="x1")

    assert refused(lambda: ActivityFactory(kind=Activity.Kind.INMAIL, external_id="x1"))
    ActivityFactory(kind=Activity.Kind.NOTE, external_id="x1")
    ActivityFactory(kind=Activity.Kind.INMAIL, external_id=None)
    ActivityFactory(kind=Activity.Kind.INMAIL, external_id=None)

    assert Activity.objects.filter(kind=Activity.Kind.INMAIL).count() == 3


# --- syncjobs -------------------------------------------------------------------------------


def test_notification_request_id_is_unique_per_type_except_rejected():
    InboundNotificationFactory(event_type="EXPORT_CANDIDATE_PROFILE", request_id="r1")

    assert refused(
        lambda: InboundNotificationFactory(event_type="EXPORT_CANDIDATE_PROFILE", request_id="r1")
    )
    InboundNotificationFactory(event_type="APPLICATION_EVALUATION", request_id="r1")
    # A forged or malformed delivery is kept for audit and never blocks the genuine one.
    for _ in range(2):
        InboundNotificationFactory(
            event_type="EXPORT_CANDIDATE_PROFILE",
            request_id="r1",
            status=InboundNotification.Status.REJECTED,
        )
    assert InboundNotification.objects.filter(request_id="r1").count() == 4


@pytest.mark.parametrize("active_status", [SyncRun.Status.PENDING, SyncRun.Status.RUNNING])
def test_one_active_run_per_lock_key(active_status):
    SyncRunFactory(kind=SyncRun.Kind.BULK_SYNC, status=active_status)

    for status in SyncRun.ACTIVE_STATUSES:
        assert refused(lambda status=status: SyncRunFactory(status=status))
    for status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.FAILED, SyncRun.Status.CANCELLED):
        SyncRunFactory(status=status)
    SyncRunFactory(kind=SyncRun.Kind.STUB_IMPORT, status=active_status)

    assert SyncRun.objects.filter(status__in=SyncRun.ACTIVE_STATUSES).count() == 2


def test_sync_run_progress_percent():
    assert SyncRun(total=0).progress_percent == 0
    assert SyncRun(total=200, processed=50, skipped={"no_email": 50}).progress_percent == 50
    assert SyncRun(total=10, processed=30).progress_percent == 100
    assert SyncRun(status=SyncRun.Status.SUCCEEDED, total=0).progress_percent == 100


@pytest.mark.parametrize("queued_status", OutboxEvent.QUEUED_STATUSES)
def test_one_queued_outbox_event_per_object(queued_status):
    OutboxEventFactory(aggregate="candidate", object_id="7", status=queued_status)

    for status in OutboxEvent.QUEUED_STATUSES:
        assert refused(
            lambda status=status: OutboxEventFactory(
                aggregate="candidate", object_id="7", status=status
            )
        )
    for status in (OutboxEvent.Status.SENT, OutboxEvent.Status.DEAD, OutboxEvent.Status.SENDING):
        OutboxEventFactory(aggregate="candidate", object_id="7", status=status)
    OutboxEventFactory(aggregate="application", object_id="7", status=queued_status)

    assert OutboxEvent.objects.filter(object_id="7").count() == 5
