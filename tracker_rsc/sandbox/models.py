"""The simulated LinkedIn's own tables (docs/architecture.md §6).

Nothing here refers to Tracker's models: the sandbox is "LinkedIn", and Tracker reaches it only
over HTTP. Names follow LinkedIn's vocabulary (members, seats, hiring projects, ATS records).
Epoch milliseconds appear only in the JSON the API serves; every column is an aware UTC datetime.
"""

from __future__ import annotations

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def new_access_token() -> str:
    return "AQV" + secrets.token_urlsafe(48)


class SandboxSettings(models.Model):
    """Run-time knobs of the simulation (one row; ``SandboxSettings.get()``).

    Stored in the database so that the web, worker and test processes all see the same limits.
    """

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    rate_limits_enabled = models.BooleanField(default=True)
    records_per_minute = models.PositiveIntegerField(
        default=10_000, help_text="Per sync family, in a rolling minute (LinkedIn: 10,000)."
    )
    requests_per_day = models.PositiveIntegerField(
        default=100_000, help_text="Per family, per UTC day (LinkedIn: 100,000)."
    )
    exports_per_seat_per_month = models.PositiveIntegerField(default=300)
    token_lifetime_seconds = models.PositiveIntegerField(default=1800)
    request_id_ttl_hours = models.PositiveIntegerField(default=24)
    push_max_retries = models.PositiveIntegerField(
        default=6, help_text="Re-sends after the first attempt when the callback is not 2xx."
    )
    push_backoff_seconds = models.PositiveIntegerField(
        default=10, help_text="First retry delay; each further retry doubles it."
    )
    push_timeout_seconds = models.FloatField(default=10.0)
    job_task_seconds = models.PositiveIntegerField(
        default=0, help_text="How long a simpleJobPostings task stays IN_PROGRESS."
    )
    auto_enable_integrations = models.BooleanField(
        default=True,
        help_text="When the ATS registers its CALLBACK_URL, act as the customer who then "
        "switches the integration on in Recruiter (pushes INTEGRATION_STATUS_CHANGE).",
    )
    export_email_as_string = models.BooleanField(
        default=False,
        help_text="Newer API versions send the stub profile's emailAddresses as one string.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "sandbox settings"
        verbose_name_plural = "sandbox settings"
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="sandbox_settings_singleton")
        ]

    def __str__(self) -> str:
        return "Sandbox settings"

    @classmethod
    def get(cls) -> SandboxSettings:
        obj, _ = cls.objects.get_or_create(singleton=True)
        return obj


class AccessToken(models.Model):
    """A 2-legged OAuth token issued to the customer application."""

    token = models.CharField(max_length=120, unique=True, default=new_access_token)
    client_id = models.CharField(max_length=200)
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.token[:10]}… ({self.client_id})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


def new_authorization_code() -> str:
    return "AQT" + secrets.token_urlsafe(48)


class AuthorizationCode(models.Model):
    """Sign In with LinkedIn: a code handed to the browser for one member's sign-in.

    Single-use and short-lived, bound to the client and the redirect URI it was issued for.
    """

    code = models.CharField(max_length=120, unique=True, default=new_authorization_code)
    client_id = models.CharField(max_length=200)
    redirect_uri = models.CharField(max_length=500)
    person_urn = models.CharField(max_length=64)
    scope = models.CharField(max_length=200)
    nonce = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.code[:10]}… ({self.person_urn})"


class MemberToken(models.Model):
    """A 3-legged (member) access token: reads ``/v2/userinfo``, never the RSC APIs."""

    token = models.CharField(max_length=120, unique=True, default=new_access_token)
    client_id = models.CharField(max_length=200)
    person_urn = models.CharField(max_length=64)
    scope = models.CharField(max_length=200)
    code = models.ForeignKey(
        AuthorizationCode, null=True, blank=True, on_delete=models.SET_NULL, related_name="tokens"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.token[:10]}… ({self.person_urn})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


# --- LinkedIn's own world: contracts, seats, members, projects ------------------------------------


class Contract(models.Model):
    urn = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    organization_urn = models.CharField(max_length=64, db_index=True)

    class Meta:
        ordering = ["urn"]

    def __str__(self) -> str:
        return self.name or self.urn


