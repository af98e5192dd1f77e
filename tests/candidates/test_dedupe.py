"""find_duplicate against the database: every rule, their order, and the bounded name lookup."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from candidates.dedupe import (
    DuplicateDecision,
    IncomingPerson,
    find_duplicate,
    find_duplicate_traced,
)
from candidates.matching import BLOCK_LIMIT, BLOCK_SIDE_LIMIT
from candidates.models import Candidate
from tests.candidates.factories import CandidateFactory, MemberLinkFactory

pytestmark = pytest.mark.django_db


def candidate(days_ago: int = 0, **fields: object) -> Candidate:
    fields.setdefault("email", "")
    return CandidateFactory(updated_at=timezone.now() - timedelta(days=days_ago), **fields)


# --- Rule 1: LinkedIn member ----------------------------------------------------------------


def test_member_link_decides_first() -> None:
    linked = candidate(first_name="Jane", last_name="Doe")
    MemberLinkFactory(candidate=linked, person_urn="urn:li:person:Xy12")

    decision = find_duplicate(
        IncomingPerson(person_urn="urn:li:person:Xy12", first_name="Someone", last_name="Else")
    )

    assert decision == DuplicateDecision(linked.pk, "member", 1.0, None, decision.reason)
    assert "urn:li:person:Xy12" in decision.reason


def test_an_ended_member_link_is_not_a_match() -> None:
    unlinked = candidate(first_name="Jane", last_name="Doe", email="jane@example.com")
    MemberLinkFactory(
        candidate=unlinked, person_urn="urn:li:person:Xy12", unlinked_at=timezone.now()
    )

    decision = find_duplicate(
        IncomingPerson(person_urn="urn:li:person:Xy12", emails=("other@example.com",))
    )

    assert decision.candidate_id is None


# --- Rule 2: profile URL --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "incoming"),
    [
        ("https://www.linkedin.com/in/jane-doe-4a1b", "https://uk.linkedin.com/in/Jane-Doe-4a1b/"),
        ("https://www.linkedin.com/in/jane-doe-4a1b", "linkedin.com/in/jane-doe-4a1b?trk=abc#top"),
        ("https://www.linkedin.com/in/jane-doe-4a1b", "http://m.linkedin.com/in/JANE-DOE-4A1B"),
        (
            "https://www.linkedin.com/in/krzysztof-marzec-b50576a7",
            "https://sy.linkedin.com/pub/krzysztof-marzec/a7/576/b50?trk=biz",
        ),
        (
            "https://es.linkedin.com/in/José-García",
            "https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa/?locale=es_ES",
        ),
    ],
)
def test_profile_url_matches_whatever_the_spelling(stored: str, incoming: str) -> None:
    existing = candidate(first_name="Jane", last_name="Doe", linkedin_profile_url=stored)

    decision = find_duplicate(
        IncomingPerson(
            person_urn="urn:li:person:new", profile_url=incoming, first_name="J", last_name="D"
        )
    )

    assert (decision.candidate_id, decision.rule, decision.score) == (
        existing.pk,
        "profile_url",
        1.0,
    )


def test_several_candidates_with_one_url_pick_the_most_recently_updated() -> None:
    url = "https://www.linkedin.com/in/jane-doe-4a1b"
    older = candidate(days_ago=30, linkedin_profile_url=url)
    newer = candidate(days_ago=1, linkedin_profile_url=url)

    decision = find_duplicate(IncomingPerson(profile_url=url))

    assert decision.candidate_id == newer.pk
    assert "2 candidates" in decision.reason
    assert "most recently updated" in decision.reason
    assert str(older.pk) in decision.reason


def test_profile_url_of_a_candidate_linked_to_another_member_is_not_taken() -> None:
    url = "https://www.linkedin.com/in/jane-doe-4a1b"
    other_person = candidate(linkedin_profile_url=url)
    MemberLinkFactory(candidate=other_person, person_urn="urn:li:person:someone-else")
    by_email = candidate(email="jane@example.com")

    decision = find_duplicate(
        IncomingPerson(
            person_urn="urn:li:person:new", profile_url=url, emails=("jane@example.com",)
        )
    )

    assert (decision.candidate_id, decision.rule) == (by_email.pk, "email")
    assert f"candidate {other_person.pk}, linked to a different LinkedIn member" in decision.reason


# --- Rule 3: email --------------------------------------------------------------------------


def test_email_matches_ignoring_case_and_spaces() -> None:
    existing = candidate(email="Jane.Doe@Example.com")

    decision = find_duplicate(IncomingPerson(emails=("  JANE.DOE@example.COM ",)))

    assert (decision.candidate_id, decision.rule) == (existing.pk, "email")


def test_any_of_the_emails_can_match() -> None:
    existing = candidate(email="jane@work.example")

    decision = find_duplicate(IncomingPerson(emails=("jane@home.example", "Jane@Work.example")))

    assert decision.candidate_id == existing.pk


# --- Rule order -----------------------------------------------------------------------------


def test_profile_url_beats_an_email_pointing_elsewhere() -> None:
    by_url = candidate(
        first_name="Ann",
        last_name="Lee",
        linkedin_profile_url="https://www.linkedin.com/in/ann-lee",
    )
    candidate(first_name="Ann", last_name="Lee", email="ann@example.com")

    decision = find_duplicate(
        IncomingPerson(
            profile_url="https://uk.linkedin.com/in/ann-lee",
            emails=("ann@example.com",),
            first_name="Ann",
            last_name="Lee",
        )
    )

    assert (decision.candidate_id, decision.rule) == (by_url.pk, "profile_url")


def test_member_beats_profile_url_and_email() -> None:
    by_member = candidate()
    MemberLinkFactory(candidate=by_member, person_urn="urn:li:person:m1")
    candidate(linkedin_profile_url="https://www.linkedin.com/in/ann-lee", email="ann@example.com")

    decision = find_duplicate(
        IncomingPerson(
            person_urn="urn:li:person:m1",
            profile_url="https://www.linkedin.com/in/ann-lee",
            emails=("ann@example.com",),
        )
    )

    assert (decision.candidate_id, decision.rule) == (by_member.pk, "member")


def test_email_beats_a_name_pointing_elsewhere() -> None:
    candidate(first_name="Zoë", last_name="Dupont")
    by_email = candidate(first_name="Z", last_name="D", email="zoe@example.fr")

    decision = find_duplicate(
        IncomingPerson(emails=("zoe@example.fr",), first_name="Zoe", last_name="Dupont")
    )

    assert (decision.candidate_id, decision.rule) == (by_email.pk, "email")


# --- Rule 4: name ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "incoming", "exact"),
    [
        (("Zoë", "Dupont"), ("ZOE", "dupont"), True),
        (("Siobhán", "O'Brien"), ("Siobhan", "OBrien"), True),
        (("Jonathan", "Smithson"), ("Jonathon", "Smithson"), False),
        (("Margaret", "Kowalczyk"), ("Margaret", "Kowalczik"), False),
    ],
)
def test_a_unique_similar_name_matches(stored: tuple, incoming: tuple, exact: bool) -> None:
    existing = candidate(first_name=stored[0], last_name=stored[1])
    candidate(first_name="Someone", last_name=stored[1])

    decision = find_duplicate(
        IncomingPerson(person_urn="urn:li:person:n", first_name=incoming[0], last_name=incoming[1])
    )

    assert (decision.candidate_id, decision.rule) == (existing.pk, "name")
    assert (decision.score == 1.0) is exact
    assert decision.score >= 0.9


def test_two_people_with_the_same_name_are_ambiguous() -> None:
    older = candidate(days_ago=10, first_name="John", last_name="Smith")
    newer = candidate(days_ago=2, first_name="John", last_name="Smith")

    decision = find_duplicate(
        IncomingPerson(person_urn="urn:li:person:n", first_name="John", last_name="Smith")
    )

    assert decision.candidate_id is None
    assert decision.rule is None
    assert decision.possible_duplicate_of == newer.pk
    assert f"{older.pk}" in decision.reason and "2 candidates" in decision.reason


def test_a_name_match_contradicted_by_a_different_email_is_not_taken() -> None:
    existing = candidate(first_name="Ann", last_name="Lee", email="ann.lee@old.example")

    decision = find_duplicate(
        IncomingPerson(emails=("ann@new.example",), first_name="Ann", last_name="Lee")
    )

    assert decision.candidate_id is None
    assert decision.possible_duplicate_of == existing.pk
    assert "different email" in decision.reason


def test_a_name_match_contradicted_by_a_different_member_link_is_not_taken() -> None:
    existing = candidate(first_name="Ann", last_name="Lee")
    MemberLinkFactory(candidate=existing, person_urn="urn:li:person:ann-1")

    decision = find_duplicate(
        IncomingPerson(person_urn="urn:li:person:ann-2", first_name="Ann", last_name="Lee")
    )

    assert decision.candidate_id is None
    assert decision.possible_duplicate_of == existing.pk
    assert "urn:li:person:ann-1" in decision.reason


def test_a_name_match_contradicted_by_a_different_profile_url_is_not_taken() -> None:
    existing = candidate(
        first_name="Ann",
        last_name="Lee",
        linkedin_profile_url="https://www.linkedin.com/in/ann-lee-1",
    )

    decision = find_duplicate(
        IncomingPerson(
            profile_url="https://www.linkedin.com/in/ann-lee-2", first_name="Ann", last_name="Lee"
        )
    )

    assert (decision.candidate_id, decision.possible_duplicate_of) == (None, existing.pk)
    assert "different LinkedIn profile URL" in decision.reason


def test_no_similar_name_is_a_plain_no_match() -> None:
    candidate(first_name="Mary", last_name="Smith")

    decision = find_duplicate(
        IncomingPerson(person_urn="urn:li:person:n", first_name="Mark", last_name="Smith")
    )

    assert decision == DuplicateDecision(None, None, 0.0, None, decision.reason)


# --- Bounded work ---------------------------------------------------------------------------


def _bulk(names: list[tuple[str, str]]) -> None:
    rows = [Candidate(first_name=first, last_name=last) for first, last in names]
    for row in rows:
        row.refresh_keys()
    Candidate.objects.bulk_create(rows)


def test_a_crowded_surname_is_read_at_most_block_limit_rows() -> None:
    # 500 Smiths whose first names all share the incoming name's first two letters.
    letters = "abcdefghijklmnopqrstuvwxyz"
    _bulk([(f"Jo{letters[i // 26]}{letters[i % 26]}x", "Smith") for i in range(500)])
    target = candidate(first_name="Jonathan", last_name="Smith")

    with CaptureQueriesContext(connection) as queries:
        trace = find_duplicate_traced(IncomingPerson(first_name="Jonathan", last_name="Smith"))

    assert trace.decision.candidate_id == target.pk
    assert trace.rows_scored <= BLOCK_LIMIT
    assert trace.queries == 1
    assert queries[0]["sql"].count(f"LIMIT {BLOCK_SIDE_LIMIT}") == 4


def test_five_hundred_identical_names_score_at_most_two_blocks() -> None:
    _bulk([("John", "Smith")] * 500)

    trace = find_duplicate_traced(IncomingPerson(first_name="John", last_name="Smith"))

    assert trace.decision.candidate_id is None
    assert trace.decision.possible_duplicate_of is not None
    assert 2 <= trace.rows_scored <= 2 * BLOCK_LIMIT


def test_a_full_lookup_that_matches_nothing_runs_four_queries(
    django_assert_max_num_queries,
) -> None:
    candidate(first_name="Zoë", last_name="Dupont", email="z@example.fr")
    person = IncomingPerson(
        person_urn="urn:li:person:nobody",
        profile_url="https://www.linkedin.com/in/nobody",
        emails=("nobody@example.com", "nobody@work.example"),
        first_name="Nobody",
        last_name="Anybody",
    )

    with django_assert_max_num_queries(4):
        trace = find_duplicate_traced(person)

    assert trace.queries == 4
    assert trace.decision.candidate_id is None


# --- Bad input ------------------------------------------------------------------------------


def test_a_person_with_nothing_to_compare_is_refused() -> None:
    with pytest.raises(ValueError, match="no LinkedIn member"):
        find_duplicate(IncomingPerson(emails=("not-an-email",), profile_url=""))


def test_find_duplicate_needs_an_incoming_person() -> None:
    with pytest.raises(TypeError, match="IncomingPerson"):
        find_duplicate({"first_name": "Jane"})


def test_an_unusable_profile_url_is_noted_in_the_reason() -> None:
    decision = find_duplicate(
        IncomingPerson(profile_url="https://example.com/jane", first_name="Jane", last_name="Doe")
    )

    assert "not a LinkedIn profile" in decision.reason
