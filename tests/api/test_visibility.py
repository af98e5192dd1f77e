"""Who sees what through the REST API (tracker_rsc.access), with real token authentication.

Every kind of data is asked for with a seated and an unseated user's API token, over the test
client and ``Authorization: Token …`` as an integrator calls it: InMails, notes and evaluation
summaries (and the rank on the placement) come back for both; the linked member, the link's
details, link events and link-status filters only for the seated token.
"""

from __future__ import annotations

import json

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.access_world import (
    CONVERSATION,
    EVAL_BODY,
    EVAL_SUMMARY,
    INMAIL_BODY,
    INMAIL_SUBJECT,
    LINK_REASON,
    NOTE_BODY,
    OLD_URN,
    PERSON_URN,
    PROFILE_URL,
    WIDGET_SECRETS,
    build_world,
)
from tests.candidates.factories import CandidateFactory
from tests.tracker_rsc.factories import LinkedInSeatFactory, UserFactory

pytestmark = pytest.mark.django_db


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def seated_token():
    user = UserFactory(username="seated-integrator")
    LinkedInSeatFactory(user=user)
    return _token_client(user)


@pytest.fixture
def unseated_token():
    return _token_client(UserFactory(username="unseated-integrator"))


def _activities(client, world) -> dict[str, dict]:
    response = client.get("/api/v1/activities/", {"candidate": world.candidate.pk})
    assert response.status_code == 200, response.content
    return {row["kind"]: row for row in response.json()["results"]}


# --- (a) Data synced into Tracker: both tokens; (b) member ids: the seated token only ---------


def test_synced_records_reach_both_tokens_and_member_ids_only_the_seated_one(
    seated_token, unseated_token, world
):
    seated, unseated = _activities(seated_token, world), _activities(unseated_token, world)

    for rows in (seated, unseated):
        assert (rows["inmail"]["subject"], rows["inmail"]["body"]) == (INMAIL_SUBJECT, INMAIL_BODY)
        assert rows["inmail"]["data"]["direction"] == "OUTBOUND"
        assert rows["inmail"]["data"]["seat_name"] == "Alice Recruiter"
        assert rows["note"]["body"] == NOTE_BODY
        assert rows["evaluation_summary"]["body"] == EVAL_BODY
        assert rows["evaluation_summary"]["data"]["summary"] == EVAL_SUMMARY
        assert rows["evaluation_summary"]["data"]["rank"] == "TOP"
    assert seated["evaluation_summary"]["data"]["member"] == PERSON_URN
    assert seated["inmail"]["data"]["conversation"] == CONVERSATION
    assert "member" not in unseated["evaluation_summary"]["data"]
    assert "conversation" not in unseated["inmail"]["data"]


def test_rank_and_profile_url_reach_both_tokens_and_the_linked_member_only_the_seated_one(
    seated_token, unseated_token, world
):
    for client in (seated_token, unseated_token):
        placement = client.get(f"/api/v1/placements/{world.placement.pk}/").json()
        assert (placement["rank"], placement["rank_label"], placement["evaluation_basis"]) == (
            "TOP",
            "Top candidate",
            "resume_and_profile",
        )
        assert placement["evaluated_at"]
    seated = seated_token.get(f"/api/v1/candidates/{world.candidate.pk}/").json()
    unseated = unseated_token.get(f"/api/v1/candidates/{world.candidate.pk}/").json()

    # The profile URL on record is a Tracker field, like the email.
    assert seated["linkedin_profile_url"] == unseated["linkedin_profile_url"] == PROFILE_URL
    assert seated["linkedin"]["person_urn"] == PERSON_URN
    assert seated["linkedin"]["matched_on"] == "profile_url"
    assert seated["linkedin"]["linked_at"]
    assert unseated["linkedin"] is None


# --- (b) The LinkedIn widget: the seated token only -------------------------------------------


