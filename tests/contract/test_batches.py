"""Batch limits and per-record outcomes, as the sandbox enforces and reports them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
import requests

from tests.contract.helpers import ORG, calls, candidate
from tracker_rsc.linkedin import ApplicationRecord
from tracker_rsc.sandbox.models import ApiCall, Application, AtsCandidate


def key(candidate_id: str) -> str:
    return f"atsCandidateId={candidate_id}&dataProvider=ATS&integrationContext={ORG}"


def ids(candidate_ids: list[str]) -> str:
    return "&".join(
        f"ids[{n}].atsCandidateId={c}&ids[{n}].dataProvider=ATS"
        f"&ids[{n}].integrationContext={quote(ORG, safe='')}"
        for n, c in enumerate(candidate_ids)
    )


def test_the_client_refuses_101_records_before_sending_anything(li):
    records = [candidate(f"c{n}") for n in range(101)]
    application_ids = [f"a{n}" for n in range(101)]

    with pytest.raises(ValueError, match="At most 100"):
        li.upsert_candidates(records)
    with pytest.raises(ValueError, match="At most 100"):
        li.get_candidate_matches([r.candidate_id for r in records])
    with pytest.raises(ValueError, match="At most 100"):
        li.delete_candidates([r.candidate_id for r in records])
    with pytest.raises(ValueError, match="At most 100"):
        li.delete_applications(application_ids)

    assert not ApiCall.objects.exists()  # not even a token request
    assert li.upsert_candidates(records[:100]).succeeded == [f"c{n}" for n in range(100)]


@pytest.mark.parametrize("verb", ["PUT", "GET", "DELETE"])
def test_the_sandbox_refuses_101_records_sent_raw(li, sandbox_url, verb):
    candidate_ids = [f"c{n}" for n in range(101)]
    li.upsert_candidates([candidate(c) for c in candidate_ids[:100]])
    body = None
    if verb == "PUT":
        body = json.dumps(
            {"entities": {key(c): candidate(c).to_json() for c in candidate_ids}}
        ).encode()
    method = {"PUT": "batch_update", "GET": "batch_get", "DELETE": "batch_delete"}[verb]

    response = requests.request(
        verb,
        f"{sandbox_url}/v2/atsCandidates?{ids(candidate_ids)}",
        data=body,
        headers={
            "Authorization": f"Bearer {li.tokens.get()}",
            "X-RestLi-Method": method,
            "Content-Type": "application/json",
        },
        timeout=30,
    )

    assert response.status_code == 400
    assert "exceeds the maximum of 100" in response.json()["message"]
    assert AtsCandidate.objects.count() == 100  # nothing written, nothing deleted
    assert not AtsCandidate.objects.filter(ats_candidate_id="c100").exists()


def test_a_half_failed_batch_is_reported_record_by_record(li):
    records = [
        candidate("ok-1"),
        candidate("no-email", emails=[]),
        candidate("ok-2"),
        candidate("bad-email", emails=["jane at example"]),
        candidate("bad-url", external_profile_url="tracker.test/candidates/9"),
    ]

    result = li.upsert_candidates(records)

    assert result.succeeded == ["ok-1", "ok-2"]
    assert list(result.failed) == ["no-email", "bad-email", "bad-url"]
    assert "emailAddresses: required" in result.failed["no-email"]
    assert "'jane at example'" in result.failed["bad-email"]
    assert "externalProfileUrl" in result.failed["bad-url"]
    assert set(result.failed_statuses.values()) == {400}
    # The sandbox stored exactly the records it accepted, and logged only those as records.
    assert set(AtsCandidate.objects.values_list("ats_candidate_id", flat=True)) == {
        "ok-1",
        "ok-2",
    }
    [call] = calls("atsCandidates")
    assert call.status == 200 and call.records == 5


def test_a_half_failed_application_batch_names_the_refused_record(li):
    when = datetime(2025, 11, 3, 8, 0, tzinfo=UTC)

    def app(app_id: str, email: str) -> ApplicationRecord:
        return ApplicationRecord(
            application_id=app_id,
            candidate_id="c1",
            job_id="301",
            job_name="Data Engineer",
            candidate_email=email,
            first_name="Jane",
            last_name="Doe",
            source="Tracker",
            stage="",
            created_at=when,
            last_modified_at=when,
        )

    result = li.upsert_applications([app("a1", "jane@example.com"), app("a2", "jane@")])

    assert result.succeeded == ["a1"]
    assert list(result.failed) == ["a2"] and "candidateEmail" in result.failed["a2"]
    assert result.failed_statuses == {"a2": 400}
    assert list(Application.objects.values_list("ats_job_application_id", flat=True)) == ["a1"]
