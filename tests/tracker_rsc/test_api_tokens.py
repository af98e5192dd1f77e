"""API tokens: created by create_api_token, stored hashed, expiring, revocable in the admin."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.tracker_rsc.factories import AdminUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def create_token(*args: str) -> tuple[str, list[str]]:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out)
    lines = out.getvalue().splitlines()
    return lines[-1], lines


def api(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_create_api_token_prints_the_token_alone_on_the_last_line():
    user = UserFactory(username="integrator")

    token, lines = create_token("integrator")

    assert len(token) == 64 and token.isalnum() and " " not in token
    assert "integrator" in lines[0] and token not in lines[0]
    assert api(token).get("/api/v1/candidates/").status_code == 200
    stored = AuthToken.objects.get(user=user)
    # Only a digest is stored: the token appears in no column.
    assert token not in (stored.digest, stored.token_key)
    assert stored.digest != token and len(stored.digest) == 128


def test_the_default_lifetime_is_api_token_ttl_days(settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(days=30)}
    UserFactory(username="integrator")

    create_token("integrator")

    expiry = AuthToken.objects.get().expiry
    assert abs(expiry - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)


def test_expires_days_sets_the_lifetime_and_an_expired_token_is_refused():
    UserFactory(username="integrator")

    token, lines = create_token("integrator", "--expires-days", "2")

    expiry = AuthToken.objects.get().expiry
    assert abs(expiry - (timezone.now() + timedelta(days=2))) < timedelta(minutes=1)
    assert f"{expiry:%Y-%m-%d}" in lines[0]
    assert api(token).get("/api/v1/candidates/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=2, minutes=1)):
        response = api(token).get("/api/v1/candidates/")
    assert response.status_code == 401
    assert not AuthToken.objects.exists()  # an expired token is deleted at its next use


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody"], "No user named “nobody”"),
        (["retired"], "inactive"),
        (["integrator", "--expires-days", "0"], "1 to 3650 days"),
        (["integrator", "--expires-days", "-5"], "1 to 3650 days"),
        (["integrator", "--expires-days", "99999"], "1 to 3650 days"),
        (["integrator", "--expires-days", "two"], "whole number of days"),
    ],
)
def test_bad_input_is_a_clear_error_and_creates_nothing(args, message):
    UserFactory(username="integrator")
    UserFactory(username="retired", is_active=False)

    with pytest.raises(CommandError, match=message):
        call_command("create_api_token", *args, stdout=StringIO())

    assert not AuthToken.objects.exists()


def test_the_command_exits_non_zero_on_an_error(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "create_api_token", "nobody"],
        capture_output=True,
        text=True,
        env={
            **__import__("os").environ,
            "DATABASE_URL": "sqlite:///" + str(tmp_path / "empty.sqlite3"),
            "TRACKER_VAR_DIR": str(tmp_path),
        },
        check=False,
    )

    assert result.returncode != 0
    assert result.stdout == ""


def test_a_revoked_token_is_refused():
    user = AdminUserFactory(username="boss")
    token, _ = create_token("boss")
    assert api(token).get("/api/v1/candidates/").status_code == 200
    admin = Client()
    admin.force_login(user)

    response = admin.post(
        "/admin/knox/authtoken/",
        {"action": "revoke_selected", "_selected_action": [AuthToken.objects.get().pk]},
    )

    assert response.status_code == 302
    assert not AuthToken.objects.exists()
    assert api(token).get("/api/v1/candidates/").status_code == 401


def test_the_admin_never_shows_a_token():
    user = AdminUserFactory(username="boss")
    token, _ = create_token("boss")
    row = AuthToken.objects.get()
    admin = Client()
    admin.force_login(user)

    pages = [
        admin.get("/admin/knox/authtoken/"),
        admin.get(f"/admin/knox/authtoken/{row.pk}/change/"),
        admin.get(f"/admin/knox/authtoken/{row.pk}/delete/"),
    ]

    for page in pages:
        assert page.status_code == 200
        assert token not in page.content.decode()
        assert token[:8] not in page.content.decode()


def test_the_admin_creates_a_token_and_shows_it_once():
    boss = AdminUserFactory(username="boss")
    integrator = UserFactory(username="integrator")
    admin = Client()
    admin.force_login(boss)

    form = admin.get("/admin/knox/authtoken/add/")
    response = admin.post(
        "/admin/knox/authtoken/add/", {"user": integrator.pk, "expires_days": "7"}
    )

    assert form.status_code == 200 and b"Create token" in form.content
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = response.context["token"]
    assert token in response.content.decode()
    stored = AuthToken.objects.get()
    assert stored.user == integrator
    assert abs(stored.expiry - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)
    assert api(token).get("/api/v1/candidates/").status_code == 200
    # Never again: the list and the token's own page show no part of it.
    for url in ("/admin/knox/authtoken/", f"/admin/knox/authtoken/{stored.pk}/change/"):
        assert token[:8] not in admin.get(url).content.decode()


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"expires_days": "0"}, "expires_days"), ({"expires_days": "x"}, "expires_days")],
)
def test_bad_admin_input_creates_no_token(payload, field):
    boss = AdminUserFactory(username="boss")
    admin = Client()
    admin.force_login(boss)

    response = admin.post("/admin/knox/authtoken/add/", {"user": boss.pk, **payload})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not AuthToken.objects.exists()


def test_staff_create_tokens_only_for_themselves():
    from django.contrib.auth.models import Permission

    member = UserFactory(username="member", is_staff=True)
    member.user_permissions.set(
        Permission.objects.filter(content_type__app_label="knox", codename__endswith="authtoken")
    )
    boss = AdminUserFactory(username="boss")
    admin = Client()
    admin.force_login(member)

    for_boss = admin.post("/admin/knox/authtoken/add/", {"user": boss.pk, "expires_days": "7"})
    for_self = admin.post("/admin/knox/authtoken/add/", {"user": member.pk, "expires_days": "7"})

    assert "user" in for_boss.context["form"].errors
    assert for_self.status_code == 200
    assert list(AuthToken.objects.values_list("user__username", flat=True)) == ["member"]


def test_creating_a_token_in_the_admin_needs_the_add_permission():
    member = UserFactory(username="member", is_staff=True)
    admin = Client()
    admin.force_login(member)

    assert admin.get("/admin/knox/authtoken/add/").status_code == 403
    assert (
        admin.post(
            "/admin/knox/authtoken/add/", {"user": member.pk, "expires_days": "7"}
        ).status_code
        == 403
    )
    assert not AuthToken.objects.exists()


def test_drf_plaintext_tokens_become_hashed_tokens_that_still_work():
    """The migration from DRF's authtoken: same key, stored as a digest, plaintext dropped."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "tracker_rsc.migrations.0005_recruiters_group_and_hashed_api_tokens"
    )
    user = UserFactory()
    key = "0123456789abcdef0123456789abcdef01234567"  # DRF's 40 hex characters
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id integer, "
            "created timestamp with time zone)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)", [key, user.pk, timezone.now()]
        )
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES "
            "('authtoken', '0001_initial', %s)",
            [timezone.now()],
        )

    class Editor:  # what the migration uses of a schema editor (SQLite's needs no transaction)
        def __init__(self) -> None:
            self.connection = connection

        def execute(self, sql: str) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql)

    migration.hash_drf_tokens(apps, Editor())

    assert "authtoken_token" not in connection.introspection.table_names()
    stored = AuthToken.objects.get(user=user)
    assert key not in (stored.digest, stored.token_key)
    assert stored.expiry is not None
    assert api(key).get("/api/v1/candidates/").status_code == 200
