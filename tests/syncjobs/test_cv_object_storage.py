# ruff: noqa: F401, F811  (pytest fixtures imported by name)
"""CVs in S3-compatible object storage: stored by one process, read back by a worker through
Django's storage API (never a local path), and a lost object is an error, not the CV text."""

from __future__ import annotations

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from moto import mock_aws

from requisitions import services as requisition_services
from syncjobs.job_sync import CvUnreadable, primary_cv
from syncjobs.models import OutboxEvent
from tests.candidates.factories import CandidateFactory
from tests.requisitions.factories import ProjectConnectionFactory
from tests.syncjobs.linkedin_fakes import ORG
from tests.syncjobs.rsc_fakes import fake_rsc
from tests.syncjobs.test_job_sync import drain, requisition, world

pytestmark = pytest.mark.django_db

BUCKET = "tracker-cvs-test"


@pytest.fixture
def s3(settings, monkeypatch):
    """The storage settings' S3 block, against moto's in-memory S3."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "region_name": "us-east-1",
                    "access_key": "testing",
                    "secret_key": "testing",
                    "default_acl": "private",
                    "file_overwrite": False,
                },
            },
        }
        storages._storages = {}  # the storages handler caches backends per alias
        yield boto3.client("s3", region_name="us-east-1")
    storages._storages = {}


def test_a_cv_saved_through_the_field_lands_in_the_bucket_and_goes_to_linkedin(s3, fake_rsc, world):
    job = requisition([world["alice"]])
    ProjectConnectionFactory(requisition=job)
    candidate = CandidateFactory(cv_text="text that must not be sent")
    candidate.cv_file.save("ada.pdf", ContentFile(b"%PDF-1.7 from the web machine"), save=True)

    stored = s3.get_object(Bucket=BUCKET, Key=candidate.cv_file.name)
    assert stored["Body"].read() == b"%PDF-1.7 from the web machine"
    grants = s3.get_object_acl(Bucket=BUCKET, Key=candidate.cv_file.name)["Grants"]
    assert all("AllUsers" not in str(grant.get("Grantee")) for grant in grants)  # private

    placement = requisition_services.placement_create(candidate=candidate, requisition=job)
    drain()
    cv = fake_rsc.attachments[(str(placement.pk), "primary-cv")]
    assert cv["content"] == b"%PDF-1.7 from the web machine"
    assert cv["content_type"] == "application/pdf"


def test_an_object_deleted_from_the_bucket_is_an_error_not_the_cv_text(s3, fake_rsc, world):
    candidate = CandidateFactory(cv_text="Python")
    candidate.cv_file.save("ada.pdf", ContentFile(b"%PDF"), save=True)
    s3.delete_object(Bucket=BUCKET, Key=candidate.cv_file.name)

    with pytest.raises(CvUnreadable, match="cannot be read from storage"):
        primary_cv(candidate)

    job = requisition([world["alice"]])
    ProjectConnectionFactory(requisition=job)
    placement = requisition_services.placement_create(candidate=candidate, requisition=job)
    drain()
    assert (str(placement.pk), "primary-cv") not in fake_rsc.attachments
    event = OutboxEvent.objects.get(kind=OutboxEvent.Kind.APPLICATION_UPSERT)
    assert event.status == OutboxEvent.Status.FAILED


def test_object_storage_down_is_an_error_too(s3, monkeypatch):
    from botocore.exceptions import EndpointConnectionError

    candidate = CandidateFactory(cv_text="Python")
    candidate.cv_file.save("ada.pdf", ContentFile(b"%PDF"), save=True)

    def unreachable(*args, **kwargs):
        raise EndpointConnectionError(endpoint_url="http://s3.invalid")

    monkeypatch.setattr("storages.backends.s3.S3Storage._open", unreachable)
    with pytest.raises(CvUnreadable, match="EndpointConnectionError"):
        primary_cv(candidate)
