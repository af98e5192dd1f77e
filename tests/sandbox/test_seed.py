"""seed_sandbox: idempotent, mirrors Tracker's seats, overlaps Tracker's candidates imperfectly."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tests.candidates.factories import CandidateFactory
from tests.tracker_rsc.factories import ContractFactory, LinkedInSeatFactory
from tracker_rsc.models import LinkedInSeat
from tracker_rsc.sandbox import ats
from tracker_rsc.sandbox.matching import CandidateFacts
from tracker_rsc.sandbox.models import (
    ConversationEvent,
    HiringProject,
    MailStub,
    Member,
    ProspectNote,
    Seat,
)


def _seed() -> str:
    out = StringIO()
    call_command("seed_sandbox", stdout=out, stderr=StringIO())
    return out.getvalue()


def _snapshot() -> dict[str, object]:
    return {
        "seats": list(Seat.objects.order_by("urn").values_list("urn", "person_urn", "role")),
        "members": list(
            Member.objects.order_by("person_urn").values_list("person_urn", "first_name", "emails")
        ),
        "projects": list(HiringProject.objects.order_by("urn").values_list("urn", "owner__urn")),
        "inmails": ConversationEvent.objects.count(),
        "stubs": MailStub.objects.count(),
        "notes": list(ProspectNote.objects.order_by("note_id").values_list("note_id", "active")),
    }


@pytest.mark.django_db
def test_seed_without_tracker_data_creates_the_default_world():
    output = _seed()

    assert "Sandbox seeded" in output
    assert list(Seat.objects.order_by("urn").values_list("urn", flat=True)) == [
        "urn:li:seat:5001",
        "urn:li:seat:5002",
        "urn:li:seat:5003",
        "urn:li:seat:5004",
    ]
    assert Seat.objects.get(urn="urn:li:seat:5001").contract.organization_urn == (
        "urn:li:organization:2414183"
    )
    assert Member.objects.filter(first_name="Sam", last_name="Taylor").count() == 2
    assert HiringProject.objects.count() == 3
    assert MailStub.objects.exists()
    assert ProspectNote.objects.filter(active=False).count() == 1


@pytest.mark.django_db
def test_seed_is_idempotent():
    CandidateFactory.create_batch(12)
    _seed()
    first = _snapshot()

    _seed()

    assert _snapshot() == first


@pytest.mark.django_db
def test_seed_mirrors_tracker_seats_with_the_same_urns():
    contract = ContractFactory(urn="urn:li:contract:100")
    LinkedInSeatFactory(
        seat_urn="urn:li:seat:9001",
        person_urn="urn:li:person:amelia",
        contract=contract,
        product=LinkedInSeat.Product.RPS_PLUS,
        role=LinkedInSeat.Role.RECRUITER_ADMIN,
        hiring_assistant=True,
    )
    LinkedInSeatFactory(
        seat_urn="urn:li:seat:9002",
        person_urn="urn:li:person:ben",
        contract=contract,
        role=LinkedInSeat.Role.CUSTOM,
        hiring_project_creator=True,
        recruiter_searcher=True,
    )

    _seed()

    admin = Seat.objects.get(urn="urn:li:seat:9001")
    custom = Seat.objects.get(urn="urn:li:seat:9002")
    assert (admin.person_urn, admin.product, admin.role, admin.hiring_assistant) == (
        "urn:li:person:amelia",
        "RPS_PLUS",
        "RECRUITER_ADMIN",
        True,
    )
    assert custom.permissions == ["HIRING_PROJECT_CREATOR", "RECRUITER_SEARCHER"]
    assert not Seat.objects.filter(urn="urn:li:seat:5001").exists()


@pytest.mark.django_db
def test_seeded_members_overlap_candidates_in_imperfect_ways():
    candidates = [
        CandidateFactory(
            first_name="Zoe" if n == 2 else f"First{n}",
            last_name=f"Last{n}",
            current_company=f"Company {n}",
            linkedin_profile_url=f"https://www.linkedin.com/in/first{n}-last{n}",
            phone=f"+44 7700 900{n:03d}",
        )
        for n in range(6)
    ]
    _seed()
    index = ats.member_index()

    def outcome(candidate):
        return index.match(
            CandidateFacts(
                first_name=candidate.first_name,
                last_name=candidate.last_name,
                emails=(candidate.email,),
                phones=(candidate.phone,),
                profile_url=candidate.linkedin_profile_url,
                company=candidate.current_company,
            )
        )

    rules = [outcome(c) for c in candidates]
    assert rules[0].rule.startswith("email")  # same email, country-subdomain URL
    assert rules[1].rule == "name+company"  # personal email, same company
    assert rules[2].rule == "name+company+phone"  # "Zoé", the phone written differently
    assert Member.objects.filter(first_name="Zoé").exists()
    assert rules[3].ambiguous  # two people with the same name
    assert rules[4].rule == "profile_url"  # only the URL in common
    assert rules[5].members == []  # no LinkedIn counterpart
    twin = next(
        m for m in Member.objects.all() if candidates[0].email in [e.lower() for e in m.emails]
    )
    assert twin.profile_url.startswith("https://uk.linkedin.com/in/")
