"""Admin for the integration itself: the Integration page, contracts and LinkedIn seats.

The Integration page is where one superuser enables the integration for the whole database
(docs/architecture.md §4.1); seats are the LinkedIn licenses that admins map to Tracker users.
"""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST
from knox.models import AuthToken

from tracker_rsc import services
from tracker_rsc.admin_utils import (
    ServiceAdminMixin,
    add_validation_error,
    report,
    service_errors,
)
from tracker_rsc.api_tokens import MAX_EXPIRES_DAYS, api_token_create
from tracker_rsc.history import DEFAULT_HISTORY_YEARS
from tracker_rsc.models import Contract, Integration, LinkedInSeat


class EnableIntegrationForm(forms.Form):
    organization_urn = forms.CharField(
        label="Organization URN",
        max_length=64,
        help_text="Your LinkedIn company page's organization, e.g. urn:li:organization:2414183.",
    )
    contract_urns = forms.CharField(
        label="Contract URNs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 40}),
        help_text="Optional: your Recruiter contracts, one per line (urn:li:contract:N). More can "
        "be added later under Contracts, and the seat sync finds them too.",
    )

    def clean_contract_urns(self) -> list[str]:
        return self.cleaned_data["contract_urns"].replace(",", "\n").split()


class IntegrationAdminForm(forms.ModelForm):
    class Meta:
        model = Integration
        fields = ("stub_profiles_enabled", "history_years")


