"""Writes for candidates, member links, skills and erasure (the only writers of these models).

Every function runs in a transaction and sends the domain signals of docs/architecture.md §2 inside
it, so the outbox rows that receivers write commit or roll back with the change itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from candidates import normalize, signals
from candidates.models import (
    Candidate,
    CandidateSkill,
    ErasureTombstone,
    MatchReview,
    MemberLink,
    QuickSkill,
    QuickSkillAlias,
    identifier_hash,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.core.files.storage import Storage

    User = AbstractBaseUser

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "current_title",
    "current_company",
    "headline",
    "location",
    "linkedin_profile_url",
    "cv_file",
    "cv_text",
)


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown candidate fields: {', '.join(sorted(unknown))}")


# Never validated here: set by Tracker itself (the CV file is checked where it is uploaded).
_NOT_VALIDATED = ("created_by", "possible_duplicate_of", "cv_file")


def _validate(candidate: Candidate, *, only: Iterable[str] | None = None) -> None:
    """Validate the candidate's fields, or only those named in ``only`` (what changed).

    A record may hold a value today's rules refuse (an email or URL stored before the
    validation existed, an import): saving it unchanged must still work, because a save is
    what sends it to LinkedIn and starts the matching (FAQ: "No data changes are needed
    beforehand"). A changed value is always validated.
    """
    exclude = set(_NOT_VALIDATED)
    if only is not None:
        wanted = set(only)
        exclude |= {f.name for f in candidate._meta.fields if f.name not in wanted}
    candidate.full_clean(exclude=sorted(exclude), validate_unique=False)


def candidate_create(
    *,
    actor: User | None = None,
    source: str = Candidate.Source.MANUAL,
    skills: Iterable[QuickSkill] = (),
    skill_source: str = CandidateSkill.Source.MANUAL,
    **fields: Any,
) -> Candidate:
    """Create a candidate; sends ``candidate_saved(created=True)``.

    Raises ValidationError for invalid field values and TypeError for unknown fields.
    """
    _check_fields(fields)
    now = timezone.now()
    candidate = Candidate(
        **fields,
        source=source,
        created_at=now,
        updated_at=now,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    candidate.refresh_keys()
    _validate(candidate)
    with transaction.atomic():
        candidate.save()
        for skill in skills:
            candidate_skill_add(candidate=candidate, skill=skill, source=skill_source)
        signals.candidate_saved.send(
            sender=Candidate, candidate=candidate, created=True, changed_fields=sorted(fields)
        )
    return candidate


def candidate_update(
    *,
    candidate: Candidate,
    actor: User | None = None,
    skills: Iterable[QuickSkill] | None = None,
    **fields: Any,
) -> Candidate:
    """Update a candidate (a save with no changed field counts: it still syncs).

    Only the fields whose value changes are validated (ValidationError names them): an
    unchanged value is kept as stored even if today's rules would refuse it, so a record
    older than the validation can always be saved, and so matched on LinkedIn.
    ``updated_at`` moves on every save, as Tracker's "Last Updated" does. ``skills``, when
    given, replaces the candidate's skill set. Sends ``candidate_saved(created=False)``.
    """
    _check_fields(fields)
    before = {name: getattr(candidate, name) for name in fields}
    for name, value in fields.items():
        setattr(candidate, name, value)
    candidate.refresh_keys()
    # Compared after normalising: another spelling of the same profile URL or email is no change.
    changed = [name for name in fields if getattr(candidate, name) != before[name]]
    candidate.updated_at = timezone.now()
    _validate(candidate, only=changed)
    with transaction.atomic():
        replaced = _replaced_files(candidate)
        candidate.save()
        _delete_files_on_commit(candidate.pk, replaced)
        if skills is not None:
            wanted = {skill.pk: skill for skill in skills}
            candidate.skills.exclude(skill_id__in=wanted).delete()
            for skill in wanted.values():
                candidate_skill_add(candidate=candidate, skill=skill)
            changed.append("skills")
        signals.candidate_saved.send(
            sender=Candidate, candidate=candidate, created=False, changed_fields=changed
        )
    return candidate


def candidate_save(*, candidate: Candidate, actor: User | None = None) -> Candidate:
    """The Save button with nothing changed: re-sends the record and re-runs LinkedIn matching."""
    return candidate_update(candidate=candidate, actor=actor)


def _snapshot(candidate: Candidate) -> dict[str, Any]:
    link = candidate_active_link(candidate=candidate)
    return {
        "id": candidate.pk,
        "person_urn": link.person_urn if link else "",
        "email_key": candidate.email_key,
        "profile_key": candidate.profile_key,
        "placement_ids": list(candidate.placements.values_list("pk", flat=True)),
    }


def _stored_files(candidate: Candidate) -> list[tuple[Storage, str]]:
    """``(storage, name)`` of every file the row points to (the CV today; any file field)."""
    files = []
    for field in candidate._meta.concrete_fields:
        if isinstance(field, models.FileField):
            name = getattr(candidate, field.attname).name
            if name:
                files.append((field.storage, name))
    return files


def _replaced_files(candidate: Candidate) -> list[tuple[Storage, str]]:
    """The stored files the row points to now and will not after ``candidate`` is saved (a
    replaced CV): read from the database, as the instance may already hold the new file."""
    fields = [f for f in candidate._meta.concrete_fields if isinstance(f, models.FileField)]
    if candidate.pk is None or not fields:
        return []
    stored = Candidate.objects.filter(pk=candidate.pk).values(*(f.attname for f in fields))
    row = stored.first() or {}
    return [
        (field.storage, row[field.attname])
        for field in fields
        if row.get(field.attname) and row[field.attname] != getattr(candidate, field.attname).name
    ]


def _delete_files_on_commit(candidate_id: int, files: list[tuple[Storage, str]]) -> None:
    """Delete stored files once the deleting transaction commits (kept if it rolls back).

    Django deletes rows, never their files. A file that cannot be deleted is logged, not
    raised: the row is already gone and the other files are still deleted. The log names the
    folder and the error's type, never the file: an uploaded file's name often holds the
    person's name.
    """
    if not files:
        return

    def delete() -> None:
        for storage, name in files:
            try:
                storage.delete(name)  # a file already missing is not an error
            except Exception as exc:
                # Any storage backend's error (OSError on disk, a cloud client's own). Only
                # its type is logged: its message and traceback would repeat the file name.
                logger.error(
                    "A stored file of deleted candidate %s remains in %s/ (%s)",
                    candidate_id,
                    PurePosixPath(name).parent,
                    type(exc).__name__,
                )

    transaction.on_commit(delete)


def candidate_delete(*, candidate: Candidate, actor: User | None = None) -> None:
    """Delete a candidate with its stored files; sends ``candidate_deleted``.

    The outbox deletes the candidate and its sent applications on LinkedIn. The CV file is
    deleted from storage after the transaction commits.
    """
    with transaction.atomic():
        snapshot = _snapshot(candidate)
        files = _stored_files(candidate)
        candidate_id = candidate.pk
        candidate.delete()
        signals.candidate_deleted.send(
            sender=Candidate, candidate_id=candidate_id, snapshot=snapshot, erased=False
        )
        _delete_files_on_commit(candidate_id, files)


def candidate_erase(
    *, candidate: Candidate, actor: User | None = None, reason: str = ""
) -> ErasureTombstone:
    """GDPR erasure: delete the record and everything about it, leave a hashed tombstone.

    In Tracker: the row with its placements, activities, member links and skills; its stored
    CV file (after commit); and, through the ``candidate_deleted`` receivers, the activities
    still waiting for this member to be linked (``syncjobs.interactions``).

    On LinkedIn (outbox events, sent after commit): the ATS candidate record
    (``atsCandidates``) and the applications Tracker sent for its placements
    (``atsApplications``; LinkedIn documents that this also deletes an application's notes,
    stages and feedback, not whether it removes the CV attachment sent with it, which Tracker
    does not delete separately). Tracker never pushes candidate notes, so there are none of
    its own to delete. LinkedIn keeps what belongs to the Recruiter side: the member's profile
    and the Recruiter notes and InMails its users wrote (RSC only lets an ATS read those,
    never delete them). Tracker does not import them again: the InMail/notes sync skips the
    items of a member whose URN matches the tombstone while no candidate is linked to that
    member (after an admin's "import anyway" of a held export, the new candidate gets them),
    and the stub import skips the member.

    The tombstone holds hashes of the email, the profile URL and one member URN (the active
    link's, else the most recent link's); it stops a later stub import or export from silently
    re-creating the person. ``snapshot["erased_person_urn"]`` tells receivers that member.
    """
    with transaction.atomic():
        snapshot = _snapshot(candidate)
        person_urn = snapshot["person_urn"] or (
            candidate.member_links.order_by("-linked_at", "-id")
            .values_list("person_urn", flat=True)
            .first()
            or ""
        )
        snapshot["erased_person_urn"] = person_urn
        tombstone = ErasureTombstone.objects.create(
            candidate_id=candidate.pk,
            email_hash=identifier_hash(candidate.email_key),
            profile_hash=identifier_hash(candidate.profile_key),
            person_hash=identifier_hash(person_urn),
            reason=reason,
            erased_by=actor if actor is not None and actor.is_authenticated else None,
        )
        files = _stored_files(candidate)
        candidate_id = candidate.pk
        candidate.delete()
        signals.candidate_deleted.send(
            sender=Candidate, candidate_id=candidate_id, snapshot=snapshot, erased=True
        )
        _delete_files_on_commit(candidate_id, files)
    return tombstone


def tombstone_for(
    *, email: str = "", profile_url: str = "", person_urn: str = ""
) -> ErasureTombstone | None:
    """The tombstone matching any of these identifiers, if the person was erased."""
    from django.db.models import Q

    query = Q(pk__in=[])
    if key := normalize.normalize_email(email):
        query |= Q(email_hash=identifier_hash(key))
    if key := normalize.profile_slug(profile_url):
        query |= Q(profile_hash=identifier_hash(key))
    if person_urn:
        query |= Q(person_hash=identifier_hash(person_urn))
    return ErasureTombstone.objects.filter(query).first()


# --- Member links ---------------------------------------------------------------------------


def candidate_active_link(*, candidate: Candidate) -> MemberLink | None:
    return candidate.member_links.filter(unlinked_at__isnull=True).first()


class LinkConflict(ValidationError):
    """The candidate or the member already has a different active link."""


def member_link_create(
    *,
    candidate: Candidate,
    person_urn: str,
    method: str,
    matched_on: str,
    score: float | None = None,
    reason: str = "",
    actor: User | None = None,
    replace: bool = False,
) -> MemberLink:
    """Link a candidate to a LinkedIn member. Idempotent for the same pair.

    With ``replace`` (a manual link), an existing link of the candidate is ended first;
    otherwise a different existing link raises LinkConflict. A member already linked to
    another candidate always raises LinkConflict. Sends ``candidate_linked``.
    """
    if not person_urn.startswith("urn:li:person:"):
        raise ValidationError({"person_urn": "Enter a person URN (urn:li:person:X)."})
    with transaction.atomic():
        # Lock the candidate row so two workers linking the same candidate serialise.
        Candidate.objects.select_for_update().filter(pk=candidate.pk).first()
        current = candidate_active_link(candidate=candidate)
        if current and current.person_urn == person_urn:
            return current
        other = (
            MemberLink.objects.filter(person_urn=person_urn, unlinked_at__isnull=True)
            .exclude(candidate=candidate)
            .first()
        )
        if other:
            raise LinkConflict(
                f"LinkedIn member {person_urn} is already linked to candidate {other.candidate_id}."
            )
        if current:
            if not replace:
                raise LinkConflict(
                    f"Candidate {candidate.pk} is already linked to {current.person_urn}."
                )
            member_link_unlink(link=current, actor=actor, reason=f"replaced by {person_urn}")
        try:
            with transaction.atomic():
                link = MemberLink.objects.create(
                    candidate=candidate,
                    person_urn=person_urn,
                    method=method,
                    matched_on=matched_on,
                    score=score,
                    reason=reason,
                    linked_by=actor if actor is not None and actor.is_authenticated else None,
                )
        except IntegrityError as exc:  # a concurrent link won the race
            raise LinkConflict(
                f"{person_urn} or candidate {candidate.pk} was just linked."
            ) from exc
        MatchReview.objects.filter(
            candidate=candidate,
            kind=MatchReview.Kind.AMBIGUOUS_MATCH,
            resolved_at__isnull=True,
        ).update(resolved_at=timezone.now(), resolution=f"linked to {person_urn} ({method})")
        signals.candidate_linked.send(sender=MemberLink, candidate=candidate, link=link)
        signals.candidates_linked.send(sender=MemberLink, links=[link])
    return link


def member_links_create_many(
    *, pairs: Sequence[tuple[Candidate, str, str]], method: str, matched_on: str
) -> dict[int, MemberLink | LinkConflict]:
    """Link many candidates at once (a sync batch's matches): ``pairs`` of (candidate, person
    URN, reason), in the order they are to be taken.

    For each pair it does what ``member_link_create`` (without ``replace``) does, in a fixed
    number of queries: returns, by candidate id, the link (new, or the same one already there)
    or the LinkConflict that pair would raise — a member taken by another candidate (or by an
    earlier pair) or a candidate linked to someone else. All in one transaction; should a
    concurrent writer link one of them meanwhile, each pair is linked on its own instead.
    Sends ``candidate_linked`` for each new link, then ``candidates_linked`` once.
    """
    for _, person_urn, _ in pairs:
        if not person_urn.startswith("urn:li:person:"):
            raise ValidationError({"person_urn": "Enter a person URN (urn:li:person:X)."})
    if not pairs:
        return {}
    ids = [candidate.pk for candidate, _, _ in pairs]
    results: dict[int, MemberLink | LinkConflict] = {}
    with transaction.atomic():
        # Same row locks as member_link_create, taken in id order so batches never deadlock.
        list(
            Candidate.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        current = {
            link.candidate_id: link
            for link in MemberLink.objects.filter(candidate_id__in=ids, unlinked_at__isnull=True)
        }
        taken = dict(
            MemberLink.objects.filter(
                person_urn__in={urn for _, urn, _ in pairs}, unlinked_at__isnull=True
            ).values_list("person_urn", "candidate_id")
        )
        new: list[MemberLink] = []
        for candidate, person_urn, reason in pairs:
            link = current.get(candidate.pk)
            if link is not None and link.person_urn == person_urn:
                results[candidate.pk] = link
                continue
            owner = taken.get(person_urn)
            if owner is not None and owner != candidate.pk:
                results[candidate.pk] = LinkConflict(
                    f"LinkedIn member {person_urn} is already linked to candidate {owner}."
                )
                continue
            if link is not None:
                results[candidate.pk] = LinkConflict(
                    f"Candidate {candidate.pk} is already linked to {link.person_urn}."
                )
                continue
            taken[person_urn] = candidate.pk
            new.append(
                MemberLink(
                    candidate=candidate,
                    person_urn=person_urn,
                    method=method,
                    matched_on=matched_on,
                    reason=reason,
                )
            )
        if not new:
            return results
        try:
            with transaction.atomic():
                created = MemberLink.objects.bulk_create(new)
        except IntegrityError:  # a concurrent link won a race: take the pairs one by one
            return _member_links_one_by_one(pairs, method=method, matched_on=matched_on)
        for link in created:
            results[link.candidate_id] = link
        now = timezone.now()
        by_candidate = {link.candidate_id: link for link in created}
        for review_id, candidate_id in MatchReview.objects.filter(
            candidate_id__in=list(by_candidate),
            kind=MatchReview.Kind.AMBIGUOUS_MATCH,
            resolved_at__isnull=True,
        ).values_list("pk", "candidate_id"):
            MatchReview.objects.filter(pk=review_id).update(
                resolved_at=now,
                resolution=f"linked to {by_candidate[candidate_id].person_urn} ({method})",
            )
        for link in created:
            signals.candidate_linked.send(sender=MemberLink, candidate=link.candidate, link=link)
        signals.candidates_linked.send(sender=MemberLink, links=created)
    return results


def _member_links_one_by_one(
    pairs: Sequence[tuple[Candidate, str, str]], *, method: str, matched_on: str
) -> dict[int, MemberLink | LinkConflict]:
    results: dict[int, MemberLink | LinkConflict] = {}
    for candidate, person_urn, reason in pairs:
        try:
            results[candidate.pk] = member_link_create(
                candidate=candidate,
                person_urn=person_urn,
                method=method,
                matched_on=matched_on,
                reason=reason,
            )
        except LinkConflict as exc:
            results[candidate.pk] = exc
    return results


def member_link_unlink(
    *, link: MemberLink, actor: User | None = None, reason: str = ""
) -> MemberLink:
    """End a link (kept as history). Idempotent. Sends ``candidate_unlinked``."""
    if link.unlinked_at is not None:
        return link
    with transaction.atomic():
        link.unlinked_at = timezone.now()
        link.unlinked_by = actor if actor is not None and actor.is_authenticated else None
        link.unlink_reason = reason[:300]
        link.save(update_fields=["unlinked_at", "unlinked_by", "unlink_reason"])
        signals.candidate_unlinked.send(sender=MemberLink, candidate=link.candidate, link=link)
    return link


def match_review_open(
    *,
    candidate: Candidate,
    kind: str,
    detail: str = "",
    person_urns: list[str] | None = None,
    other_candidate: Candidate | None = None,
) -> MatchReview:
    """Put a candidate on the admins' review queue (one open item per kind and candidate)."""
    review, _ = MatchReview.objects.update_or_create(
        candidate=candidate,
        kind=kind,
        resolved_at__isnull=True,
        defaults={
            "detail": detail[:500],
            "person_urns": person_urns or [],
            "other_candidate": other_candidate,
        },
    )
    if kind == MatchReview.Kind.POSSIBLE_DUPLICATE and other_candidate is not None:
        Candidate.objects.filter(pk=candidate.pk).update(possible_duplicate_of=other_candidate)
        candidate.possible_duplicate_of = other_candidate
    return review


def match_review_resolve(*, review: MatchReview, actor: User | None, resolution: str) -> None:
    with transaction.atomic():
        review.resolved_at = timezone.now()
        review.resolved_by = actor if actor is not None and actor.is_authenticated else None
        review.resolution = resolution[:300]
        review.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        if review.kind == MatchReview.Kind.POSSIBLE_DUPLICATE:
            Candidate.objects.filter(pk=review.candidate_id).update(possible_duplicate_of=None)


# --- Skills ---------------------------------------------------------------------------------


def candidate_skill_add(
    *, candidate: Candidate, skill: QuickSkill, source: str = CandidateSkill.Source.MANUAL
) -> CandidateSkill:
    """Apply an existing Quick Skill to a candidate. Idempotent."""
    obj, _ = CandidateSkill.objects.get_or_create(
        candidate=candidate, skill=skill, defaults={"source": source}
    )
    return obj


def _check_length(model: type[QuickSkill | QuickSkillAlias], field: str, value: str) -> None:
    # Checked here because PostgreSQL refuses an over-long value with a DataError, not a message.
    limit = model._meta.get_field(field).max_length
    if len(value) > limit:
        raise ValidationError({field: f"At most {limit} characters (this one has {len(value)})."})


def quick_skill_create(*, name: str, aliases: Iterable[str] = ()) -> QuickSkill:
    """Add a dictionary entry (admins and demo data only; LinkedIn never creates one)."""
    name = " ".join(name.split())
    key = normalize.normalize_skill(name)
    if not key:
        raise ValidationError({"name": "A skill needs a name."})
    _check_length(QuickSkill, "name", name)
    if QuickSkill.objects.filter(key=key).exists():
        raise ValidationError({"name": f"The Quick Skill “{name}” already exists."})
    with transaction.atomic():
        skill = QuickSkill.objects.create(name=name)  # the model derives the key
        for alias in aliases:
            quick_skill_alias_add(skill=skill, alias=alias)
    return skill


def quick_skill_alias_add(*, skill: QuickSkill, alias: str) -> QuickSkillAlias | None:
    alias = " ".join(alias.split())
    key = normalize.normalize_skill(alias)
    if not key or key == skill.key:
        return None
    _check_length(QuickSkillAlias, "alias", alias)
    obj, _ = QuickSkillAlias.objects.get_or_create(skill=skill, key=key, defaults={"alias": alias})
    return obj
