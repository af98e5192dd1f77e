"""Requisitions (jobs), their LinkedIn project connections, placements and activities."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from candidates.models import Candidate
from tracker_rsc.models import Contract, LinkedInSeat


class Requisition(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        FILLED = "filled", "Filled"

    class Kind(models.TextChoices):
        STANDARD = "standard", "Standard"
        EVERGREEN = "evergreen", "Evergreen"
        PLACEHOLDER = "placeholder", "Placeholder"

    class Availability(models.TextChoices):
        PUBLIC = "public", "Public"
        PRIVATE = "private_to_ats_integration", "Private to the ATS integration"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="The job profile block.")
    location = models.CharField(max_length=200, blank=True)
    client_name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.STANDARD)
    availability = models.CharField(
        max_length=32, choices=Availability.choices, default=Availability.PRIVATE
    )
    owners = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="owned_requisitions")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linkedin_synced_at = models.DateTimeField(null=True, blank=True)
    linkedin_sync_error = models.TextField(blank=True)
    linkedin_access = models.JSONField(
        default=list,
        blank=True,
        help_text="Person URNs LinkedIn last accepted as this job's access list (its owners' "
        "seats); former owners are removed from LinkedIn's list when the owners change.",
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-updated_at"], name="req_status_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/requisitions/{self.pk}/"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def accepts_proactive_candidates(self) -> bool:
        return self.kind in (self.Kind.EVERGREEN, self.Kind.PLACEHOLDER)


class ProjectConnection(models.Model):
    """A requisition's connection to a LinkedIn hiring project (RSC+), as LinkedIn reported it.

    Refused connections (owner seat not an owner of the requisition nor a Recruiter Admin) are
    kept with their reason for admins; only ``active`` ones make the requisition "connected".
    """

    class State(models.TextChoices):
        CONNECTED = "connected", "Connected"
        DISCONNECTED = "disconnected", "Disconnected"
        REFUSED = "refused", "Refused"

    requisition = models.ForeignKey(
        Requisition, on_delete=models.CASCADE, related_name="connections"
    )
    project_urn = models.CharField(max_length=80)
    owner_seat = models.ForeignKey(
        LinkedInSeat, null=True, blank=True, on_delete=models.SET_NULL, related_name="projects"
    )
    owner_seat_urn = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=16, choices=State.choices)
    active = models.BooleanField(default=False)
    hiring_assistant_automation = models.BooleanField(default=False)
    refusal_reason = models.CharField(max_length=300, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(default=timezone.now, help_text="LinkedIn's change time.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["requisition"],
                condition=Q(active=True),
                name="one_active_connection_per_requisition",
            ),
            models.UniqueConstraint(
                fields=["project_urn"],
                condition=Q(active=True),
                name="one_active_connection_per_project",
            ),
            models.CheckConstraint(
                condition=Q(active=False) | Q(state="connected"),
                name="active_connection_is_connected",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requisition_id} ↔ {self.project_urn} ({self.state})"


class Placement(models.Model):
    """A candidate on a requisition's shortlist, with the latest Hiring Assistant evaluation."""

    class Stage(models.TextChoices):
        SHORTLISTED = "shortlisted", "Shortlisted"
        SUBMITTED = "submitted", "Submitted to client"
        INTERVIEW = "interview", "Interview"
        OFFER = "offer", "Offer"
        PLACED = "placed", "Placed"
        REJECTED = "rejected", "Rejected"

    class Source(models.TextChoices):
        MANUAL = "manual", "Manual"
        EXPORT_TO_ATS = "export_to_ats", "Export to ATS"
        API = "api", "API"

    class Rank(models.TextChoices):
        TOP = "TOP", "Top candidate"
        QUALIFIED = "QUALIFIED", "Qualified"
        MAYBE = "MAYBE", "Maybe"
        NOT_A_FIT = "NOT_A_FIT", "Not a fit"

    class Basis(models.TextChoices):
        RESUME_ONLY = "resume_only", "Resume only"
        RESUME_AND_PROFILE = "resume_and_profile", "Resume and LinkedIn profile"

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="placements")
    requisition = models.ForeignKey(
        Requisition, on_delete=models.CASCADE, related_name="placements"
    )
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.SHORTLISTED)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    rank = models.CharField(max_length=12, choices=Rank.choices, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    evaluation_basis = models.CharField(max_length=20, choices=Basis.choices, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "requisition"],
                name="unique_placement",
                violation_error_message=(
                    "This candidate is already on this requisition's shortlist."
                ),
            ),
        ]
        indexes = [models.Index(fields=["requisition", "-created_at"], name="placement_req_idx")]

    def __str__(self) -> str:
        return f"{self.candidate_id} on {self.requisition_id}"

    @property
    def rank_label(self) -> str:
        return self.get_rank_display() if self.rank else ""


class Activity(models.Model):
    """Something that happened to a candidate: InMail, note, evaluation, export, sync event.

    ``external_id`` is unique per kind, so a re-delivered LinkedIn item never duplicates.
    An activity about a LinkedIn member not (yet) linked to a candidate keeps ``person_urn``
    and no candidate; it attaches when the member is linked.
    """

    class Kind(models.TextChoices):
        INMAIL = "inmail", "InMail"
        NOTE = "note", "Recruiter note"
        EVALUATION_SUMMARY = "evaluation_summary", "Evaluation summary"
        EXPORT = "export", "Export to ATS"
        STUB_PROFILE = "stub_profile", "InMail stub profile"
        LINK = "link", "LinkedIn link"
        SYNC = "sync", "Sync event"
        SYSTEM = "system", "System"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    placement = models.ForeignKey(
        Placement, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    requisition = models.ForeignKey(
        Requisition, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seat = models.ForeignKey(
        LinkedInSeat, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person_urn = models.CharField(max_length=64, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    external_id = models.CharField(max_length=128, null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "activities"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "external_id"],
                condition=Q(external_id__isnull=False),
                name="unique_activity_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["candidate", "-occurred_at"], name="activity_candidate_idx"),
            models.Index(fields=["placement", "-occurred_at"], name="activity_placement_idx"),
            models.Index(
                fields=["person_urn"],
                condition=Q(candidate__isnull=True),
                name="activity_unattached_idx",
            ),
            models.Index(fields=["kind", "seat", "occurred_at"], name="activity_seat_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject or self.pk}"