@admin.register(Integration)
class IntegrationAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """The one Integration row: its list redirects to its page; it is never added or deleted."""

    form = IntegrationAdminForm
    change_form_template = "admin/tracker_rsc/integration/change_form.html"
    list_display = ("__str__", "organization_urn", "enabled_at", "enabled_by")
    list_filter = ("status",)
    search_fields = ("organization_urn",)
    list_select_related = ("enabled_by",)
    fieldsets = (
        (
            "Status",
            {
                "fields": (
                    "status",
                    "organization_urn",
                    "enabled_by",
                    "enabled_at",
                    "registered_at",
                    "last_error",
                    "setup",
                    "contract_list",
                    "bulk_sync",
                )
            },
        ),
        (
            "LinkedIn application",
            {
                "fields": ("credentials", "callback_url", "api_url"),
                "description": "The client id and secret come from the environment "
                "(LINKEDIN_CLIENT_ID, LINKEDIN_CLIENT_SECRET), never from this page.",
            },
        ),
        ("Settings", {"fields": ("stub_profiles_enabled", "history_years", "history_window")}),
    )
    readonly_fields = (
        "status",
        "organization_urn",
        "enabled_by",
        "enabled_at",
        "registered_at",
        "last_error",
        "setup",
        "contract_list",
        "bulk_sync",
        "credentials",
        "callback_url",
        "api_url",
        "history_window",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @staticmethod
    def can_enable(request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "enable/",
                self.admin_site.admin_view(self.enable_view),
                name="{}_{}_enable".format(*info),
            ),
            path(
                "retry-setup/",
                self.admin_site.admin_view(self.retry_setup_view),
                name="{}_{}_retry_setup".format(*info),
            ),
            path(
                "rotate-callback-token/",
                self.admin_site.admin_view(self.rotate_callback_token_view),
                name="{}_{}_rotate_callback_token".format(*info),
            ),
            path(
                "check-credentials/",
                self.admin_site.admin_view(require_POST(self.check_credentials_view)),
                name="{}_{}_check_credentials".format(*info),
            ),
            *super().get_urls(),
        ]

    def _change_url(self, integration: Integration) -> str:
        return reverse("admin:tracker_rsc_integration_change", args=[integration.pk])

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(self._change_url(Integration.get()))

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        integration = Integration.get()
        extra_context = {
            **(extra_context or {}),
            "can_enable": self.can_enable(request) and not integration.is_enabled,
            "enable_url": reverse("admin:tracker_rsc_integration_enable"),
            "can_check_credentials": self.has_change_permission(request, integration),
            "check_credentials_url": reverse("admin:tracker_rsc_integration_check_credentials"),
            "can_rotate_callback_token": self.can_rotate_callback_token(request),
            "rotate_callback_token_url": reverse(
                "admin:tracker_rsc_integration_rotate_callback_token"
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(
        self, request: HttpRequest, obj: Integration, form: forms.ModelForm, change: bool
    ) -> None:
        # Only the edited settings are written, through the service: a sync worker may be
        # recording an error on this same row at the same moment.
        with service_errors():
            saved = services.integration_update_settings(
                stub_profiles_enabled=form.cleaned_data["stub_profiles_enabled"],
                history_years=form.cleaned_data["history_years"],
                actor=request.user,
            )
        for name in ("status", "last_error", "stub_profiles_enabled", "history_years"):
            setattr(obj, name, getattr(saved, name))

    def enable_view(self, request: HttpRequest) -> HttpResponse:
        """Ask for the organization (and contract) URNs, then enable; superusers only."""
        if not self.can_enable(request):
            raise PermissionDenied
        integration = Integration.get()
        if request.method == "POST":
            form = EnableIntegrationForm(request.POST)
            if form.is_valid():
                try:
                    integration, created = services.integration_enable(
                        organization_urn=form.cleaned_data["organization_urn"],
                        contract_urns=form.cleaned_data["contract_urns"],
                        actor=request.user,
                    )
                except ValidationError as exc:
                    add_validation_error(form, exc)
                else:
                    self._report_enable(request, integration, created)
                    return HttpResponseRedirect(self._change_url(integration))
        elif integration.is_enabled:
            self._report_enable(request, integration, created=False)
            return HttpResponseRedirect(self._change_url(integration))
        else:
            form = EnableIntegrationForm(initial={"organization_urn": integration.organization_urn})
        return TemplateResponse(
            request,
            "admin/tracker_rsc/action_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Enable the LinkedIn integration",
                "intro": (
                    "This turns the integration on for every user of this Tracker database. "
                    "Tracker then registers its callback URL with LinkedIn and starts the bulk "
                    f"sync of candidates {integration.history_description}."
                ),
                "form": form,
                "submit_label": "Enable integration",
                "cancel_url": self._change_url(integration),
            },
        )

    def _report_enable(self, request: HttpRequest, integration: Integration, created: bool) -> None:
        if not created:
            who = integration.enabled_by.get_username() if integration.enabled_by else "a command"
            when = f"{integration.enabled_at:%Y-%m-%d %H:%M} UTC" if integration.enabled_at else ""
            self.message_user(
                request,
                f"The integration was already enabled for {integration.organization_urn} "
                f"by {who} {when}; nothing changed.",
                messages.INFO,
            )
            return
        contracts = ", ".join(integration_contracts()) or "none yet"
        message = (
            f"Enabled the integration for {integration.organization_urn} (contracts: {contracts})."
        )
        self.log_change(request, integration, message)
        self.message_user(
            request,
            f"{message} Registering with LinkedIn and starting the bulk sync.",
            messages.SUCCESS,
        )

    def retry_setup_view(self, request: HttpRequest) -> HttpResponse:
        """Confirm, then run the enabling setup again (registration, seats, bulk sync)."""
        integration = Integration.get()
        if not self.can_enable(request):
            raise PermissionDenied
        if not services.integration_setup_needed(integration):
            self.message_user(
                request,
                "The integration is registered with LinkedIn and has no error; nothing to retry.",
                messages.INFO,
            )
            return HttpResponseRedirect(self._change_url(integration))
        if request.method == "POST":
            try:
                services.integration_setup_retry(actor=request.user)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                self.log_change(request, integration, "Retried the setup with LinkedIn.")
                self.message_user(
                    request,
                    "Registering with LinkedIn again; the seats and the bulk sync follow.",
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(self._change_url(integration))
        return TemplateResponse(
            request,
            "admin/tracker_rsc/action_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Retry the setup with LinkedIn",
                "intro": (
                    f"Last error: {integration.last_error or 'none'}. Tracker registers its "
                    "callback URL and integrations with LinkedIn again, pulls the seats and "
                    "continues the bulk sync if it has not completed. Repeating it is safe."
                ),
                "form": forms.Form(),
                "submit_label": "Retry setup",
                "cancel_url": self._change_url(integration),
            },
        )

    @staticmethod
    def can_rotate_callback_token(request: HttpRequest) -> bool:
        return request.user.has_perm("tracker_rsc.rotate_callback_token")

    def rotate_callback_token_view(self, request: HttpRequest) -> HttpResponse:
        """Confirm, then give the callback URL a new token registered with LinkedIn."""
        integration = Integration.get()
        if not self.can_rotate_callback_token(request):
            raise PermissionDenied
        if request.method == "POST":
            # The registration is the enablement's (syncjobs), which this app cannot import at
            # module level: imports flow syncjobs → tracker_rsc.
            from syncjobs.enablement import callback_token_rotate

            try:
                report_text = callback_token_rotate(actor=request.user)
            except ValidationError as exc:
                reason = " ".join(exc.messages)
                self.log_change(request, integration, f"Callback token not rotated: {reason}")
                self.message_user(request, reason, messages.ERROR)
            else:
                self.log_change(request, integration, "Rotated the callback token.")
                self.message_user(request, report_text, messages.SUCCESS)
            return HttpResponseRedirect(self._change_url(integration))
        return TemplateResponse(
            request,
            "admin/tracker_rsc/action_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Rotate the callback token",
                "intro": (
                    "Tracker makes a new callback URL and registers it with LinkedIn now. Once "
                    "LinkedIn accepts it, the current URL stops working at once. If LinkedIn "
                    "refuses it or cannot be reached, nothing changes."
                ),
                "form": forms.Form(),
                "submit_label": "Rotate callback token",
                "cancel_url": self._change_url(integration),
            },
        )

    @admin.display(description="setup with LinkedIn")
    def setup(self, obj: Integration) -> str:
        if obj.status == Integration.Status.DISABLED:
            return "Not enabled."
        if not services.integration_setup_needed(obj):
            return f"Registered with LinkedIn on {obj.registered_at:%Y-%m-%d %H:%M} UTC."
        return format_html(
            '{} <a class="button" href="{}">Retry setup</a>',
            "Failed." if obj.status == Integration.Status.ERROR else "Not registered yet.",
            reverse("admin:tracker_rsc_integration_retry_setup"),
        )

    def check_credentials_view(self, request: HttpRequest) -> HttpResponse:
        """Ask LinkedIn's token endpoint whether it accepts the configured client credentials."""
        integration = Integration.get()
        if not self.has_change_permission(request, integration):
            raise PermissionDenied
        if not Integration.credentials_configured():
            self.message_user(
                request,
                "LINKEDIN_CLIENT_ID and LINKEDIN_CLIENT_SECRET are not both set.",
                messages.ERROR,
            )
            return HttpResponseRedirect(self._change_url(integration))
        from tracker_rsc.linkedin import LinkedInError, get_client

        try:
            get_client().check_credentials()
        except LinkedInError as exc:
            self.message_user(
                request, f"LinkedIn refused the credentials: {exc.message}", messages.ERROR
            )
        else:
            self.message_user(
                request, "LinkedIn's token endpoint accepted the credentials.", messages.SUCCESS
            )
        return HttpResponseRedirect(self._change_url(integration))

    @admin.display(description="credentials")
    def credentials(self, obj: Integration) -> str:
        client_id = settings.LINKEDIN_CLIENT_ID
        secret_set = bool(settings.LINKEDIN_CLIENT_SECRET)
        return format_html(
            "Client id: {} · Client secret: {}",
            client_id or "not configured",
            "configured" if secret_set else "not configured",
        )

    @admin.display(description="callback URL")
    def callback_url(self, obj: Integration) -> str:
        return obj.callback_url

    @admin.display(description="bulk sync window")
    def history_window(self, obj: Integration) -> str:
        default = " (the FAQ's default)" if obj.history_years == DEFAULT_HISTORY_YEARS else ""
        return f"Candidates {obj.history_description}{default}."

    @admin.display(description="LinkedIn API")
    def api_url(self, obj: Integration) -> str:
        sandbox = " (the LinkedIn sandbox)" if settings.LINKEDIN_SANDBOX else ""
        return f"{settings.LINKEDIN_API_URL}{sandbox}"

    @admin.display(description="contracts")
    def contract_list(self, obj: Integration) -> str:
        contracts = list(Contract.objects.all())
        if not contracts:
            return "—"
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:tracker_rsc_contract_change", args=[contract.pk]), contract.urn)
                for contract in contracts
            ),
        )

    @admin.display(description="bulk sync")
    def bulk_sync(self, obj: Integration) -> str:
        return format_html(
            '<a href="{}?kind__exact=bulk_sync">Bulk sync runs</a>',
            reverse("admin:syncjobs_syncrun_changelist"),
        )