class Seat(models.Model):
    class Product(models.TextChoices):
        RPS = "RECRUITER_PROFESSIONAL_SERVICES", "Recruiter Professional Services"
        RECRUITER = "RECRUITER", "Recruiter"
        RPS_PLUS = "RPS_PLUS", "RPS+"

    class Role(models.TextChoices):
        RECRUITER_USER = "RECRUITER_USER", "Recruiter User"
        RECRUITER_ADMIN = "RECRUITER_ADMIN", "Recruiter Admin"
        CUSTOM = "CUSTOM", "Custom"

    PERMISSIONS = ("HIRING_PROJECT_CREATOR", "RECRUITER_SEARCHER")

    urn = models.CharField(max_length=64, unique=True)
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="seats")
    person_urn = models.CharField(max_length=64, db_index=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    product = models.CharField(max_length=40, choices=Product.choices, default=Product.RECRUITER)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.RECRUITER_USER)
    permissions = models.JSONField(default=list, blank=True)
    hiring_assistant = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["urn"]

    def __str__(self) -> str:
        return f"{self.full_name or self.urn} ({self.urn})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.RECRUITER_ADMIN

    @property
    def has_hiring_assistant(self) -> bool:
        """RSC+: an RPS+ seat or a Hiring Assistant add-on."""
        return self.product == self.Product.RPS_PLUS or self.hiring_assistant


class Member(models.Model):
    """A LinkedIn member (a public profile)."""

    person_urn = models.CharField(max_length=64, unique=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    emails = models.JSONField(default=list, blank=True)
    phones = models.JSONField(default=list, blank=True)
    profile_url = models.CharField(max_length=300, blank=True)
    headline = models.CharField(max_length=300, blank=True)
    location = models.CharField(max_length=200, blank=True)
    companies = models.JSONField(default=list, blank=True, help_text="Current employer names.")
    years_of_experience = models.PositiveIntegerField(null=True, blank=True)
    skills = models.JSONField(default=list, blank=True, help_text="Top skills, most shown first.")
    positions = models.JSONField(default=list, blank=True)
    educations = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["last_name", "first_name", "id"]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.person_urn})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class HiringProject(models.Model):
    """A Recruiter hiring project: exactly one owner seat."""

    urn = models.CharField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="projects")
    owner = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="owned_projects")
    hiring_assistant_automation = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["urn"]

    def __str__(self) -> str:
        return f"{self.name} ({self.urn})"

    @property
    def active_connection(self) -> ProjectConnection | None:
        return self.connections.filter(active=True).first()


class ProjectConnection(models.Model):
    """A hiring project connected to one ATS job requisition (RSC+ Connected Projects)."""

    class State(models.TextChoices):
        CONNECTED = "CONNECTED", "Connected"
        DISCONNECTED = "DISCONNECTED", "Disconnected"

    project = models.ForeignKey(HiringProject, on_delete=models.CASCADE, related_name="connections")
    integration_context = models.CharField(max_length=64)
    requisition_id = models.CharField(max_length=100)
    state = models.CharField(max_length=16, choices=State.choices, default=State.CONNECTED)
    active = models.BooleanField(default=True)
    connected_by = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="+")
    connected_at = models.DateTimeField(default=timezone.now)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(active=True),
                name="sandbox_one_active_connection_per_project",
            ),
            models.UniqueConstraint(
                fields=["integration_context", "requisition_id"],
                condition=Q(active=True),
                name="sandbox_one_active_connection_per_job",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.urn} ↔ job {self.requisition_id} ({self.state})"


# --- What the ATS (Tracker) sent ------------------------------------------------------------------


class AtsIntegration(models.Model):
    integration_context = models.CharField(max_length=64)
    integration_type = models.CharField(max_length=40)
    tenant_type = models.CharField(max_length=20, default="RECRUITER")
    integration_name = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, default="PENDING")
    callback_url = models.CharField(max_length=500, blank=True)
    configurations = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "ATS integration"
        verbose_name_plural = "ATS integrations"
        ordering = ["integration_context", "integration_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration_context", "integration_type", "tenant_type"],
                name="sandbox_unique_integration",
            )
        ]

    def __str__(self) -> str:
        return f"{self.integration_type} @ {self.integration_context} ({self.status})"


