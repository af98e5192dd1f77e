"""Constants and small helpers shared by the LinkedIn adapter tests."""

from __future__ import annotations

import json

import responses

API = "https://linkedin.test/sandbox/linkedin"
TOKEN_URL = "https://linkedin.test/sandbox/linkedin/oauth/v2/accessToken"
ORG = "urn:li:organization:2414183"
SECRET = "s3cr/et+="  # needs URL-encoding in the token form, as LinkedIn's secrets may


def add_token(
    rsps,
    token: str = "tok-1",  # noqa: S107 - a fake token for `responses`
    expires_in: str | int = "1800",
    status: int = 200,
):
    return rsps.add(
        responses.POST,
        TOKEN_URL,
        json={"access_token": token, "expires_in": expires_in},
        status=status,
    )


def sent_json(call) -> dict:
    return json.loads(call.request.body)


def v1_cand(candidate_id: str) -> str:
    """The Rest.li 1.0 entity key of a candidate, as the client writes it."""
    return f"atsCandidateId={candidate_id}&dataProvider=ATS&integrationContext={ORG}"


def query_of(call) -> str:
    return call.request.url.split("?", 1)[1] if "?" in call.request.url else ""
