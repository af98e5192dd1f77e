from __future__ import annotations

import factory

from syncjobs.models import InboundNotification, OutboxEvent, SyncRun


class SyncRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncRun

    kind = SyncRun.Kind.BULK_SYNC
    lock_key = factory.LazyAttribute(lambda r: SyncRun.make_lock_key(r.kind))


class OutboxEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboxEvent

    kind = OutboxEvent.Kind.CANDIDATE_UPSERT
    aggregate = "candidate"
    object_id = factory.Sequence(str)


class InboundNotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InboundNotification

    event_type = "EXPORT_CANDIDATE_PROFILE"
    request_id = factory.Sequence(lambda n: f"req-{n}")
    raw_body = factory.LazyAttribute(
        lambda n: f'{{"type": "{n.event_type}", "id": "{n.request_id}"}}'
    )
    signature_valid = True