class AtsCandidate(models.Model):
    """The last full record the ATS sent (batch_update replaces it entirely)."""

    integration_context = models.CharField(max_length=64)
    ats_candidate_id = models.CharField(max_length=100)
    record = models.JSONField(default=dict)
    manual_matched_member = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "ATS candidate"
        verbose_name_plural = "ATS candidates"
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration_context", "ats_candidate_id"],
                name="sandbox_unique_candidate",
            )
        ]

    def __str__(self) -> str:
        name = f"{self.record.get('firstName', '')} {self.record.get('lastName', '')}".strip()
        return f"{self.ats_candidate_id}: {name}"


class JobPosting(models.Model):
    integration_context = models.CharField(max_length=64)
    external_job_posting_id = models.CharField(max_length=100)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    location = models.CharField(max_length=200, blank=True)
    availability = models.CharField(max_length=40, default="PUBLIC")
    state = models.CharField(max_length=10, default="LISTED")
    company_apply_url = models.CharField(max_length=500, blank=True)
    listed_at = models.DateTimeField(null=True, blank=True)
    record = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration_context", "external_job_posting_id"],
                name="sandbox_unique_job_posting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.external_job_posting_id}: {self.title} ({self.state})"


class JobPostingTask(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "IN_PROGRESS", "In progress"
        SUCCEEDED = "SUCCEEDED", "Succeeded"
        FAILED = "FAILED", "Failed"

    task_id = models.CharField(max_length=40, unique=True)
    integration_context = models.CharField(max_length=64, blank=True)
    external_job_posting_id = models.CharField(max_length=100, blank=True)
    operation = models.CharField(max_length=10, default="UPSERT")
    outcome = models.CharField(max_length=12, choices=Status.choices)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completes_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"task {self.task_id} ({self.status})"

    @property
    def status(self) -> str:
        """IN_PROGRESS until ``completes_at``, then the outcome decided when it was submitted."""
        if timezone.now() < self.completes_at:
            return self.Status.IN_PROGRESS
        return self.outcome


class JobRequisition(models.Model):
    integration_context = models.CharField(max_length=64)
    external_job_requisition_id = models.CharField(max_length=100)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    location = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=10, default="OPEN")
    owners = models.JSONField(default=list, blank=True)
    record = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration_context", "external_job_requisition_id"],
                name="sandbox_unique_job_requisition",
            )
        ]

    def __str__(self) -> str:
        return f"{self.external_job_requisition_id}: {self.title} ({self.state})"


class EntityAcl(models.Model):
    """An ATS security group (``atsEntityAclId``) granted access to one job."""

    integration_context = models.CharField(max_length=64)
    acl_id = models.CharField(max_length=100)
    entity_type = models.CharField(max_length=20, default="JOB_POSTING")
    entity_id = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "entity ACL"
        verbose_name_plural = "entity ACLs"
        ordering = ["entity_id", "acl_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration_context", "acl_id", "entity_type", "entity_id"],
                name="sandbox_unique_acl",
            )
        ]

    def __str__(self) -> str:
        return f"{self.acl_id} → {self.entity_type} {self.entity_id}"


class AclAssignee(models.Model):
    """A LinkedIn member (an ATS user's person URN) in an ATS security group."""

    integration_context = models.CharField(max_length=64)
    acl_id = models.CharField(max_length=100)
    entity_type = models.CharField(max_length=20, default="JOB_POSTING")
    assignee = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "ACL assignee"
        verbose_name_plural = "ACL assignees"
        ordering = ["acl_id", "assignee"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration_context", "acl_id", "entity_type", "assignee"],
                name="sandbox_unique_acl_assignee",
            )
        ]

    def __str__(self) -> str:
        return f"{self.assignee} ∈ {self.acl_id}"


