"""Whoever could erase candidates before (the admin's erase action asked for the delete
permission) keeps that right: every group and user holding delete_candidate gets
erase_candidate. Superusers need nothing."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    # Permissions are normally created after the last migration; this one needs the new
    # erase_candidate now.
    app_config = apps.get_app_config("candidates")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("auth", "User")
    delete = Permission.objects.filter(
        content_type__app_label="candidates", codename="delete_candidate"
    ).first()
    erase = Permission.objects.filter(
        content_type__app_label="candidates", codename="erase_candidate"
    ).first()
    if delete is None or erase is None:  # a fresh database: nobody holds anything yet
        return
    for group in Group.objects.filter(permissions=delete):
        group.permissions.add(erase)
    for user in User.objects.filter(user_permissions=delete):
        user.user_permissions.add(erase)


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0006_erase_candidate_permission"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
