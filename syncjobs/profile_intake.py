"""Apply a LinkedIn member profile to Tracker: the part Export to ATS and stub import share.

``profile_apply`` runs the duplicate check (``candidates.dedupe.find_duplicate``: member /
profile URL > email > name), then updates the matched candidate or creates one, and links it to
the member. It must run inside the caller's transaction, after ``identity_locks_acquire``, so
that two intakes of one person (two exports processed at once, an export beside a stub import)
serialise and produce one candidate.

Merge rules (what LinkedIn's profile may change on an existing candidate), so that an update
never wipes data LinkedIn did not send:

- **overwritten when LinkedIn sent a non-empty value**: first and last name, headline,
  location, current title and current company (the member keeps these up to date on LinkedIn;
  an empty or absent value leaves Tracker's as it is);
- **always**: the LinkedIn profile URL (LinkedIn's is authoritative; stored canonical);
- **filled only when Tracker has none**: email (the first valid address LinkedIn sent; the
  others, and all of them when the candidate already has one, are named in the activity) and
  phone (stub profiles carry one; exports do not);
- **never touched**: CV, source, creation data, skills other than the ones the export maps.

Current title and company come from the member's current position (the first without an end
date), else the company from ``currentEmployerNames``. Values longer than Tracker's columns are
cut to fit rather than refused: a long LinkedIn headline must not fail an export.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from candidates import normalize
from candidates import services as candidate_services
from candidates.dedupe import DuplicateDecision, IncomingPerson, find_duplicate
from candidates.identity_locks import identity_lock_ids, identity_locks_take
from candidates.models import Candidate, ErasureTombstone, MatchReview, MemberLink
from tracker_rsc.linkedin import MemberProfile

# Tracker's column sizes (candidates.models.Candidate); LinkedIn's values are cut to fit.
_MAX_LENGTH = {
    "first_name": 100,
    "last_name": 100,
    "headline": 300,
    "location": 200,
    "current_title": 200,
    "current_company": 200,
    "linkedin_profile_url": 300,
    "phone": 50,
}
OVERWRITE_WHEN_PRESENT = (
    "first_name",
    "last_name",
    "headline",
    "location",
    "current_title",
    "current_company",
)
ALWAYS = ("linkedin_profile_url",)
FILL_WHEN_EMPTY = ("email", "phone")


# --- Pure parts -----------------------------------------------------------------------------


def _fit(name: str, value: str | None) -> str:
    text = " ".join((value or "").split())
    limit = _MAX_LENGTH.get(name)
    return text[:limit] if limit else text


def _current_position(positions: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    for position in positions:
        if isinstance(position, Mapping) and not position.get("endedOn"):
            return position
    return None


def valid_emails(emails: Iterable[str]) -> tuple[list[str], list[str]]:
    """Split addresses into ``(valid, invalid)``, trimmed, without case-duplicates."""
    valid: list[str] = []
    invalid: list[str] = []
    seen: set[str] = set()
    for raw in emails:
        email = (raw or "").strip()
        key = normalize.normalize_email(email)
        if not email or key in seen:
            continue
        try:
            validate_email(email)
        except ValidationError:
            invalid.append(email)
            continue
        if len(email) > 254:
            invalid.append(email)
            continue
        seen.add(key)
        valid.append(email)
    return valid, invalid


def profile_fields(profile: MemberProfile) -> dict[str, str]:
    """The candidate fields a LinkedIn profile supplies (empty strings where it is silent)."""
    position = _current_position(profile.positions)
    title = str(position.get("title") or "") if position else ""
    company = str(position.get("companyName") or "") if position else ""
    if not company and profile.current_employer_names:
        company = profile.current_employer_names[0]
    emails, _ = valid_emails(profile.emails)
    phones = [phone for phone in profile.phones if phone.strip()]
    return {
        "first_name": _fit("first_name", profile.first_name),
        "last_name": _fit("last_name", profile.last_name),
        "headline": _fit("headline", profile.headline),
        "location": _fit("location", profile.location),
        "current_title": _fit("current_title", title),
        "current_company": _fit("current_company", company),
        "linkedin_profile_url": _fit(
            "linkedin_profile_url", normalize.canonical_profile_url(profile.profile_url)
        ),
        "email": emails[0] if emails else "",
        "phone": _fit("phone", phones[0]) if phones else "",
    }


def merge_profile(existing: Mapping[str, str], incoming: Mapping[str, str]) -> dict[str, str]:
    """The changes to make to ``existing`` (a candidate's fields) per the merge rules above.

    Returns only the fields whose value changes; never a blank over a value.
    """
    changes: dict[str, str] = {}
    for name in OVERWRITE_WHEN_PRESENT + ALWAYS:
        value = incoming.get(name) or ""
        if value and value != (existing.get(name) or ""):
            changes[name] = value
    for name in FILL_WHEN_EMPTY:
        value = incoming.get(name) or ""
        if value and not (existing.get(name) or "").strip():
            changes[name] = value
    return changes


def identity_keys(profile: MemberProfile) -> list[str]:
    """Every normalised identifier of the person, as the duplicate check reads them."""
    keys = []
    if profile.person_urn:
        keys.append(f"member:{profile.person_urn}")
    if slug := normalize.profile_slug(profile.profile_url):
        keys.append(f"profile:{slug}")
    for email in profile.emails:
        if key := normalize.normalize_email(email):
            keys.append(f"email:{key}")
    if name := normalize.normalize_full_name(profile.first_name, profile.last_name):
        keys.append(f"name:{name}")
    return sorted(set(keys))


def advisory_lock_ids(keys: Iterable[str]) -> list[int]:
    """The intake lock ids of these identifiers, sorted (a global lock order).

    The scheme lives in ``candidates.identity_locks``, shared with the CSV import."""
    return identity_lock_ids(keys)


# --- Database parts -------------------------------------------------------------------------


def identity_locks_acquire(profile: MemberProfile) -> list[int]:
    """Serialise intakes of the same person until the current transaction ends.

    The locks of the person's identifiers (member URN, profile key, each email key, the name
    key), shared with the CSV import: see ``candidates.identity_locks``. Must run inside the
    intake transaction and before the duplicate check.
    """
    return identity_locks_take(identity_keys(profile))


def profile_tombstone(profile: MemberProfile) -> ErasureTombstone | None:
    """The erasure tombstone of this person (member URN, profile URL or any email), if any."""
    found = candidate_services.tombstone_for(
        profile_url=profile.profile_url, person_urn=profile.person_urn
    )
    for email in profile.emails:
        found = found or candidate_services.tombstone_for(email=email)
    return found


def incoming_person(profile: MemberProfile) -> IncomingPerson:
    return IncomingPerson(
        person_urn=profile.person_urn,
        profile_url=profile.profile_url,
        emails=tuple(profile.emails),
        first_name=profile.first_name,
        last_name=profile.last_name,
    )


@dataclass
class IntakeResult:
    """What ``profile_apply`` did, for the activity and the notification's result."""

    candidate: Candidate
    created: bool
    decision: DuplicateDecision
    changed_fields: list[str] = field(default_factory=list)
    link: MemberLink | None = None
    newly_linked: bool = False
    link_conflict: str = ""
    possible_duplicate_of: Candidate | None = None
    emails_not_applied: list[str] = field(default_factory=list)

    @property
    def matched_on(self) -> str:
        """The link's ``matched_on``: the rule that found the candidate, or ``member`` for a
        candidate created from the member's own profile."""
        return self.decision.rule or MemberLink.MatchedOn.MEMBER

    @property
    def link_score(self) -> float:
        return self.decision.score if self.decision.rule else 1.0

    def summary(self) -> dict[str, Any]:
        return {
            "candidate_id": self.candidate.pk,
            "created": self.created,
            "rule": self.decision.rule,
            "score": self.decision.score,
            "decision": self.decision.reason,
            "changed_fields": self.changed_fields,
            "link_id": self.link.pk if self.link else None,
            "newly_linked": self.newly_linked,
            "link_conflict": self.link_conflict,
            "possible_duplicate_of": (
                self.possible_duplicate_of.pk if self.possible_duplicate_of else None
            ),
            "emails_not_applied": self.emails_not_applied,
        }