class Application(models.Model):
    integration_context = models.CharField(max_length=64)
    ats_job_application_id = models.CharField(max_length=100)
    ats_candidate_id = models.CharField(max_length=100, blank=True)
    ats_job_posting_id = models.CharField(max_length=100, blank=True)
    record = models.JSONField(default=dict)
    # Tracker must only send applications of connected jobs; this records whether it did.
    job_connected_when_received = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration_context", "ats_job_application_id"],
                name="sandbox_unique_application",
            )
        ]

    def __str__(self) -> str:
        return f"application {self.ats_job_application_id} → job {self.ats_job_posting_id}"


class Attachment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    external_attachment_id = models.CharField(max_length=100)
    file_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    content = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["application", "external_attachment_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "external_attachment_id"],
                name="sandbox_unique_attachment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.size} bytes)"


# --- Recruiter activity ---------------------------------------------------------------------------


class ConversationEvent(models.Model):
    class Direction(models.TextChoices):
        OUTBOUND = "OUTBOUND", "Outbound"
        INBOUND = "INBOUND", "Inbound"

    event_id = models.CharField(max_length=40, unique=True, default=new_request_id)
    conversation = models.CharField(max_length=80)
    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="conversation_events")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.direction} {self.subject!r}"


class MailStub(models.Model):
    """A member's shared contact details after replying to an InMail."""

    stub_id = models.CharField(max_length=40, unique=True, default=new_request_id)
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="mail_stubs")
    owner = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="mail_stubs")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="mail_stubs")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"stub {self.stub_id} ({self.member.full_name})"


class ProspectNote(models.Model):
    note_id = models.CharField(max_length=40, unique=True, default=new_request_id)
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="notes")
    owner = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="notes")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="notes")
    note = models.TextField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_modified_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["last_modified_at", "id"]

    def __str__(self) -> str:
        return f"note {self.note_id} ({'active' if self.active else 'inactive'})"


class PurgedExport(models.Model):
    """An exported member's data that LinkedIn asks the ATS to delete."""

    purge_id = models.CharField(max_length=40, unique=True, default=new_request_id)
    integration_context = models.CharField(max_length=64)
    member_urn = models.CharField(max_length=64)
    purged_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["purged_at", "id"]

    def __str__(self) -> str:
        return f"purge {self.member_urn}"


# --- Request records: what a push's id lets the ATS fetch for 24 h --------------------------------


class RequestRecord(models.Model):
    request_id = models.CharField(max_length=40, unique=True, default=new_request_id)
    integration_context = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        abstract = True

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class ExportRecord(RequestRecord):
    """One Export to ATS (One-Click Export) by a seat: counts against its monthly quota."""

    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="exports")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="exports")
    job_id = models.CharField(max_length=100)
    typed_email = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["seat", "created_at"], name="sandbox_export_quota_idx")]

    def __str__(self) -> str:
        return f"export {self.request_id}: {self.member.full_name} → job {self.job_id}"


class IntegrationStatusChange(RequestRecord):
    integration = models.ForeignKey(
        AtsIntegration, on_delete=models.CASCADE, related_name="status_changes"
    )
    status = models.CharField(max_length=20)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.integration.integration_type} → {self.status}"


class ConnectionChange(RequestRecord):
    """A snapshot of a project connection at the moment it changed."""

    project = models.ForeignKey(HiringProject, on_delete=models.CASCADE, related_name="changes")
    requisition_id = models.CharField(max_length=100)
    owner = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=16)
    hiring_assistant_automation = models.BooleanField(default=False)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project.urn} ↔ {self.requisition_id}: {self.state}"


class Evaluation(RequestRecord):
    """A Hiring Assistant evaluation of one application of a connected project."""

    class Rank(models.TextChoices):
        TOP = "TOP", "Top candidate"
        QUALIFIED = "QUALIFIED", "Qualified"
        MAYBE = "MAYBE", "Maybe"
        NOT_A_FIT = "NOT_A_FIT", "Not a fit"

    class Basis(models.TextChoices):
        RESUME_ONLY = "RESUME_ONLY", "Resume only"
        RESUME_AND_PROFILE = "RESUME_AND_PROFILE", "Resume and profile"

    project = models.ForeignKey(HiringProject, on_delete=models.CASCADE, related_name="evaluations")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="evaluations"
    )
    requisition_id = models.CharField(max_length=100)
    candidate_id = models.CharField(max_length=100)
    member_urn = models.CharField(max_length=64, blank=True)
    rank = models.CharField(max_length=10, choices=Rank.choices)
    basis = models.CharField(max_length=20, choices=Basis.choices)
    summary = models.TextField()
    qualifications = models.JSONField(default=list)
    evaluated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"evaluation {self.request_id}: {self.rank}"


