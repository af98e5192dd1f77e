"""The sandbox's member matching rules (pure functions, no database)."""

from __future__ import annotations

from tracker_rsc.sandbox.matching import (
    CandidateFacts,
    MemberFacts,
    MemberIndex,
    company_key,
    fold,
    profile_key,
)

JANE = MemberFacts(
    person_urn="urn:li:person:jane",
    first_name="Jane",
    last_name="Doe",
    emails=("jane@example.com",),
    phones=("+44 7700 900123",),
    profile_url="https://uk.linkedin.com/in/Jane-Doe-4a1b/",
    companies=("Acme Ltd",),
)
ZOE = MemberFacts(
    person_urn="urn:li:person:zoe",
    first_name="Zoë",
    last_name="O'Brien",
    phones=("07700 900456",),
    companies=("Initech",),
)
SAM_1 = MemberFacts("urn:li:person:sam1", "Sam", "Taylor", companies=("Barclays",))
SAM_2 = MemberFacts("urn:li:person:sam2", "Sam", "Taylor", companies=("Barclays Group", "BBC"))
INDEX = MemberIndex.build([JANE, ZOE, SAM_1, SAM_2])


def test_email_matches_whatever_its_case_and_spacing():
    outcome = INDEX.match(CandidateFacts("J", "D", emails=(" JANE@Example.com",)))

    assert outcome.members == ["urn:li:person:jane"]
    assert outcome.rule == "email"


def test_profile_url_matches_across_subdomains_case_and_query():
    outcome = INDEX.match(
        CandidateFacts(profile_url="http://www.linkedin.com/in/jane-doe-4a1b?trk=abc")
    )

    assert outcome.members == ["urn:li:person:jane"]
    assert outcome.rule == "profile_url"


def test_name_with_phone_matches_despite_accents_and_formatting():
    outcome = INDEX.match(CandidateFacts("zoe", "OBrien", phones=("+44 (0)7700-900456",)))

    assert outcome.members == ["urn:li:person:zoe"]
    assert outcome.rule == "name+phone"


def test_name_with_company_matches_ignoring_legal_suffixes():
    outcome = INDEX.match(CandidateFacts("Jane", "Doe", emails=("other@x.org",), company="ACME"))

    assert outcome.members == ["urn:li:person:jane"]
    assert outcome.rule == "name+company"


def test_a_name_alone_never_matches():
    outcome = INDEX.match(CandidateFacts("Jane", "Doe", company="Globex"))

    assert outcome.members == []
    assert outcome.rule == "none"


def test_two_people_with_the_same_name_at_the_company_are_ambiguous():
    outcome = INDEX.match(CandidateFacts("Sam", "Taylor", company="Barclays plc"))

    assert outcome.members == ["urn:li:person:sam1", "urn:li:person:sam2"]
    assert outcome.ambiguous


def test_conflicting_strong_identifiers_are_ambiguous_not_a_guess():
    other = MemberFacts("urn:li:person:other", "Ann", "Other", emails=("ann@example.com",))
    index = MemberIndex.build([JANE, other])

    outcome = index.match(
        CandidateFacts(emails=("ann@example.com",), profile_url="linkedin.com/in/jane-doe-4a1b")
    )

    assert outcome.members == ["urn:li:person:jane", "urn:li:person:other"]
    assert outcome.rule == "email+profile_url"


def test_strong_identifiers_win_over_name_matches():
    outcome = INDEX.match(
        CandidateFacts("Sam", "Taylor", emails=("jane@example.com",), company="Barclays")
    )

    assert outcome.members == ["urn:li:person:jane"]


def test_candidate_facts_read_an_ats_record():
    facts = CandidateFacts.from_record(
        {
            "firstName": "Jane",
            "lastName": "Doe",
            "emailAddresses": ["jane@example.com"],
            "phoneNumbers": [{"number": "+44 7700 900123", "extension": "1"}],
            "linkedInProfileUrl": "https://www.linkedin.com/in/jane",
            "currentCompanyName": "Acme",
        }
    )

    assert facts.emails == ("jane@example.com",)
    assert facts.phones == ("+44 7700 900123",)
    assert facts.company == "Acme"


def test_normalisers():
    assert fold("Zoë O'Brien-Smith") == "zoeobriensmith"
    assert profile_key("https://fr.linkedin.com/in/Jean-Dupont/") == "jean-dupont"
    assert profile_key("https://example.com/in/jean") == ""
    assert company_key("Acme Holdings Ltd.") == company_key("acme holdings")