def integration_contracts() -> list[str]:
    return list(Contract.objects.values_list("urn", flat=True))


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = (
        "urn",
        "name",
        "access_level",
        "active",
        "seat_count",
        "inmail_watermark",
        "note_watermark",
        "stub_watermark",
    )
    list_filter = ("access_level", "active")
    search_fields = ("urn", "name")
    list_select_related = ()  # no foreign keys; seats are counted in get_queryset
    readonly_fields = ("inmail_watermark", "note_watermark", "stub_watermark", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(seats_total=Count("seats"))

    def get_readonly_fields(self, request: HttpRequest, obj: Contract | None = None) -> tuple:
        # The URN is LinkedIn's key for the contract; seats and watermarks hang off it.
        return ("urn", *self.readonly_fields) if obj else self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Contract | None = None) -> bool:
        # Seats, sync runs and activities refer to contracts; deactivate one instead.
        return False

    @admin.display(description="seats", ordering="seats_total")
    def seat_count(self, obj: Contract) -> int:
        return getattr(obj, "seats_total", 0)


class MappedFilter(admin.SimpleListFilter):
    title = "mapped to a user"
    parameter_name = "mapped"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Mapped"), ("no", "Not mapped")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(user__isnull=False)
        if self.value() == "no":
            return queryset.filter(user__isnull=True)
        return queryset


