"""Candidates, their LinkedIn member links, skills and erasure tombstones (DESIGN §3)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.utils import timezone

from candidates import normalize


class Candidate(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", "Manual"
        EXPORT_TO_ATS = "export_to_ats", "Export to ATS"
        STUB_PROFILE = "stub_profile", "InMail stub profile"
        API = "api", "API"

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

    # Normalised keys for the duplicate check, kept by candidates.services (never edited).
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

    class Meta:
        ordering = ["-updated_at", "-id"]
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

    def get_absolute_url(self) -> str:
        return f"/candidates/{self.pk}/"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def external_profile_url(self) -> str:
        """This candidate's page in Tracker, as LinkedIn's ``externalProfileUrl`` needs it."""
        return f"{settings.SITE_URL}{self.get_absolute_url()}"

    def refresh_keys(self) -> None:
        """Recompute the stored canonical URL and the duplicate-check keys from the fields."""
        self.linkedin_profile_url = normalize.canonical_profile_url(self.linkedin_profile_url)
        self.email = (self.email or "").strip()
        self.email_key = normalize.normalize_email(self.email)
        self.profile_key = normalize.profile_slug(self.linkedin_profile_url)
        self.first_name_key = normalize.normalize_name_part(self.first_name)
        self.last_name_key = normalize.normalize_name_part(self.last_name)


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

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class QuickSkillAlias(models.Model):
    skill = models.ForeignKey(QuickSkill, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=100)
    key = models.CharField(max_length=100, editable=False)

    class Meta:
        ordering = ["alias"]
        verbose_name_plural = "quick skill aliases"
        constraints = [
            models.UniqueConstraint(fields=["skill", "key"], name="unique_alias_per_skill"),
        ]

    def __str__(self) -> str:
        return self.alias


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
