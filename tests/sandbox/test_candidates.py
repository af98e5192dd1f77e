"""atsCandidates: full replace, required fields per entity, batch size, matches, deletion."""

from __future__ import annotations

import pytest

from tests.sandbox.conftest import (
    ORG,
    candidate_ids,
    candidate_key,
    candidate_record,
)
from tests.sandbox.factories import MemberFactory
from tracker_rsc.sandbox.models import AtsCandidate


def test_batch_update_stores_the_records_and_answers_per_entity(li):
    response = li.upsert_candidates({"1": candidate_record(1), "2": candidate_record(2)})

    assert response.status_code == 200
    body = response.json()
    assert body["errors"] == {}
    assert body["results"] == {candidate_key(1): {"status": 204}, candidate_key(2): {"status": 204}}
    stored = AtsCandidate.objects.get(ats_candidate_id="1", integration_context=ORG)
    assert stored.record["emailAddresses"] == ["jane.1@example.com"]


def test_batch_update_is_a_full_replace(li):
    li.upsert_candidates({"7": candidate_record(7, currentCompanyName="Acme")})

    li.upsert_candidates({"7": candidate_record(7, currentCompanyName=..., firstName="Janet")})

    record = AtsCandidate.objects.get(ats_candidate_id="7").record
    assert record["firstName"] == "Janet"
    assert "currentCompanyName" not in record


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"firstName": ...}, "firstName"),
        ({"lastName": "  "}, "lastName"),
        ({"atsCreatedAt": ...}, "atsCreatedAt"),
        ({"atsCreatedAt": 0}, "atsCreatedAt"),
        ({"atsLastModifiedAt": 1_600_000_000_000}, "atsLastModifiedAt"),
        ({"externalProfileUrl": ...}, "externalProfileUrl"),
        ({"emailAddresses": ...}, "emailAddresses"),
        ({"emailAddresses": []}, "emailAddresses"),
        ({"emailAddresses": ["not-an-email"]}, "emailAddresses"),
        ({"phoneNumbers": ["0123"]}, "phoneNumbers"),
    ],
)
def test_an_invalid_entity_fails_alone_while_the_others_succeed(li, overrides, field):
    response = li.upsert_candidates(
        {"good": candidate_record("good"), "bad": candidate_record("bad", **overrides)}
    )

    body = response.json()
    assert response.status_code == 200
    assert list(body["results"]) == [candidate_key("good")]
    error = body["errors"][candidate_key("bad")]
    assert error["status"] == 400
    assert error["message"].startswith(field)
    assert list(AtsCandidate.objects.values_list("ats_candidate_id", flat=True)) == ["good"]


def test_an_invalid_update_leaves_the_stored_record_unchanged(li):
    li.upsert_candidates({"3": candidate_record(3, firstName="Original")})

    li.upsert_candidates({"3": candidate_record(3, firstName="Changed", lastName=...)})

    assert AtsCandidate.objects.get(ats_candidate_id="3").record["firstName"] == "Original"


def test_101_entities_are_refused_whole(li):
    records = {str(n): candidate_record(n) for n in range(101)}

    response = li.upsert_candidates(records)

    assert response.status_code == 400
    assert "100" in response.json()["message"]
    assert not AtsCandidate.objects.exists()


def test_100_entities_are_accepted(li):
    response = li.upsert_candidates({str(n): candidate_record(n) for n in range(100)})

    assert response.status_code == 200
    assert AtsCandidate.objects.count() == 100


def test_body_keys_must_match_the_ids_of_the_query(li):
    response = li.put(
        "v2/atsCandidates",
        candidate_ids(["1"]),
        {"entities": {candidate_key("2"): candidate_record(2)}},
    )

    assert response.status_code == 400
    assert not AtsCandidate.objects.exists()


def test_batch_update_without_ids_is_refused(li):
    response = li.put("v2/atsCandidates", "", {"entities": {candidate_key(1): candidate_record(1)}})

    assert response.status_code == 400


def test_malformed_body_is_400(li):
    response = li.call(
        "PUT",
        "v2/atsCandidates",
        candidate_ids(["1"]),
        method="batch_update",
        headers={},
    )

    assert response.status_code == 400


def test_email_is_not_required_once_manually_matched(li, member):
    li.upsert_candidates({"9": candidate_record(9)})
    li.call(
        "POST",
        "v2/atsCandidates",
        candidate_ids(["9"]),
        {
            "entities": {
                candidate_key(9): {"patch": {"$set": {"manualMatchedMember": member.person_urn}}}
            }
        },
        method="batch_partial_update",
    )

    response = li.upsert_candidates({"9": candidate_record(9, emailAddresses=[])})

    assert response.json()["errors"] == {}
    stored = AtsCandidate.objects.get(ats_candidate_id="9")
    assert stored.record["emailAddresses"] == []
    assert stored.manual_matched_member == member.person_urn  # a full replace keeps the link


