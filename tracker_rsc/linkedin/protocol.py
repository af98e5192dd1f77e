"""``LinkedInAPI``: the calls Tracker makes to LinkedIn, as a structural type.

``LinkedInClient`` (over HTTP) is the one implementation the product runs; a test fake
implements the same methods. Code that calls LinkedIn asks for this type, never for the
concrete class, and obtains its client from ``get_client()`` (``provider``), so a test replaces
LinkedIn in one place.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from .payloads import (
    ApplicationEvaluation,
    ApplicationRecord,
    BatchResult,
    CandidateRecord,
    ConversationEvent,
    ExportedCandidate,
    IntegrationStatus,
    JobPosting,
    JobRequisition,
    MailStub,
    MatchResult,
    ProjectConnectionChange,
    ProspectNote,
    PurgedExport,
    Seat,
    Unreadable,
)


@runtime_checkable
class LinkedInAPI(Protocol):
    """One method per LinkedIn call; see ``LinkedInClient`` for each call's contract."""

    @property
    def organization_urn(self) -> str: ...

    def close(self) -> None: ...

    # --- enabling the integration
    def check_credentials(self) -> None: ...

    def register_integration(
        self,
        *,
        organization_urn: str,
        contract_urns: Sequence[str],
        callback_url: str,
        customer_name: str,
    ) -> None: ...

    def get_integration_status(self, request_id: str) -> IntegrationStatus: ...

    # --- candidates
    def upsert_candidates(self, records: Sequence[CandidateRecord]) -> BatchResult: ...

    def get_candidate_matches(self, candidate_ids: Sequence[str]) -> MatchResult: ...

    def set_manual_match(self, candidate_id: str, person_urn: str | None) -> None: ...

    def delete_candidates(self, candidate_ids: Sequence[str]) -> BatchResult: ...

    # --- jobs
    def upsert_job_postings(self, postings: Sequence[JobPosting]) -> list[str]: ...

    def get_job_posting_tasks(self, task_ids: Sequence[str]) -> dict[str, str]: ...

    def upsert_job_requisitions(self, requisitions: Sequence[JobRequisition]) -> BatchResult: ...

    def set_job_access(
        self,
        job_id: str,
        person_urns: Sequence[str],
        *,
        removed_person_urns: Sequence[str] = (),
    ) -> None: ...

    # --- applications and their files
    def upsert_applications(self, applications: Sequence[ApplicationRecord]) -> BatchResult: ...

    def delete_applications(self, application_ids: Sequence[str]) -> BatchResult: ...

    def delete_attachments(
        self, application_id_attachment_ids: Sequence[tuple[str, str]]
    ) -> BatchResult: ...

    def upsert_attachment(
        self,
        *,
        application_id: str,
        attachment_id: str,
        file_name: str,
        content_type: str,
        content: bytes,
    ) -> None: ...

    # --- what LinkedIn pushes a reference to, read back
    def get_exported_candidate(self, request_id: str) -> ExportedCandidate: ...

    def get_evaluation(self, request_id: str) -> ApplicationEvaluation: ...

    def get_connection_change(self, request_id: str) -> ProjectConnectionChange: ...

    # --- what is polled
    def iter_seats(self, contract_urn: str) -> Iterator[Seat]: ...

    def iter_mail_stubs(
        self,
        contract_urn: str,
        start: datetime,
        end: datetime,
        *,
        tolerate_malformed: bool = False,
    ) -> Iterator[MailStub | Unreadable]: ...

    def iter_conversation_events(
        self, seat_urn: str, start: datetime, end: datetime
    ) -> Iterator[ConversationEvent]: ...

    def iter_prospect_notes(
        self,
        contract_urn: str,
        owner_seat_urns: Sequence[str],
        start: datetime,
        end: datetime,
    ) -> Iterator[ProspectNote]: ...

    def iter_connections(self, organization_urn: str) -> Iterator[ProjectConnectionChange]: ...

    def iter_purged_exports(
        self, organization_urn: str, since: datetime
    ) -> Iterator[PurgedExport]: ...
