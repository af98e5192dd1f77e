"""Enabling the integration: tracker_rsc.services and the ``enable_integration`` command."""

from __future__ import annotations

from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.tracker_rsc.factories import ContractFactory, UserFactory, enabled_integration
from tracker_rsc import services, signals
from tracker_rsc.history import MAX_HISTORY_YEARS
from tracker_rsc.models import Contract, Integration

pytestmark = pytest.mark.django_db

ORG = "urn:li:organization:2414183"


@pytest.fixture
def enabled_calls(capture_signal):
    # Only this test's receiver: the sync flows' receivers would call LinkedIn.
    return capture_signal(signals.integration_enabled, only=True)


# --- integration_enable ---------------------------------------------------------------------


@time_machine.travel("2026-03-01 09:30:00+00:00", tick=False)
def test_integration_enable_records_who_and_when(enabled_calls, django_capture_on_commit_callbacks):
    actor = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        integration, created = services.integration_enable(
            organization_urn=f"  {ORG} ",
            contract_urns=["urn:li:contract:100", " urn:li:contract:101", "urn:li:contract:100"],
            actor=actor,
        )

    stored = Integration.objects.get()
    assert created is True
    assert stored == integration
    assert stored.status == Integration.Status.ENABLED
    assert stored.organization_urn == ORG
    assert stored.enabled_by == actor
    assert stored.enabled_at == timezone.now()
    assert sorted(Contract.objects.values_list("urn", flat=True)) == [
        "urn:li:contract:100",
        "urn:li:contract:101",
    ]
    assert enabled_calls == [
        {"sender": Integration, "signal": signals.integration_enabled, "integration": integration}
    ]