def test_unseated_token_gets_linkedin_null_in_every_candidate_response(unseated_token, world):
    detail = unseated_token.get(f"/api/v1/candidates/{world.candidate.pk}/")
    listing = unseated_token.get("/api/v1/candidates/")
    written = unseated_token.patch(
        f"/api/v1/candidates/{world.candidate.pk}/", {"phone": "+44 113 000"}, format="json"
    )

    assert detail.status_code == listing.status_code == written.status_code == 200
    assert detail.json()["linkedin"] is None
    assert written.json()["linkedin"] is None
    assert [row["linkedin"] for row in listing.json()["results"]] == [None]
    for response in (detail, listing, written):
        for secret in (*WIDGET_SECRETS, OLD_URN, LINK_REASON):
            assert secret not in response.content.decode()


def test_link_events_and_match_details_reach_the_seated_token_only(
    seated_token, unseated_token, world
):
    seated = _activities(seated_token, world)
    response = unseated_token.get("/api/v1/activities/", {"candidate": world.candidate.pk})
    unseated = {row["kind"]: row for row in response.json()["results"]}

    assert seated["link"]["subject"] == world.link_event.subject
    assert seated["link"]["data"]["score"] == 0.97
    assert seated["export"]["body"] == world.export.body
    assert seated["export"]["data"]["rule"] == "profile_url"
    assert "link" not in unseated
    # The export is listed (a Tracker event) without the story of the match.
    assert unseated["export"]["subject"] == world.export.subject
    assert unseated["export"]["body"] == ""
    assert unseated["export"]["data"] == {
        "requisition_id": world.requisition.pk,
        "placement_id": world.placement.pk,
    }
    text = response.content.decode()
    for secret in (*WIDGET_SECRETS, "profile_url", '"score"'):
        assert secret not in text, secret


def test_a_link_event_by_id_is_not_found_for_the_unseated_token(
    unseated_token, seated_token, world
):
    url = f"/api/v1/activities/{world.link_event.pk}/"

    assert unseated_token.get(url).status_code == 404
    assert seated_token.get(url).status_code == 200


def test_urns_in_record_text_are_redacted_for_the_unseated_token(
    unseated_token, seated_token, world
):
    world.note.body = f"Spoke to {PERSON_URN} about the role"
    world.note.save(update_fields=["body"])

    unseated = _activities(unseated_token, world)["note"]["body"]
    seated = _activities(seated_token, world)["note"]["body"]

    assert unseated == "Spoke to [LinkedIn member] about the role"
    assert seated == world.note.body


@pytest.mark.parametrize(
    ("url", "params", "expected"),
    [
        ("/api/v1/candidates/", {"linked": "true"}, "linked"),
        ("/api/v1/candidates/", {"linked": "false"}, "unlinked"),
        ("/api/v1/activities/", {"kind": "link"}, "link_event"),
    ],
)
def test_filtering_by_link_status_is_refused_without_a_seat_and_answered_with_one(
    seated_token, unseated_token, world, url, params, expected
):
    unlinked = CandidateFactory()
    ids = {"linked": [world.candidate.pk], "unlinked": [unlinked.pk]}
    ids["link_event"] = [world.link_event.pk]

    refused = unseated_token.get(url, params)
    answered = seated_token.get(url, params)

    assert refused.status_code == 403
    assert "LinkedIn Recruiter seat" in refused.json()["detail"]
    assert answered.status_code == 200
    assert [row["id"] for row in answered.json()["results"]] == ids[expected]
    # Other filters stay open to everyone.
    inmails = unseated_token.get("/api/v1/activities/", {"kind": "inmail"}).json()["results"]
    assert [row["id"] for row in inmails] == [world.inmail.pk]


def test_an_inactive_seat_counts_as_no_seat(world):
    user = UserFactory(username="lapsed-integrator")
    LinkedInSeatFactory(user=user, active=False)
    client = _token_client(user)

    assert client.get(f"/api/v1/candidates/{world.candidate.pk}/").json()["linkedin"] is None
    assert client.get("/api/v1/candidates/", {"linked": "true"}).status_code == 403


def test_the_schema_says_who_sees_the_link(seated_token):
    schema = json.dumps(seated_token.get("/api/schema/?format=json").json())

    assert "always null for a caller without an active LinkedIn Recruiter seat" in schema
    assert "without one the request is refused with 403" in schema
