"""Job sync (docs/architecture.md §4.9, §5): requisitions and their applications go to LinkedIn via
the outbox.

Requisitions — every one, open or not, standard, evergreen or placeholder — are sent on
create, update and close (``requisition_upsert``) and when deleted (``requisition_close``):

- the job posting (``simpleJobPostings``, asynchronous: its task is polled) with the
  availability the customer chose (public, or private to the ATS integration); a closed or
  filled requisition is re-posted with operation CLOSE; one that never reached LinkedIn is
  not listed just to be closed;
- the job requisition (``rest/jobRequisitions``, what LinkedIn offers to connect to a hiring
  project) with state OPEN/CLOSED and the owners' person URNs;
- the access list (``atsEntityAcls``): the person URNs of the Tracker owners' active seats.
  Former owners are removed from it (``Requisition.linkedin_access`` remembers what LinkedIn
  holds), so the list follows every change of owners — and of their seats: a seat mapped,
  remapped, deactivated or given another member re-sends the open jobs its users own
  (``tracker_rsc.signals.seat_access_changed``).

A requisition LinkedIn cannot take (no description or location: LinkedIn requires both) is not
sent; the reason is stored on the requisition (``linkedin_sync_error``) and on the dead event.

Applications: a placement goes as ``atsApplications`` (key = placement id, job = requisition
id) with the candidate's primary CV as an attachment — only while its requisition is actively
connected to a hiring project. The receivers queue nothing for unconnected requisitions; an
event whose requisition was disconnected before its turn is settled without any call and
marked ``not_sent``. Deletions go only for applications that reached LinkedIn.

``manage.py run_sync job_sync`` (``job_sync_runs``) re-sends every open requisition.
"""

from __future__ import annotations

import logging
import mimetypes
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from candidates.models import Candidate
from requisitions import services as requisition_services
from requisitions.models import Placement, ProjectConnection, Requisition
from syncjobs.models import OutboxEvent, SyncRun
from syncjobs.outbox import BATCH_SIZE, Outcome, outbox_handler
from syncjobs.receivers import NOT_SENT_MARK
from syncjobs.runs import (
    sync_run_error,
    sync_run_finish,
    sync_run_progress,
    sync_run_start,
    sync_runner,
)
from syncjobs.selectors import integration_active
from tracker_rsc.linkedin import (
    ApplicationRecord,
    JobPosting,
    JobRequisition,
    LinkedInAPI,
    LinkedInError,
    PermanentError,
    TransientError,
    get_client,
)
from tracker_rsc.models import LinkedInSeat

logger = logging.getLogger(__name__)

Kind = OutboxEvent.Kind

# simpleJobPostings is asynchronous: its tasks are polled after these waits (seconds, about
# 15 s in all); a task still in progress then is retried later (re-posting is an upsert).
POSTING_POLL_DELAYS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0)
AVAILABILITY = {
    Requisition.Availability.PUBLIC: "PUBLIC",
    Requisition.Availability.PRIVATE: "PRIVATE_TO_ATS_INTEGRATION",
}
CV_ATTACHMENT_ID = "primary-cv"
# LinkedIn's attachments take files of a few MB; a CV beyond this is sent as its text.
MAX_CV_BYTES = 5 * 1024 * 1024


def _sleep(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)


# --- Requisitions -----------------------------------------------------------------------------


@dataclass
class JobSnapshot:
    """What LinkedIn gets for one job: from a requisition row, or from a deleted one's snapshot."""

    job_id: str
    title: str
    description: str
    location: str
    availability: str
    listed_at: datetime
    open: bool
    was_synced: bool
    owner_person_urns: list[str] = field(default_factory=list)
    previous_access: list[str] = field(default_factory=list)
    exists: bool = True

    def problem(self) -> str:
        missing = [name for name in ("description", "location") if not getattr(self, name).strip()]
        if not self.title.strip():
            missing.insert(0, "title")
        if not missing:
            return ""
        return (
            "Not sent to LinkedIn: a LinkedIn job needs a "
            + " and a ".join(missing)
            + ". Add it and save the requisition."
        )

    def posting(self, *, close: bool) -> JobPosting:
        return JobPosting(
            job_id=self.job_id,
            title=self.title.strip()[:200],
            description=self.description.strip(),
            location=self.location.strip(),
            availability=AVAILABILITY.get(self.availability, "PRIVATE_TO_ATS_INTEGRATION"),
            listed_at=self.listed_at,
            company_apply_url=f"{settings.SITE_URL}/requisitions/{self.job_id}/",
            close=close,
        )

    def job_requisition(self) -> JobRequisition:
        return JobRequisition(
            requisition_id=self.job_id,
            title=self.title.strip()[:200],
            description=self.description.strip(),
            location=self.location.strip(),
            state="OPEN" if self.open else "CLOSED",
            owner_person_urns=self.owner_person_urns,
        )


