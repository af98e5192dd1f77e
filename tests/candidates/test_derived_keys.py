"""The duplicate-check keys and the Quick Skill keys are right whatever the write path."""

# ruff: noqa: F811  (pytest fixtures imported from their module and used as arguments)

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps as global_apps
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F, Value
from django.db.models.functions import Concat, Lower, Upper

from candidates.models import Candidate, QuickSkill, QuickSkillAlias
from syncjobs.bulk_sync import bulk_sync_run
from syncjobs.models import SyncRun
from tests.syncjobs.candidate_fakes import candidate_linkedin  # noqa: F401  (fixture)
from tests.syncjobs.linkedin_fakes import ORG
from tests.tracker_rsc.factories import enabled_integration

pytestmark = pytest.mark.django_db

JANE = {
    "first_name": "Zoë",
    "last_name": "O'Brien",
    "email": "  Zoe.OBrien@Mail.Example ",
    "linkedin_profile_url": "http://uk.linkedin.com/in/Zoe-OBrien/?trk=x",
}
JANE_KEYS = {
    "email": "Zoe.OBrien@Mail.Example",
    "email_key": "zoe.obrien@mail.example",
    "linkedin_profile_url": "https://www.linkedin.com/in/zoe-obrien",
    "profile_key": "zoe-obrien",
    "first_name_key": "zoe",
    "last_name_key": "obrien",
}


def stored_keys(pk: int) -> dict[str, str]:
    return Candidate.objects.filter(pk=pk).values(*JANE_KEYS).get()


def test_objects_create_stores_the_keys():
    candidate = Candidate.objects.create(**JANE)

    assert stored_keys(candidate.pk) == JANE_KEYS


def test_bulk_create_stores_the_keys():
    (candidate,) = Candidate.objects.bulk_create([Candidate(**JANE)])

    assert stored_keys(candidate.pk) == JANE_KEYS


def test_a_given_key_is_replaced_by_the_derived_one():
    candidate = Candidate.objects.create(**JANE, email_key="wrong", first_name_key="wrong")

    assert stored_keys(candidate.pk) == JANE_KEYS


def test_save_with_update_fields_writes_the_keys_of_the_saved_sources():
    candidate = Candidate.objects.create(first_name="Ann", last_name="Lee", email="ann@x.example")
    candidate.email = "Other@X.Example"
    candidate.first_name = "Bob"  # not in update_fields: neither it nor its key is written

    candidate.save(update_fields=["email"])

    row = Candidate.objects.values("email_key", "first_name", "first_name_key").get()
    assert row == {"email_key": "other@x.example", "first_name": "Ann", "first_name_key": "ann"}


def test_update_with_plain_values_writes_the_keys():
    candidate = Candidate.objects.create(first_name="Ann", last_name="Lee")

    count = Candidate.objects.filter(pk=candidate.pk).update(**JANE)

    assert count == 1
    assert stored_keys(candidate.pk) == JANE_KEYS


def test_update_with_expressions_recomputes_the_keys_of_the_touched_rows_only():
    touched = Candidate.objects.create(first_name="ann", last_name="lee", email="ann@x.example")
    other = Candidate.objects.create(first_name="ann", last_name="lee", email="keep@x.example")

    count = Candidate.objects.filter(email="ann@x.example").update(
        first_name=Concat(F("first_name"), Value("-Marie")),
        last_name=Upper("last_name"),
        email=Concat(Value("  NEW."), Lower("email"), Value(" ")),
    )

    assert count == 1
    touched.refresh_from_db()
    assert (touched.first_name, touched.first_name_key) == ("ann-Marie", "annmarie")
    assert (touched.last_name, touched.last_name_key) == ("LEE", "lee")
    assert (touched.email, touched.email_key) == ("NEW.ann@x.example", "new.ann@x.example")
    other.refresh_from_db()
    assert (other.first_name_key, other.email_key) == ("ann", "keep@x.example")


def test_update_of_other_fields_leaves_the_keys_alone():
    candidate = Candidate.objects.create(**JANE)

    Candidate.objects.filter(pk=candidate.pk).update(current_title="CTO")

    assert stored_keys(candidate.pk) == JANE_KEYS


def test_a_key_cannot_be_updated_directly():
    candidate = Candidate.objects.create(**JANE)

    with pytest.raises(ValueError, match=r"email_key of candidates\.Candidate is derived"):
        Candidate.objects.filter(pk=candidate.pk).update(email_key="someone@else.example")

    assert stored_keys(candidate.pk) == JANE_KEYS


