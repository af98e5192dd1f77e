"""candidates.services: effects, refusals that change nothing, and the domain signals sent."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from candidates import services, signals
from candidates.models import (
    Candidate,
    CandidateSkill,
    ErasureTombstone,
    MatchReview,
    MemberLink,
    QuickSkill,
    QuickSkillAlias,
    identifier_hash,
)
from requisitions.models import Activity
from tests.candidates.factories import CandidateFactory, MemberLinkFactory, QuickSkillFactory
from tests.requisitions.factories import PlacementFactory
from tests.tracker_rsc.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- candidate_create / candidate_update / candidate_save -------------------------------------


def test_candidate_create_computes_keys_and_sends_candidate_saved(capture_signal):
    saved = capture_signal(signals.candidate_saved)
    actor = UserFactory()
    python = QuickSkillFactory(name="Python")

    candidate = services.candidate_create(
        actor=actor,
        skills=[python],
        first_name="Zoë",
        last_name="O'Brien",
        email="  Zoe.OBrien@Example.COM ",
        linkedin_profile_url="http://uk.linkedin.com/in/Zoe-OBrien/?trk=x",
    )

    stored = Candidate.objects.get(pk=candidate.pk)
    assert stored.email == "Zoe.OBrien@Example.COM"
    assert stored.email_key == "zoe.obrien@example.com"
    assert stored.first_name_key == "zoe"
    assert stored.last_name_key == "obrien"
    assert stored.linkedin_profile_url == "https://www.linkedin.com/in/zoe-obrien"
    assert stored.profile_key == "zoe-obrien"
    assert stored.source == Candidate.Source.MANUAL
    assert stored.created_by == actor
    assert list(stored.skills.values_list("skill__name", "source")) == [("Python", "manual")]
    assert saved == [
        {
            "sender": Candidate,
            "signal": signals.candidate_saved,
            "candidate": candidate,
            "created": True,
            "changed_fields": ["email", "first_name", "last_name", "linkedin_profile_url"],
        }
    ]


def test_candidate_create_with_invalid_email_writes_nothing(capture_signal):
    saved = capture_signal(signals.candidate_saved)

    with pytest.raises(ValidationError) as excinfo:
        services.candidate_create(first_name="Jane", last_name="Doe", email="not-an-email")

    assert "email" in excinfo.value.message_dict
    assert not Candidate.objects.exists()
    assert saved == []


def test_candidate_create_refuses_unknown_fields():
    with pytest.raises(TypeError, match="email_key"):
        services.candidate_create(first_name="Jane", email_key="x")

    assert not Candidate.objects.exists()


def test_candidate_create_records_source_and_anonymous_actor():
    candidate = services.candidate_create(
        source=Candidate.Source.API, actor=None, first_name="Jane", last_name="Doe"
    )

    assert candidate.source == Candidate.Source.API
    assert candidate.created_by is None


def test_candidate_update_reports_changed_fields_and_moves_updated_at(capture_signal):
    candidate = CandidateFactory(first_name="Jane", last_name="Doe", email="jane@example.com")
    before = candidate.updated_at
    saved = capture_signal(signals.candidate_saved)

    services.candidate_update(
        candidate=Candidate.objects.get(pk=candidate.pk),
        first_name="Janet",
        last_name="Doe",
        email="JANET@example.com",
    )

    stored = Candidate.objects.get(pk=candidate.pk)
    assert stored.first_name == "Janet"
    assert stored.first_name_key == "janet"
    assert stored.email_key == "janet@example.com"
    assert stored.updated_at > before
    assert len(saved) == 1
    assert saved[0]["created"] is False
    assert saved[0]["candidate"].pk == candidate.pk
    assert saved[0]["changed_fields"] == ["first_name", "email"]


def test_candidate_update_replaces_the_skill_set():
    python, sql, go = (QuickSkillFactory(name=name) for name in ("Python", "SQL", "Go"))
    candidate = services.candidate_create(first_name="Jane", skills=[python, sql])

    services.candidate_update(candidate=candidate, skills=[sql, go])

    assert set(candidate.skills.values_list("skill__name", flat=True)) == {"SQL", "Go"}


def test_candidate_update_with_invalid_value_changes_nothing(capture_signal):
    candidate = CandidateFactory(email="jane@example.com")
    saved = capture_signal(signals.candidate_saved)

    with pytest.raises(ValidationError):
        services.candidate_update(
            candidate=Candidate.objects.get(pk=candidate.pk), email="broken", first_name="X"
        )

    stored = Candidate.objects.get(pk=candidate.pk)
    assert stored.email == "jane@example.com"
    assert stored.first_name == candidate.first_name
    assert saved == []


def test_candidate_save_without_change_still_sends_candidate_saved(capture_signal):
    candidate = CandidateFactory()
    before = candidate.updated_at
    saved = capture_signal(signals.candidate_saved)

    services.candidate_save(candidate=candidate)

    assert Candidate.objects.get(pk=candidate.pk).updated_at > before
    assert [(call["created"], call["changed_fields"]) for call in saved] == [(False, [])]


# --- candidate_delete / candidate_erase / tombstone_for --------------------------------------


def test_candidate_delete_sends_a_snapshot(capture_signal):
    candidate = CandidateFactory()
    MemberLinkFactory(candidate=candidate, person_urn="urn:li:person:abc")
    placement = PlacementFactory(candidate=candidate)
    deleted = capture_signal(signals.candidate_deleted)
    candidate_id = candidate.pk

    services.candidate_delete(candidate=candidate)

    assert not Candidate.objects.filter(pk=candidate_id).exists()
    assert not ErasureTombstone.objects.exists()
    assert deleted == [
        {
            "sender": Candidate,
            "signal": signals.candidate_deleted,
            "candidate_id": candidate_id,
            "erased": False,
            "snapshot": {
                "id": candidate_id,
                "person_urn": "urn:li:person:abc",
                "email_key": candidate.email_key,
                "profile_key": candidate.profile_key,
                "placement_ids": [placement.pk],
            },
        }
    ]


def test_candidate_erase_leaves_a_hashed_tombstone(capture_signal):
    actor = UserFactory()
    candidate = services.candidate_create(
        first_name="Jane",
        last_name="Doe",
        email="Jane.Doe@example.com",
        linkedin_profile_url="https://www.linkedin.com/in/jane-doe-4a1b",
    )
    MemberLinkFactory(candidate=candidate, person_urn="urn:li:person:Xy12")
    deleted = capture_signal(signals.candidate_deleted)
    candidate_id = candidate.pk

    tombstone = services.candidate_erase(candidate=candidate, actor=actor, reason="GDPR #42")

    assert not Candidate.objects.filter(pk=candidate_id).exists()
    stored = ErasureTombstone.objects.get()
    assert stored == tombstone
    assert stored.candidate_id == candidate_id
    assert stored.email_hash == identifier_hash("jane.doe@example.com")
    assert stored.profile_hash == identifier_hash("jane-doe-4a1b")
    assert stored.person_hash == identifier_hash("urn:li:person:Xy12")
    assert stored.reason == "GDPR #42"
    assert stored.erased_by == actor
    # No personal data is kept in clear.
    assert "jane" not in f"{stored.email_hash}{stored.profile_hash}{stored.person_hash}".lower()
    assert len(deleted) == 1
    assert deleted[0]["erased"] is True
    assert deleted[0]["candidate_id"] == candidate_id
    assert deleted[0]["snapshot"]["person_urn"] == "urn:li:person:Xy12"


def test_candidate_erase_hashes_a_historical_link_when_none_is_active():
    candidate = CandidateFactory()
    MemberLinkFactory(
        candidate=candidate, person_urn="urn:li:person:old", unlinked_at=timezone.now()
    )

    tombstone = services.candidate_erase(candidate=candidate)

    assert tombstone.person_hash == identifier_hash("urn:li:person:old")


@pytest.mark.parametrize(
    "identifiers",
    [
        {"email": " JANE.DOE@Example.com "},
        {"profile_url": "linkedin.com/in/Jane-Doe-4a1b/"},
        {"person_urn": "urn:li:person:Xy12"},
        {"email": "someone@else.example", "person_urn": "urn:li:person:Xy12"},
    ],
)
def test_tombstone_for_finds_an_erased_person_by_any_identifier(identifiers):
    candidate = services.candidate_create(
        first_name="Jane",
        last_name="Doe",
        email="jane.doe@example.com",
        linkedin_profile_url="https://www.linkedin.com/in/jane-doe-4a1b",
    )
    MemberLinkFactory(candidate=candidate, person_urn="urn:li:person:Xy12")
    tombstone = services.candidate_erase(candidate=candidate)

    assert services.tombstone_for(**identifiers) == tombstone


def test_tombstone_for_finds_nothing_for_other_or_no_identifiers():
    services.candidate_erase(candidate=CandidateFactory(email="jane@example.com"))

    assert services.tombstone_for(email="john@example.com") is None
    assert services.tombstone_for(profile_url="https://example.com/in/jane") is None
    assert services.tombstone_for() is None


# --- member links ---------------------------------------------------------------------------


def link(candidate: Candidate, person_urn: str, **kwargs: object) -> MemberLink:
    return services.member_link_create(
        candidate=candidate,
        person_urn=person_urn,
        method=kwargs.pop("method", MemberLink.Method.LIVE_SYNC),
        matched_on=kwargs.pop("matched_on", MemberLink.MatchedOn.LINKEDIN),
        **kwargs,
    )


def test_member_link_create_links_and_sends_candidate_linked(capture_signal):
    candidate = CandidateFactory()
    actor = UserFactory()
    linked = capture_signal(signals.candidate_linked)

    created = link(
        candidate,
        "urn:li:person:a",
        method=MemberLink.Method.MANUAL,
        matched_on=MemberLink.MatchedOn.MEMBER,
        score=1.0,
        reason="chosen by an admin",
        actor=actor,
    )

    stored = MemberLink.objects.get()
    assert stored == created
    assert (stored.person_urn, stored.method, stored.matched_on) == (
        "urn:li:person:a",
        "manual",
        "member",
    )
    assert (stored.score, stored.reason, stored.linked_by) == (1.0, "chosen by an admin", actor)
    assert services.candidate_active_link(candidate=candidate) == stored
    assert linked == [
        {
            "sender": MemberLink,
            "signal": signals.candidate_linked,
            "candidate": candidate,
            "link": stored,
        }
    ]


def test_member_link_create_is_idempotent_for_the_same_pair(capture_signal):
    candidate = CandidateFactory()
    first = link(candidate, "urn:li:person:a")
    linked = capture_signal(signals.candidate_linked)

    again = link(candidate, "urn:li:person:a", method=MemberLink.Method.BULK_SYNC)

    assert again == first
    assert MemberLink.objects.count() == 1
    assert MemberLink.objects.get().method == MemberLink.Method.LIVE_SYNC
    assert linked == []


def test_member_link_create_refuses_a_second_member_for_a_linked_candidate(capture_signal):
    candidate = CandidateFactory()
    first = link(candidate, "urn:li:person:a")
    linked = capture_signal(signals.candidate_linked)

    with pytest.raises(services.LinkConflict, match="already linked to urn:li:person:a"):
        link(candidate, "urn:li:person:b")

    assert list(MemberLink.objects.all()) == [first]
    assert MemberLink.objects.get().unlinked_at is None
    assert linked == []


def test_member_link_create_refuses_a_member_linked_to_another_candidate():
    other = CandidateFactory()
    link(other, "urn:li:person:a")
    candidate = CandidateFactory()

    with pytest.raises(services.LinkConflict, match=f"already linked to candidate {other.pk}"):
        link(candidate, "urn:li:person:a", replace=True)

    assert not candidate.member_links.exists()


def test_member_link_create_with_replace_ends_the_old_link(capture_signal):
    candidate = CandidateFactory()
    old = link(candidate, "urn:li:person:a")
    actor = UserFactory()
    linked = capture_signal(signals.candidate_linked)
    unlinked = capture_signal(signals.candidate_unlinked)

    new = link(
        candidate,
        "urn:li:person:b",
        method=MemberLink.Method.MANUAL,
        matched_on=MemberLink.MatchedOn.MEMBER,
        actor=actor,
        replace=True,
    )

    old.refresh_from_db()
    assert old.unlinked_at is not None
    assert old.unlinked_by == actor
    assert old.unlink_reason == "replaced by urn:li:person:b"
    assert services.candidate_active_link(candidate=candidate) == new
    assert [call["link"] for call in unlinked] == [old]
    assert [call["link"] for call in linked] == [new]


def test_member_link_create_refuses_a_malformed_person_urn():
    candidate = CandidateFactory()

    with pytest.raises(ValidationError) as excinfo:
        link(candidate, "https://www.linkedin.com/in/jane")

    assert "person_urn" in excinfo.value.message_dict
    assert not MemberLink.objects.exists()


def test_member_link_create_resolves_the_open_ambiguous_match_review():
    candidate = CandidateFactory()
    review = services.match_review_open(
        candidate=candidate,
        kind=MatchReview.Kind.AMBIGUOUS_MATCH,
        person_urns=["urn:li:person:a", "urn:li:person:b"],
    )

    link(candidate, "urn:li:person:a", method=MemberLink.Method.MANUAL)

    review.refresh_from_db()
    assert review.resolved_at is not None
    assert review.resolution == "linked to urn:li:person:a (manual)"


def test_member_link_unlink_keeps_history_and_is_idempotent(capture_signal):
    candidate = CandidateFactory()
    current = link(candidate, "urn:li:person:a")
    unlinked = capture_signal(signals.candidate_unlinked)
    actor = UserFactory()

    services.member_link_unlink(link=current, actor=actor, reason="wrong person")
    services.member_link_unlink(link=current, actor=actor, reason="again")

    stored = MemberLink.objects.get()
    assert stored.unlinked_at is not None
    assert (stored.unlinked_by, stored.unlink_reason) == (actor, "wrong person")
    assert services.candidate_active_link(candidate=candidate) is None
    assert len(unlinked) == 1
    assert unlinked[0]["candidate"] == candidate


# --- review queue ---------------------------------------------------------------------------


def test_match_review_open_keeps_one_open_item_per_kind():
    candidate = CandidateFactory()
    kind = MatchReview.Kind.AMBIGUOUS_MATCH

    first = services.match_review_open(candidate=candidate, kind=kind, detail="two matches")
    second = services.match_review_open(
        candidate=candidate, kind=kind, detail="three matches", person_urns=["urn:li:person:a"]
    )

    assert first.pk == second.pk
    stored = MatchReview.objects.get()
    assert (stored.detail, stored.person_urns) == ("three matches", ["urn:li:person:a"])


def test_possible_duplicate_review_flags_then_resolving_clears_the_candidate():
    candidate, original = CandidateFactory(), CandidateFactory()
    actor = UserFactory()

    review = services.match_review_open(
        candidate=candidate, kind=MatchReview.Kind.POSSIBLE_DUPLICATE, other_candidate=original
    )
    assert Candidate.objects.get(pk=candidate.pk).possible_duplicate_of == original

    services.match_review_resolve(review=review, actor=actor, resolution="different people")

    review.refresh_from_db()
    assert review.resolved_at is not None
    assert (review.resolved_by, review.resolution) == (actor, "different people")
    assert Candidate.objects.get(pk=candidate.pk).possible_duplicate_of is None


# --- skills ---------------------------------------------------------------------------------


def test_candidate_skill_add_is_idempotent():
    candidate, skill = CandidateFactory(), QuickSkillFactory()

    first = services.candidate_skill_add(
        candidate=candidate, skill=skill, source=CandidateSkill.Source.LINKEDIN
    )
    again = services.candidate_skill_add(candidate=candidate, skill=skill)

    assert first == again
    assert CandidateSkill.objects.get().source == CandidateSkill.Source.LINKEDIN


def test_quick_skill_create_computes_keys_and_adds_aliases():
    skill = services.quick_skill_create(
        name="  Apache   Spark ", aliases=["Spark", "PySpark", "apache spark", "  "]
    )

    stored = QuickSkill.objects.get()
    assert (stored.name, stored.key) == ("Apache Spark", "apache spark")
    assert stored == skill
    assert sorted(skill.aliases.values_list("alias", "key")) == [
        ("PySpark", "pyspark"),
        ("Spark", "spark"),
    ]


@pytest.mark.parametrize("name", ["", "   ", "PYTHON", " python "])
def test_quick_skill_create_refuses_empty_or_existing_names(name):
    QuickSkillFactory(name="Python")

    with pytest.raises(ValidationError) as excinfo:
        services.quick_skill_create(name=name)

    assert "name" in excinfo.value.message_dict
    assert QuickSkill.objects.count() == 1


def test_quick_skill_create_refuses_a_name_longer_than_the_dictionary_allows():
    with pytest.raises(ValidationError) as excinfo:
        services.quick_skill_create(name="x" * 101)

    assert "name" in excinfo.value.message_dict
    assert not QuickSkill.objects.exists()


def test_quick_skill_alias_add_is_idempotent_and_ignores_the_skill_name():
    skill = services.quick_skill_create(name="JavaScript")

    first = services.quick_skill_alias_add(skill=skill, alias="JS")
    again = services.quick_skill_alias_add(skill=skill, alias=" js ")

    assert first == again
    assert services.quick_skill_alias_add(skill=skill, alias="javascript") is None
    assert services.quick_skill_alias_add(skill=skill, alias="   ") is None
    assert list(QuickSkillAlias.objects.values_list("alias", "key")) == [("JS", "js")]


def test_quick_skill_alias_add_refuses_an_over_long_alias():
    skill = services.quick_skill_create(name="Go")

    with pytest.raises(ValidationError) as excinfo:
        services.quick_skill_alias_add(skill=skill, alias="g" * 101)

    assert "alias" in excinfo.value.message_dict
    assert not QuickSkillAlias.objects.exists()


def test_another_spelling_of_the_same_identifiers_is_no_change(capture_signal):
    candidate = services.candidate_create(
        first_name="Jane",
        email="jane@example.com",
        linkedin_profile_url="https://www.linkedin.com/in/jane-doe",
    )
    saved = capture_signal(signals.candidate_saved)

    services.candidate_update(
        candidate=Candidate.objects.get(pk=candidate.pk),
        email=" jane@example.com ",
        linkedin_profile_url="uk.linkedin.com/in/Jane-Doe/",
    )

    assert [call["changed_fields"] for call in saved] == [[]]


def test_member_links_create_many_does_for_each_pair_what_member_link_create_does(
    capture_signal,
):
    free, same, taken, twice, other = (CandidateFactory() for _ in range(5))
    holder = CandidateFactory()
    MemberLinkFactory(candidate=same, person_urn="urn:li:person:same")
    MemberLinkFactory(candidate=holder, person_urn="urn:li:person:held")
    MemberLinkFactory(candidate=other, person_urn="urn:li:person:before")
    review = services.match_review_open(
        candidate=free, kind=MatchReview.Kind.AMBIGUOUS_MATCH, person_urns=["urn:li:person:x"]
    )
    one = capture_signal(signals.candidate_linked)
    batch = capture_signal(signals.candidates_linked)

    results = services.member_links_create_many(
        pairs=[
            (free, "urn:li:person:free", "one member"),
            (same, "urn:li:person:same", "again"),
            (taken, "urn:li:person:held", "taken"),
            (twice, "urn:li:person:free", "an earlier pair took it"),
            (other, "urn:li:person:new", "already linked to someone else"),
        ],
        method=MemberLink.Method.BULK_SYNC,
        matched_on=MemberLink.MatchedOn.LINKEDIN,
    )

    new = MemberLink.objects.get(candidate=free)
    assert (new.person_urn, new.method, new.reason) == (
        "urn:li:person:free",
        "bulk_sync",
        "one member",
    )
    assert results[free.pk] == new
    assert results[same.pk] == MemberLink.objects.get(candidate=same)
    assert f"already linked to candidate {holder.pk}" in results[taken.pk].messages[0]
    assert f"already linked to candidate {free.pk}" in results[twice.pk].messages[0]
    assert "already linked to urn:li:person:before" in results[other.pk].messages[0]
    assert all(isinstance(results[c.pk], services.LinkConflict) for c in (taken, twice, other))
    assert MemberLink.objects.filter(unlinked_at__isnull=True).count() == 4
    review.refresh_from_db()
    assert review.resolved_at is not None and "urn:li:person:free" in review.resolution
    assert [call["link"] for call in one] == [new]
    assert [call["links"] for call in batch] == [[new]]
    event = Activity.objects.get(kind=Activity.Kind.LINK, candidate=free)
    assert event.external_id == f"link:{new.pk}" and event.body == "one member"


def test_member_links_create_many_refuses_a_bad_urn_before_linking_anyone():
    good, bad = CandidateFactory(), CandidateFactory()

    with pytest.raises(ValidationError):
        services.member_links_create_many(
            pairs=[(good, "urn:li:person:ok", ""), (bad, "person-2", "")],
            method=MemberLink.Method.BULK_SYNC,
            matched_on=MemberLink.MatchedOn.LINKEDIN,
        )

    assert not MemberLink.objects.exists()


def test_update_validates_only_what_changes():
    """A value stored before today's rules does not block a save; a changed one is checked."""
    candidate = CandidateFactory(first_name="Ada", last_name="Byron")
    Candidate.objects.filter(pk=candidate.pk).update(email="ada.byron@analytical")
    candidate = Candidate.objects.get(pk=candidate.pk)

    services.candidate_save(candidate=candidate)
    services.candidate_update(candidate=candidate, phone="+44 20 7946 0002")
    with pytest.raises(ValidationError) as excinfo:
        services.candidate_update(candidate=candidate, email="ada@other-invalid")

    assert list(excinfo.value.message_dict) == ["email"]
    stored = Candidate.objects.get(pk=candidate.pk)
    assert (stored.email, stored.phone) == ("ada.byron@analytical", "+44 20 7946 0002")