def test_matches_are_read_with_fields(li, member):
    li.upsert_candidates({"1": candidate_record(1, emailAddresses=["JANE@Example.com"])})

    response = li.get(
        "v2/atsCandidates", candidate_ids(["1"]) + "&fields=matchedMembers,manualMatchedMember"
    )

    assert response.status_code == 200
    assert response.json() == {
        "results": {
            candidate_key(1): {"matchedMembers": [member.person_urn], "manualMatchedMember": None}
        },
        "errors": {},
    }


def test_unknown_candidate_in_a_batch_get_is_a_404_entity(li):
    li.upsert_candidates({"1": candidate_record(1)})

    body = li.get("v2/atsCandidates", candidate_ids(["1", "404"])).json()

    assert candidate_key(1) in body["results"]
    assert body["errors"][candidate_key(404)]["status"] == 404


def test_several_plausible_members_are_all_returned(li):
    for company in ("Acme", "Acme Ltd"):
        MemberFactory(first_name="Sam", last_name="Taylor", emails=[], companies=[company])
    li.upsert_candidates(
        {"1": candidate_record(1, firstName="Sam", lastName="Taylor", currentCompanyName="ACME")}
    )

    result = li.get("v2/atsCandidates", candidate_ids(["1"])).json()["results"][candidate_key(1)]

    assert len(result["matchedMembers"]) == 2
    assert result["manualMatchedMember"] is None


def test_manual_match_wins_and_can_be_cleared(li, member):
    other = MemberFactory(first_name="Sam", last_name="Taylor")
    li.upsert_candidates({"1": candidate_record(1)})  # jane.1@… matches nobody
    patch_url = ("v2/atsCandidates", candidate_ids(["1"]))

    set_response = li.call(
        "POST",
        *patch_url,
        {
            "entities": {
                candidate_key(1): {"patch": {"$set": {"manualMatchedMember": other.person_urn}}}
            }
        },
        method="batch_partial_update",
    )
    after_set = li.get(*patch_url).json()["results"][candidate_key(1)]
    li.call(
        "POST",
        *patch_url,
        {"entities": {candidate_key(1): {"patch": {"$set": {"manualMatchedMember": None}}}}},
        method="batch_partial_update",
    )
    after_clear = li.get(*patch_url).json()["results"][candidate_key(1)]

    assert set_response.json()["results"] == {candidate_key(1): {"status": 204}}
    assert after_set["manualMatchedMember"] == other.person_urn
    assert after_clear["manualMatchedMember"] is None


def test_manual_match_to_an_unknown_member_or_other_field_is_refused(li):
    li.upsert_candidates({"1": candidate_record(1)})

    body = li.call(
        "POST",
        "v2/atsCandidates",
        candidate_ids(["1"]),
        {
            "entities": {
                candidate_key(1): {
                    "patch": {"$set": {"manualMatchedMember": "urn:li:person:nobody"}}
                }
            }
        },
        method="batch_partial_update",
    ).json()
    field_body = li.call(
        "POST",
        "v2/atsCandidates",
        candidate_ids(["1"]),
        {"entities": {candidate_key(1): {"patch": {"$set": {"firstName": "X"}}}}},
        method="batch_partial_update",
    ).json()

    assert body["errors"][candidate_key(1)]["status"] == 404
    assert field_body["errors"][candidate_key(1)]["message"].startswith("firstName")
    assert AtsCandidate.objects.get().manual_matched_member == ""


def test_batch_delete_removes_and_is_idempotent(li):
    li.upsert_candidates({"1": candidate_record(1), "2": candidate_record(2)})

    first = li.call("DELETE", "v2/atsCandidates", candidate_ids(["1"]), method="batch_delete")
    again = li.call("DELETE", "v2/atsCandidates", candidate_ids(["1"]), method="batch_delete")

    assert first.json()["results"] == {candidate_key(1): {"status": 204}}
    assert again.status_code == 200
    assert list(AtsCandidate.objects.values_list("ats_candidate_id", flat=True)) == ["2"]


def test_a_bad_key_fails_only_its_entity(li):
    bad_key = "atsCandidateId=5&dataProvider=OTHER&integrationContext=" + ORG
    response = li.put(
        "v2/atsCandidates",
        candidate_ids(["4"]) + "&ids[1].atsCandidateId=5&ids[1].dataProvider=OTHER"
        f"&ids[1].integrationContext={ORG}",
        {"entities": {candidate_key(4): candidate_record(4), bad_key: candidate_record(5)}},
    )

    body = response.json()
    assert list(body["results"]) == [candidate_key(4)]
    assert "dataProvider" in body["errors"][bad_key]["message"]


def test_query_tunnelling_is_understood(li):
    li.upsert_candidates({"1": candidate_record(1)})

    response = li.client.post(
        "/sandbox/linkedin/v2/atsCandidates",
        candidate_ids(["1"]),
        content_type="application/x-www-form-urlencoded",
        headers={**li.headers(), "X-HTTP-Method-Override": "GET"},
    )

    assert response.status_code == 200
    assert candidate_key(1) in response.json()["results"]
