"""Candidates, their LinkedIn member links, skills and erasure tombstones (docs/architecture.md
§3)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.utils import timezone

from candidates import normalize
from candidates.derived import DerivedQuerySet, apply_derivations, with_targets


def _strip(value: str | None) -> str:
    return (value or "").strip()


# What the duplicate check reads, derived from what people type (candidates.derived explains
# how every write path keeps these right). The canonical URL feeds the profile key.
CANDIDATE_DERIVATIONS = (
    ("email", "email", _strip),
    ("linkedin_profile_url", "linkedin_profile_url", normalize.canonical_profile_url),
    ("email_key", "email", normalize.normalize_email),
    ("profile_key", "linkedin_profile_url", normalize.profile_slug),
    ("first_name_key", "first_name", normalize.normalize_name_part),
    ("last_name_key", "last_name", normalize.normalize_name_part),
)
QUICK_SKILL_DERIVATIONS = (("key", "name", normalize.normalize_skill),)
QUICK_SKILL_ALIAS_DERIVATIONS = (("key", "alias", normalize.normalize_skill),)


class CandidateQuerySet(DerivedQuerySet):
    derivations = CANDIDATE_DERIVATIONS
    label = "candidates.Candidate"


class CandidateManager(models.Manager.from_queryset(CandidateQuerySet)):  # type: ignore[misc]
    # Data migrations get these bulk writes too, so they cannot leave a stale key.
    use_in_migrations = True


class QuickSkillQuerySet(DerivedQuerySet):
    derivations = QUICK_SKILL_DERIVATIONS
    label = "candidates.QuickSkill"


class QuickSkillManager(models.Manager.from_queryset(QuickSkillQuerySet)):  # type: ignore[misc]
    use_in_migrations = True


class QuickSkillAliasQuerySet(DerivedQuerySet):
    derivations = QUICK_SKILL_ALIAS_DERIVATIONS
    label = "candidates.QuickSkillAlias"


class QuickSkillAliasManager(
    models.Manager.from_queryset(QuickSkillAliasQuerySet)  # type: ignore[misc]
):
    use_in_migrations = True


class Candidate(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", "Manual"
        EXPORT_TO_ATS = "export_to_ats", "Export to ATS"
        STUB_PROFILE = "stub_profile", "InMail stub profile"
        API = "api", "API"
        IMPORT = "import", "CSV import"

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    current_title = models.CharField(max_length=200, blank=True)
    current_company = models.CharField(max_length=200, blank=True)
    headline = models.CharField(max_length=300, blank=True)
    location = models.CharField(max_length=200, blank=True)
    linkedin_profile_url = models.CharField(
        max_length=300, blank=True, help_text="Stored in canonical form."
    )
    cv_file = models.FileField(upload_to="cvs/%Y/%m/", blank=True)
    cv_text = models.TextField(blank=True, help_text="Text extracted from the primary CV.")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(default=timezone.now)
    # Tracker's "Last Updated Date/Time": bulk sync eligibility and list ordering use it.
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Normalised keys for the duplicate check, derived from the fields by the model itself
    # (CANDIDATE_DERIVATIONS): never edited, right whatever the write path.
    email_key = models.CharField(max_length=254, blank=True, editable=False)
    profile_key = models.CharField(max_length=200, blank=True, editable=False)
    first_name_key = models.CharField(max_length=100, blank=True, editable=False)
    last_name_key = models.CharField(max_length=100, blank=True, editable=False)

    possible_duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Set when an import could not tell this record from an existing one.",
    )
    # What LinkedIn last accepted for this record (live and bulk sync keep these).
    linkedin_synced_at = models.DateTimeField(null=True, blank=True)
    linkedin_sync_error = models.TextField(blank=True)

    objects = CandidateManager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        # Erasure (GDPR) is its own permission: it deletes on LinkedIn too and leaves a
        # tombstone, so it need not come with the right to delete.
        permissions = [("erase_candidate", "Can erase candidate (GDPR)")]
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="cand_updated_idx"),
            models.Index(fields=["email_key"], name="cand_email_key_idx"),
            models.Index(fields=["profile_key"], name="cand_profile_key_idx"),
            models.Index(fields=["last_name_key", "first_name_key"], name="cand_last_first_idx"),
            models.Index(fields=["first_name_key", "last_name_key"], name="cand_first_last_idx"),
            models.Index(
                fields=["possible_duplicate_of"],
                condition=Q(possible_duplicate_of__isnull=False),
                name="cand_possible_dup_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or f"Candidate {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The keys are set by the pre_save receiver; a partial save of a source field must
        # write its keys too.
        kwargs["update_fields"] = with_targets(kwargs.get("update_fields"), CANDIDATE_DERIVATIONS)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"/candidates/{self.pk}/"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def has_full_name(self) -> bool:
        """LinkedIn refuses a candidate record without a first and a last name."""
        return bool(self.first_name.strip() and self.last_name.strip())

    @property
    def external_profile_url(self) -> str:
        """This candidate's page in Tracker, as LinkedIn's ``externalProfileUrl`` needs it."""
        return f"{settings.SITE_URL}{self.get_absolute_url()}"

    def refresh_keys(self) -> None:
        """Recompute the stored canonical URL and the duplicate-check keys from the fields.

        Every save does this already (``candidates.derived``); call it to read the keys of an
        unsaved instance, or of one whose fields were just assigned.
        """
        apply_derivations(self, CANDIDATE_DERIVATIONS)


class MemberLink(models.Model):
    """A candidate's link to a LinkedIn member; unlinked rows stay as history."""

    class Method(models.TextChoices):
        BULK_SYNC = "bulk_sync", "Bulk sync"
        LIVE_SYNC = "live_sync", "Live sync"
        EXPORT = "export", "Export to ATS"
        STUB = "stub", "InMail stub profile"
        MANUAL = "manual", "Manual"

    class MatchedOn(models.TextChoices):
        MEMBER = "member", "LinkedIn member"
        PROFILE_URL = "profile_url", "Profile URL"
        EMAIL = "email", "Email"
        NAME = "name", "Name"
        LINKEDIN = "linkedin", "LinkedIn's matching"

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="member_links")
    person_urn = models.CharField(max_length=64)
    method = models.CharField(max_length=16, choices=Method.choices)
    matched_on = models.CharField(max_length=16, choices=MatchedOn.choices)
    score = models.FloatField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    linked_at = models.DateTimeField(default=timezone.now)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unlinked_at = models.DateTimeField(null=True, blank=True)
    unlinked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unlink_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-linked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate"],
                condition=Q(unlinked_at__isnull=True),
                name="one_active_link_per_candidate",
                violation_error_message="This candidate is already linked to a LinkedIn member.",
            ),
            models.UniqueConstraint(
                fields=["person_urn"],
                condition=Q(unlinked_at__isnull=True),
                name="one_active_link_per_person",
                violation_error_message="This LinkedIn member is already linked to a candidate.",
            ),
        ]
        indexes = [models.Index(fields=["person_urn"], name="memberlink_person_idx")]

    def __str__(self) -> str:
        return f"{self.candidate_id} ↔ {self.person_urn}"

    @property
    def active(self) -> bool:
        return self.unlinked_at is None