def test_bulk_update_writes_the_keys_of_the_updated_sources():
    candidate = Candidate.objects.create(first_name="Ann", last_name="Lee")
    candidate.first_name = "Zoë"

    Candidate.objects.bulk_update([candidate], ["first_name"])

    assert Candidate.objects.values_list("first_name_key", flat=True).get() == "zoe"


def test_update_or_create_and_get_or_create_store_the_keys():
    created, _ = Candidate.objects.get_or_create(email="a@x.example", defaults={"last_name": "Ø"})
    Candidate.objects.update_or_create(
        pk=created.pk, defaults={"email": "B@X.example", "first_name": "Łukasz"}
    )

    row = Candidate.objects.values("email_key", "first_name_key", "last_name_key").get()
    assert row == {"email_key": "b@x.example", "first_name_key": "lukasz", "last_name_key": "o"}


def test_loaddata_fixture_gets_the_keys(tmp_path):
    fixture = tmp_path / "candidates.json"
    fixture.write_text(
        json.dumps(
            [
                {"model": "candidates.candidate", "pk": 41, "fields": JANE},
                {
                    "model": "candidates.quickskill",
                    "pk": 7,
                    "fields": {"name": "Apache  Spark", "created_at": "2020-01-01T00:00:00Z"},
                },
                {
                    "model": "candidates.quickskillalias",
                    "pk": 8,
                    "fields": {"skill": 7, "alias": "Spark"},
                },
            ]
        )
    )

    call_command("loaddata", str(fixture), verbosity=0)

    assert stored_keys(41) == JANE_KEYS
    assert QuickSkill.objects.get(pk=7).key == "apache spark"
    assert QuickSkillAlias.objects.get(pk=8).key == "spark"


def test_a_candidate_created_outside_the_services_is_not_skipped_as_missing_email(
    candidate_linkedin,
):
    enabled_integration(ORG)
    candidate = Candidate.objects.create(
        first_name="Ann", last_name="Lee", email="ann.lee@mail.example"
    )

    run = bulk_sync_run(sleep=lambda seconds: None)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert run.skipped == {}
    assert [str(candidate.pk)] in candidate_linkedin.upsert_batches


def test_two_quick_skills_created_outside_the_service_do_not_collide():
    python = QuickSkill.objects.create(name="Python")
    django = QuickSkill.objects.create(name="Django")
    QuickSkillAlias.objects.create(skill=python, alias="Py 3")
    QuickSkillAlias.objects.bulk_create([QuickSkillAlias(skill=django, alias="DJ")])

    assert sorted(QuickSkill.objects.values_list("key", flat=True)) == ["django", "python"]
    assert sorted(QuickSkillAlias.objects.values_list("key", flat=True)) == ["dj", "py 3"]
    # The same skill spelled differently is still one entry: the database refuses a second.
    with pytest.raises(IntegrityError), transaction.atomic():
        QuickSkill.objects.create(name="PYTHON ")


def test_renaming_a_skill_with_update_moves_its_key():
    skill = QuickSkill.objects.create(name="Pyhton")

    QuickSkill.objects.filter(pk=skill.pk).update(name="Python")

    assert QuickSkill.objects.get(pk=skill.pk).key == "python"


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_recomputes_stale_keys_with_the_historical_models():
    """Rows written before the model kept the keys (raw SQL here) are put right on migrate."""
    Candidate.objects.create(**JANE)
    QuickSkill.objects.create(name="Python")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE candidates_candidate SET email_key = '', first_name_key = '', profile_key = ''"
        )
        cursor.execute("UPDATE candidates_quickskill SET key = ''")
    migration = importlib.import_module("candidates.migrations.0004_derived_keys_managers")
    executor = MigrationExecutor(connection)
    state = executor.loader.project_state(("candidates", "0004_derived_keys_managers"))

    migration.recompute_keys(state.apps, None)

    assert stored_keys(Candidate.objects.get().pk) == JANE_KEYS
    assert QuickSkill.objects.get().key == "python"
    # The historical model's own manager keeps keys too (use_in_migrations).
    historical = state.apps.get_model("candidates", "Candidate")
    historical.objects.bulk_create([historical(first_name="Émile", last_name="Zola")])
    assert Candidate.objects.filter(first_name_key="emile").exists()
    assert global_apps.get_model("candidates", "Candidate") is Candidate
