"""Deleting or erasing a candidate removes its stored CV file once the transaction commits, and
keeps it when the transaction rolls back; the tombstone names one member, chosen predictably."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.utils import timezone

from candidates import services, signals
from candidates.models import Candidate, ErasureTombstone, identifier_hash
from tests.candidates.factories import CandidateFactory, MemberLinkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def candidate_with_cv() -> tuple[Candidate, Path]:
    candidate = CandidateFactory()
    candidate.cv_file.save("jane-doe.pdf", ContentFile(b"%PDF-1.4 a CV"), save=True)
    path = Path(candidate.cv_file.path)
    assert path.is_file()
    return candidate, path


@pytest.fixture
def failing_receiver():
    """The ``candidate_deleted`` receivers fail (an outbox write refused, say)."""

    def fail(sender, **kwargs):
        raise RuntimeError("outbox unavailable")

    signals.candidate_deleted.connect(fail, weak=False, dispatch_uid="test.fail")
    yield
    signals.candidate_deleted.disconnect(dispatch_uid="test.fail")


@pytest.mark.parametrize("action", ["delete", "erase"])
def test_the_cv_file_is_deleted_after_the_transaction_commits(
    media, action, django_capture_on_commit_callbacks
):
    candidate, path = candidate_with_cv()
    assert path.is_relative_to(media)

    with django_capture_on_commit_callbacks(execute=True):
        if action == "delete":
            services.candidate_delete(candidate=candidate)
        else:
            services.candidate_erase(candidate=candidate, reason="GDPR")
        assert path.is_file()  # not before the commit: a rollback must still find it

    assert not path.exists()
    assert not Candidate.objects.exists()


@pytest.mark.parametrize("action", ["delete", "erase"])
def test_the_cv_file_stays_when_the_deletion_rolls_back(
    media, action, failing_receiver, django_capture_on_commit_callbacks
):
    candidate, path = candidate_with_cv()

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError, match="outbox unavailable"),
    ):
        if action == "delete":
            services.candidate_delete(candidate=candidate)
        else:
            services.candidate_erase(candidate=candidate, reason="GDPR")

    assert path.is_file()
    assert Candidate.objects.filter(cv_file=candidate.cv_file.name).exists()
    assert not ErasureTombstone.objects.exists()


def test_the_cv_file_stays_when_an_enclosing_transaction_rolls_back(
    media, django_capture_on_commit_callbacks
):
    candidate, path = candidate_with_cv()

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.candidate_erase(candidate=candidate, reason="GDPR")
        raise RuntimeError("a later step of the same request failed")

    assert path.is_file()
    assert Candidate.objects.filter(cv_file=candidate.cv_file.name).exists()


def test_a_file_the_storage_cannot_delete_is_logged_and_the_erasure_stands(
    media, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    candidate, path = candidate_with_cv()

    def refuse(self, name):
        raise PermissionError(f"read-only: {name}")

    monkeypatch.setattr(FileSystemStorage, "delete", refuse)
    candidate_id = candidate.pk

    with (
        caplog.at_level(logging.ERROR, logger="candidates.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.candidate_erase(candidate=candidate, reason="GDPR")

    assert not Candidate.objects.exists() and ErasureTombstone.objects.count() == 1
    assert path.is_file()  # left for an operator, who finds its name in the log
    folder = Path(candidate.cv_file.name).parent
    assert (
        f"A stored file of deleted candidate {candidate_id} remains in {folder}/ (PermissionError)"
        in caplog.text
    )
    assert "jane-doe" not in caplog.text  # the file's name may be the person's


def test_a_candidate_whose_cv_file_is_already_gone_is_deleted(
    media, django_capture_on_commit_callbacks
):
    candidate, path = candidate_with_cv()
    path.unlink()

    with django_capture_on_commit_callbacks(execute=True):
        services.candidate_delete(candidate=candidate)

    assert not Candidate.objects.exists()


def test_the_tombstone_names_the_most_recently_linked_member_when_none_is_active(
    capture_signal,
):
    candidate = CandidateFactory()
    now = timezone.now()
    for urn, days_ago in (("urn:li:person:a", 30), ("urn:li:person:c", 2), ("urn:li:person:b", 9)):
        MemberLinkFactory(
            candidate=candidate,
            person_urn=urn,
            linked_at=now - timezone.timedelta(days=days_ago),
            unlinked_at=now - timezone.timedelta(days=1),
        )
    deleted = capture_signal(signals.candidate_deleted)

    tombstone = services.candidate_erase(candidate=candidate)

    assert tombstone.person_hash == identifier_hash("urn:li:person:c")
    assert deleted[0]["snapshot"]["erased_person_urn"] == "urn:li:person:c"
    assert deleted[0]["snapshot"]["person_urn"] == ""  # no active link


def test_the_tombstone_names_the_active_member(capture_signal):
    candidate = CandidateFactory()
    MemberLinkFactory(
        candidate=candidate,
        person_urn="urn:li:person:old",
        linked_at=timezone.now(),
        unlinked_at=timezone.now(),
    )
    MemberLinkFactory(
        candidate=candidate,
        person_urn="urn:li:person:now",
        linked_at=timezone.now() - timezone.timedelta(days=5),
    )
    deleted = capture_signal(signals.candidate_deleted)

    tombstone = services.candidate_erase(candidate=candidate)

    assert tombstone.person_hash == identifier_hash("urn:li:person:now")
    assert deleted[0]["snapshot"]["erased_person_urn"] == "urn:li:person:now"


def test_a_replaced_cv_file_is_deleted_after_commit_and_an_unchanged_one_kept(
    media, django_capture_on_commit_callbacks
):
    candidate, old_path = candidate_with_cv()
    candidate.cv_file = ContentFile(b"%PDF-1.4 the new CV", name="jane-doe-2026.pdf")

    with django_capture_on_commit_callbacks(execute=True):
        services.candidate_update(candidate=candidate)
        assert old_path.is_file()  # not before the commit

    new_path = Path(Candidate.objects.get(pk=candidate.pk).cv_file.path)
    assert not old_path.exists() and new_path.is_file() and new_path != old_path

    with django_capture_on_commit_callbacks(execute=True):
        services.candidate_update(candidate=candidate, current_title="CTO")
    assert new_path.is_file()