def owner_person_urns(requisitions: Sequence[Requisition]) -> dict[int, list[str]]:
    """Requisition id → the person URNs of its owners' active seats (the job's access list)."""
    through = Requisition.owners.through
    owners: dict[int, set[int]] = {}
    for requisition_id, user_id in through.objects.filter(
        requisition_id__in=[r.pk for r in requisitions]
    ).values_list("requisition_id", "user_id"):
        owners.setdefault(requisition_id, set()).add(user_id)
    seats: dict[int, set[str]] = {}
    user_ids = set().union(*owners.values()) if owners else set()
    for user_id, person_urn in (
        LinkedInSeat.objects.filter(user_id__in=user_ids, active=True)
        .exclude(person_urn="")
        .values_list("user_id", "person_urn")
    ):
        seats.setdefault(user_id, set()).add(person_urn)
    return {
        r.pk: sorted(set().union(*(seats.get(u, set()) for u in owners.get(r.pk, set()))))
        for r in requisitions
    }


def snapshot_of(requisition: Requisition, urns: list[str]) -> JobSnapshot:
    return JobSnapshot(
        job_id=str(requisition.pk),
        title=requisition.title,
        description=requisition.description,
        location=requisition.location,
        availability=requisition.availability,
        listed_at=requisition.created_at,
        open=requisition.is_open,
        was_synced=requisition.linkedin_synced_at is not None,
        owner_person_urns=urns,
        previous_access=list(requisition.linkedin_access or []),
    )


def snapshot_of_deleted(job_id: str, data: dict[str, Any]) -> JobSnapshot:
    created = parse_datetime(str(data.get("created_at") or "")) or timezone.now()
    return JobSnapshot(
        job_id=job_id,
        title=str(data.get("title") or ""),
        description=str(data.get("description") or ""),
        location=str(data.get("location") or ""),
        availability=str(data.get("availability") or Requisition.Availability.PRIVATE),
        listed_at=created,
        open=False,
        # Older snapshots do not say: closing a job LinkedIn never had fails harmlessly.
        was_synced=bool(data.get("was_synced", True)),
        exists=False,
    )


def _wait_for_postings(client: LinkedInAPI, task_ids: dict[str, str]) -> dict[str, str]:
    """Job id → "" (succeeded) or why not, polling LinkedIn's posting tasks."""
    outcome: dict[str, str] = {}
    pending = dict(task_ids)  # task id → job id
    for delay in POSTING_POLL_DELAYS:
        if not pending:
            break
        _sleep(delay)
        statuses = client.get_job_posting_tasks(list(pending))
        for task_id, status in statuses.items():
            job_id = pending.get(task_id)
            if job_id is None or status == "IN_PROGRESS":
                continue
            outcome[job_id] = "" if status == "SUCCEEDED" else f"job posting task {status}"
            del pending[task_id]
    for task_id, job_id in pending.items():
        outcome[job_id] = f"LinkedIn is still processing job posting task {task_id}"
    return outcome


@dataclass
class JobsResult:
    """Per job id: sent, refused by LinkedIn (permanent), failed now (transient), invalid."""

    sent: list[str] = field(default_factory=list)
    permanent: dict[str, str] = field(default_factory=dict)
    transient: dict[str, str] = field(default_factory=dict)


