"""REST API: /api/v1/candidates/ (docs/architecture.md §5.2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from candidates import signals
from candidates.models import Candidate, CandidateSkill, ErasureTombstone, QuickSkill
from candidates.services import quick_skill_create
from tests.candidates.factories import CandidateFactory, CandidateSkillFactory, MemberLinkFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/candidates/"


def detail(candidate: Candidate) -> str:
    return f"{URL}{candidate.pk}/"


@pytest.fixture
def skills(db) -> dict[str, QuickSkill]:
    return {
        "python": quick_skill_create(name="Python", aliases=["Python 3"]),
        "node": quick_skill_create(name="Node.js"),
        "sql": quick_skill_create(name="SQL"),
    }


@pytest.fixture
def saved_signals():
    received: list[dict] = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    signals.candidate_saved.connect(receiver, dispatch_uid="test-api-candidate-saved")
    yield received
    signals.candidate_saved.disconnect(dispatch_uid="test-api-candidate-saved")


# --- Read ------------------------------------------------------------------------------------


def test_retrieve_shows_fields_skills_and_linkedin_link(seated_api_client, skills):
    candidate = CandidateFactory(first_name="Jane", last_name="Doe", email="jane@example.com")
    CandidateSkillFactory(candidate=candidate, skill=skills["sql"])
    CandidateSkillFactory(candidate=candidate, skill=skills["python"])
    link = MemberLinkFactory(candidate=candidate, person_urn="urn:li:person:Xy12")

    response = seated_api_client.get(detail(candidate))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == candidate.pk
    assert (body["first_name"], body["last_name"], body["email"]) == (
        "Jane",
        "Doe",
        "jane@example.com",
    )
    assert body["source"] == "manual"
    assert body["skills"] == ["Python", "SQL"]
    assert body["linkedin"]["person_urn"] == "urn:li:person:Xy12"
    assert body["linkedin"]["matched_on"] == link.matched_on
    assert body["linkedin"]["linked_at"]
    assert set(body) >= {
        "phone",
        "current_title",
        "current_company",
        "headline",
        "location",
        "linkedin_profile_url",
        "created_at",
        "updated_at",
    }


def test_unlinked_and_formerly_linked_candidates_show_no_link(seated_api_client):
    candidate = CandidateFactory()
    MemberLinkFactory(candidate=candidate, unlinked_at=timezone.now())

    body = seated_api_client.get(detail(candidate)).json()

    assert body["linkedin"] is None
    assert body["skills"] == []


def test_retrieve_unknown_candidate_is_404(api_client):
    response = api_client.get(f"{URL}999999/")

    assert response.status_code == 404
    assert "detail" in response.json()


def test_list_is_ordered_by_last_update(api_client):
    now = timezone.now()
    old = CandidateFactory(updated_at=now - timedelta(days=3))
    new = CandidateFactory(updated_at=now)
    middle = CandidateFactory(updated_at=now - timedelta(days=1))

    body = api_client.get(URL).json()

    assert [row["id"] for row in body["results"]] == [new.pk, middle.pk, old.pk]
    assert body["next"] is None


def test_list_pages_with_a_cursor(api_client):
    now = timezone.now()
    created = [CandidateFactory(updated_at=now - timedelta(minutes=n)) for n in range(5)]

    seen = []
    url = f"{URL}?page_size=2"
    pages = 0
    while url:
        body = api_client.get(url).json()
        assert len(body["results"]) <= 2
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
        pages += 1

    assert seen == [candidate.pk for candidate in created]
    assert pages == 3


def test_invalid_cursor_is_404(api_client):
    response = api_client.get(f"{URL}?cursor=not-a-cursor")

    assert response.status_code == 404


def test_list_uses_a_constant_number_of_queries(
    seated_api_client, skills, django_assert_max_num_queries
):
    for n in range(30):
        candidate = CandidateFactory()
        CandidateSkillFactory(candidate=candidate, skill=skills["python"])
        CandidateSkillFactory(candidate=candidate, skill=skills["sql"])
        if n % 2:
            MemberLinkFactory(candidate=candidate)

    # the caller's seat (once per request), candidates, their skills (with the skill joined),
    # their active links
    with django_assert_max_num_queries(4):
        body = seated_api_client.get(f"{URL}?page_size=50&linked=true").json()

    assert len(body["results"]) == 15
    assert all(row["skills"] == ["Python", "SQL"] for row in body["results"])
    assert all(row["linkedin"] for row in body["results"])


# --- Filters ---------------------------------------------------------------------------------


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_filter_email_is_normalised_exact(api_client):
    jane = CandidateFactory(email="Jane.Doe@Example.com")
    CandidateFactory(email="jane.doe@example.co")

    assert ids(api_client.get(URL, {"email": "  JANE.DOE@example.COM "})) == {jane.pk}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("jan", {"jane"}),
        ("DOE", {"jane"}),
        ("jane doe", {"jane"}),
        ("doe jane", {"jane"}),
        ("Jo Smi", {"john"}),
        ("van der", {"piet"}),
        ("piet van der berg", {"piet"}),
        ("zoë", {"zoe"}),
        ("jd.work", {"jane"}),
        ("jd.work@corp.example", {"jane"}),
        ("JD.Work@Corp.Example", {"jane"}),
        ("smith", {"john"}),
        ("s", {"john", "zoe"}),
        ("nobody", set()),
    ],
)
def test_filter_q_matches_name_or_email_prefixes(api_client, q, expected):
    people = {
        "jane": CandidateFactory(first_name="Jane", last_name="Doe", email="jd.work@corp.example"),
        "john": CandidateFactory(first_name="John", last_name="Smith", email="john@x.example"),
        "piet": CandidateFactory(first_name="Piet", last_name="van der Berg", email="p@x.example"),
        "zoe": CandidateFactory(first_name="Zoë", last_name="Stone", email="zs@y.example"),
    }

    result = ids(api_client.get(URL, {"q": q}))

    assert result == {people[name].pk for name in expected}


def test_filter_q_does_not_match_inside_a_name(api_client):
    CandidateFactory(first_name="Marianne", last_name="Moore", email="mm@x.example")

    assert ids(api_client.get(URL, {"q": "anne"})) == set()


def test_filter_q_prefix_ending_in_z_and_9(api_client):
    fritz = CandidateFactory(first_name="Fritz", last_name="Lang", email="f9@x.example")
    CandidateFactory(first_name="Fritzy", last_name="Long", email="fa@x.example")
    CandidateFactory(first_name="Frit", last_name="Zeta", email="fb@x.example")

    assert ids(api_client.get(URL, {"q": "fritz lang"})) == {fritz.pk}
    assert ids(api_client.get(URL, {"q": "f9"})) == {fritz.pk}


def test_filter_linked(seated_api_client):
    linked = CandidateFactory()
    MemberLinkFactory(candidate=linked)
    formerly = CandidateFactory()
    MemberLinkFactory(candidate=formerly, unlinked_at=timezone.now())
    never = CandidateFactory()

    assert ids(seated_api_client.get(URL, {"linked": "true"})) == {linked.pk}
    assert ids(seated_api_client.get(URL, {"linked": "false"})) == {formerly.pk, never.pk}


def test_filter_updated_after_is_inclusive(api_client):
    now = timezone.now()
    CandidateFactory(updated_at=now - timedelta(days=2))
    at = CandidateFactory(updated_at=now - timedelta(days=1))
    later = CandidateFactory(updated_at=now)

    result = ids(api_client.get(URL, {"updated_after": at.updated_at.isoformat()}))

    assert result == {at.pk, later.pk}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"linked": "maybe"}, "linked"),
        ({"updated_after": "yesterday"}, "updated_after"),
        ({"email": "not-an-address"}, "email"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_filter_values_are_400(api_client, params, field):
    CandidateFactory()

    response = api_client.get(URL, params)

    assert response.status_code == 400
    assert field in response.json()


# --- Create ----------------------------------------------------------------------------------


def test_create_calls_the_service_and_resolves_skills(api_client, recruiter, skills, saved_signals):
    response = api_client.post(
        URL,
        {
            "first_name": "Jane",
            "last_name": "Doe",
            "email": " Jane@Example.com ",
            "linkedin_profile_url": "linkedin.com/in/Jane-Doe/",
            "skills": ["python 3", "NodeJS", "Python"],
            "source": "export_to_ats",  # read-only: the API is the source
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    candidate = Candidate.objects.get(pk=body["id"])
    assert candidate.source == Candidate.Source.API
    assert candidate.created_by == recruiter
    assert candidate.email_key == "jane@example.com"
    assert candidate.linkedin_profile_url == "https://www.linkedin.com/in/jane-doe"
    assert body["skills"] == ["Node.js", "Python"]
    assert body["linkedin"] is None
    assert set(candidate.skills.values_list("source", flat=True)) == {CandidateSkill.Source.API}
    assert [(s["created"], s["candidate"].pk) for s in saved_signals] == [(True, candidate.pk)]


def test_create_with_an_unknown_skill_is_a_field_error_and_creates_nothing(api_client, skills):
    response = api_client.post(URL, {"first_name": "Jane", "skills": ["Python", "Cobol", "Pyhton"]})

    assert response.status_code == 400
    message = response.json()["skills"][0]
    assert "“Cobol”" in message and "“Pyhton”" in message and "“Python”" not in message
    assert Candidate.objects.count() == 0
    assert QuickSkill.objects.count() == 3


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"linkedin_profile_url": "https://example.com/jane"}, "linkedin_profile_url"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"skills": "Python"}, "skills"),
        ({"skills": [""]}, "skills"),
    ],
)
def test_create_with_bad_input_is_400_naming_the_field(api_client, skills, payload, field):
    response = api_client.post(URL, {"first_name": "Jane", **payload})

    assert response.status_code == 400
    assert field in response.json()
    assert Candidate.objects.count() == 0


# --- Update ----------------------------------------------------------------------------------


def test_patch_with_no_change_still_saves_and_sends_candidate_saved(api_client, saved_signals):
    candidate = CandidateFactory(updated_at=timezone.now() - timedelta(days=800))
    before = candidate.updated_at

    response = api_client.patch(detail(candidate), {}, format="json")

    assert response.status_code == 200
    assert len(saved_signals) == 1
    assert saved_signals[0]["created"] is False
    assert saved_signals[0]["candidate"].pk == candidate.pk
    candidate.refresh_from_db()
    assert candidate.updated_at > before
    assert response.json()["updated_at"] == candidate.updated_at.isoformat().replace("+00:00", "Z")


def test_patch_with_the_same_value_still_sends_candidate_saved(api_client, saved_signals):
    candidate = CandidateFactory(first_name="Jane")

    api_client.patch(detail(candidate), {"first_name": "Jane"})

    assert [s["changed_fields"] for s in saved_signals] == [[]]


def test_patch_changes_fields_and_replaces_skills(api_client, skills, saved_signals):
    candidate = CandidateFactory(first_name="Jane", email="old@example.com")
    CandidateSkillFactory(candidate=candidate, skill=skills["sql"])

    response = api_client.patch(
        detail(candidate), {"email": "New@Example.com", "skills": ["Python"]}
    )

    assert response.status_code == 200
    assert response.json()["skills"] == ["Python"]
    candidate.refresh_from_db()
    assert (candidate.first_name, candidate.email_key) == ("Jane", "new@example.com")
    assert list(candidate.skills.values_list("skill__name", flat=True)) == ["Python"]
    assert set(saved_signals[0]["changed_fields"]) == {"email", "skills"}


def test_patch_without_skills_keeps_them(api_client, skills):
    candidate = CandidateFactory()
    CandidateSkillFactory(candidate=candidate, skill=skills["sql"])

    body = api_client.patch(detail(candidate), {"phone": "+44 20 7946 0000"}).json()

    assert body["skills"] == ["SQL"]


def test_patch_with_empty_skills_clears_them(api_client, skills):
    candidate = CandidateFactory()
    CandidateSkillFactory(candidate=candidate, skill=skills["sql"])

    body = api_client.patch(detail(candidate), {"skills": []}, format="json").json()

    assert body["skills"] == []
    assert not candidate.skills.exists()


def test_put_replaces_fields(api_client, skills, saved_signals):
    candidate = CandidateFactory(first_name="Jane", last_name="Doe")

    response = api_client.put(
        detail(candidate),
        {"first_name": "Janet", "last_name": "Doe", "email": "janet@example.com", "skills": []},
    )

    assert response.status_code == 200
    candidate.refresh_from_db()
    assert (candidate.first_name, candidate.email) == ("Janet", "janet@example.com")
    assert len(saved_signals) == 1


def test_patch_with_bad_input_changes_nothing(api_client, skills, saved_signals):
    candidate = CandidateFactory(first_name="Jane", email="jane@example.com")

    response = api_client.patch(detail(candidate), {"first_name": "X", "email": "nope"})

    assert response.status_code == 400
    assert list(response.json()) == ["email"]
    candidate.refresh_from_db()
    assert candidate.first_name == "Jane"
    assert saved_signals == []


def _old_record_refused_today() -> Candidate:
    """Older than two years, holding an email and a profile URL today's rules refuse."""
    three_years_ago = timezone.now() - timedelta(days=3 * 365)
    candidate = CandidateFactory(first_name="Ada", last_name="Byron", updated_at=three_years_ago)
    Candidate.objects.filter(pk=candidate.pk).update(
        email="ada.byron@analytical", linkedin_profile_url="www.example.com/ada"
    )
    return Candidate.objects.get(pk=candidate.pk)


