"""A fake LinkedIn for the candidate sync tests (bulk sync, live sync, seats, purge, enabling).

It keeps what Tracker sent (every upsert batch, deletions, manual matches, registrations) and
answers matches from a small member directory keyed by email, as LinkedIn's matching would.
``fail_next[method]`` holds exceptions to raise on the next calls of that method, before the
call has any effect (like a failure on the wire).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from tests.syncjobs.linkedin_fakes import inject_linkedin
from tracker_rsc.linkedin import (
    BatchResult,
    CandidateMatch,
    CandidateRecord,
    MatchResult,
    PurgedExport,
    Seat,
)


@dataclass
class FakeCandidateLinkedIn:
    members: dict[str, list[str]] = field(default_factory=dict)  # email -> person URNs
    refuse: dict[str, str] = field(default_factory=dict)  # candidate id -> LinkedIn's message
    store: dict[str, dict] = field(default_factory=dict)  # candidate id -> last record sent
    manual: dict[str, str | None] = field(default_factory=dict)
    upsert_batches: list[list[str]] = field(default_factory=list)
    match_reads: list[list[str]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    deleted_applications: list[str] = field(default_factory=list)
    deleted_attachments: list[tuple[str, str]] = field(default_factory=list)
    seats: dict[str, list[Seat]] = field(default_factory=dict)
    purged: list[PurgedExport] = field(default_factory=list)
    purge_queries: list[datetime] = field(default_factory=list)
    registrations: list[dict[str, Any]] = field(default_factory=list)
    fail_next: dict[str, list[BaseException]] = field(default_factory=dict)

    def _maybe_fail(self, method: str) -> None:
        queued = self.fail_next.get(method)
        if queued:
            raise queued.pop(0)

    # --- candidates

    def upsert_candidates(self, records: list[CandidateRecord]) -> BatchResult:
        assert len(records) <= 100, "LinkedIn takes at most 100 records per batch"
        self._maybe_fail("upsert_candidates")
        ids = [record.candidate_id for record in records]
        self.upsert_batches.append(ids)
        failed = {cid: self.refuse[cid] for cid in ids if cid in self.refuse}
        for record in records:
            if record.candidate_id not in failed:
                self.store[record.candidate_id] = record.to_json()
        return BatchResult(
            succeeded=[cid for cid in ids if cid not in failed],
            failed=failed,
            failed_statuses=dict.fromkeys(failed, 422),
        )

    def get_candidate_matches(self, candidate_ids: list[str]) -> MatchResult:
        assert len(candidate_ids) <= 100
        self._maybe_fail("get_candidate_matches")
        self.match_reads.append(list(candidate_ids))
        matches = {}
        for cid in candidate_ids:
            record = self.store.get(cid, {})
            found: list[str] = []
            for email in record.get("emailAddresses", []):
                found += [urn for urn in self.members.get(email, []) if urn not in found]
            matches[cid] = CandidateMatch(
                candidate_id=cid,
                matched_members=found,
                manual_matched_member=self.manual.get(cid),
            )
        return MatchResult(matches=matches, failed={})

    def set_manual_match(self, candidate_id: str, person_urn: str | None) -> None:
        self._maybe_fail("set_manual_match")
        self.manual[candidate_id] = person_urn

    def delete_candidates(self, candidate_ids: list[str]) -> BatchResult:
        self._maybe_fail("delete_candidates")
        for cid in candidate_ids:
            self.store.pop(cid, None)
            self.deleted.append(cid)
        return BatchResult(succeeded=list(candidate_ids), failed={})

    def delete_attachments(self, pairs: list[tuple[str, str]]) -> BatchResult:
        self._maybe_fail("delete_attachments")
        self.deleted_attachments.extend(pairs)
        return BatchResult(succeeded=[application_id for application_id, _ in pairs], failed={})

    def delete_applications(self, application_ids: list[str]) -> BatchResult:
        self._maybe_fail("delete_applications")
        self.deleted_applications.extend(application_ids)
        return BatchResult(succeeded=list(application_ids), failed={})

    # --- enabling, seats, purge notices

    def register_integration(self, **kwargs: Any) -> None:
        self._maybe_fail("register_integration")
        self.registrations.append(kwargs)

    def iter_seats(self, contract_urn: str) -> Iterator[Seat]:
        self._maybe_fail("iter_seats")
        yield from self.seats.get(contract_urn, [])

    def iter_purged_exports(self, organization_urn: str, since: datetime) -> Iterator[PurgedExport]:
        self._maybe_fail("iter_purged_exports")
        self.purge_queries.append(since)
        yield from (p for p in self.purged if p.purged_at >= since)


@pytest.fixture
def candidate_linkedin() -> Iterator[FakeCandidateLinkedIn]:
    yield from inject_linkedin(FakeCandidateLinkedIn())


@pytest.fixture
def scheduled(monkeypatch) -> list[float]:
    """Bulk sync steps that would have been queued (countdowns); the tests run them."""
    countdowns: list[float] = []

    def fake_schedule(*, countdown: float = 0) -> bool:
        countdowns.append(countdown)
        return True

    monkeypatch.setattr("syncjobs.bulk_sync.bulk_sync_schedule", fake_schedule)
    return countdowns


def seat(n: int, *, contract: str = "urn:li:contract:100", **overrides: Any) -> Seat:
    values: dict[str, Any] = {
        "seat_urn": f"urn:li:seat:{7000 + n}",
        "contract_urn": contract,
        "person_urn": f"urn:li:person:recruiter{n}",
        "first_name": f"Rec{n}",
        "last_name": "Ruiter",
        "product": "RECRUITER",
        "role": "RECRUITER_USER",
        "permissions": [],
        "hiring_assistant": False,
        "active": True,
    }
    values.update(overrides)
    return Seat(**values)