def test_integration_enabled_is_sent_only_after_commit(
    enabled_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.integration_enable(organization_urn=ORG, actor=None)

    assert enabled_calls == []
    assert len(callbacks) == 1


def test_integration_enable_twice_changes_nothing(
    enabled_calls, django_capture_on_commit_callbacks
):
    first_actor, second_actor = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.integration_enable(organization_urn=ORG, actor=first_actor)
    before = Integration.objects.values().get()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        integration, created = services.integration_enable(
            organization_urn=ORG, contract_urns=["urn:li:contract:5"], actor=second_actor
        )

    assert created is False
    assert integration.enabled_by == first_actor
    assert Integration.objects.values().get() == before
    assert not Contract.objects.exists()
    assert callbacks == []
    assert len(enabled_calls) == 1


def test_integration_enable_for_another_organization_is_refused(enabled_calls):
    enabled_integration(ORG)

    with pytest.raises(ValidationError) as excinfo:
        services.integration_enable(organization_urn="urn:li:organization:1", actor=None)

    assert "already enabled for urn:li:organization:2414183" in str(excinfo.value)
    assert Integration.objects.get().organization_urn == ORG
    assert enabled_calls == []


@pytest.mark.parametrize(
    ("organization", "contracts", "field"),
    [
        ("", [], "organization_urn"),
        ("2414183", [], "organization_urn"),
        ("urn:li:organization:abc", [], "organization_urn"),
        ("urn:li:company:2414183", [], "organization_urn"),
        (ORG, ["urn:li:contract:1", "contract 2"], "contract_urns"),
        (ORG, ["urn:li:organization:5"], "contract_urns"),
    ],
)
def test_integration_enable_refuses_malformed_urns_and_writes_nothing(
    organization, contracts, field, enabled_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as exc:
        services.integration_enable(
            organization_urn=organization, contract_urns=contracts, actor=UserFactory()
        )

    assert list(exc.value.message_dict) == [field]
    assert "urn:li:" in exc.value.message_dict[field][0]
    assert not Integration.objects.exclude(status=Integration.Status.DISABLED).exists()
    assert not Contract.objects.exists()
    assert enabled_calls == []


def test_integration_enable_accepts_a_single_contract_string(enabled_calls):
    services.integration_enable(organization_urn=ORG, contract_urns="urn:li:contract:9", actor=None)

    assert list(Contract.objects.values_list("urn", flat=True)) == ["urn:li:contract:9"]


def test_integration_enable_keeps_existing_contracts():
    contract = ContractFactory(urn="urn:li:contract:100", name="London desk")

    services.integration_enable(
        organization_urn=ORG, contract_urns=["urn:li:contract:100"], actor=None
    )

    assert list(Contract.objects.all()) == [contract]
    assert Contract.objects.get().name == "London desk"


def test_an_integration_in_error_can_be_enabled_again(
    enabled_calls, django_capture_on_commit_callbacks
):
    enabled_integration(ORG)
    services.integration_set_error(message="LinkedIn refused the callback URL")

    with django_capture_on_commit_callbacks(execute=True):
        integration, created = services.integration_enable(organization_urn=ORG, actor=None)

    assert created is True
    assert integration.status == Integration.Status.ENABLED
    assert Integration.objects.get().last_error == ""
    assert len(enabled_calls) == 1


def test_a_retry_keeps_who_enabled_and_when_another_organization_records_anew(
    enabled_calls, django_capture_on_commit_callbacks
):
    first_admin, second_admin = UserFactory(), UserFactory()
    with time_machine.travel("2026-01-05 09:00 +0000", tick=False):
        services.integration_enable(organization_urn=ORG, actor=first_admin)
    enabled_at = Integration.objects.get().enabled_at
    services.integration_set_error(message="LinkedIn refused the callback URL")

    with time_machine.travel("2026-01-06 09:00 +0000", tick=False):
        services.integration_enable(organization_urn=ORG, actor=second_admin)

    stored = Integration.objects.get()
    assert (stored.enabled_at, stored.enabled_by) == (enabled_at, first_admin)

    services.integration_set_error(message="wrong organization")
    with time_machine.travel("2026-01-07 09:00 +0000", tick=False):
        services.integration_enable(organization_urn="urn:li:organization:99", actor=second_admin)

    stored = Integration.objects.get()
    assert stored.enabled_by == second_admin
    assert stored.enabled_at.isoformat().startswith("2026-01-07T09:00")


# --- integration_set_error / integration_mark_registered / settings -------------------------


def test_integration_set_error_and_mark_registered():
    enabled_integration(ORG)

    errored = services.integration_set_error(message="  token endpoint said 401 ")
    stored = Integration.objects.get()
    assert errored.status == stored.status == Integration.Status.ERROR
    assert stored.last_error == "token endpoint said 401"

    registered = services.integration_mark_registered()
    stored = Integration.objects.get()
    assert registered.status == stored.status == Integration.Status.ENABLED
    assert stored.registered_at is not None
    assert stored.last_error == ""


def test_integration_set_error_keeps_a_disabled_integration_disabled():
    services.integration_set_error(message="credentials missing")

    stored = Integration.objects.get()
    assert stored.status == Integration.Status.DISABLED
    assert stored.last_error == "credentials missing"


def test_integration_set_error_needs_a_message():
    enabled_integration(ORG)

    with pytest.raises(ValidationError):
        services.integration_set_error(message="  ")

    assert Integration.objects.get().status == Integration.Status.ENABLED


def test_integration_mark_registered_refuses_a_disabled_integration():
    with pytest.raises(ValidationError):
        services.integration_mark_registered()

    assert Integration.objects.get().registered_at is None


def test_integration_update_settings():
    services.integration_update_settings(history_years=3, stub_profiles_enabled=False)

    stored = Integration.objects.get()
    assert (stored.history_years, stored.stub_profiles_enabled) == (3, False)


@pytest.mark.parametrize("years", [0, MAX_HISTORY_YEARS + 1])
def test_integration_update_settings_refuses_out_of_range_history(years):
    Integration.get()

    with pytest.raises(ValidationError) as excinfo:
        services.integration_update_settings(history_years=years, stub_profiles_enabled=False)

    assert "history_years" in excinfo.value.message_dict
    assert "FAQ's default is 2" in str(excinfo.value)
    stored = Integration.objects.get()
    assert (stored.history_years, stored.stub_profiles_enabled) == (2, True)


# --- the command ----------------------------------------------------------------------------


def run(*args: str) -> str:
    out = StringIO()
    call_command("enable_integration", *args, stdout=out)
    return out.getvalue()


def test_command_enables_the_integration(enabled_calls, django_capture_on_commit_callbacks):
    admin = UserFactory(username="ops")

    with django_capture_on_commit_callbacks(execute=True):
        output = run(
            "--organization",
            ORG,
            "--contract",
            "urn:li:contract:100",
            "--contract",
            "urn:li:contract:101",
            "--user",
            "ops",
        )

    integration = Integration.objects.get()
    assert integration.status == Integration.Status.ENABLED
    assert integration.organization_urn == ORG
    assert integration.enabled_by == admin
    assert integration.enabled_at is not None
    assert Contract.objects.count() == 2
    assert f"Enabled the LinkedIn integration for {ORG}" in output
    assert integration.callback_url in output
    assert len(enabled_calls) == 1


def test_command_second_run_says_it_was_already_enabled(
    enabled_calls, django_capture_on_commit_callbacks
):
    UserFactory(username="ops")
    with django_capture_on_commit_callbacks(execute=True):
        run("--organization", ORG, "--user", "ops")
    before = Integration.objects.values().get()

    with django_capture_on_commit_callbacks(execute=True):
        output = run("--organization", ORG)

    assert "already enabled" in output
    assert "by ops" in output
    assert "nothing changed" in output
    assert Integration.objects.values().get() == before
    assert len(enabled_calls) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--organization", "2414183"], "is not an organization URN"),
        (["--organization", ORG, "--contract", "contract-9"], "is not a contract URN"),
    ],
)
def test_command_refuses_bad_urns_and_writes_nothing(args, message, enabled_calls):
    with pytest.raises(CommandError, match=message) as excinfo:
        run(*args)

    assert "Nothing was changed." in str(excinfo.value)
    assert not Integration.objects.exclude(status=Integration.Status.DISABLED).exists()
    assert not Contract.objects.exists()
    assert enabled_calls == []


def test_command_refuses_an_unknown_user(enabled_calls):
    with pytest.raises(CommandError, match="No user named “ghost”"):
        run("--organization", ORG, "--user", "ghost")

    assert not Integration.objects.filter(status=Integration.Status.ENABLED).exists()
    assert enabled_calls == []


def test_command_refuses_an_inactive_user():
    UserFactory(username="gone", is_active=False)

    with pytest.raises(CommandError, match="inactive"):
        run("--organization", ORG, "--user", "gone")

    assert not Integration.objects.filter(status=Integration.Status.ENABLED).exists()


def test_command_requires_the_organization():
    with pytest.raises(CommandError, match="--organization"):
        run("--contract", "urn:li:contract:1")