class TierFilter(admin.SimpleListFilter):
    title = "tier"
    parameter_name = "tier"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("rsc_plus", "RSC+"), ("rsc", "RSC")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        plus = Q(product=LinkedInSeat.Product.RPS_PLUS) | Q(hiring_assistant=True)
        if self.value() == "rsc_plus":
            return queryset.filter(plus)
        if self.value() == "rsc":
            return queryset.exclude(plus)
        return queryset


@admin.register(LinkedInSeat)
class LinkedInSeatAdmin(admin.ModelAdmin):
    """Seats (licenses). The license rules are CheckConstraints on the model; the change form
    validates them, so a refused combination shows the rule's message and saves nothing."""

    list_display = (
        "display_name",
        "seat_urn",
        "user",
        "suggested_user",
        "contract",
        "product",
        "role",
        "tier_display",
        "hiring_assistant",
        "active",
        "last_seen_at",
    )
    list_filter = (MappedFilter, TierFilter, "product", "role", "hiring_assistant", "active")
    search_fields = (
        "first_name",
        "last_name",
        "seat_urn",
        "person_urn",
        "user__username",
        "user__email",
    )
    list_select_related = ("user", "contract")
    autocomplete_fields = ("user",)
    actions = ("map_to_suggested_user",)
    fieldsets = (
        (None, {"fields": ("first_name", "last_name", "user", "suggested_user")}),
        ("LinkedIn", {"fields": ("seat_urn", "person_urn", "contract", "active")}),
        (
            "License",
            {
                "fields": (
                    "product",
                    "role",
                    "hiring_project_creator",
                    "recruiter_searcher",
                    "hiring_assistant",
                    "tier_display",
                ),
                "description": "RSC needs LinkedIn Recruiter or RPS; RPS+ or a Hiring Assistant "
                "add-on unlocks RSC+.",
            },
        ),
        ("Record", {"fields": ("last_seen_at", "deactivated_at", "created_at")}),
    )
    readonly_fields = (
        "suggested_user",
        "tier_display",
        "last_seen_at",
        "deactivated_at",
        "created_at",
    )

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        # One query over the users for the displayed page instead of one per seat; the
        # evaluated page is what the template iterates, so the attribute reaches it.
        seats = list(changelist.result_list)
        suggestions = services.seat_user_suggestions(seats)
        for seat in seats:
            seat.suggested_users = suggestions.get(seat.pk, [])
        return changelist

    def save_model(
        self, request: HttpRequest, obj: LinkedInSeat, form: forms.ModelForm, change: bool
    ) -> None:
        # Through the service: a seat mapped, unmapped, deactivated or given another member
        # changes the access lists of the jobs its users own.
        services.seat_save(seat=obj, actor=request.user)

    @admin.display(description="name", ordering="last_name")
    def display_name(self, obj: LinkedInSeat) -> str:
        return obj.full_name or "—"

    @admin.display(description="tier")
    def tier_display(self, obj: LinkedInSeat) -> str:
        return obj.tier

    @admin.display(description="suggested user")
    def suggested_user(self, obj: LinkedInSeat) -> str:
        if obj.pk is None or obj.user_id is not None:
            return "—"
        users = getattr(obj, "suggested_users", None)
        if users is None:
            users = services.seat_user_suggestions([obj]).get(obj.pk, [])
        if not users:
            return "No user with this name"
        if len(users) > 1:
            names = ", ".join(user.get_username() for user in users)
            return f"Ambiguous: {names}"
        user = users[0]
        return format_html(
            '<a href="{}">{}</a> ({})',
            reverse("admin:auth_user_change", args=[user.pk]),
            user.get_username(),
            f"{user.first_name} {user.last_name}".strip(),
        )

    @admin.action(
        description="Map to suggested user (unmapped seats with one matching user)",
        permissions=["change"],
    )
    def map_to_suggested_user(self, request: HttpRequest, queryset: QuerySet) -> None:
        result = services.seats_map_to_suggested_users(
            seats=queryset.select_related("user"), actor=request.user
        )
        # Each mapping is audited by the service (LogEntry naming the method).
        report(
            self,
            request,
            [
                (len(result.mapped), "seats mapped"),
                (len(result.ambiguous), "ambiguous (several users with that name)"),
                (len(result.no_match), "without a matching user"),
                (len(result.already_mapped), "already mapped"),
            ],
        )