def _existing_fields(candidate: Candidate) -> dict[str, str]:
    return {
        name: getattr(candidate, name) or ""
        for name in OVERWRITE_WHEN_PRESENT + ALWAYS + FILL_WHEN_EMPTY
    }


def profile_apply(
    *,
    profile: MemberProfile,
    source: str,
    link_method: str,
    actor: Any = None,
) -> IntakeResult:
    """Duplicate check, then update or create the candidate and link the member.

    Call inside a transaction after ``identity_locks_acquire(profile)``. ``source`` is the
    new candidate's source (export_to_ats, stub_profile); ``link_method`` the MemberLink's
    (export, stub). A member link that conflicts with an existing one is not an error: it is
    recorded (``link_conflict``) and put on the admins' review queue. Raises ValidationError
    only for data Tracker cannot store at all.
    """
    decision = find_duplicate(incoming_person(profile))
    incoming = profile_fields(profile)
    valid, invalid = valid_emails(profile.emails)
    if decision.candidate_id is not None:
        # Locked so that a recruiter's concurrent edit cannot interleave with the merge.
        candidate = Candidate.objects.select_for_update().get(pk=decision.candidate_id)
        changes = merge_profile(_existing_fields(candidate), incoming)
        candidate_services.candidate_update(candidate=candidate, actor=actor, **changes)
        created = False
        changed = sorted(changes)
    else:
        values = {name: value for name, value in incoming.items() if value}
        candidate = candidate_services.candidate_create(actor=actor, source=source, **values)
        created = True
        changed = sorted(values)
    applied_email = normalize.normalize_email(candidate.email)
    result = IntakeResult(
        candidate=candidate,
        created=created,
        decision=decision,
        changed_fields=changed,
        emails_not_applied=[
            *(e for e in valid if normalize.normalize_email(e) != applied_email),
            *invalid,
        ],
    )
    other = (
        Candidate.objects.filter(pk=decision.possible_duplicate_of).first()
        if created and decision.possible_duplicate_of is not None
        else None
    )
    if other is not None:
        candidate_services.match_review_open(
            candidate=candidate,
            kind=MatchReview.Kind.POSSIBLE_DUPLICATE,
            other_candidate=other,
            person_urns=[profile.person_urn],
            detail=f"Imported from LinkedIn as a new candidate. {decision.reason}",
        )
        result.possible_duplicate_of = other
    _link(result, profile=profile, method=link_method, actor=actor)
    return result


def _link(result: IntakeResult, *, profile: MemberProfile, method: str, actor: Any) -> None:
    candidate = result.candidate
    current = candidate_services.candidate_active_link(candidate=candidate)
    if current is not None and current.person_urn == profile.person_urn:
        result.link = current
        return
    try:
        result.link = candidate_services.member_link_create(
            candidate=candidate,
            person_urn=profile.person_urn,
            method=method,
            matched_on=result.matched_on,
            score=result.link_score,
            reason=(result.decision.reason or "")[:300],
            actor=actor,
        )
        result.newly_linked = True
    except candidate_services.LinkConflict as exc:
        message = exc.messages[0]
        result.link_conflict = message
        urns = [profile.person_urn] + ([current.person_urn] if current else [])
        candidate_services.match_review_open(
            candidate=candidate,
            kind=MatchReview.Kind.AMBIGUOUS_MATCH,
            person_urns=urns,
            detail=f"LinkedIn profile {profile.person_urn} not linked: {message}",
        )