class MatchReview(models.Model):
    """An item in the admins' review queue: an ambiguous LinkedIn match or a possible duplicate."""

    class Kind(models.TextChoices):
        AMBIGUOUS_MATCH = "ambiguous_match", "Ambiguous LinkedIn match"
        POSSIBLE_DUPLICATE = "possible_duplicate", "Possible duplicate"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="reviews")
    other_candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    person_urns = models.JSONField(default=list, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "candidate"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_review_per_kind",
            )
        ]
        indexes = [
            models.Index(
                fields=["kind", "-created_at"],
                condition=Q(resolved_at__isnull=True),
                name="review_open_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.candidate_id}"


class QuickSkill(models.Model):
    """An entry of the Quick Skills dictionary. LinkedIn never creates one."""

    name = models.CharField(max_length=100, unique=True)
    key = models.CharField(max_length=100, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = QuickSkillManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        kwargs["update_fields"] = with_targets(kwargs.get("update_fields"), QUICK_SKILL_DERIVATIONS)
        super().save(*args, **kwargs)


class QuickSkillAlias(models.Model):
    skill = models.ForeignKey(QuickSkill, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=100)
    key = models.CharField(max_length=100, editable=False)

    objects = QuickSkillAliasManager()

    class Meta:
        ordering = ["alias"]
        verbose_name_plural = "quick skill aliases"
        constraints = [
            models.UniqueConstraint(fields=["skill", "key"], name="unique_alias_per_skill"),
        ]

    def __str__(self) -> str:
        return self.alias

    def save(self, *args: Any, **kwargs: Any) -> None:
        kwargs["update_fields"] = with_targets(
            kwargs.get("update_fields"), QUICK_SKILL_ALIAS_DERIVATIONS
        )
        super().save(*args, **kwargs)


class CandidateSkill(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", "Manual"
        LINKEDIN = "linkedin", "LinkedIn profile"
        API = "api", "API"

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(QuickSkill, on_delete=models.CASCADE, related_name="candidates")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["skill__name"]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "skill"], name="unique_candidate_skill"),
        ]
        indexes = [models.Index(fields=["skill", "candidate"], name="candskill_skill_idx")]

    def __str__(self) -> str:
        return f"{self.candidate_id}: {self.skill_id}"


def erasure_key(digest: str) -> str:
    """HMAC-SHA256 under ``ERASURE_HMAC_KEY`` of a SHA-256 hex digest (what tombstones store).

    Kept separate from :func:`identifier_hash` so a data migration can re-key tombstones that
    hold the bare SHA-256 of an identifier without ever knowing the erased value.
    Raises ``ImproperlyConfigured`` when the key is not set.
    """
    key = settings.ERASURE_HMAC_KEY
    if not key:
        raise ImproperlyConfigured(
            "ERASURE_HMAC_KEY is not set: erasure tombstones cannot be written or matched."
        )
    return hmac.new(key.encode(), digest.encode(), hashlib.sha256).hexdigest()


def identifier_hash(value: str) -> str:
    """The tombstone key of a normalised identifier: HMAC(secret, sha256(value)), '' for ''.

    A bare hash of an e-mail address can be reversed by hashing a list of addresses; keyed
    with a secret that lives outside the database, a leaked tombstone table reveals nothing.
    """
    if not value:
        return ""
    return erasure_key(hashlib.sha256(value.encode()).hexdigest())


class ErasureTombstone(models.Model):
    """What remains of an erased candidate: keyed hashes (``identifier_hash``) that stop an
    import re-creating them."""

    candidate_id = models.BigIntegerField(help_text="The erased record's former id.")
    email_hash = models.CharField(max_length=64, blank=True, db_index=True)
    profile_hash = models.CharField(max_length=64, blank=True, db_index=True)
    person_hash = models.CharField(max_length=64, blank=True, db_index=True)
    reason = models.CharField(max_length=300, blank=True)
    erased_at = models.DateTimeField(default=timezone.now)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linkedin_deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="When LinkedIn confirmed the deletion of their data."
    )

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"Erased candidate {self.candidate_id} ({self.erased_at:%Y-%m-%d})"


# --- CSV imports ----------------------------------------------------------------------------


class ImportRun(models.Model):
    """One CSV import (candidates, requisitions or Quick Skills): progress, counts and report.

    The admin upload creates it and a task runs it; the management commands run the same
    import without a record. ``report`` is the row-by-row CSV the run wrote.
    """

    class Kind(models.TextChoices):
        CANDIDATES = "candidates", "Candidates"
        REQUISITIONS = "requisitions", "Requisitions"
        QUICK_SKILLS = "quick_skills", "Quick Skills"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a worker"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    dry_run = models.BooleanField(
        default=False, help_text="Only report what would happen; nothing is written."
    )
    overwrite = models.BooleanField(
        default=False, help_text="Replace existing values, not only fill empty fields."
    )
    # The uploaded CSV, deleted once the run finishes (the report stays).
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    report = models.FileField(upload_to="imports/reports/%Y/%m/", blank=True)
    total = models.PositiveIntegerField(null=True, blank=True, help_text="Rows in the file.")
    processed = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    unknown_columns = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "-created_at"], name="importrun_kind_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import #{self.pk} ({self.file_name})"

    @property
    def progress_percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(100 * self.processed / self.total))

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
