"""Recruiters become a group, and API tokens are kept hashed.

1. Every existing non-staff user joins the Recruiters group, whose permissions (what a
   recruiter may do through the API) are set after migrate by tracker_rsc.roles; new users join
   it when created (tracker_rsc.apps).
2. DRF's plaintext tokens (``authtoken_token``, an app no longer installed) become knox tokens:
   only the SHA-512 digest is stored, under the same key, so every integrator's token keeps
   working, now expiring after API_TOKEN_TTL_DAYS. The plaintext table is then dropped.
"""

import datetime

from django.conf import settings
from django.db import migrations
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def recruiters(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("auth", "User")
    group, _ = Group.objects.get_or_create(name="Recruiters")
    for user in User.objects.filter(is_staff=False, is_superuser=False):
        user.groups.add(group)


def hash_drf_tokens(apps, schema_editor):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS

    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    AuthToken = apps.get_model("knox", "AuthToken")
    expiry = timezone.now() + settings.REST_KNOX["TOKEN_TTL"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id, created FROM authtoken_token")
        rows = cursor.fetchall()
    for key, user_id, created in rows:
        digest = hash_token(key)
        if AuthToken.objects.filter(digest=digest).exists():
            continue
        AuthToken(
            digest=digest, token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH], user_id=user_id,
            expiry=expiry,
        ).save(force_insert=True)
        if isinstance(created, str):  # SQLite's raw rows
            created = parse_datetime(created)
        if created is not None and timezone.is_naive(created):
            created = timezone.make_aware(created, datetime.UTC)
        if created is not None:
            AuthToken.objects.filter(digest=digest).update(created=created)
    schema_editor.execute("DROP TABLE authtoken_token")
    # Re-installing DRF's authtoken app would then create its table afresh.
    schema_editor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")


class Migration(migrations.Migration):
    dependencies = [
        ("tracker_rsc", "0004_rotate_callback_token_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunPython(recruiters, migrations.RunPython.noop),
        migrations.RunPython(hash_drf_tokens, migrations.RunPython.noop),
    ]
