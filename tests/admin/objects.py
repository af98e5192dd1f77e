"""One saved example of every model of the four apps, for rendering their admin pages."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import models
from django.utils import timezone

from candidates.models import ErasureTombstone, ImportRun, MatchReview, QuickSkillAlias
from syncjobs.models import HeldRecord, PurgeNotice, SyncRun
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
    RequisitionFactory,
)
from tests.syncjobs.factories import InboundNotificationFactory, OutboxEventFactory, SyncRunFactory
from tests.tracker_rsc.factories import ContractFactory, LinkedInSeatFactory, enabled_integration

APP_LABELS = ("tracker_rsc", "candidates", "requisitions", "syncjobs")
_numbers = itertools.count(1)


def _match_review() -> MatchReview:
    return MatchReview.objects.create(
        kind=MatchReview.Kind.AMBIGUOUS_MATCH,
        candidate=CandidateFactory(),
        person_urns=["urn:li:person:a", "urn:li:person:b"],
        detail="LinkedIn matched two members.",
    )


def _alias() -> QuickSkillAlias:
    return QuickSkillAlias.objects.create(skill=QuickSkillFactory(), alias="Py", key="py")


def _tombstone() -> ErasureTombstone:
    return ErasureTombstone.objects.create(
        candidate_id=99, email_hash="a" * 64, reason="GDPR request"
    )


def _sync_run() -> SyncRun:
    now = timezone.now()
    return SyncRunFactory(
        lock_key=f"bulk_sync:test:{next(_numbers)}",
        status=SyncRun.Status.RUNNING,
        contract=ContractFactory(),
        total=1000,
        processed=400,
        linked=300,
        created=0,
        updated=400,
        failed=2,
        skipped={"no_email": 90, "no_name": 10},
        counters={"batches": 5},
        errors=["candidate 12: emailAddresses invalid", {"candidate": 13, "message": "x"}],
        cursor={"after_id": 4242},
        started_at=now - timedelta(minutes=5),
        heartbeat_at=now,
    )


def _purge_notice() -> PurgeNotice:
    return PurgeNotice.objects.create(
        notice_id=f"purge-{next(_numbers)}",
        person_urn="urn:li:person:gone",
        candidate=CandidateFactory(),
        data={"reason": "member closed account"},
    )


def _held_record() -> HeldRecord:
    return HeldRecord.objects.create(
        kind=HeldRecord.Kind.STUB_PROFILE,
        external_id=f"stub-{next(_numbers)}",
        contract=ContractFactory(),
        payload={"id": "stub-1", "firstName": "Held", "emailAddresses": ["not-an-email"]},
        reason="email: Enter a valid email address.",
        candidate=CandidateFactory(),
    )


def _import_run() -> ImportRun:
    run = ImportRun(
        kind=ImportRun.Kind.CANDIDATES,
        status=ImportRun.Status.SUCCEEDED,
        file_name="people.csv",
        total=1,
        processed=1,
        counts={"refused": 1},
        finished_at=timezone.now(),
    )
    run.file.save("people.csv", ContentFile(b"Email\nnope\n"), save=False)
    run.report.save(
        "report.csv", ContentFile(b"line,status,record_id,detail\n2,refused,,Invalid\n"), save=False
    )
    run.save()
    return run


EXAMPLES: dict[str, Callable[[], models.Model]] = {
    "tracker_rsc.integration": enabled_integration,
    "tracker_rsc.contract": ContractFactory,
    "tracker_rsc.linkedinseat": LinkedInSeatFactory,
    "candidates.candidate": CandidateFactory,
    "candidates.memberlink": MemberLinkFactory,
    "candidates.matchreview": _match_review,
    "candidates.quickskill": QuickSkillFactory,
    "candidates.quickskillalias": _alias,
    "candidates.candidateskill": CandidateSkillFactory,
    "candidates.erasuretombstone": _tombstone,
    "candidates.importrun": _import_run,
    "requisitions.requisition": RequisitionFactory,
    "requisitions.projectconnection": ProjectConnectionFactory,
    "requisitions.placement": PlacementFactory,
    "requisitions.activity": lambda: ActivityFactory(data={"direction": "OUTBOUND"}),
    "syncjobs.syncrun": _sync_run,
    "syncjobs.outboxevent": lambda: OutboxEventFactory(payload={"id": 1}),
    "syncjobs.inboundnotification": InboundNotificationFactory,
    "syncjobs.purgenotice": _purge_notice,
    "syncjobs.heldrecord": _held_record,
}


def model_key(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def domain_models() -> list[type[models.Model]]:
    return [model for label in APP_LABELS for model in apps.get_app_config(label).get_models()]
