"""Constants and small helpers of the contract tests."""

from __future__ import annotations

from datetime import UTC, datetime

from tracker_rsc.linkedin import CandidateRecord, JobPosting
from tracker_rsc.sandbox.models import ApiCall

ORG = "urn:li:organization:2414183"
CONTRACT = "urn:li:contract:100"
CLIENT_ID = "contract-client"
# Characters that must be URL-encoded in the token form, as real LinkedIn secrets may hold.
CLIENT_SECRET = "contract-s3cr/et+=&x"
VERSION = "202604"
# A fixed instant (a Monday, 10:00 UTC) for the tests that run on a shifted clock.
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
# When the records the tests send were created in Tracker.
T0 = datetime(2025, 11, 3, 8, 0, tzinfo=UTC)


def candidate(candidate_id: str, **overrides: object) -> CandidateRecord:
    values: dict[str, object] = {
        "candidate_id": candidate_id,
        "first_name": "Jane",
        "last_name": "Doe",
        "emails": [f"jane.{candidate_id}@example.com"],
        "phones": [],
        "current_company": "Acme",
        "current_title": "Data Engineer",
        "linkedin_profile_url": "",
        "external_profile_url": f"http://tracker.test/candidates/{candidate_id}/",
        "created_at": datetime(2025, 11, 1, 9, 0, tzinfo=UTC),
        "last_modified_at": datetime(2025, 11, 2, 9, 0, tzinfo=UTC),
    }
    values.update(overrides)
    return CandidateRecord(**values)  # type: ignore[arg-type]


def calls(endpoint: str, **filters: object) -> list[ApiCall]:
    """The sandbox's log of one endpoint, oldest first."""
    return list(ApiCall.objects.filter(endpoint=endpoint, **filters).order_by("at", "id"))


def token_calls() -> int:
    """How many times the sandbox's token endpoint was called (whatever it answered)."""
    return ApiCall.objects.filter(endpoint="accessToken").count()


def posting(job_id: str, **overrides: object) -> JobPosting:
    values: dict[str, object] = {
        "job_id": job_id,
        "title": "Senior Data Engineer",
        "description": "5+ years of Python\nApache Spark pipelines in production\nSQL modelling",
        "location": "London, United Kingdom",
        "availability": "PRIVATE_TO_ATS_INTEGRATION",
        "listed_at": T0,
        "company_apply_url": f"http://tracker.test/requisitions/{job_id}/",
    }
    values.update(overrides)
    return JobPosting(**values)  # type: ignore[arg-type]
