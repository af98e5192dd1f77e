"""Imported candidates and LinkedIn: the bulk sync before enabling, batched live sync after."""

# ruff: noqa: F811  (pytest fixtures imported from their module and used as arguments)

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from candidates.candidate_import import CandidateImporter
from candidates.importing import import_file
from candidates.models import Candidate
from syncjobs.bulk_sync import bulk_sync_run
from syncjobs.models import OutboxEvent, SyncRun
from syncjobs.tasks import outbox_dispatch
from tests.syncjobs.candidate_fakes import candidate_linkedin  # noqa: F401  (fixture)
from tests.syncjobs.linkedin_fakes import ORG, published  # noqa: F401  (fixture)
from tests.tracker_rsc.factories import enabled_integration
from tracker_rsc.models import Integration

pytestmark = pytest.mark.django_db


def import_csv(text: str) -> None:
    import_file(importer=CandidateImporter(), stream=io.BytesIO(text.encode()))


def rows(count: int, start: int = 0) -> str:
    body = "".join(f"Person{n},Imported,p{n}@example.com\n" for n in range(start, start + count))
    return "First Name,Last Name,Email\n" + body


def test_before_enabling_nothing_is_queued_and_the_bulk_sync_sends_them_later(
    candidate_linkedin, published, django_capture_on_commit_callbacks
):
    three_years_ago = (timezone.now() - timedelta(days=3 * 365)).date().isoformat()
    recent = (timezone.now() - timedelta(days=30)).date().isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        import_csv(
            "First Name,Last Name,Email,Last Updated\n"
            f"Old,Record,old@example.com,{three_years_ago}\n"
            f"New,Record,new@example.com,{recent}\n"
        )
    assert not OutboxEvent.objects.exists() and published == []

    enabled_integration(ORG)
    Integration.objects.update(registered_at=timezone.now())
    assert bulk_sync_run(sleep=lambda _: None).status == SyncRun.Status.SUCCEEDED

    # The two-year rule sees the file's Last Updated: only the recent record goes.
    new = Candidate.objects.get(email="new@example.com")
    assert candidate_linkedin.upsert_batches == [[str(new.pk)]]


def test_after_enabling_an_import_goes_to_linkedin_in_batches_not_one_call_per_record(
    candidate_linkedin, published, django_capture_on_commit_callbacks
):
    enabled_integration(ORG)
    SyncRun.objects.create(
        kind=SyncRun.Kind.BULK_SYNC,
        status=SyncRun.Status.SUCCEEDED,
        lock_key="bulk_sync:-:-",
        cursor={"organization_urn": ORG},
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_csv(rows(250))

    assert OutboxEvent.objects.filter(kind=OutboxEvent.Kind.CANDIDATE_UPSERT).count() == 250
    dispatches = [args for name, args in published if name == "syncjobs.tasks.outbox_dispatch"]
    assert len(dispatches) == 3  # one task per 100 records, not one per record

    for args in dispatches:
        outbox_dispatch(*args)
    assert [len(batch) for batch in candidate_linkedin.upsert_batches] == [100, 100, 50]
    assert not OutboxEvent.objects.exclude(status=OutboxEvent.Status.SENT).exists()

    # Importing the same file again changes nothing, so nothing more is sent.
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        import_csv(rows(250))
    assert published == []
    assert OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING).count() == 0


def test_an_update_by_import_is_queued_once_and_coalesces_with_a_queued_event(
    candidate_linkedin, published, django_capture_on_commit_callbacks
):
    enabled_integration(ORG)
    with django_capture_on_commit_callbacks(execute=True):
        import_csv(rows(1))
    candidate = Candidate.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        import_csv("Email,Phone\np0@example.com,+44 1\n")
    events = OutboxEvent.objects.filter(object_id=str(candidate.pk))
    assert events.count() == 1  # still waiting for the bulk sync: the update joined it
    assert events.get().status == OutboxEvent.Status.PENDING
