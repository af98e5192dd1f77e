"""Sync runs, the outbox towards LinkedIn, the inbox of LinkedIn's pushes and the records
LinkedIn sent that Tracker could not store (held records) (docs/architecture.md §3, §8)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tracker_rsc.models import Contract, LinkedInSeat


class SyncRun(models.Model):
    """One run of a sync job: resumable through ``cursor``, counted, and shown in the admin."""

    class Kind(models.TextChoices):
        BULK_SYNC = "bulk_sync", "Bulk sync"
        STUB_IMPORT = "stub_import", "InMail stub import"
        INMAIL_SYNC = "inmail_sync", "InMail sync"
        NOTE_SYNC = "note_sync", "Notes sync"
        JOB_SYNC = "job_sync", "Job sync"
        SEAT_SYNC = "seat_sync", "Seat sync"
        CONNECTION_SYNC = "connection_sync", "Project connection sync"
        EVALUATION_INGEST = "evaluation_ingest", "Evaluation ingest"
        PURGE_CHECK = "purge_check", "Purged-export check"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE_STATUSES = (Status.PENDING, Status.RUNNING)

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.SET_NULL, related_name="sync_runs"
    )
    seat = models.ForeignKey(
        LinkedInSeat, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "kind:contract" — at most one pending or running run per key (see constraints).
    lock_key = models.CharField(max_length=80)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    cursor = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    linked = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=dict, blank=True, help_text="Skipped records by reason.")
    counters = models.JSONField(default=dict, blank=True, help_text="Other counters.")
    errors = models.JSONField(default=list, blank=True, help_text="The last errors (bounded).")
    error = models.TextField(blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lock_key"],
                condition=Q(status__in=["pending", "running"]),
                name="one_active_run_per_key",
            ),
        ]
        indexes = [models.Index(fields=["kind", "-created_at"], name="syncrun_kind_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"

    @staticmethod
    def make_lock_key(kind: str, contract_id: int | None = None, seat_id: int | None = None) -> str:
        return f"{kind}:{contract_id or '-'}:{seat_id or '-'}"

    @property
    def skipped_total(self) -> int:
        return sum(int(n) for n in (self.skipped or {}).values())

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        done = self.processed + self.skipped_total
        return max(0, min(100, int(done * 100 / self.total)))


class OutboxEvent(models.Model):
    """What must reach LinkedIn, written in the same transaction as the change it reports.

    At most one queued (pending or failed) event exists per ``(aggregate, object_id)``: a
    repeated save of the same record updates it (coalescing) instead of queueing another.
    """

    class Kind(models.TextChoices):
        CANDIDATE_UPSERT = "candidate_upsert", "Candidate upsert"
        CANDIDATE_DELETE = "candidate_delete", "Candidate delete"
        CANDIDATE_MATCH = "candidate_match", "Candidate manual match"
        REQUISITION_UPSERT = "requisition_upsert", "Requisition upsert"
        REQUISITION_CLOSE = "requisition_close", "Requisition close"
        APPLICATION_UPSERT = "application_upsert", "Application upsert"
        APPLICATION_DELETE = "application_delete", "Application delete"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will retry)"
        DEAD = "dead", "Dead (retries exhausted)"

    QUEUED_STATUSES = (Status.PENDING, Status.FAILED)

    kind = models.CharField(max_length=24, choices=Kind.choices)
    aggregate = models.CharField(max_length=16, help_text="candidate, requisition or application")
    object_id = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["aggregate", "object_id"],
                condition=Q(status__in=["pending", "failed"]),
                name="one_queued_event_per_object",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=Q(status__in=["pending", "failed", "sending"]),
                name="outbox_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} ({self.status})"


class InboundNotification(models.Model):
    """Every push LinkedIn sent, stored before it is acknowledged (docs/architecture.md §8)."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored (with reason)"
        HELD = "held", "Held for an admin decision"
        FAILED = "failed", "Failed"
        REJECTED = "rejected", "Rejected"

    event_type = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    raw_body = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    signature_valid = models.BooleanField(null=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True, help_text="What processing created.")
    expires_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Set only on a failure worth retrying (a transient LinkedIn error): the sweeper retries
    # the row from then on. A permanent failure leaves it null: it waits for an admin replay.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    candidate = models.ForeignKey(
        "candidates.Candidate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    placement = models.ForeignKey(
        "requisitions.Placement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            # Rejected deliveries (forged, malformed) are kept for audit and must not block
            # the genuine delivery of the same id.
            models.UniqueConstraint(
                fields=["event_type", "request_id"],
                condition=~Q(status="rejected"),
                name="unique_notification",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "received_at"], name="notification_status_idx"),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="failed", next_attempt_at__isnull=False),
                name="notification_retry_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type or '?'} {self.request_id or '?'} ({self.status})"


class PurgeNotice(models.Model):
    """A LinkedIn notice that an exported member's data was purged: an admin work item."""

    notice_id = models.CharField(max_length=128, unique=True)
    person_urn = models.CharField(max_length=64, blank=True, db_index=True)
    candidate = models.ForeignKey(
        "candidates.Candidate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    purged_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["resolved_at", "-received_at"]

    def __str__(self) -> str:
        return f"Purge notice {self.notice_id}"


class HeldRecord(models.Model):
    """A record LinkedIn sent in a pulled window that Tracker could not store (docs/architecture.md
    §8).

    The window goes on and its watermark moves, so one bad record never blocks a stream; the
    record is kept here instead, with LinkedIn's element as it was read and the reason, until
    an admin retries it (after a data or code fix) or dismisses it. One row per
    ``(kind, external_id)``: a window read again after a failure updates the row (attempts,
    reason, latest payload) rather than adding one.
    """

    class Kind(models.TextChoices):
        STUB_PROFILE = "stub_profile", "InMail stub profile"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    external_id = models.CharField(max_length=128, help_text="LinkedIn's id of the record.")
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField(
        default=dict, blank=True, help_text="LinkedIn's element, in LinkedIn's shape."
    )
    reason = models.TextField(blank=True, help_text="Why Tracker could not store it (last try).")
    attempts = models.PositiveIntegerField(default=1)
    first_failed_at = models.DateTimeField(default=timezone.now)
    last_failed_at = models.DateTimeField(default=timezone.now)
    last_run = models.ForeignKey(
        SyncRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    candidate = models.ForeignKey(
        "candidates.Candidate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The candidate the record went to once stored.",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "held LinkedIn record"
        ordering = ["-last_failed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "external_id"], name="unique_held_record"),
        ]
        indexes = [
            # The work queue (admin filter, dashboard count) reads the open rows only.
            models.Index(
                fields=["-last_failed_at"],
                condition=Q(resolved_at__isnull=True),
                name="held_record_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.external_id}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