def jobs_send(jobs: Sequence[JobSnapshot], *, client: LinkedInAPI | None = None) -> JobsResult:
    """Send at most 100 jobs: posting (polled), job requisition, access list. Idempotent.

    Never raises for one job's failure: each job's outcome is in the result. A LinkedIn error
    that hits the whole batch (unreachable, 5xx after retries) fails every job in it.
    """
    if len(jobs) > BATCH_SIZE:
        raise ValueError(f"At most {BATCH_SIZE} jobs per call")
    result = JobsResult()
    ready: list[JobSnapshot] = []
    for job in jobs:
        problem = job.problem()
        if problem:
            result.permanent[job.job_id] = problem
            if job.exists:
                requisition_services.requisition_mark_synced(
                    requisition_id=int(job.job_id), error=problem
                )
        else:
            ready.append(job)
    if not ready:
        return result
    client = client or get_client()

    def fail(job_ids: Sequence[str], exc: LinkedInError) -> None:
        bucket = result.permanent if isinstance(exc, PermanentError) else result.transient
        for job_id in job_ids:
            bucket.setdefault(job_id, f"LinkedIn: {exc}")

    # 1. Postings: open jobs are listed, closed ones closed (if LinkedIn ever had them).
    postings = [job.posting(close=not job.open) for job in ready if job.open or job.was_synced]
    if postings:
        try:
            task_ids = client.upsert_job_postings(postings)
            tasks = dict(zip(task_ids, (p.job_id for p in postings), strict=True))
            for job_id, problem in _wait_for_postings(client, tasks).items():
                if problem.startswith("LinkedIn is still"):
                    result.transient[job_id] = problem
                elif problem:
                    result.permanent[job_id] = f"LinkedIn refused the job posting: {problem}"
        except LinkedInError as exc:
            fail([p.job_id for p in postings], exc)
    # 2. Job requisitions (what a hiring project connects to), for jobs still going.
    going = [job for job in ready if job.job_id not in result.permanent]
    going = [job for job in going if job.job_id not in result.transient]
    if going:
        try:
            answer = client.upsert_job_requisitions([job.job_requisition() for job in going])
            for job_id, message in answer.failed.items():
                bucket = result.transient if answer.retryable(job_id) else result.permanent
                bucket[job_id] = f"LinkedIn refused the job requisition: {message}"
        except LinkedInError as exc:
            fail([job.job_id for job in going], exc)
    # 3. Access lists (the owners' seats), removing former owners; a deleted job keeps its
    #    last list until LinkedIn drops the closed job.
    for job in ready:
        if job.job_id in result.permanent or job.job_id in result.transient:
            continue
        if job.exists:
            removed = [urn for urn in job.previous_access if urn not in job.owner_person_urns]
            try:
                client.set_job_access(
                    job.job_id, job.owner_person_urns, removed_person_urns=removed
                )
            except LinkedInError as exc:
                fail([job.job_id], exc)
                continue
            requisition_services.requisition_mark_synced(
                requisition_id=int(job.job_id), access=job.owner_person_urns
            )
        result.sent.append(job.job_id)
    for job_id, message in {**result.permanent, **result.transient}.items():
        if any(job.job_id == job_id and job.exists for job in ready):
            requisition_services.requisition_mark_synced(requisition_id=int(job_id), error=message)
    return result


def _defer_unless_active(events: list[OutboxEvent]) -> Outcome | None:
    if integration_active():
        return None
    # Enabling sends every open requisition (job_sync); until then nothing leaves Tracker.
    from syncjobs.live_sync import WAIT_FOR_BULK_SYNC

    return Outcome(deferred={event.pk: WAIT_FOR_BULK_SYNC for event in events})


def _outcome_for(events: dict[str, OutboxEvent], result: JobsResult) -> Outcome:
    outcome = Outcome()
    for job_id, event in events.items():
        if job_id in result.sent:
            outcome.sent.append(event.pk)
        elif job_id in result.permanent:
            outcome.permanent[event.pk] = result.permanent[job_id]
        else:
            outcome.failed[event.pk] = result.transient.get(job_id, "not sent")
    return outcome


@outbox_handler(Kind.REQUISITION_UPSERT)
def send_requisition_upserts(events: list[OutboxEvent]) -> Outcome:
    waiting = _defer_unless_active(events)
    if waiting:
        return waiting
    by_job = {event.object_id: event for event in events}
    requisitions = list(Requisition.objects.filter(pk__in=[int(pk) for pk in by_job]))
    found = {str(r.pk) for r in requisitions}
    outcome = Outcome()
    for job_id, event in list(by_job.items()):
        if job_id not in found:  # deleted since; its requisition_close event does the rest
            outcome.sent.append(event.pk)
            del by_job[job_id]
    urns = owner_person_urns(requisitions)
    result = jobs_send([snapshot_of(r, urns[r.pk]) for r in requisitions])
    sent = _outcome_for(by_job, result)
    outcome.sent += sent.sent
    outcome.permanent.update(sent.permanent)
    outcome.failed.update(sent.failed)
    return outcome


@outbox_handler(Kind.REQUISITION_CLOSE)
def send_requisition_closes(events: list[OutboxEvent]) -> Outcome:
    """Deleted requisitions: the job posting is closed and the job requisition marked CLOSED."""
    waiting = _defer_unless_active(events)
    if waiting:
        return waiting
    by_job = {event.object_id: event for event in events}
    result = jobs_send(
        [snapshot_of_deleted(job_id, event.payload or {}) for job_id, event in by_job.items()]
    )
    return _outcome_for(by_job, result)


