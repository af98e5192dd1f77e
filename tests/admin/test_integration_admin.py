"""The Integration page: one row, what it shows, and the superuser-only Enable operation."""

from __future__ import annotations

from typing import cast

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.tracker_rsc.factories import UserFactory, enabled_integration
from tracker_rsc import linkedin, signals
from tracker_rsc.models import Contract, Integration

pytestmark = pytest.mark.django_db

ORG = "urn:li:organization:2414183"
ENABLE = reverse("admin:tracker_rsc_integration_enable")
CHECK = reverse("admin:tracker_rsc_integration_check_credentials")


def change_url() -> str:
    return reverse("admin:tracker_rsc_integration_change", args=[Integration.get().pk])


@pytest.fixture
def enabled_calls(capture_signal):
    # Only this test's receiver: the sync flows' receivers would call LinkedIn.
    return capture_signal(signals.integration_enabled, only=True)


@pytest.fixture
def staff_client(client):
    """A staff member who may view and change the Integration, but is not a superuser."""
    staff = UserFactory(username="staff", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="tracker_rsc", codename__endswith="_integration"
        )
    )
    client.force_login(staff)
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_changelist_redirects_to_the_single_row(admin_client):
    response = admin_client.get(reverse("admin:tracker_rsc_integration_changelist"))

    assert response.status_code == 302
    assert response.url == change_url()
    assert Integration.objects.count() == 1


def test_no_add_and_no_delete(admin_client):
    integration = Integration.get()

    add = admin_client.get(reverse("admin:tracker_rsc_integration_add"))
    delete = admin_client.post(
        reverse("admin:tracker_rsc_integration_delete", args=[integration.pk]), {"post": "yes"}
    )

    assert (add.status_code, delete.status_code) == (403, 403)
    assert Integration.objects.count() == 1


def test_page_shows_the_state_but_never_the_secret(admin_client, admin_user, settings):
    settings.LINKEDIN_CLIENT_ID = "client-77"
    settings.LINKEDIN_CLIENT_SECRET = "very-secret-value"
    integration = enabled_integration(ORG)
    integration.enabled_by = admin_user
    integration.last_error = "LinkedIn answered 401 to the token request"
    integration.save()

    response = admin_client.get(change_url())

    content = response.content.decode()
    assert response.status_code == 200
    assert "Enabled" in content
    assert ORG in content
    assert integration.callback_url in content
    assert "client-77" in content
    assert "Client secret: configured" in content
    assert "very-secret-value" not in content
    assert "LinkedIn answered 401 to the token request" in content
    # Already enabled: no Enable button.
    assert ENABLE not in content
    form = response.context["adminform"].form
    assert sorted(form.fields) == ["history_years", "stub_profiles_enabled"]
    # The window and its default are explained on the page.
    assert "The default, 2, is the FAQ" in content
    assert "two calendar years before the day the integration was enabled" in content


def test_page_says_when_credentials_are_missing(admin_client, settings):
    settings.LINKEDIN_CLIENT_SECRET = ""

    content = admin_client.get(change_url()).content.decode()

    assert "Client secret: not configured" in content


def test_enable_button_only_for_superusers(admin_client, staff_client):
    assert ENABLE in admin_client.get(change_url()).content.decode()

    staff_page = staff_client.get(change_url())

    assert staff_page.status_code == 200
    assert ENABLE not in staff_page.content.decode()


def test_staff_who_are_not_superusers_cannot_enable(staff_client, enabled_calls):
    assert staff_client.get(ENABLE).status_code == 403
    assert staff_client.post(ENABLE, {"organization_urn": ORG}).status_code == 403

    assert Integration.get().status == Integration.Status.DISABLED
    assert enabled_calls == []