# --- Pushes and their delivery log ----------------------------------------------------------------


class Push(models.Model):
    """A notification to the ATS's CALLBACK_URL, delivered at least once with retries."""

    class Type(models.TextChoices):
        EXPORT_CANDIDATE_PROFILE = "EXPORT_CANDIDATE_PROFILE", "Export to ATS"
        APPLICATION_EVALUATION = "APPLICATION_EVALUATION", "Application evaluation"
        INTEGRATION_STATUS_CHANGE = "INTEGRATION_STATUS_CHANGE", "Integration status change"
        HIRING_PROJECT_CONNECTION_CHANGE = (
            "HIRING_PROJECT_CONNECTION_CHANGE",
            "Hiring project connection change",
        )

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (retries exhausted)"

    push_type = models.CharField(max_length=40, choices=Type.choices)
    request_id = models.CharField(max_length=40)
    integration_context = models.CharField(max_length=64)
    body = models.TextField(help_text="The exact JSON body that is signed and sent.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "push"
        verbose_name_plural = "pushes"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.push_type} {self.request_id} ({self.status})"


class DeliveryAttempt(models.Model):
    """One HTTP call to the callback: a push delivery or a challenge validation."""

    class Kind(models.TextChoices):
        PUSH = "push", "Push"
        CHALLENGE = "challenge", "Challenge validation"

    push = models.ForeignKey(
        Push, null=True, blank=True, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PUSH)
    url = models.CharField(max_length=500, blank=True)
    attempted_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-attempted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} → {self.status_code or self.error}"


# --- Enforcement: API call log and faults ---------------------------------------------------------


class ApiCall(models.Model):
    """Every API request the sandbox answered: the basis of rate limits and of the stats."""

    at = models.DateTimeField(default=timezone.now)
    family = models.CharField(max_length=20)
    endpoint = models.CharField(max_length=60)
    method = models.CharField(max_length=30)
    status = models.PositiveIntegerField(default=200)
    records = models.PositiveIntegerField(default=0)
    fault = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = "API call"
        verbose_name_plural = "API calls"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["family", "at"], name="sandbox_call_family_at_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} → {self.status}"


class Fault(models.Model):
    """An injected failure for one endpoint (or all), for the next N calls or a fraction."""

    class Kind(models.TextChoices):
        LATENCY = "latency", "Latency"
        HTTP_429 = "http_429", "429 Too Many Requests"
        HTTP_500 = "http_500", "500 Internal Server Error"
        HTTP_503 = "http_503", "503 Service Unavailable"
        DROP = "drop", "Dropped connection"
        MALFORMED = "malformed", "Malformed JSON"

    ANY_ENDPOINT = "*"

    endpoint = models.CharField(max_length=60, default=ANY_ENDPOINT)
    method = models.CharField(max_length=30, blank=True, help_text="Blank: every method.")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    latency_ms = models.PositiveIntegerField(default=0)
    retry_after = models.PositiveIntegerField(default=1)
    remaining = models.PositiveIntegerField(
        null=True, blank=True, help_text="Fire on the next N matching calls."
    )
    fraction = models.FloatField(
        null=True, blank=True, help_text="Or fire on this fraction of calls (seeded)."
    )
    seed = models.IntegerField(default=0)
    calls_seen = models.PositiveIntegerField(default=0)
    fired = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__isnull=False) | Q(fraction__isnull=False),
                name="sandbox_fault_has_scope",
            ),
            models.CheckConstraint(
                condition=Q(fraction__isnull=True) | Q(fraction__gte=0, fraction__lte=1),
                name="sandbox_fault_fraction_range",
            ),
        ]

    def __str__(self) -> str:
        scope = f"next {self.remaining}" if self.remaining is not None else f"{self.fraction:.0%}"
        return f"{self.get_kind_display()} on {self.endpoint} ({scope})"
