"""Tracker rows → LinkedIn records (the shapes of tracker_rsc.linkedin), in one place."""

from __future__ import annotations

from candidates.models import Candidate
from tracker_rsc.linkedin import CandidateRecord

# Why a candidate is not sent to LinkedIn (the bulk sync counts each, docs/architecture.md §4.3).
SKIP_OUTSIDE_HISTORY = "outside_history"  # last updated before the history window
SKIP_ERASED = "erased"  # matches an erasure tombstone
SKIP_NO_NAME = "missing_name"
SKIP_NO_EMAIL = "missing_email"
SKIP_REASONS = (SKIP_OUTSIDE_HISTORY, SKIP_ERASED, SKIP_NO_NAME, SKIP_NO_EMAIL)


def candidate_skip_reason(candidate: Candidate, *, linked: bool) -> str | None:
    """Why LinkedIn would refuse this record, or None when it can be sent.

    LinkedIn requires first and last name, and an email address unless the candidate is
    already linked to a member (docs/architecture.md §4.3, §5).
    """
    if not candidate.has_full_name:
        return SKIP_NO_NAME
    if not linked and not candidate.email_key:
        return SKIP_NO_EMAIL
    return None


def candidate_record(candidate: Candidate) -> CandidateRecord:
    created = candidate.created_at
    modified = max(candidate.updated_at, created)
    return CandidateRecord(
        candidate_id=str(candidate.pk),
        first_name=candidate.first_name.strip(),
        last_name=candidate.last_name.strip(),
        emails=[candidate.email] if candidate.email_key else [],
        phones=[candidate.phone] if candidate.phone.strip() else [],
        current_company=candidate.current_company,
        current_title=candidate.current_title,
        linkedin_profile_url=candidate.linkedin_profile_url,
        external_profile_url=candidate.external_profile_url,
        created_at=created,
        last_modified_at=modified,
    )
