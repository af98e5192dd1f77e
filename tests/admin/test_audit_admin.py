"""Audit records are viewable and never edited by hand; their operations are admin actions."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from candidates import signals as candidate_signals
from candidates.models import MemberLink
from requisitions import signals as requisition_signals
from requisitions.models import Placement, Requisition
from syncjobs.models import OutboxEvent, PurgeNotice, SyncRun
from tests.admin.objects import EXAMPLES
from tests.candidates.factories import CandidateFactory, MemberLinkFactory
from tests.requisitions.factories import PlacementFactory, RequisitionFactory
from tests.syncjobs.factories import OutboxEventFactory
from tests.tracker_rsc.factories import UserFactory

pytestmark = pytest.mark.django_db

READ_ONLY = [
    "syncjobs.syncrun",
    "syncjobs.outboxevent",
    "syncjobs.inboundnotification",
    "syncjobs.purgenotice",
    "candidates.erasuretombstone",
    "candidates.memberlink",
    "candidates.matchreview",
    "candidates.candidateskill",
    "candidates.quickskillalias",
    "requisitions.projectconnection",
    "requisitions.activity",
]


def url(obj, view: str) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize("key", READ_ONLY)
def test_audit_records_are_viewable_but_not_editable(key, admin_client):
    obj = EXAMPLES[key]()
    model = type(obj)
    before = model.objects.filter(pk=obj.pk).values().get()
    opts = model._meta

    page = admin_client.get(url(obj, "change"))
    post = admin_client.post(url(obj, "change"), {})
    delete = admin_client.post(url(obj, "delete"), {"post": "yes"})
    add = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert 'name="_save"' not in page.content.decode()
    assert (post.status_code, delete.status_code, add.status_code) == (403, 403, 403)
    assert model.objects.filter(pk=obj.pk).values().get() == before


def test_sync_run_shows_progress_counters_skips_and_errors(admin_client):
    run = EXAMPLES["syncjobs.syncrun"]()

    listing = admin_client.get(reverse("admin:syncjobs_syncrun_changelist")).content.decode()
    detail = admin_client.get(url(run, "change")).content.decode()

    assert '<progress value="50" max="100"' in listing  # (400 processed + 100 skipped) / 1000
    assert "400 / 1,000" in listing
    assert "no email" in detail
    assert "90" in detail
    assert "candidate 12: emailAddresses invalid" in detail
    assert "after_id" in detail


def test_a_viewer_sees_runs_but_no_actions(client):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(codename__in=["view_syncrun", "view_purgenotice"])
    )
    client.force_login(viewer)
    EXAMPLES["syncjobs.purgenotice"]()

    runs = client.get(reverse("admin:syncjobs_syncrun_changelist"))
    notices = client.get(reverse("admin:syncjobs_purgenotice_changelist"))

    assert runs.status_code == notices.status_code == 200
    assert "resolve_selected" not in notices.content.decode()


def test_resolve_purge_notices(admin_client, admin_user):
    open_notice = EXAMPLES["syncjobs.purgenotice"]()
    done = EXAMPLES["syncjobs.purgenotice"]()
    PurgeNotice.objects.filter(pk=done.pk).update(
        resolved_at=timezone.now(), resolution="handled earlier"
    )

    response = admin_client.post(
        reverse("admin:syncjobs_purgenotice_changelist"),
        {
            "action": "resolve_selected",
            "index": "0",
            "_selected_action": [open_notice.pk, done.pk],
        },
        follow=True,
    )

    open_notice.refresh_from_db()
    done.refresh_from_db()
    assert open_notice.resolved_at is not None
    assert open_notice.resolved_by == admin_user
    assert done.resolution == "handled earlier"
    assert messages_of(response) == ["1 notices resolved."]
    assert LogEntry.objects.filter(action_flag=CHANGE, object_id=str(open_notice.pk)).exists()


def test_unlink_member_links_through_the_service(admin_client, capture_signal):
    link = MemberLinkFactory()
    unlinked = capture_signal(candidate_signals.candidate_unlinked)

    admin_client.post(
        reverse("admin:candidates_memberlink_changelist"),
        {"action": "unlink_selected", "index": "0", "_selected_action": [link.pk]},
    )

    link.refresh_from_db()
    assert link.unlinked_at is not None
    assert link.unlink_reason == "unlinked in admin"
    assert [call["link"].pk for call in unlinked] == [link.pk]


def test_retry_dead_outbox_events(admin_client):
    dead = OutboxEventFactory(status=OutboxEvent.Status.DEAD, attempts=8, last_error="HTTP 500")
    sent = OutboxEventFactory(status=OutboxEvent.Status.SENT)

    response = admin_client.post(
        reverse("admin:syncjobs_outboxevent_changelist"),
        {"action": "retry_selected", "index": "0", "_selected_action": [dead.pk, sent.pk]},
        follow=True,
    )

    dead.refresh_from_db()
    sent.refresh_from_db()
    assert (dead.status, dead.attempts) == (OutboxEvent.Status.PENDING, 0)
    assert sent.status == OutboxEvent.Status.SENT
    assert messages_of(response) == ["1 events queued again."]


def test_running_sync_run_is_shown_as_running(admin_client):
    run = EXAMPLES["syncjobs.syncrun"]()

    detail = admin_client.get(url(run, "change")).content.decode()

    assert run.status == SyncRun.Status.RUNNING
    assert "(running)" in detail


# --- requisitions and placements through the services ---------------------------------------


def requisition_form(owners, **overrides: object) -> dict[str, object]:
    data = {
        "title": "Data Engineer",
        "client_name": "Acme",
        "location": "Leeds",
        "description": "",
        "status": Requisition.Status.OPEN,
        "kind": Requisition.Kind.STANDARD,
        "availability": Requisition.Availability.PRIVATE,
        "owners": [owner.pk for owner in owners],
        "connections-TOTAL_FORMS": "0",
        "connections-INITIAL_FORMS": "0",
        "connections-MIN_NUM_FORMS": "0",
        "connections-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_add_requisition_sets_owners_through_the_service(admin_client, capture_signal):
    owners = [UserFactory(), UserFactory()]
    saved = capture_signal(requisition_signals.requisition_saved)

    response = admin_client.post(
        reverse("admin:requisitions_requisition_add"), requisition_form(owners)
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    requisition = Requisition.objects.get()
    assert set(requisition.owners.all()) == set(owners)
    # Exactly one signal, sent with the owners already in place.
    assert [(call["requisition"].pk, call["created"]) for call in saved] == [(requisition.pk, True)]


def test_change_requisition_owners_and_close(admin_client, capture_signal):
    requisition = RequisitionFactory()
    new_owner = UserFactory()
    saved = capture_signal(requisition_signals.requisition_saved)

    response = admin_client.post(
        url(requisition, "change"),
        requisition_form([new_owner], title="Renamed", status=Requisition.Status.CLOSED),
    )

    assert response.status_code == 302
    stored = Requisition.objects.get(pk=requisition.pk)
    assert (stored.title, stored.status) == ("Renamed", Requisition.Status.CLOSED)
    assert stored.closed_at is not None
    assert list(stored.owners.all()) == [new_owner]
    assert len(saved) == 1


def test_requisition_without_owner_is_refused(admin_client):
    response = admin_client.post(
        reverse("admin:requisitions_requisition_add"), requisition_form([])
    )

    assert response.status_code == 200
    assert "owners" in response.context["adminform"].form.errors
    assert not Requisition.objects.exists()


def test_placement_on_a_closed_requisition_shows_the_service_error(admin_client, capture_signal):
    candidate = CandidateFactory()
    requisition = RequisitionFactory(title="Old job", status=Requisition.Status.CLOSED)
    saved = capture_signal(requisition_signals.placement_saved)

    response = admin_client.post(
        reverse("admin:requisitions_placement_add"),
        {"candidate": candidate.pk, "requisition": requisition.pk, "stage": "shortlisted"},
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "only open requisitions take new candidates" in str(errors["requisition"])
    assert not Placement.objects.exists()
    assert saved == []


def test_placement_add_change_and_delete_through_the_services(
    admin_client, admin_user, capture_signal
):
    candidate, requisition = CandidateFactory(), RequisitionFactory()
    saved = capture_signal(requisition_signals.placement_saved)
    deleted = capture_signal(requisition_signals.placement_deleted)

    admin_client.post(
        reverse("admin:requisitions_placement_add"),
        {"candidate": candidate.pk, "requisition": requisition.pk, "stage": "shortlisted"},
    )
    placement = Placement.objects.get()
    admin_client.post(url(placement, "change"), {"stage": Placement.Stage.INTERVIEW})
    stage = Placement.objects.get().stage
    admin_client.post(url(placement, "delete"), {"post": "yes"})

    assert placement.added_by == admin_user
    assert stage == Placement.Stage.INTERVIEW
    assert [call["created"] for call in saved] == [True, False]
    assert [call["placement_id"] for call in deleted] == [placement.pk]
    assert not Placement.objects.exists()


def test_duplicate_placement_shows_the_constraint_message(admin_client):
    existing = PlacementFactory()

    response = admin_client.post(
        reverse("admin:requisitions_placement_add"),
        {
            "candidate": existing.candidate_id,
            "requisition": existing.requisition_id,
            "stage": "shortlisted",
        },
    )

    assert response.status_code == 200
    assert "This candidate is already on this requisition's shortlist." in (
        response.content.decode().replace("&#x27;", "'")
    )
    assert Placement.objects.count() == 1


def test_member_link_history_is_listed_on_the_candidate(admin_client):
    link = MemberLinkFactory(person_urn="urn:li:person:hist")
    MemberLink.objects.filter(pk=link.pk).update(unlink_reason="wrong person")

    page = admin_client.get(url(link.candidate, "change")).content.decode()

    assert "urn:li:person:hist" in page
    assert "wrong person" in page


@pytest.mark.parametrize(("term", "found"), [("424242", 1), ("abc", 0), ("9" * 30, 0), ("  ", 2)])
def test_exact_search_on_big_tables(term, found, admin_client):
    # Ids far above any primary key the test database hands out, so "pk" cannot match.
    OutboxEventFactory(object_id="424242")
    OutboxEventFactory(object_id="424243")

    response = admin_client.get(reverse("admin:syncjobs_outboxevent_changelist"), {"q": term})

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == found
