"""Who sees what through the REST API (tracker_rsc.access), with real token authentication.

Every kind of data is asked for with a seated and an unseated user's API token, over the test
client and ``Authorization: Token …`` as an integrator calls it: InMails, notes and evaluation
summaries (and the rank on the placement) come back for both; the linked member, the link's
details, link events and link-status filters only for the seated token.
"""

from __future__ import annotations

import json

import pytest
from rest_framework.authtoken.models import Token
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
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
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


# --- (a) Data synced into Tracker: everyone ---------------------------------------------------


@pytest.mark.parametrize("who", ["seated_token", "unseated_token"])
def test_inmails_notes_and_evaluation_summaries_are_listed_whole_for_every_token(
    request, world, who
):
    rows = _activities(request.getfixturevalue(who), world)

    assert (rows["inmail"]["subject"], rows["inmail"]["body"]) == (INMAIL_SUBJECT, INMAIL_BODY)
    assert rows["inmail"]["data"]["direction"] == "OUTBOUND"
    assert rows["inmail"]["data"]["seat_name"] == "Alice Recruiter"
    assert rows["note"]["body"] == NOTE_BODY
    assert rows["evaluation_summary"]["body"] == EVAL_BODY
    assert rows["evaluation_summary"]["data"]["summary"] == EVAL_SUMMARY
    assert rows["evaluation_summary"]["data"]["rank"] == "TOP"


@pytest.mark.parametrize("who", ["seated_token", "unseated_token"])
def test_the_rank_on_the_placement_is_shown_to_every_token(request, world, who):
    response = request.getfixturevalue(who).get(f"/api/v1/placements/{world.placement.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["rank"], body["rank_label"], body["evaluation_basis"]) == (
        "TOP",
        "Top candidate",
        "resume_and_profile",
    )
    assert body["evaluated_at"]


@pytest.mark.parametrize("who", ["seated_token", "unseated_token"])
def test_the_profile_url_on_record_is_a_tracker_field_for_every_token(request, world, who):
    body = request.getfixturevalue(who).get(f"/api/v1/candidates/{world.candidate.pk}/").json()

    assert body["linkedin_profile_url"] == PROFILE_URL


# --- (b) The LinkedIn widget: the seated token only -------------------------------------------


def test_seated_token_sees_the_linked_member_and_its_match(seated_token, world):
    body = seated_token.get(f"/api/v1/candidates/{world.candidate.pk}/").json()

    assert body["linkedin"]["person_urn"] == PERSON_URN
    assert body["linkedin"]["matched_on"] == "profile_url"
    assert body["linkedin"]["linked_at"]


def test_unseated_token_gets_linkedin_null_for_a_linked_candidate(unseated_token, world):
    detail = unseated_token.get(f"/api/v1/candidates/{world.candidate.pk}/")
    listing = unseated_token.get("/api/v1/candidates/")

    assert detail.status_code == listing.status_code == 200
    assert detail.json()["linkedin"] is None
    assert [row["linkedin"] for row in listing.json()["results"]] == [None]
    for text in (detail.content.decode(), listing.content.decode()):
        for secret in WIDGET_SECRETS:
            assert secret not in text


def test_unseated_token_gets_linkedin_null_after_a_write_too(unseated_token, world):
    response = unseated_token.patch(
        f"/api/v1/candidates/{world.candidate.pk}/", {"phone": "+44 113 000"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["linkedin"] is None
    assert PERSON_URN not in response.content.decode()


def test_seated_token_sees_link_events_and_every_detail(seated_token, world):
    rows = _activities(seated_token, world)

    assert rows["link"]["subject"] == world.link_event.subject
    assert rows["link"]["data"]["score"] == 0.97
    assert rows["inmail"]["data"]["conversation"] == CONVERSATION
    assert rows["evaluation_summary"]["data"]["member"] == PERSON_URN
    assert rows["export"]["body"] == world.export.body
    assert rows["export"]["data"]["rule"] == "profile_url"


def test_unseated_token_gets_no_link_events_and_no_member_ids(unseated_token, world):
    response = unseated_token.get("/api/v1/activities/", {"candidate": world.candidate.pk})
    rows = {row["kind"]: row for row in response.json()["results"]}

    assert "link" not in rows
    assert "member" not in rows["evaluation_summary"]["data"]
    assert "conversation" not in rows["inmail"]["data"]
    # The export is listed (a Tracker event) without the story of the match.
    assert rows["export"]["subject"] == world.export.subject
    assert rows["export"]["body"] == ""
    assert rows["export"]["data"] == {
        "requisition_id": world.requisition.pk,
        "placement_id": world.placement.pk,
    }
    text = response.content.decode()
    for secret in (*WIDGET_SECRETS, "profile_url", '"score"'):
        assert secret not in text, secret


def test_unseated_token_cannot_read_a_link_event_by_id(unseated_token, seated_token, world):
    url = f"/api/v1/activities/{world.link_event.pk}/"

    assert unseated_token.get(url).status_code == 404
    assert seated_token.get(url).status_code == 200


def test_unseated_token_sees_urns_redacted_in_record_text(unseated_token, seated_token, world):
    world.note.body = f"Spoke to {PERSON_URN} about the role"
    world.note.save(update_fields=["body"])

    unseated = _activities(unseated_token, world)["note"]["body"]
    seated = _activities(seated_token, world)["note"]["body"]

    assert unseated == "Spoke to [LinkedIn member] about the role"
    assert seated == world.note.body


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/candidates/", {"linked": "true"}),
        ("/api/v1/candidates/", {"linked": "false"}),
        ("/api/v1/activities/", {"kind": "link"}),
    ],
)
def test_unseated_token_filtering_by_link_status_is_refused(unseated_token, world, url, params):
    response = unseated_token.get(url, params)

    assert response.status_code == 403
    assert "LinkedIn Recruiter seat" in response.json()["detail"]


def test_seated_token_filters_by_link_status(seated_token, world):
    unlinked = CandidateFactory()

    linked = seated_token.get("/api/v1/candidates/", {"linked": "true"}).json()["results"]
    not_linked = seated_token.get("/api/v1/candidates/", {"linked": "false"}).json()["results"]
    events = seated_token.get("/api/v1/activities/", {"kind": "link"}).json()["results"]

    assert [row["id"] for row in linked] == [world.candidate.pk]
    assert [row["id"] for row in not_linked] == [unlinked.pk]
    assert [row["id"] for row in events] == [world.link_event.pk]


def test_unseated_token_may_still_filter_other_kinds(unseated_token, world):
    rows = unseated_token.get("/api/v1/activities/", {"kind": "inmail"}).json()["results"]

    assert [row["id"] for row in rows] == [world.inmail.pk]


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


def test_nothing_about_the_old_link_reaches_either_token(seated_token, unseated_token, world):
    # The ended link is history, shown in the panel, never as the candidate's ``linkedin``.
    for client in (seated_token, unseated_token):
        body = client.get(f"/api/v1/candidates/{world.candidate.pk}/").content.decode()
        assert OLD_URN not in body and LINK_REASON not in body