def test_put_of_an_old_record_sent_back_unchanged_saves_and_syncs(api_client, saved_signals):
    candidate = _old_record_refused_today()
    body = api_client.get(detail(candidate)).json()

    response = api_client.put(detail(candidate), body, format="json")

    assert response.status_code == 200, response.json()
    assert [s["changed_fields"] for s in saved_signals] == [["skills"]]
    stored = Candidate.objects.get(pk=candidate.pk)
    assert stored.updated_at > candidate.updated_at
    assert (stored.email, stored.linkedin_profile_url) == (
        "ada.byron@analytical",
        "www.example.com/ada",
    )


def test_patch_of_another_field_keeps_an_old_value_refused_today(api_client, saved_signals):
    candidate = _old_record_refused_today()

    response = api_client.patch(
        detail(candidate),
        {"email": "ada.byron@analytical", "phone": "+44 20 7946 0001"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert [s["changed_fields"] for s in saved_signals] == [["phone"]]
    stored = Candidate.objects.get(pk=candidate.pk)
    assert (stored.email, stored.phone) == ("ada.byron@analytical", "+44 20 7946 0001")

    # Changing an invalid value to another invalid one is still refused, and changes nothing.
    response = api_client.patch(
        detail(candidate),
        {"email": "ada@still-invalid", "linkedin_profile_url": "www.example.com/other"},
        format="json",
    )

    assert response.status_code == 400
    assert sorted(response.json()) == ["email", "linkedin_profile_url"]
    assert len(saved_signals) == 1
    assert Candidate.objects.get(pk=candidate.pk).email == "ada.byron@analytical"


def test_patch_unknown_candidate_is_404(api_client):
    assert api_client.patch(f"{URL}999999/", {}).status_code == 404


# --- Delete and erase ------------------------------------------------------------------------


def test_recruiter_cannot_delete_a_candidate(api_client):
    candidate = CandidateFactory()

    response = api_client.delete(detail(candidate))

    assert response.status_code == 403
    assert Candidate.objects.filter(pk=candidate.pk).exists()


def test_admin_deletes_a_candidate(admin_api_client):
    candidate = CandidateFactory()
    received = []
    signals.candidate_deleted.connect(
        lambda sender, **kw: received.append(kw), dispatch_uid="test-api-deleted", weak=False
    )
    try:
        response = admin_api_client.delete(detail(candidate))
    finally:
        signals.candidate_deleted.disconnect(dispatch_uid="test-api-deleted")

    assert response.status_code == 204
    assert not Candidate.objects.filter(pk=candidate.pk).exists()
    assert [(r["candidate_id"], r["erased"]) for r in received] == [(candidate.pk, False)]


def test_recruiter_cannot_erase_a_candidate(api_client):
    candidate = CandidateFactory()

    response = api_client.post(f"{detail(candidate)}erase/", {"reason": "GDPR request"})

    assert response.status_code == 403
    assert Candidate.objects.filter(pk=candidate.pk).exists()
    assert not ErasureTombstone.objects.exists()


def test_admin_erases_a_candidate_with_a_reason(admin_api_client, admin_user):
    candidate = CandidateFactory(email="erase.me@example.com")
    candidate_id = candidate.pk

    response = admin_api_client.post(f"{detail(candidate)}erase/", {"reason": "GDPR request"})

    assert response.status_code == 204
    assert not Candidate.objects.filter(pk=candidate_id).exists()
    tombstone = ErasureTombstone.objects.get()
    assert (tombstone.candidate_id, tombstone.reason, tombstone.erased_by) == (
        candidate_id,
        "GDPR request",
        admin_user,
    )


def test_erase_needs_a_reason(admin_api_client):
    candidate = CandidateFactory()

    response = admin_api_client.post(f"{detail(candidate)}erase/", {})

    assert response.status_code == 400
    assert "reason" in response.json()
    assert Candidate.objects.filter(pk=candidate.pk).exists()


def test_erase_unknown_candidate_is_404(admin_api_client):
    assert admin_api_client.post(f"{URL}999999/erase/", {"reason": "x"}).status_code == 404