def test_enable_asks_for_the_urns_then_enables(
    admin_client, admin_user, enabled_calls, django_capture_on_commit_callbacks
):
    form_page = admin_client.get(ENABLE)
    assert form_page.status_code == 200
    assert "organization_urn" in form_page.context["form"].fields

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            ENABLE,
            {
                "organization_urn": ORG,
                "contract_urns": "urn:li:contract:100\nurn:li:contract:101",
            },
            follow=True,
        )

    integration = Integration.objects.get()
    assert response.redirect_chain[-1][0] == change_url()
    assert integration.status == Integration.Status.ENABLED
    assert (integration.organization_urn, integration.enabled_by) == (ORG, admin_user)
    assert sorted(Contract.objects.values_list("urn", flat=True)) == [
        "urn:li:contract:100",
        "urn:li:contract:101",
    ]
    assert [call["integration"] for call in enabled_calls] == [integration]
    entry = LogEntry.objects.get(action_flag=CHANGE)
    assert (entry.user, entry.object_id) == (admin_user, str(integration.pk))
    assert ORG in entry.change_message
    assert any("Enabled the integration" in message for message in messages_of(response))


def test_enabling_again_changes_nothing(
    admin_client, enabled_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(ENABLE, {"organization_urn": ORG})
    before = Integration.objects.values().get()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ENABLE, {"organization_urn": ORG}, follow=True)
        page = admin_client.get(ENABLE, follow=True)

    assert Integration.objects.values().get() == before
    assert len(enabled_calls) == 1
    assert LogEntry.objects.filter(action_flag=CHANGE).count() == 1
    assert any("already enabled" in message for message in messages_of(response))
    assert page.redirect_chain[-1][0] == change_url()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"organization_urn": "2414183"}, "organization_urn"),
        ({"organization_urn": ORG, "contract_urns": "contract 9"}, "contract_urns"),
        ({"organization_urn": ""}, "organization_urn"),
    ],
)
def test_enable_with_bad_urns_shows_errors_and_writes_nothing(
    data, field, admin_client, enabled_calls
):
    response = admin_client.post(ENABLE, data)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Integration.get().status == Integration.Status.DISABLED
    assert not Contract.objects.exists()
    assert not LogEntry.objects.exists()
    assert enabled_calls == []


def test_enable_for_another_organization_is_refused_on_the_form(admin_client):
    enabled_integration(ORG)

    response = admin_client.post(ENABLE, {"organization_urn": "urn:li:organization:1"})

    assert response.status_code == 200
    assert "already enabled for" in str(response.context["form"].errors["organization_urn"])
    assert Integration.objects.get().organization_urn == ORG


def test_settings_are_editable_through_the_service(admin_client):
    response = admin_client.post(change_url(), {"history_years": "3"})

    assert response.status_code == 302
    stored = Integration.objects.get()
    assert (stored.history_years, stored.stub_profiles_enabled) == (3, False)
    assert LogEntry.objects.filter(action_flag=CHANGE).exists()


def test_out_of_range_history_is_refused_on_the_form(admin_client):
    response = admin_client.post(
        change_url(), {"history_years": "0", "stub_profiles_enabled": "on"}
    )

    assert response.status_code == 200
    assert "history_years" in response.context["adminform"].form.errors
    assert Integration.objects.get().history_years == 2


class FakeClient:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error

    def check_credentials(self) -> None:
        if self.error:
            raise self.error


def inject(fake: FakeClient):
    return linkedin.client_override(cast(linkedin.LinkedInAPI, fake))


def test_check_credentials_reports_linkedins_answer(admin_client, settings):
    settings.LINKEDIN_CLIENT_ID, settings.LINKEDIN_CLIENT_SECRET = "id", "secret"
    with inject(FakeClient()):
        accepted = admin_client.post(CHECK, follow=True)

    refusal = linkedin.AuthError("invalid_client", status=401)
    with inject(FakeClient(refusal)):
        refused = admin_client.post(CHECK, follow=True)

    assert messages_of(accepted) == ["LinkedIn's token endpoint accepted the credentials."]
    assert messages_of(refused) == ["LinkedIn refused the credentials: invalid_client"]
    assert admin_client.get(CHECK).status_code == 405


def test_check_credentials_without_credentials(admin_client, settings):
    settings.LINKEDIN_CLIENT_SECRET = ""

    response = admin_client.post(CHECK, follow=True)

    assert messages_of(response) == [
        "LINKEDIN_CLIENT_ID and LINKEDIN_CLIENT_SECRET are not both set."
    ]
