"""seed_demo: the demo agency loads with realistic shape, once, the same way every time."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from candidates import normalize
from candidates.models import Candidate, CandidateSkill, QuickSkill, QuickSkillAlias
from requisitions.models import Placement, Requisition
from syncjobs import demo_data
from syncjobs.management.commands.seed_demo import (
    DEMO_CONTRACT_URN,
    DEMO_PASSWORD,
    RECRUITER_USERNAMES,
    build_plan,
)
from tracker_rsc.models import Contract, Integration, LinkedInSeat

# --- The data module (no database) ----------------------------------------------------------


def test_plan_is_deterministic_for_a_seed():
    first = build_plan(seed=7, candidates=300, requisitions=12)
    again = build_plan(seed=7, candidates=300, requisitions=12)
    other = build_plan(seed=8, candidates=300, requisitions=12)

    assert first == again
    assert first != other


def test_skill_dictionary_is_large_and_never_ambiguous():
    owners: dict[str, str] = {}
    for name, aliases in demo_data.SKILLS:
        for spelling in (name, *aliases):
            for key in (normalize.normalize_skill(spelling), normalize.compact_skill(spelling)):
                assert owners.setdefault(key, name) == name, (
                    f"{spelling!r} also means {owners[key]}"
                )

    assert len(demo_data.SKILLS) >= 300
    assert sum(len(aliases) for _, aliases in demo_data.SKILLS) >= 200


def test_every_field_skill_is_in_the_dictionary():
    names = {name for name, _ in demo_data.SKILLS}
    used = {s for f in demo_data.FIELDS for s in f.skills}
    used |= set(demo_data.GENERAL_SKILLS) | set(demo_data.LANGUAGE_SKILLS)

    assert used - names == set()


def test_demo_phone_numbers_are_distinct_and_bounded():
    numbers = {
        demo_data.phone_number(i, international=False) for i in range(demo_data.MAX_CANDIDATES)
    }

    assert len(numbers) == demo_data.MAX_CANDIDATES
    with pytest.raises(ValueError, match="demo phone index"):
        demo_data.phone_number(demo_data.MAX_CANDIDATES, international=True)


# --- Loading --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _local_demo(settings):
    # The demo is for DEBUG on (the test runner turns DEBUG off); refusals are tested below.
    settings.DEBUG = True


@pytest.fixture
def fast_hashing(settings):
    # The demo password is hashed six times; PBKDF2's cost only slows the test down.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "users": sorted(get_user_model().objects.values_list("username", "password")),
        "seats": sorted(LinkedInSeat.objects.values_list("seat_urn", "user__username")),
        "skills": QuickSkill.objects.count(),
        "aliases": QuickSkillAlias.objects.count(),
        "candidates": list(
            Candidate.objects.order_by("pk").values_list("pk", "email", "phone", "updated_at")
        ),
        "candidate_skills": CandidateSkill.objects.count(),
        "requisitions": list(Requisition.objects.order_by("pk").values_list("pk", "status")),
        "placements": list(Placement.objects.order_by("pk").values_list("pk", "stage")),
    }


@pytest.mark.django_db
def test_seed_demo_loads_the_demo_agency_once(fast_hashing):
    output = seed()

    # Users and seats: one seat of every product, a custom role, and a recruiter without one.
    User = get_user_model()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password(DEMO_PASSWORD)
    recruiters = User.objects.filter(username__in=RECRUITER_USERNAMES)
    assert recruiters.count() == 5
    assert all(r.check_password(DEMO_PASSWORD) and not r.is_staff for r in recruiters)
    seats = LinkedInSeat.objects.select_related("contract", "user")
    assert {s.product for s in seats} == set(LinkedInSeat.SUPPORTED_PRODUCTS)
    assert {s.contract.urn for s in seats} == {DEMO_CONTRACT_URN}
    assert Contract.objects.get(urn=DEMO_CONTRACT_URN).has_contract_access
    custom = seats.get(role=LinkedInSeat.Role.CUSTOM)
    assert custom.hiring_project_creator and custom.recruiter_searcher and custom.hiring_assistant
    assert seats.get(product=LinkedInSeat.Product.RPS_PLUS).tier == "RSC+"
    assert seats.filter(user__username="recruiter5").count() == 0
    # recruiter5's own seat waits, unmapped, for Sign in with LinkedIn.
    waiting = seats.get(user__isnull=True)
    assert (waiting.first_name, waiting.last_name) == ("Daniel", "Okafor")
    assert waiting.active and waiting.person_urn == "urn:li:person:seat5005"

    # Candidates: about 2,000, last updated over five years, with realistic gaps and variants.
    candidates = list(Candidate.objects.all())
    assert len(candidates) == 2000
    now = timezone.now()
    ages = [now - c.updated_at for c in candidates]
    assert min(ages) < timedelta(days=30)
    assert max(ages) > timedelta(days=4 * 365)
    assert sum(age > timedelta(days=730) for age in ages) > 300  # bulk sync skips these
    assert sum(not c.email for c in candidates) > 100
    assert sum(not c.linkedin_profile_url for c in candidates) > 300
    assert sum(not c.first_name or not c.last_name for c in candidates) > 10
    assert sum(c.full_name != normalize.strip_accents(c.full_name) for c in candidates) > 20
    for c in candidates:
        assert c.email_key == normalize.normalize_email(c.email)
        assert c.profile_key == normalize.profile_slug(c.linkedin_profile_url)
        assert c.first_name_key == normalize.normalize_name_part(c.first_name)
        assert c.last_name_key == normalize.normalize_name_part(c.last_name)
        assert c.created_at <= c.updated_at
        if c.linkedin_profile_url:
            assert c.linkedin_profile_url.startswith("https://www.linkedin.com/in/")
        assert c.full_name or c.email or c.linkedin_profile_url
    surnames = Counter(c.last_name for c in candidates if c.last_name)
    assert surnames.most_common(1)[0][1] > 8 * statistics.median(surnames.values())

    # Skills: a real dictionary with aliases, applied to candidates.
    assert QuickSkill.objects.count() == len(demo_data.SKILLS)
    for alias, skill in [
        ("JS", "JavaScript"),
        ("K8s", "Kubernetes"),
        ("Postgres", "PostgreSQL"),
        ("NodeJS", "Node.js"),
    ]:
        assert QuickSkillAlias.objects.get(key=normalize.normalize_skill(alias)).skill.name == skill
    assert CandidateSkill.objects.count() > 4000

    # Requisitions and shortlists.
    requisitions = Requisition.objects.prefetch_related("owners")
    assert requisitions.count() == 50
    assert requisitions.filter(kind=Requisition.Kind.EVERGREEN).exists()
    assert requisitions.filter(kind=Requisition.Kind.PLACEHOLDER).exists()
    assert {r.status for r in requisitions} == set(Requisition.Status.values)
    assert {r.availability for r in requisitions} == set(Requisition.Availability.values)
    for requisition in requisitions:
        owners = {u.username for u in requisition.owners.all()}
        assert owners and owners <= set(RECRUITER_USERNAMES)
        assert (requisition.closed_at is None) == requisition.is_open
    assert Placement.objects.count() > 150
    for filled in requisitions.filter(status=Requisition.Status.FILLED):
        assert filled.placements.filter(stage=Placement.Stage.PLACED).count() == 1
    assert {p.stage for p in Placement.objects.all()} >= {"shortlisted", "interview", "placed"}

    # Enabling is the admin's act.
    assert not Integration.objects.filter(status=Integration.Status.ENABLED).exists()
    assert "2000  (2000 created)" in output

    # A second run changes nothing.
    before = snapshot()
    second = seed()
    assert snapshot() == before
    assert "Nothing to do" in second


@pytest.mark.django_db
def test_seed_demo_rows_follow_the_plan(fast_hashing):
    seed("--candidates", "150", "--requisitions", "8", "--seed", "3")

    plan = build_plan(seed=3, candidates=150, requisitions=8)
    assert set(Candidate.objects.values_list("phone", "first_name", "current_title")) == {
        (c.values["phone"], c.values["first_name"], c.values["current_title"])
        for c in plan.candidates
    }
    assert set(Requisition.objects.values_list("title", "client_name")) == {
        (r.title, r.client_name) for r in plan.requisitions
    }


@pytest.mark.django_db
def test_seed_demo_keeps_what_people_changed(fast_hashing):
    seed("--candidates", "50", "--requisitions", "3")
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("a-new-secret-pass")
    admin.save()
    candidate = Candidate.objects.order_by("pk").first()
    Candidate.objects.filter(pk=candidate.pk).update(current_title="Chief Tea Officer")

    seed("--candidates", "50", "--requisitions", "3")

    admin.refresh_from_db()
    assert admin.check_password("a-new-secret-pass")
    assert Candidate.objects.get(pk=candidate.pk).current_title == "Chief Tea Officer"
    assert Candidate.objects.count() == 50


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--candidates", "0"], "--candidates must be between 1 and"),
        (["--candidates", "10001"], "--candidates must be between 1 and"),
        (["--requisitions", "1"], "--requisitions must be between 2"),
    ],
)
def test_seed_demo_rejects_bad_sizes_and_writes_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        seed(*args)

    assert not get_user_model().objects.exists()
    assert not Candidate.objects.exists()


@pytest.mark.django_db
def test_seed_demo_seeds_the_sandbox_when_it_is_on(fast_hashing, settings):
    from tracker_rsc.sandbox.models import Member, Seat

    settings.LINKEDIN_SANDBOX = False
    seed("--candidates", "40", "--requisitions", "4")
    assert not Member.objects.exists()

    settings.LINKEDIN_SANDBOX = True
    seed("--candidates", "40", "--requisitions", "4", "--no-sandbox")
    assert not Member.objects.exists()

    output = seed("--candidates", "40", "--requisitions", "4")
    assert Member.objects.exists()
    # The sandbox's sign-in page can sign recruiter5 in as the holder of the unmapped seat.
    waiting = Seat.objects.get(urn="urn:li:seat:5005")
    assert (waiting.person_urn, waiting.last_name) == ("urn:li:person:seat5005", "Okafor")
    assert "sandbox" in output.lower()


@pytest.mark.django_db
def test_seed_demo_refuses_with_debug_off_and_writes_nothing(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="refuses to run with DEBUG off") as refused:
        seed("--candidates", "40", "--requisitions", "4")

    assert "--allow-production" in str(refused.value)
    assert not get_user_model().objects.exists()
    assert not Candidate.objects.exists()


@pytest.mark.django_db
def test_seed_demo_runs_with_debug_off_only_when_forced(fast_hashing, settings):
    settings.DEBUG = False

    seed("--candidates", "40", "--requisitions", "4", "--no-sandbox", "--allow-production")

    assert get_user_model().objects.filter(username="admin", is_superuser=True).exists()