# --- API tokens (django-rest-knox) ------------------------------------------------------------
# knox's own admin lists digests and shows a new token in a message (kept in a cookie or the
# session until displayed). Here a new token is shown once, on the page that answers its
# creation (never cached, never stored in clear); afterwards tokens are listed and revoked.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


class ApiTokenCreateForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        help_text="The token acts as this user, with this user's permissions.",
    )
    expires_days = forms.IntegerField(
        label="Expires in (days)",
        min_value=1,
        max_value=MAX_EXPIRES_DAYS,
        help_text=f"1 to {MAX_EXPIRES_DAYS} days.",
    )


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "created", "expiry", "state")
    list_filter = ("created", "expiry")
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    fields = ("user", "created", "expiry", "state")
    readonly_fields = fields
    actions = ("revoke_selected",)
    # The delete confirmation lists objects by str(), which for knox is the digest.
    verbose_name_plural = "API tokens"

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """Create a token for a user and show it once, on this response only."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        default_days = settings.REST_KNOX["TOKEN_TTL"].days
        form = ApiTokenCreateForm(
            request.POST if request.method == "POST" else None,
            initial={"expires_days": default_days, "user": request.user.pk},
        )
        # A token acts as its user: minting one for someone else would lend their permissions,
        # so only superusers (who hold every permission already) choose the user.
        users = get_user_model().objects.filter(is_active=True).order_by("username")
        if not request.user.is_superuser:
            users = users.filter(pk=request.user.pk)
        form.fields["user"].queryset = users
        if form.is_valid():
            try:
                auth_token, token = api_token_create(
                    user=form.cleaned_data["user"], expires_days=form.cleaned_data["expires_days"]
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                self.log_addition(request, auth_token, [{"added": {}}])
                response = TemplateResponse(
                    request,
                    "admin/knox/authtoken/created.html",
                    {
                        **self.admin_site.each_context(request),
                        "opts": self.opts,
                        "title": "API token created",
                        "auth_token": auth_token,
                        "token": token,
                    },
                )
                add_never_cache_headers(response)  # the admin adds these too; said here on purpose
                return response
        return TemplateResponse(
            request,
            "admin/tracker_rsc/action_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Create an API token",
                "intro": (
                    "The token is shown once, on the next page; only its hash is kept. An "
                    "integrator sends it as “Authorization: Token <token>”."
                ),
                "form": form,
                "submit_label": "Create token",
                "cancel_url": reverse("admin:knox_authtoken_changelist"),
            },
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "Revoke" says what deleting a token does
        return actions

    @admin.display(description="state")
    def state(self, obj: AuthToken) -> str:
        if obj.expiry and obj.expiry <= timezone.now():
            return "Expired"
        return "Active"

    @admin.action(description="Revoke selected API tokens", permissions=["delete"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        tokens = list(queryset.select_related("user"))
        self.log_deletions(request, tokens)  # named by digest and user, never the token
        count = queryset.filter(pk__in=[token.pk for token in tokens]).delete()[0]
        report(self, request, [(count, "API tokens revoked")])


# --- Login lockout (django-axes) --------------------------------------------------------------
# A locked-out username+IP is one "Access attempts" row; deleting it (delete permission)
# unlocks at once. axes' own clean-up action checks no permission: here it needs delete too.
if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAttemptAdmin(AccessAttemptAdmin):
    @admin.action(description="Clean up expired attempts", permissions=["delete"])
    def cleanup_expired_attempts(self, request: HttpRequest, queryset: QuerySet) -> None:
        super().cleanup_expired_attempts(request, queryset)
