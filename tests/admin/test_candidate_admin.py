"""The candidate admin: indexed search, no full COUNT, and every write through the services."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from candidates import signals
from candidates.admin import candidate_search_q
from candidates.models import Candidate, ErasureTombstone, MemberLink, QuickSkill
from tests.candidates.factories import CandidateFactory, MemberLinkFactory, QuickSkillFactory
from tracker_rsc.admin_utils import EstimatedCountPaginator, key_prefix_range

CHANGELIST = reverse("admin:candidates_candidate_changelist")
ADD = reverse("admin:candidates_candidate_add")


def change_url(candidate: Candidate) -> str:
    return reverse("admin:candidates_candidate_change", args=[candidate.pk])


def form_data(**overrides: object) -> dict[str, object]:
    data = {
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "Jane.Doe@Example.com",
        "phone": "",
        "location": "Leeds",
        "current_title": "Data Engineer",
        "current_company": "Acme",
        "headline": "",
        "linkedin_profile_url": "linkedin.com/in/Jane-Doe/",
        "cv_text": "",
        "skills": [],
        # The read-only member-link inline still posts its management form.
        "member_links-TOTAL_FORMS": "0",
        "member_links-INITIAL_FORMS": "0",
        "member_links-MIN_NUM_FORMS": "0",
        "member_links-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


# --- key prefix ranges (pure) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("jan", ("jan", "jao")),
        ("smitz", ("smitz", "smiu")),
        ("a9", ("a9", "aa")),
        ("9", ("9", "a")),
        ("zz", ("zz", None)),
        ("иван", ("иван", None)),
    ],
)
def test_key_prefix_range(prefix, expected):
    assert key_prefix_range(prefix) == expected


KEY_ALPHABET = "0123456789abcxyz\u00e9\u0438"


@given(
    prefix=st.text(alphabet=KEY_ALPHABET, min_size=1, max_size=4),
    rest=st.text(alphabet=KEY_ALPHABET, max_size=4),
)
def test_every_key_with_the_prefix_is_inside_the_range(prefix, rest):
    lower, upper = key_prefix_range(prefix)
    key = prefix + rest

    assert lower <= key
    assert upper is None or key < upper


# --- search ---------------------------------------------------------------------------------


@pytest.fixture
def people(db):
    jane = CandidateFactory(
        first_name="Jane",
        last_name="Doe",
        email="jane.doe@example.com",
        linkedin_profile_url="https://www.linkedin.com/in/jane-doe-4a1b",
    )
    janet = CandidateFactory(first_name="Janet", last_name="Dorsey", email="janet@example.com")
    zoe = CandidateFactory(first_name="Zoë", last_name="O'Brien", email="zoe@example.com")
    mary = CandidateFactory(first_name="Mary Ann", last_name="Smith", email="mas@example.com")
    MemberLinkFactory(candidate=zoe, person_urn="urn:li:person:zoe1")
    return {"jane": jane, "janet": janet, "zoe": zoe, "mary": mary}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("JANE.DOE@example.COM", {"jane"}),
        ("nobody@example.com", set()),
        ("jan", {"jane", "janet"}),
        ("do", {"jane", "janet"}),
        ("jane doe", {"jane"}),
        ("doe jane", {"jane"}),
        ("Doe, Jane", {"jane"}),
        ("Dorsey,", {"janet"}),
        ("zoe o'brien", {"zoe"}),
        ("ZOË OBRI", {"zoe"}),
        ("mary ann smith", {"mary"}),
        ("ann smith", set()),
        ("https://uk.linkedin.com/in/Jane-Doe-4a1b/", {"jane"}),
        ("urn:li:person:zoe1", {"zoe"}),
        ("!!!", set()),
        ("9" * 30, set()),
    ],
)
def test_changelist_search(query, expected, people, admin_client):
    response = admin_client.get(CHANGELIST, {"q": query})

    assert response.status_code == 200
    found = {obj.pk for obj in response.context["cl"].result_list}
    assert found == {people[name].pk for name in expected}


def test_changelist_search_by_id(people, admin_client):
    response = admin_client.get(CHANGELIST, {"q": str(people["zoe"].pk)})

    assert [obj.pk for obj in response.context["cl"].result_list] == [people["zoe"].pk]


@pytest.mark.django_db
def test_name_search_uses_key_ranges_not_contains():
    condition = candidate_search_q("jane doe")
    sql = str(Candidate.objects.filter(condition).query)

    assert '"first_name_key" >= jane' in sql
    assert '"last_name_key" < dof' in sql
    assert "%jane%" not in sql


def test_changelist_shows_the_active_member_link(people, admin_client):
    response = admin_client.get(CHANGELIST, {"q": "zoe"})

    assert "urn:li:person:zoe1" in response.content.decode()


# --- counting -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_paginator_caps_the_count(monkeypatch):
    CandidateFactory.create_batch(5)
    monkeypatch.setattr(EstimatedCountPaginator, "count_cap", 3)

    capped = EstimatedCountPaginator(Candidate.objects.all(), 2)
    exact = EstimatedCountPaginator(Candidate.objects.filter(pk__lte=0), 2)

    assert (capped.count, capped.count_is_capped, capped.num_pages) == (3, True, 2)
    assert (exact.count, exact.count_is_capped) == (0, False)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_class is PostgreSQL's")
def test_paginator_uses_the_planner_estimate_on_postgresql(monkeypatch):
    CandidateFactory.create_batch(5)
    with connection.cursor() as cursor:
        cursor.execute('ANALYZE "candidates_candidate"')
    monkeypatch.setattr(EstimatedCountPaginator, "count_cap", 2)

    unfiltered = EstimatedCountPaginator(Candidate.objects.all(), 2)
    filtered = EstimatedCountPaginator(Candidate.objects.filter(pk__gt=0), 2)

    assert (unfiltered.count, unfiltered.count_is_estimate) == (5, True)
    assert (filtered.count, filtered.count_is_estimate, filtered.count_is_capped) == (
        2,
        False,
        True,
    )


@pytest.mark.django_db
def test_linked_filter(people, admin_client):
    linked = admin_client.get(CHANGELIST, {"linked": "yes"})
    unlinked = admin_client.get(CHANGELIST, {"linked": "no"})

    assert [obj.pk for obj in linked.context["cl"].result_list] == [people["zoe"].pk]
    assert {obj.pk for obj in unlinked.context["cl"].result_list} == {
        people[name].pk for name in ("jane", "janet", "mary")
    }


@pytest.mark.django_db
def test_changelist_never_counts_the_whole_table(admin_client):
    CandidateFactory.create_batch(3)

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(CHANGELIST)

    assert response.context["cl"].result_count == 3
    counts = [
        q["sql"] for q in queries if "COUNT(" in q["sql"] and "candidates_candidate" in q["sql"]
    ]
    assert counts
    assert all("LIMIT" in sql for sql in counts), counts


# --- writes through the services ------------------------------------------------------------


def test_add_candidate_goes_through_the_service(admin_client, admin_user, capture_signal):
    python = QuickSkillFactory(name="Python")
    saved = capture_signal(signals.candidate_saved)

    response = admin_client.post(ADD, form_data(skills=[python.pk]))

    assert response.status_code == 302, response.context["adminform"].form.errors
    candidate = Candidate.objects.get()
    assert candidate.email_key == "jane.doe@example.com"
    assert candidate.linkedin_profile_url == "https://www.linkedin.com/in/jane-doe"
    assert candidate.created_by == admin_user
    assert candidate.source == Candidate.Source.MANUAL
    assert list(candidate.skills.values_list("skill__name", flat=True)) == ["Python"]
    assert [(call["candidate"].pk, call["created"]) for call in saved] == [(candidate.pk, True)]
    assert LogEntry.objects.filter(action_flag=ADDITION, object_id=str(candidate.pk)).exists()


def test_invalid_candidate_is_refused_on_the_form(admin_client, capture_signal):
    saved = capture_signal(signals.candidate_saved)

    response = admin_client.post(ADD, form_data(email="not an email"))

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert not Candidate.objects.exists()
    assert saved == []


@pytest.mark.parametrize(
    "url", ["ftp://example.com/in/jane", "javascript:alert(1)", "https://evil.example/in/jane"]
)
def test_a_profile_url_that_is_not_linkedin_is_refused_on_the_form(admin_client, url):
    response = admin_client.post(ADD, form_data(linkedin_profile_url=url))

    assert response.status_code == 200
    assert "linkedin_profile_url" in response.context["adminform"].form.errors
    assert not Candidate.objects.exists()


def test_change_candidate_goes_through_the_service(admin_client, capture_signal):
    sql, go = QuickSkillFactory(name="SQL"), QuickSkillFactory(name="Go")
    candidate = CandidateFactory(first_name="Jane", last_name="Doe", email="jane@example.com")
    candidate.skills.create(skill=sql)
    saved = capture_signal(signals.candidate_saved)

    response = admin_client.post(
        change_url(candidate),
        form_data(first_name="Janet", email="jane@example.com", skills=[go.pk]),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = Candidate.objects.get(pk=candidate.pk)
    assert (stored.first_name, stored.first_name_key) == ("Janet", "janet")
    assert list(stored.skills.values_list("skill__name", flat=True)) == ["Go"]
    assert len(saved) == 1
    assert saved[0]["created"] is False
    assert "first_name" in saved[0]["changed_fields"]
    assert "skills" in saved[0]["changed_fields"]
    assert "email" not in saved[0]["changed_fields"]
    assert LogEntry.objects.filter(action_flag=CHANGE, object_id=str(candidate.pk)).exists()


def test_saving_without_change_still_syncs(admin_client, capture_signal):
    candidate = CandidateFactory(
        first_name="Jane",
        last_name="Doe",
        email="Jane.Doe@Example.com",
        location="Leeds",
        current_title="Data Engineer",
        current_company="Acme",
        phone="",
        linkedin_profile_url="https://www.linkedin.com/in/jane-doe",
    )
    before = candidate.updated_at
    saved = capture_signal(signals.candidate_saved)

    response = admin_client.post(change_url(candidate), form_data())

    assert response.status_code == 302
    assert [call["changed_fields"] for call in saved] == [[]]
    assert Candidate.objects.get(pk=candidate.pk).updated_at > before


def test_saving_an_old_record_with_an_email_refused_today_still_syncs(admin_client, capture_signal):
    candidate = CandidateFactory(
        first_name="Jane",
        last_name="Doe",
        location="Leeds",
        current_title="Data Engineer",
        current_company="Acme",
        phone="",
        linkedin_profile_url="https://www.linkedin.com/in/jane-doe",
    )
    Candidate.objects.filter(pk=candidate.pk).update(email="jane.doe@example")
    saved = capture_signal(signals.candidate_saved)

    response = admin_client.post(change_url(candidate), form_data(email="jane.doe@example"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [call["changed_fields"] for call in saved] == [[]]
    assert Candidate.objects.get(pk=candidate.pk).email == "jane.doe@example"

    response = admin_client.post(change_url(candidate), form_data(email="jane@still-bad"))

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert Candidate.objects.get(pk=candidate.pk).email == "jane.doe@example"
    assert len(saved) == 1


def test_delete_candidate_goes_through_the_service(admin_client, capture_signal):
    candidate = CandidateFactory()
    deleted = capture_signal(signals.candidate_deleted)

    response = admin_client.post(
        reverse("admin:candidates_candidate_delete", args=[candidate.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Candidate.objects.exists()
    assert [(call["candidate_id"], call["erased"]) for call in deleted] == [(candidate.pk, False)]


def test_bulk_delete_goes_through_the_service(admin_client, capture_signal):
    candidates = CandidateFactory.create_batch(3)
    kept = CandidateFactory()
    deleted = capture_signal(signals.candidate_deleted)

    response = admin_client.post(
        CHANGELIST,
        {
            "action": "delete_selected",
            "post": "yes",
            "_selected_action": [candidate.pk for candidate in candidates],
        },
    )

    assert response.status_code == 302
    assert list(Candidate.objects.all()) == [kept]
    assert sorted(call["candidate_id"] for call in deleted) == sorted(c.pk for c in candidates)
    assert LogEntry.objects.filter(action_flag=DELETION).count() == 3


def test_resend_action_saves_each_candidate(admin_client, capture_signal):
    candidates = CandidateFactory.create_batch(2)
    saved = capture_signal(signals.candidate_saved)

    admin_client.post(
        CHANGELIST,
        {
            "action": "resend_to_linkedin",
            "index": "0",
            "_selected_action": [candidate.pk for candidate in candidates],
        },
    )

    assert sorted(call["candidate"].pk for call in saved) == sorted(c.pk for c in candidates)
    assert all(call["changed_fields"] == [] for call in saved)


def test_erase_action_asks_for_a_reason_then_erases(admin_client, admin_user, capture_signal):
    candidate = CandidateFactory(email="erase.me@example.com")
    MemberLinkFactory(candidate=candidate, person_urn="urn:li:person:gone")
    deleted = capture_signal(signals.candidate_deleted)
    selection = {"action": "erase_selected", "_selected_action": [candidate.pk]}

    confirmation = admin_client.post(CHANGELIST, {**selection, "index": "0"})
    missing_reason = admin_client.post(CHANGELIST, {**selection, "confirm": "yes", "reason": ""})
    assert confirmation.status_code == missing_reason.status_code == 200
    assert "reason" in missing_reason.context["form"].errors
    assert Candidate.objects.filter(pk=candidate.pk).exists()

    done = admin_client.post(CHANGELIST, {**selection, "confirm": "yes", "reason": "GDPR #7"})

    assert done.status_code == 302
    assert not Candidate.objects.exists()
    tombstone = ErasureTombstone.objects.get()
    assert (tombstone.candidate_id, tombstone.reason, tombstone.erased_by) == (
        candidate.pk,
        "GDPR #7",
        admin_user,
    )
    assert not MemberLink.objects.exists()
    assert [call["erased"] for call in deleted] == [True]


# --- Quick Skills ---------------------------------------------------------------------------


def alias_formset(*aliases: str, **extra: str) -> dict[str, str]:
    data = {
        "aliases-TOTAL_FORMS": str(len(aliases)),
        "aliases-INITIAL_FORMS": "0",
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
    }
    for index, alias in enumerate(aliases):
        data[f"aliases-{index}-alias"] = alias
    data.update(extra)
    return data


@pytest.mark.django_db
def test_add_quick_skill_with_aliases_computes_keys(admin_client):
    response = admin_client.post(
        reverse("admin:candidates_quickskill_add"),
        {"name": " Apache  Spark ", **alias_formset("PySpark", "apache spark")},
    )

    assert response.status_code == 302
    skill = QuickSkill.objects.get()
    assert (skill.name, skill.key) == ("Apache Spark", "apache spark")
    assert list(skill.aliases.values_list("alias", "key")) == [("PySpark", "pyspark")]


@pytest.mark.django_db
def test_quick_skill_service_refusal_shows_on_the_form(admin_client):
    QuickSkillFactory(name="Python")

    response = admin_client.post(
        reverse("admin:candidates_quickskill_add"), {"name": "PYTHON", **alias_formset("Py")}
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [
        "The Quick Skill “PYTHON” already exists."
    ]
    assert list(QuickSkill.objects.values_list("name", flat=True)) == ["Python"]
    assert not QuickSkill.objects.get().aliases.exists()
