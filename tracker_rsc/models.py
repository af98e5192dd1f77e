"""Integration state: the one Integration row, LinkedIn contracts and seats (licenses)."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tracker_rsc.history import (
    DEFAULT_HISTORY_YEARS,
    MAX_HISTORY_YEARS,
    describe_years,
    history_start,
)

organization_urn_validator = RegexValidator(
    r"^urn:li:organization:\d+$", "Enter an organization URN such as urn:li:organization:2414183."
)
contract_urn_validator = RegexValidator(
    r"^urn:li:contract:\d+$", "Enter a contract URN such as urn:li:contract:100."
)
seat_urn_validator = RegexValidator(r"^urn:li:seat:\d+$", "Enter a seat URN (urn:li:seat:N).")
person_urn_validator = RegexValidator(
    r"^urn:li:person:[A-Za-z0-9_-]+$", "Enter a person URN (urn:li:person:X)."
)


def new_callback_token() -> str:
    return secrets.token_urlsafe(32)


class Integration(models.Model):
    """The one integration of this Tracker database with LinkedIn (docs/architecture.md §3, §4.1).

    Exactly one row exists (``singleton`` is unique and always true); use ``Integration.get()``.
    Client id and secret live in the environment, never here.
    """

    class Status(models.TextChoices):
        DISABLED = "disabled", "Disabled"
        ENABLED = "enabled", "Enabled"
        ERROR = "error", "Error"

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DISABLED)
    organization_urn = models.CharField(
        max_length=64, blank=True, validators=[organization_urn_validator]
    )
    enabled_at = models.DateTimeField(null=True, blank=True)
    enabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    callback_token = models.CharField(
        max_length=64, unique=True, default=new_callback_token, editable=False
    )
    stub_profiles_enabled = models.BooleanField(
        default=True, help_text="Import InMail stub profiles hourly for contract-level contracts."
    )
    history_years = models.PositiveSmallIntegerField(
        default=DEFAULT_HISTORY_YEARS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_HISTORY_YEARS)],
        help_text=(
            "The bulk sync sends candidates last updated within this many calendar years before "
            "the day the integration was enabled (29 February counts back to 28 February). "
            f"The default, {DEFAULT_HISTORY_YEARS}, is the FAQ's: “within the last two years "
            "from the date the integration was enabled”."
        ),
    )
    registered_at = models.DateTimeField(
        null=True, blank=True, help_text="When LinkedIn accepted the callback and integrations."
    )
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="integration_singleton"),
        ]
        permissions = [
            ("rotate_callback_token", "Can rotate the callback token (re-registers with LinkedIn)")
        ]

    def __str__(self) -> str:
        return f"LinkedIn integration ({self.get_status_display()})"

    @classmethod
    def get(cls) -> Integration:
        """The integration row, created disabled on first use."""
        obj, _ = cls.objects.get_or_create(singleton=True)
        return obj

    @property
    def is_enabled(self) -> bool:
        return self.status == self.Status.ENABLED

    @property
    def history_cutoff(self) -> datetime:
        """Candidates last updated at or after this moment are in the bulk sync
        (docs/architecture.md §4.3).

        Before enabling, the window is counted back from today.
        """
        return history_start(self.enabled_at or timezone.now(), self.history_years)

    @property
    def history_description(self) -> str:
        """The window in words, for the pages that explain it."""
        cutoff = timezone.localtime(self.history_cutoff)
        since = "the day the integration was enabled" if self.enabled_at else "today"
        return (
            f"last updated since {cutoff:%-d %b %Y} ({describe_years(self.history_years)} "
            f"before {since})"
        )

    @property
    def callback_path(self) -> str:
        return reverse("linkedin-callback", kwargs={"token": self.callback_token})

    @property
    def callback_url(self) -> str:
        return f"{settings.SITE_URL}{self.callback_path}"

    @staticmethod
    def credentials_configured() -> bool:
        return bool(settings.LINKEDIN_CLIENT_ID and settings.LINKEDIN_CLIENT_SECRET)


class Contract(models.Model):
    """A LinkedIn Recruiter contract, with one watermark per stream pulled from it."""

    class AccessLevel(models.TextChoices):
        COMPANY = "company", "Company-level (export, indicator, widget)"
        CONTRACT = "contract", "Contract-level (adds InMails, notes, stub profiles)"

    urn = models.CharField(max_length=64, unique=True, validators=[contract_urn_validator])
    name = models.CharField(max_length=200, blank=True)
    access_level = models.CharField(
        max_length=16, choices=AccessLevel.choices, default=AccessLevel.CONTRACT
    )
    active = models.BooleanField(default=True)
    inmail_watermark = models.DateTimeField(null=True, blank=True)
    note_watermark = models.DateTimeField(null=True, blank=True)
    stub_watermark = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["urn"]

    def __str__(self) -> str:
        return self.name or self.urn

    @property
    def has_contract_access(self) -> bool:
        return self.access_level == self.AccessLevel.CONTRACT


UNSUPPORTED_PRODUCT_MESSAGE = (
    "Sales Navigator and Recruiter Lite licenses cannot be used with this integration: "
    "it needs LinkedIn Recruiter or Recruiter Professional Services (RPS or RPS+)."
)
HIRING_ASSISTANT_ROLE_MESSAGE = (
    "A Hiring Assistant license can only be assigned to a Recruiter User, a Recruiter "
    "Admin, or a custom role that has both the Hiring Project Creator license and the "
    "Recruiter Searcher permission."
)


class LinkedInSeat(models.Model):
    """A LinkedIn Recruiter license (seat), mapped by an admin to a Tracker user."""

    class Product(models.TextChoices):
        RPS = "recruiter_professional_services", "Recruiter Professional Services (RPS)"
        RECRUITER = "recruiter", "LinkedIn Recruiter"
        RPS_PLUS = "rps_plus", "RPS+"
        # Listed only so they can be refused with a clear message (see constraints).
        SALES_NAVIGATOR = "sales_navigator", "Sales Navigator (not supported)"
        RECRUITER_LITE = "recruiter_lite", "Recruiter Lite (not supported)"

    class Role(models.TextChoices):
        RECRUITER_USER = "recruiter_user", "Recruiter User"
        RECRUITER_ADMIN = "recruiter_admin", "Recruiter Admin"
        CUSTOM = "custom", "Custom role"

    SUPPORTED_PRODUCTS = (Product.RPS, Product.RECRUITER, Product.RPS_PLUS)
    UNSUPPORTED_PRODUCT_MESSAGE = UNSUPPORTED_PRODUCT_MESSAGE
    HIRING_ASSISTANT_ROLE_MESSAGE = HIRING_ASSISTANT_ROLE_MESSAGE

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="linkedin_seats",
    )
    seat_urn = models.CharField(max_length=64, unique=True, validators=[seat_urn_validator])
    person_urn = models.CharField(
        max_length=64, blank=True, db_index=True, validators=[person_urn_validator]
    )
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="seats")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    product = models.CharField(max_length=40, choices=Product.choices, default=Product.RECRUITER)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.RECRUITER_USER)
    hiring_project_creator = models.BooleanField(default=False)
    recruiter_searcher = models.BooleanField(default=False)
    hiring_assistant = models.BooleanField(default=False, help_text="Hiring Assistant add-on.")
    active = models.BooleanField(default=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "LinkedIn seat"
        verbose_name_plural = "LinkedIn seats"
        ordering = ["last_name", "first_name", "seat_urn"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    product__in=["recruiter_professional_services", "recruiter", "rps_plus"]
                ),
                name="seat_supported_product",
                violation_error_message=UNSUPPORTED_PRODUCT_MESSAGE,
            ),
            models.CheckConstraint(
                condition=(
                    Q(hiring_assistant=False)
                    | Q(role__in=["recruiter_user", "recruiter_admin"])
                    | Q(role="custom", hiring_project_creator=True, recruiter_searcher=True)
                ),
                name="seat_hiring_assistant_role",
                violation_error_message=HIRING_ASSISTANT_ROLE_MESSAGE,
            ),
        ]

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return f"{name or self.seat_urn} ({self.get_product_display()})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def tier(self) -> str:
        """RSC+ for RPS+ or a Hiring Assistant add-on; RSC otherwise."""
        return "RSC+" if self.product == self.Product.RPS_PLUS or self.hiring_assistant else "RSC"

    @property
    def is_admin_seat(self) -> bool:
        return self.role == self.Role.RECRUITER_ADMIN