# --- Applications -----------------------------------------------------------------------------


def connected_requisition_ids(requisition_ids: Sequence[int]) -> set[int]:
    return set(
        ProjectConnection.objects.filter(
            requisition_id__in=list(requisition_ids), active=True
        ).values_list("requisition_id", flat=True)
    )


def application_record(placement: Placement) -> ApplicationRecord:
    candidate = placement.candidate
    created = placement.created_at
    return ApplicationRecord(
        application_id=str(placement.pk),
        candidate_id=str(candidate.pk),
        job_id=str(placement.requisition_id),
        job_name=placement.requisition.title,
        candidate_email=candidate.email if candidate.email_key else "",
        first_name=candidate.first_name.strip(),
        last_name=candidate.last_name.strip(),
        source=placement.source,
        stage=placement.stage,
        created_at=created,
        last_modified_at=max(placement.updated_at, created),
    )


class CvUnreadable(Exception):
    """The candidate has a CV file that storage cannot give back (missing, or storage down)."""


def _storage_errors() -> tuple[type[Exception], ...]:
    """What reading a file can raise: OSError locally, boto's errors from object storage."""
    errors: list[type[Exception]] = [OSError]
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # object storage not installed: local files only
        return tuple(errors)
    return (*errors, BotoCoreError, ClientError)


STORAGE_ERRORS = _storage_errors()


def primary_cv(candidate: Candidate) -> tuple[str, str, bytes] | None:
    """The candidate's primary CV as (file name, content type, bytes), or None.

    The uploaded file, read through the configured storage (local disk or object storage),
    whichever machine this runs on; the extracted text as a text file when there is no file
    (or the file is empty or too large for LinkedIn). A file that storage cannot give back
    raises ``CvUnreadable``: sending the CV text in its place would hide the loss.
    """
    if candidate.cv_file:
        try:
            with candidate.cv_file.open("rb") as handle:
                content = handle.read(MAX_CV_BYTES + 1)
        except STORAGE_ERRORS as exc:
            raise CvUnreadable(
                f"the CV file {candidate.cv_file.name} of candidate {candidate.pk} cannot be "
                f"read from storage: {type(exc).__name__}: {exc}"
            ) from exc
        if content and len(content) <= MAX_CV_BYTES:
            name = PurePath(candidate.cv_file.name).name
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return name, content_type, content
        logger.warning(
            "CV file of candidate %s is empty or larger than %s bytes; sending its text",
            candidate.pk,
            MAX_CV_BYTES,
        )
    if candidate.cv_text.strip():
        name = f"cv-{candidate.pk}.txt"
        return name, "text/plain", candidate.cv_text.encode("utf-8")
    return None


def _mark_not_sent(event: OutboxEvent, reason: str) -> None:
    OutboxEvent.objects.filter(pk=event.pk).update(
        payload={**(event.payload or {}), NOT_SENT_MARK: reason}
    )


@outbox_handler(Kind.APPLICATION_UPSERT)
def send_application_upserts(events: list[OutboxEvent]) -> Outcome:
    """Placements of actively connected requisitions, as applications with the primary CV."""
    waiting = _defer_unless_active(events)
    if waiting:
        return waiting
    outcome = Outcome()
    by_id = {event.object_id: event for event in events}
    placements = {
        str(p.pk): p
        for p in Placement.objects.filter(pk__in=[int(pk) for pk in by_id]).select_related(
            "candidate", "requisition"
        )
    }
    connected = connected_requisition_ids([p.requisition_id for p in placements.values()])
    to_send: list[Placement] = []
    for placement_id, event in by_id.items():
        placement = placements.get(placement_id)
        if placement is None:  # deleted since; its application_delete event follows
            _mark_not_sent(event, "the placement was deleted before it was sent")
            outcome.sent.append(event.pk)
        elif placement.requisition_id not in connected:
            # Disconnected meanwhile: data of unconnected jobs never leaves Tracker.
            _mark_not_sent(
                event,
                f"requisition {placement.requisition_id} is not connected to a LinkedIn "
                "hiring project",
            )
            outcome.sent.append(event.pk)
        else:
            to_send.append(placement)
    if not to_send:
        return outcome
    client = get_client()
    answer = client.upsert_applications([application_record(p) for p in to_send])
    for placement in to_send:
        event = by_id[str(placement.pk)]
        message = answer.failed.get(str(placement.pk))
        if message is not None:
            if answer.retryable(str(placement.pk)):
                outcome.failed[event.pk] = f"LinkedIn could not take the application: {message}"
            else:
                outcome.permanent[event.pk] = f"LinkedIn refused the application: {message}"
            continue
        try:
            cv = primary_cv(placement.candidate)
        except CvUnreadable as exc:
            # Retried like any transient failure; once retries run out the event is dead and
            # the admin's outbox shows why.
            logger.error("application %s: %s", placement.pk, exc)
            outcome.failed[event.pk] = f"The application went, its CV not: {exc}"
            continue
        if cv is not None:
            name, content_type, content = cv
            try:
                client.upsert_attachment(
                    application_id=str(placement.pk),
                    attachment_id=CV_ATTACHMENT_ID,
                    file_name=name,
                    content_type=content_type,
                    content=content,
                )
            except TransientError as exc:
                outcome.failed[event.pk] = f"The application went, its CV not yet: {exc}"
                continue
            except PermanentError as exc:
                outcome.permanent[event.pk] = f"LinkedIn refused the CV: {exc}"
                continue
        outcome.sent.append(event.pk)
    return outcome


