"""Live sync (docs/architecture.md §4.4): outbox handlers that send candidates to LinkedIn and link
matches.

A create, update or save-without-change queues ``candidate_upsert``; the handler sends the
record and, for a candidate without a member link, reads LinkedIn's match and links it
(``method=live_sync``). Deletions queue ``candidate_delete``; member links made or ended by
people (or by exports and stub imports) queue ``candidate_match`` (``manualMatchedMember``).
Candidate events wait while the bulk sync has not completed yet, and every event waits while
the integration is in error; waiting never uses up an attempt, so nothing is lost meanwhile. The
bulk sync kicks the re-drive when it completes, so what changed during it goes out then.
An erased candidate's deletion, once LinkedIn confirmed it, is stamped on its tombstone
(``linkedin_deleted_at``): the erasure's audit record says when LinkedIn's copy went.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from candidates import services as candidate_services
from candidates.models import Candidate, ErasureTombstone, MatchReview, MemberLink
from requisitions import services as requisition_services
from requisitions.models import Activity
from syncjobs.models import OutboxEvent
from syncjobs.outbox import Outcome, outbox_enqueue, outbox_handler
from syncjobs.records import candidate_record, candidate_skip_reason
from syncjobs.selectors import bulk_sync_completed, integration_sending
from tracker_rsc.linkedin import CandidateMatch, PermanentError, TransientError, get_client

logger = logging.getLogger(__name__)

# How long candidate events wait before looking again whether the bulk sync has finished.
WAIT_FOR_BULK_SYNC = timedelta(minutes=1)


def _not_ready(events: list[OutboxEvent]) -> Outcome | None:
    if integration_sending() and bulk_sync_completed():
        return None
    return Outcome(deferred={event.pk: WAIT_FOR_BULK_SYNC for event in events})


def active_links(candidate_ids: Iterable[int]) -> dict[int, str]:
    return dict(
        MemberLink.objects.filter(
            candidate_id__in=list(candidate_ids), unlinked_at__isnull=True
        ).values_list("candidate_id", "person_urn")
    )


def apply_match(*, candidate: Candidate, match: CandidateMatch, method: str) -> str:
    """Store LinkedIn's match for one candidate. Returns "linked", "ambiguous" or "none".

    Several algorithmic matches and no manual one are ambiguous: not linked, but queued for
    admins. A member already linked to another candidate is a conflict, queued likewise.
    """
    if match.ambiguous:
        candidate_services.match_review_open(
            candidate=candidate,
            kind=MatchReview.Kind.AMBIGUOUS_MATCH,
            person_urns=list(match.matched_members),
            detail=f"LinkedIn matched {len(match.matched_members)} members; none was linked.",
        )
        return "ambiguous"
    person_urn = match.person_urn
    if not person_urn:
        return "none"
    manual = match.manual_matched_member is not None
    try:
        candidate_services.member_link_create(
            candidate=candidate,
            person_urn=person_urn,
            method=method,
            matched_on=MemberLink.MatchedOn.LINKEDIN,
            reason=(
                "manualMatchedMember set in LinkedIn"
                if manual
                else "LinkedIn's matching (matchedMembers) found one member"
            ),
        )
    except candidate_services.LinkConflict as exc:
        candidate_services.match_review_open(
            candidate=candidate,
            kind=MatchReview.Kind.AMBIGUOUS_MATCH,
            person_urns=[person_urn],
            detail=str(exc.messages[0]),
        )
        return "ambiguous"
    return "linked"


def apply_matches(
    *, candidates: Sequence[Candidate], matches: dict[str, CandidateMatch], method: str
) -> dict[int, str]:
    """``apply_match`` for a batch, by candidate id, in a fixed number of queries.

    The single matches are linked together (``member_links_create_many``), in the batch's
    order; ambiguous matches and conflicts go to the admins' review queue as ``apply_match``
    puts them. Candidates without an entry in ``matches`` are left out of the answer.
    """
    verdicts: dict[int, str] = {}
    pairs = []
    for candidate in candidates:
        match = matches.get(str(candidate.pk))
        if match is None:
            continue
        if match.ambiguous:
            with transaction.atomic():
                verdicts[candidate.pk] = apply_match(
                    candidate=candidate, match=match, method=method
                )
        elif match.person_urn:
            reason = (
                "manualMatchedMember set in LinkedIn"
                if match.manual_matched_member is not None
                else "LinkedIn's matching (matchedMembers) found one member"
            )
            pairs.append((candidate, match.person_urn, reason))
        else:
            verdicts[candidate.pk] = "none"
    if not pairs:
        return verdicts
    with transaction.atomic():
        linked = candidate_services.member_links_create_many(
            pairs=pairs, method=method, matched_on=MemberLink.MatchedOn.LINKEDIN
        )
        for candidate, person_urn, _ in pairs:
            result = linked[candidate.pk]
            if isinstance(result, candidate_services.LinkConflict):
                candidate_services.match_review_open(
                    candidate=candidate,
                    kind=MatchReview.Kind.AMBIGUOUS_MATCH,
                    person_urns=[person_urn],
                    detail=str(result.messages[0]),
                )
                verdicts[candidate.pk] = "ambiguous"
            else:
                verdicts[candidate.pk] = "linked"
    return verdicts


def mark_synced(candidate_ids: Sequence[int], errors: dict[int, str]) -> None:
    """Record how each candidate stands with LinkedIn: synced now, or why it was not.

    A change of standing — a new refusal (or a different reason), or synced again after one —
    is a sync event on the candidate's timeline; a candidate that keeps syncing adds nothing.
    """
    now = timezone.now()
    ok = [pk for pk in candidate_ids if pk not in errors]
    errors = {pk: message[:1000] for pk, message in errors.items()}
    touched = [*ok, *errors]
    previous = dict(
        Candidate.objects.filter(pk__in=touched)
        .exclude(linkedin_sync_error="")
        .values_list("pk", "linkedin_sync_error")
    )
    if ok:
        Candidate.objects.filter(pk__in=ok).update(linkedin_synced_at=now, linkedin_sync_error="")
    for pk, message in errors.items():
        Candidate.objects.filter(pk=pk).update(linkedin_sync_error=message)
    events = [
        (pk, "Not synced to LinkedIn", message)
        for pk, message in errors.items()
        if previous.get(pk) != message
    ] + [(pk, "Synced to LinkedIn again", f"Before: {previous[pk]}") for pk in ok if pk in previous]
    if events:
        existing = Candidate.objects.in_bulk([pk for pk, _, _ in events])
        for pk, subject, body in events:
            if pk in existing:
                requisition_services.activity_record(
                    kind=Activity.Kind.SYNC,
                    candidate=existing[pk],
                    subject=subject,
                    body=body,
                    occurred_at=now,
                )


@outbox_handler(OutboxEvent.Kind.CANDIDATE_UPSERT)
def send_candidate_upserts(events: list[OutboxEvent]) -> Outcome:
    waiting = _not_ready(events)
    if waiting:
        return waiting
    outcome = Outcome()
    ids = {int(event.object_id): event for event in events}
    candidates = {c.pk: c for c in Candidate.objects.filter(pk__in=list(ids))}
    links = active_links(candidates)
    to_send: list[Candidate] = []
    skipped: dict[int, str] = {}
    for pk, event in ids.items():
        candidate = candidates.get(pk)
        if candidate is None:  # deleted since; its candidate_delete event does the rest
            outcome.sent.append(event.pk)
            continue
        reason = candidate_skip_reason(candidate, linked=pk in links)
        if reason:
            skipped[pk] = (
                "Not sent to LinkedIn: it needs a first and last name"
                + (" and an email address" if reason == "missing_email" else "")
                + "."
            )
            outcome.sent.append(event.pk)
            continue
        to_send.append(candidate)
    mark_synced([], skipped)
    if not to_send:
        return outcome
    client = get_client()
    result = client.upsert_candidates([candidate_record(c) for c in to_send])
    refused = {int(pk): message for pk, message in result.failed.items()}
    for pk, message in refused.items():
        outcome.permanent[ids[pk].pk] = f"LinkedIn refused candidate {pk}: {message}"
    accepted = [c for c in to_send if c.pk not in refused]
    mark_synced([c.pk for c in accepted], {pk: f"LinkedIn: {m}" for pk, m in refused.items()})
    unlinked = [c for c in accepted if c.pk not in links]
    if unlinked:
        matches = client.get_candidate_matches([str(c.pk) for c in unlinked])
        for candidate in unlinked:
            match = matches.matches.get(str(candidate.pk))
            if match is not None:
                with transaction.atomic():
                    apply_match(
                        candidate=candidate, match=match, method=MemberLink.Method.LIVE_SYNC
                    )
    outcome.sent.extend(ids[c.pk].pk for c in accepted)
    return outcome


@outbox_handler(OutboxEvent.Kind.CANDIDATE_DELETE)
def send_candidate_deletes(events: list[OutboxEvent]) -> Outcome:
    if not integration_sending():
        return Outcome(deferred={event.pk: WAIT_FOR_BULK_SYNC for event in events})
    result = get_client().delete_candidates([event.object_id for event in events])
    outcome = Outcome()
    for event in events:
        message = result.failed.get(event.object_id)
        # LinkedIn not knowing the record (never synced, or deleted already) is success.
        if message is None or "not found" in message.lower() or "404" in message:
            outcome.sent.append(event.pk)
            if event.payload.get("erased"):
                ErasureTombstone.objects.filter(
                    candidate_id=int(event.object_id), linkedin_deleted_at__isnull=True
                ).update(linkedin_deleted_at=timezone.now())
        else:
            outcome.permanent[event.pk] = f"LinkedIn refused the deletion: {message}"
    return outcome


@outbox_handler(OutboxEvent.Kind.CANDIDATE_MATCH)
def send_manual_matches(events: list[OutboxEvent]) -> Outcome:
    """Tell LinkedIn about links made or ended in Tracker (``manualMatchedMember``).

    Waits like the upserts (a manual match needs the candidate on LinkedIn). A candidate that
    LinkedIn does not know yet (404) gets its upsert queued and the match waits for it; a
    transient failure retries only the events not yet sent.
    """
    waiting = _not_ready(events)
    if waiting:
        return waiting
    client = get_client()
    outcome = Outcome()
    existing = set(
        Candidate.objects.filter(pk__in=[int(e.object_id) for e in events]).values_list(
            "pk", flat=True
        )
    )
    for index, event in enumerate(events):
        if int(event.object_id) not in existing:
            outcome.sent.append(event.pk)
            continue
        try:
            client.set_manual_match(event.object_id, event.payload.get("person_urn") or None)
        except PermanentError as exc:
            if exc.status == 404:
                outbox_enqueue(
                    kind=OutboxEvent.Kind.CANDIDATE_UPSERT,
                    aggregate="candidate",
                    object_id=event.object_id,
                )
                outcome.deferred[event.pk] = WAIT_FOR_BULK_SYNC
            else:
                outcome.permanent[event.pk] = f"LinkedIn refused the manual match: {exc}"
            continue
        except TransientError as exc:
            for later in events[index:]:
                outcome.failed[later.pk] = str(exc)
            outcome.retry_after = exc.retry_after
            return outcome
        outcome.sent.append(event.pk)
    return outcome
