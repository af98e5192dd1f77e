"""A fake LinkedIn for the job, connection, InMail/notes and evaluation tests.

It records every call (``calls``) and what each write carried, so a test can assert what
reached "LinkedIn" — and, just as important, what never did.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from tests.syncjobs.linkedin_fakes import ORG, inject_linkedin
from tracker_rsc.linkedin import (
    ApplicationEvaluation,
    ApplicationRecord,
    BatchResult,
    ConversationEvent,
    JobPosting,
    JobRequisition,
    ProjectConnectionChange,
    ProspectNote,
)


@dataclass
class FakeRsc:
    postings: list[JobPosting] = field(default_factory=list)
    requisitions: list[JobRequisition] = field(default_factory=list)
    access: dict[str, list[str]] = field(default_factory=dict)
    removed_access: dict[str, list[str]] = field(default_factory=dict)
    applications: dict[str, ApplicationRecord] = field(default_factory=dict)
    deleted_applications: list[str] = field(default_factory=list)
    deleted_attachments: list[tuple[str, str]] = field(default_factory=list)
    attachments: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    task_status: str = "SUCCEEDED"
    connection_changes: dict[str, Any] = field(default_factory=dict)
    connections: list[ProjectConnectionChange] = field(default_factory=list)
    evaluations: dict[str, Any] = field(default_factory=dict)
    events: list[ConversationEvent] = field(default_factory=list)
    notes: list[ProspectNote] = field(default_factory=list)
    # (method name, seat or contract urn) → exception to raise once
    failures: dict[tuple[str, str], Exception] = field(default_factory=dict)
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def _fail(self, method: str, key: str) -> None:
        error = self.failures.pop((method, key), None)
        if error is not None:
            raise error

    # --- jobs -----------------------------------------------------------------------------
    def upsert_job_postings(self, postings: Sequence[JobPosting]) -> list[str]:
        self.calls.append(("upsert_job_postings", [p.job_id for p in postings]))
        self.postings += list(postings)
        return [f"task-{p.job_id}-{len(self.postings)}" for p in postings]

    def get_job_posting_tasks(self, task_ids: Sequence[str]) -> dict[str, str]:
        self.calls.append(("get_job_posting_tasks", list(task_ids)))
        return dict.fromkeys(task_ids, self.task_status)

    def upsert_job_requisitions(self, requisitions: Sequence[JobRequisition]) -> BatchResult:
        self.calls.append(("upsert_job_requisitions", [r.requisition_id for r in requisitions]))
        self.requisitions += list(requisitions)
        return BatchResult(succeeded=[r.requisition_id for r in requisitions], failed={})

    def set_job_access(
        self, job_id: str, person_urns: Sequence[str], *, removed_person_urns: Sequence[str] = ()
    ) -> None:
        self.calls.append(("set_job_access", job_id))
        self.access[job_id] = list(person_urns)
        self.removed_access[job_id] = list(removed_person_urns)

    # --- applications ---------------------------------------------------------------------
    def upsert_applications(self, applications: Sequence[ApplicationRecord]) -> BatchResult:
        self.calls.append(("upsert_applications", [a.application_id for a in applications]))
        for application in applications:
            self.applications[application.application_id] = application
        return BatchResult(succeeded=[a.application_id for a in applications], failed={})

    def delete_applications(self, application_ids: Sequence[str]) -> BatchResult:
        self.calls.append(("delete_applications", list(application_ids)))
        self.deleted_applications += list(application_ids)
        return BatchResult(succeeded=list(application_ids), failed={})

    def delete_attachments(self, pairs: Sequence[tuple[str, str]]) -> BatchResult:
        self.calls.append(("delete_attachments", list(pairs)))
        for pair in pairs:
            self.attachments.pop(pair, None)
            self.deleted_attachments.append(pair)
        return BatchResult(succeeded=[application_id for application_id, _ in pairs], failed={})

    def upsert_attachment(self, **kw: Any) -> None:
        self.calls.append(("upsert_attachment", kw["application_id"]))
        self.attachments[(kw["application_id"], kw["attachment_id"])] = kw

    # --- connections and evaluations ------------------------------------------------------
    def get_connection_change(self, request_id: str) -> ProjectConnectionChange:
        self.calls.append(("get_connection_change", request_id))
        value = self.connection_changes[request_id]
        if isinstance(value, Exception):
            raise value
        return value

    def iter_connections(self, organization_urn: str) -> Iterator[ProjectConnectionChange]:
        self.calls.append(("iter_connections", organization_urn))
        self._fail("iter_connections", organization_urn)
        yield from self.connections

    def get_evaluation(self, request_id: str) -> ApplicationEvaluation:
        self.calls.append(("get_evaluation", request_id))
        value = self.evaluations[request_id]
        if isinstance(value, Exception):
            raise value
        return value

    # --- InMails and notes ----------------------------------------------------------------
    def iter_conversation_events(
        self, seat_urn: str, start: datetime, end: datetime
    ) -> Iterator[ConversationEvent]:
        self.calls.append(("iter_conversation_events", (seat_urn, start, end)))
        self._fail("iter_conversation_events", seat_urn)
        for event in self.events:
            if event.viewer_seat_urn == seat_urn and start <= event.occurred_at < end:
                yield event

    def iter_prospect_notes(
        self, contract_urn: str, owner_seat_urns: Sequence[str], start: datetime, end: datetime
    ) -> Iterator[ProspectNote]:
        self.calls.append(
            ("iter_prospect_notes", (contract_urn, list(owner_seat_urns), start, end))
        )
        self._fail("iter_prospect_notes", contract_urn)
        for note in self.notes:
            if (
                note.contract_urn == contract_urn
                and note.owner_seat_urn in owner_seat_urns
                and start <= note.last_modified_at < end
            ):
                yield note

    def called(self, name: str) -> list[Any]:
        return [args for method, args in self.calls if method == name]


@pytest.fixture
def fake_rsc() -> Iterator[FakeRsc]:
    yield from inject_linkedin(FakeRsc())


def connection_change(
    *,
    requisition_id: int | str,
    project: str = "urn:li:hiringProject:77",
    owner: str = "urn:li:seat:5001",
    state: str = "CONNECTED",
    automation: bool = True,
    changed_at: datetime,
) -> ProjectConnectionChange:
    return ProjectConnectionChange(
        hiring_project=project,
        requisition_id=str(requisition_id),
        owner_seat_urn=owner,
        state=state,
        hiring_assistant_automation=automation,
        changed_at=changed_at,
    )


def evaluation(
    request_id: str,
    *,
    requisition_id: int | str,
    candidate_id: int | str,
    evaluated_at: datetime,
    rank: str = "TOP",
    basis: str = "RESUME_AND_PROFILE",
    member: str | None = "urn:li:person:Xy12",
    project: str = "urn:li:hiringProject:77",
    organization: str = ORG,
    summary: str = "Meets 2 of 3 qualifications.",
) -> ApplicationEvaluation:
    return ApplicationEvaluation(
        request_id=request_id,
        integration_context=organization,
        hiring_project=project,
        requisition_id=str(requisition_id),
        candidate_id=str(candidate_id),
        person_urn=member,
        rank=rank,
        basis=basis,
        summary=summary,
        qualifications=[
            {"name": "5+ years of Python", "required": True, "met": True},
            {"name": "Apache Spark", "required": True, "met": True},
            {"name": "Team lead experience", "required": False, "met": False},
        ],
        evaluated_at=evaluated_at,
    )
