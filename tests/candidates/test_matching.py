"""The duplicate check's pure rules: scoring, blocking bounds, decisions (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from candidates.matching import (
    BLOCK_PREFIX_LENGTH,
    RULE_EMAIL,
    RULE_NAME,
    RULE_PROFILE_URL,
    CandidateKeys,
    IncomingKeys,
    IncomingPerson,
    Notes,
    decide_identifier,
    decide_member,
    decide_name,
    name_blocks,
    name_score,
    next_prefix,
    similarity,
)


def keys(**fields: object) -> IncomingKeys:
    return IncomingKeys.of(IncomingPerson(**fields))


def row(pk: int, day: int = 1, **fields: str) -> CandidateKeys:
    return CandidateKeys(id=pk, updated_at=datetime(2025, 1, day, tzinfo=UTC), **fields)


# --- Scoring --------------------------------------------------------------------------------


def test_similarity_is_one_minus_edits_over_longer_length() -> None:
    assert similarity("smith", "smith") == 1.0
    assert similarity("smith", "smyth") == pytest.approx(0.8)
    assert similarity("", "") == 1.0
    assert similarity("abc", "") == 0.0


@pytest.mark.parametrize(
    ("incoming", "existing", "accepted"),
    [
        (("jonathan", "smithson"), ("jonathon", "smithson"), True),  # one-letter typo
        (("jonathan", "smith"), ("jonathan", "smyth"), True),
        (("mark", "smith"), ("mary", "smith"), False),  # short names: a letter is a person
        (("jon", "smith"), ("john", "smith"), False),
        (("john", "smith"), ("jane", "smith"), False),
        (("obrien", "zoe"), ("obrien", "zoe"), True),
        (("alexander", "johnson"), ("alexandra", "johnston"), False),  # two parts changed
    ],
)
def test_name_score_thresholds(incoming: tuple, existing: tuple, accepted: bool) -> None:
    assert name_score(*incoming, *existing).accepted is accepted


def test_equal_keys_score_exactly_one() -> None:
    score = name_score("zoe", "obrien", "zoe", "obrien")

    assert (score.score, score.first, score.last) == (1.0, 1.0, 1.0)


# --- Blocking -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("jo", "jp"),
        ("z", "{"),
        ("и", "й"),
        ("a\U0010ffff", "b"),
        ("\U0010ffff", None),
        ("a\ud7ff", "a\ue000"),
    ],
)
def test_next_prefix_bounds_every_string_with_the_prefix(prefix: str, expected: str | None) -> None:
    assert next_prefix(prefix) == expected
    if expected is not None:
        assert prefix + "\U0010ffff" < expected


def test_name_blocks_range_over_the_first_letters_of_the_other_part() -> None:
    block_a, block_b = name_blocks(keys(first_name="Zoë", last_name="O'Brien"))

    assert (block_a.equal_column, block_a.equal, block_a.range_column) == (
        "last_name_key",
        "obrien",
        "first_name_key",
    )
    assert (block_a.low, block_a.pivot, block_a.high) == ("zo", "zoe", "zp")
    assert (block_b.equal, block_b.low, block_b.pivot, block_b.high) == (
        "zoe",
        "ob",
        "obrien",
        "oc",
    )
    assert len(block_a.low) == BLOCK_PREFIX_LENGTH


def test_no_blocks_without_both_name_parts() -> None:
    assert name_blocks(keys(first_name="Cher")) is None
    assert name_blocks(keys(first_name="'", last_name="Smith")) is None


# --- Incoming person ------------------------------------------------------------------------


def test_incoming_person_accepts_a_list_or_a_bare_string_of_emails() -> None:
    assert IncomingPerson(emails=["a@x.com", "b@x.com"]).emails == ("a@x.com", "b@x.com")
    assert IncomingPerson(emails="a@x.com").emails == ("a@x.com",)
    assert IncomingPerson(emails=None).emails == ()


@pytest.mark.parametrize("urn", ["urn:li:member:5", "12345", "urn:li:person:"])
def test_incoming_person_rejects_a_malformed_person_urn(urn: str) -> None:
    with pytest.raises(ValueError, match="person URN"):
        IncomingPerson(person_urn=urn)


def test_incoming_person_rejects_values_that_are_not_text() -> None:
    with pytest.raises(TypeError, match="first_name"):
        IncomingPerson(first_name=5)
    with pytest.raises(TypeError, match="emails"):
        IncomingPerson(emails=[None])


def test_incoming_keys_normalise_and_deduplicate() -> None:
    incoming = keys(
        person_urn=" urn:li:person:Xy12 ",
        profile_url="https://uk.linkedin.com/in/Jane-Doe/?trk=x",
        emails=(" Jane@Example.com", "jane@example.COM", "not an email", ""),
        first_name="Zoë",
        last_name="O'Brien",
    )

    assert incoming == IncomingKeys(
        "urn:li:person:Xy12", "jane-doe", ("jane@example.com",), "zoe", "obrien"
    )


# --- Decisions ------------------------------------------------------------------------------


def test_member_rule_takes_the_linked_candidate() -> None:
    decision = decide_member(
        keys(person_urn="urn:li:person:1"), [row(7, person_urn="urn:li:person:1")]
    )

    assert (decision.candidate_id, decision.rule, decision.score) == (7, "member", 1.0)
    assert "urn:li:person:1" in decision.reason


def test_identifier_rule_picks_the_most_recently_updated_and_says_so() -> None:
    rows = [row(3, day=2), row(9, day=5), row(4, day=1)]

    decision = decide_identifier(
        rule=RULE_EMAIL,
        label="email address",
        keys=keys(emails="a@x.com"),
        rows=rows,
        notes=Notes(),
    )

    assert (decision.candidate_id, decision.rule) == (9, RULE_EMAIL)
    assert "3 candidates" in decision.reason
    assert "most recently updated" in decision.reason
    assert "3, 4" in decision.reason


def test_identifier_rule_skips_candidates_linked_to_another_member() -> None:
    incoming = keys(person_urn="urn:li:person:new", profile_url="linkedin.com/in/x")
    notes = Notes()
    rows = [row(1, day=9, person_urn="urn:li:person:other"), row(2, day=1)]

    decision = decide_identifier(
        rule=RULE_PROFILE_URL, label="LinkedIn profile URL", keys=incoming, rows=rows, notes=notes
    )

    assert decision.candidate_id == 2
    assert "candidate 1" in decision.reason and "different LinkedIn member" in decision.reason


def test_identifier_rule_gives_up_when_every_candidate_is_another_member() -> None:
    incoming = keys(person_urn="urn:li:person:new", emails="a@x.com")
    notes = Notes()

    decision = decide_identifier(
        rule=RULE_EMAIL,
        label="email address",
        keys=incoming,
        rows=[row(1, person_urn="urn:li:person:other")],
        notes=notes,
    )

    assert decision is None
    assert "candidate 1" in notes.suffix()


def test_unique_uncontradicted_name_matches() -> None:
    incoming = keys(first_name="Jonathon", last_name="Smithson", emails="j@x.com")
    rows = [row(5, first_name_key="jonathan", last_name_key="smithson")]

    outcome = decide_name(incoming, rows)

    assert (outcome.decision.candidate_id, outcome.decision.rule) == (5, RULE_NAME)
    assert outcome.decision.score == pytest.approx(1 - 1 / 17, abs=1e-4)
    assert outcome.rows_scored == 1


def test_same_name_twice_is_ambiguous_and_points_at_the_most_recent() -> None:
    incoming = keys(first_name="John", last_name="Smith")
    rows = [
        row(1, day=3, first_name_key="john", last_name_key="smith"),
        row(2, day=8, first_name_key="john", last_name_key="smith"),
        row(2, day=8, first_name_key="john", last_name_key="smith"),  # from both blocks
        row(3, day=9, first_name_key="joan", last_name_key="smith"),
    ]

    outcome = decide_name(incoming, rows)

    assert outcome.decision.candidate_id is None
    assert outcome.decision.possible_duplicate_of == 2
    assert outcome.decision.score == 1.0
    assert "2 candidates have a similar name" in outcome.decision.reason
    assert outcome.rows_scored == 3


@pytest.mark.parametrize(
    ("incoming", "existing", "why"),
    [
        (
            {"person_urn": "urn:li:person:a"},
            {"person_urn": "urn:li:person:b"},
            "different LinkedIn member",
        ),
        (
            {"profile_url": "linkedin.com/in/a"},
            {"profile_key": "b"},
            "different LinkedIn profile URL",
        ),
        ({"emails": ("a@x.com",)}, {"email_key": "b@x.com"}, "different email"),
    ],
)
def test_contradicted_name_match_is_only_a_possible_duplicate(
    incoming: dict, existing: dict, why: str
) -> None:
    rows = [row(4, first_name_key="zoe", last_name_key="obrien", **existing)]

    outcome = decide_name(keys(first_name="Zoe", last_name="OBrien", **incoming), rows)

    assert outcome.decision.candidate_id is None
    assert outcome.decision.possible_duplicate_of == 4
    assert why in outcome.decision.reason


def test_missing_values_on_either_side_do_not_contradict() -> None:
    rows = [row(4, first_name_key="zoe", last_name_key="obrien", email_key="zoe@x.com")]

    outcome = decide_name(
        keys(first_name="Zoe", last_name="OBrien", person_urn="urn:li:person:z"), rows
    )

    assert outcome.decision.candidate_id == 4


def test_no_similar_name_is_no_match() -> None:
    rows = [row(4, first_name_key="mary", last_name_key="smith")]

    outcome = decide_name(keys(first_name="Mark", last_name="Smith"), rows)

    assert outcome.decision == outcome.decision.__class__(
        None, None, 0.0, None, outcome.decision.reason
    )
    assert "similar name" in outcome.decision.reason


def test_notes_from_stronger_rules_reach_the_final_reason() -> None:
    notes = Notes()
    notes.add("The profile URL 'x' is not a LinkedIn profile.")

    outcome = decide_name(keys(first_name="A", last_name="B"), [], notes)

    assert outcome.decision.reason.endswith("The profile URL 'x' is not a LinkedIn profile.")