@outbox_handler(Kind.APPLICATION_DELETE)
def send_application_deletes(events: list[OutboxEvent]) -> Outcome:
    waiting = _defer_unless_active(events)
    if waiting:
        return waiting
    client = get_client()
    outcome = Outcome()
    # The CV first: LinkedIn does not say that deleting an application deletes its files.
    files = client.delete_attachments([(event.object_id, CV_ATTACHMENT_ID) for event in events])
    ready = []
    for event in events:
        message = files.failed.get(event.object_id)
        if message is not None and files.retryable(event.object_id):
            outcome.failed[event.pk] = f"LinkedIn could not delete the application's CV: {message}"
            continue
        if message is not None:  # refused for good: the application still goes
            logger.warning(
                "application %s: LinkedIn refused to delete its CV: %s", event.object_id, message
            )
        ready.append(event)
    if not ready:
        return outcome
    answer = client.delete_applications([event.object_id for event in ready])
    for event in ready:
        message = answer.failed.get(event.object_id)
        if message is None:
            outcome.sent.append(event.pk)
        elif answer.retryable(event.object_id):
            outcome.failed[event.pk] = f"LinkedIn could not delete the application: {message}"
        else:
            outcome.permanent[event.pk] = f"LinkedIn refused the deletion: {message}"
    return outcome


# --- The job_sync runner ------------------------------------------------------------------------


@sync_runner("job_sync", help="Send every open requisition to LinkedIn (postings, access lists).")
def job_sync_runs(*, actor: Any = None, client: LinkedInAPI | None = None) -> list[SyncRun]:
    """One run that re-sends every open requisition in batches of 100; [] when not enabled
    or when another job sync is running. Failures are counted per requisition and recorded on
    the requisition; the run fails only when LinkedIn is unreachable."""
    if not integration_active():
        logger.info("job sync: the integration is not enabled")
        return []
    run, _ = sync_run_start(kind=SyncRun.Kind.JOB_SYNC, actor=actor)
    if run is None:
        logger.warning("job sync skipped: another run is in progress")
        return []
    client = client or get_client()
    open_ids = list(
        Requisition.objects.filter(status=Requisition.Status.OPEN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    sync_run_progress(run, total=len(open_ids))
    transient_failures = 0
    for start in range(0, len(open_ids), BATCH_SIZE):
        requisitions = list(
            Requisition.objects.filter(pk__in=open_ids[start : start + BATCH_SIZE]).order_by("pk")
        )
        urns = owner_person_urns(requisitions)
        result = jobs_send([snapshot_of(r, urns[r.pk]) for r in requisitions], client=client)
        for job_id, message in {**result.permanent, **result.transient}.items():
            sync_run_error(run, f"requisition {job_id}: {message}")
        transient_failures += len(result.transient)
        sync_run_progress(
            run,
            processed=len(result.sent),
            updated=len(result.sent),
            failed=len(result.permanent) + len(result.transient),
            cursor={"after": requisitions[-1].pk if requisitions else None},
        )
    run.refresh_from_db()
    if transient_failures and transient_failures == run.total:
        sync_run_finish(
            run,
            status=SyncRun.Status.FAILED,
            error="LinkedIn could not take any requisition now; run the job sync again later.",
        )
    else:
        sync_run_finish(run)
    return [run]
