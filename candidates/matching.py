"""The duplicate check's rules, as plain functions over plain data (docs/architecture.md §4.5,
§4.7).

No ORM here: ``candidates.dedupe`` fetches the few rows each rule needs and hands them over as
``CandidateKeys``; this module decides. Priority: LinkedIn member > profile URL > email > name.
A stronger identifier always beats a weaker one that points elsewhere; a name alone is trusted
only when exactly one candidate has that name and none of the stronger identifiers
contradicts it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import Levenshtein

from candidates import normalize

PERSON_URN_PREFIX = "urn:li:person:"

RULE_MEMBER = "member"
RULE_PROFILE_URL = "profile_url"
RULE_EMAIL = "email"
RULE_NAME = "name"

# A whole name ("first last") must be at least 90 % similar: one edit in a 10-letter name,
# two in a 20-letter one. Each part must also be at least 80 % similar, so a single edit is
# absorbed only in parts of five letters or more: short names one letter apart are usually
# different names (Mark/Mary, Jon/Jan, Ann/Anna), and merging two people is far worse than
# flagging a duplicate for review. Equal keys (case, accents, punctuation ignored) score 1.0.
NAME_MATCH_THRESHOLD = 0.9
NAME_PART_THRESHOLD = 0.8

# Blocking for the name rule. Candidates are read from the two composite indexes, never
# scanned: block A keeps the surname and ranges over first names sharing the first
# BLOCK_PREFIX_LENGTH letters, block B the reverse. A typo in the first two letters of a part
# is not found (nor is one in both parts), which the 0.8 per-part threshold would mostly reject
# anyway. Each block reads at most BLOCK_LIMIT rows, half on each side of the incoming key in
# index order, so the rows nearest the incoming spelling are the ones scored. 50 per block:
# a block that size is answered from a couple of index pages and 100 Levenshtein scores cost
# well under a millisecond, whatever the data (10,000 Smiths are never all read). When a block
# is that crowded the name is common, and two or more near-identical names among 25 neighbours
# already make the decision "ambiguous", which is what a complete scan would conclude too.
BLOCK_PREFIX_LENGTH = 2
BLOCK_LIMIT = 50
BLOCK_SIDE_LIMIT = BLOCK_LIMIT // 2

# How many other candidate ids a reason lists before saying "and N more".
_REASON_IDS = 5


@dataclass(frozen=True)
class IncomingPerson:
    """A LinkedIn member as an export or a stub profile describes them.

    ``emails`` also accepts a list or a bare string (newer API versions send one string).
    Raises ValueError for a person URN that is not ``urn:li:person:<id>`` and TypeError for
    values that are not text.
    """

    person_urn: str = ""
    profile_url: str = ""
    emails: tuple[str, ...] = ()
    first_name: str = ""
    last_name: str = ""

    def __post_init__(self) -> None:
        for name in ("person_urn", "profile_url", "first_name", "last_name"):
            value = getattr(self, name)
            if value is None:
                object.__setattr__(self, name, "")
            elif not isinstance(value, str):
                raise TypeError(f"IncomingPerson.{name} must be text, not {type(value).__name__}")
        emails: Any = self.emails
        if emails is None:
            emails = ()
        elif isinstance(emails, str):
            emails = (emails,)
        emails = tuple(emails)
        for email in emails:
            if not isinstance(email, str):
                raise TypeError(f"IncomingPerson.emails must hold text, not {type(email).__name__}")
        object.__setattr__(self, "emails", emails)
        urn = self.person_urn.strip()
        if urn and (not urn.startswith(PERSON_URN_PREFIX) or urn == PERSON_URN_PREFIX):
            raise ValueError(f"Not a LinkedIn person URN (urn:li:person:<id>): {urn!r}")
        object.__setattr__(self, "person_urn", urn)


@dataclass(frozen=True)
class IncomingKeys:
    """The normalised identifiers of an incoming person, as stored on candidates."""

    person_urn: str
    profile_key: str
    email_keys: tuple[str, ...]
    first_name_key: str
    last_name_key: str

    @classmethod
    def of(cls, person: IncomingPerson) -> IncomingKeys:
        email_keys = tuple(
            dict.fromkeys(k for k in map(normalize.normalize_email, person.emails) if k)
        )
        return cls(
            person_urn=person.person_urn,
            profile_key=normalize.profile_slug(person.profile_url),
            email_keys=email_keys,
            first_name_key=normalize.normalize_name_part(person.first_name),
            last_name_key=normalize.normalize_name_part(person.last_name),
        )

    @property
    def has_name(self) -> bool:
        return bool(self.first_name_key and self.last_name_key)

    @property
    def is_empty(self) -> bool:
        return not (
            self.person_urn
            or self.profile_key
            or self.email_keys
            or self.first_name_key
            or self.last_name_key
        )


@dataclass(frozen=True)
class CandidateKeys:
    """What the rules need to know about one existing candidate.

    ``person_urn`` is the member of the candidate's active link ('' when unlinked).
    ``updated_at`` only orders candidates (most recently updated first); any sortable value.
    """

    id: int
    updated_at: Any
    person_urn: str = ""
    profile_key: str = ""
    email_key: str = ""
    first_name_key: str = ""
    last_name_key: str = ""


@dataclass(frozen=True)
class DuplicateDecision:
    """The outcome of the duplicate check; ``reason`` is written to the export activity.

    ``candidate_id`` is the record to update (None: create a new one). ``rule`` says which
    identifier decided. ``possible_duplicate_of`` is set, with ``candidate_id`` None, when a
    name resembles an existing candidate that could not safely be taken: the caller creates
    the candidate and flags it for review.
    """

    candidate_id: int | None
    rule: str | None
    score: float
    possible_duplicate_of: int | None
    reason: str

    @property
    def matched(self) -> bool:
        return self.candidate_id is not None


@dataclass(frozen=True)
class NameScore:
    score: float
    first: float
    last: float

    @property
    def accepted(self) -> bool:
        return (
            self.score >= NAME_MATCH_THRESHOLD
            and self.first >= NAME_PART_THRESHOLD
            and self.last >= NAME_PART_THRESHOLD
        )


@dataclass
class Notes:
    """Things a weaker rule should mention about what the stronger ones saw."""

    lines: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.lines.append(text)

    def suffix(self) -> str:
        return "".join(f" {line}" for line in self.lines)


# --- Scoring --------------------------------------------------------------------------------


def similarity(a: str, b: str) -> float:
    """Normalised Levenshtein similarity: 1 - edits / length of the longer string."""
    if a == b:
        return 1.0
    longest = max(len(a), len(b))
    if not longest:
        return 1.0
    return 1.0 - Levenshtein.distance(a, b) / longest


def name_score(first_a: str, last_a: str, first_b: str, last_b: str) -> NameScore:
    """Similarity of two names given as normalised keys (``normalize_name_part``)."""
    if first_a == first_b and last_a == last_b:
        return NameScore(1.0, 1.0, 1.0)
    return NameScore(
        score=similarity(f"{first_a} {last_a}", f"{first_b} {last_b}"),
        first=similarity(first_a, first_b),
        last=similarity(last_a, last_b),
    )


def next_prefix(prefix: str) -> str | None:
    """The smallest string greater than every string starting with ``prefix``.

    ``key >= prefix AND key < next_prefix(prefix)`` is "starts with" as an index range, in
    code-point order. None when there is no such string (the range is then open-ended).
    """
    chars = list(prefix)
    while chars:
        code = ord(chars[-1]) + 1
        if 0xD800 <= code <= 0xDFFF:  # surrogates cannot be stored; skip past them
            code = 0xE000
        if code <= 0x10FFFF:
            chars[-1] = chr(code)
            return "".join(chars)
        chars.pop()
    return None


@dataclass(frozen=True)
class NameBlock:
    """One index range for the name rule: ``equal_column = equal`` and ``range_column`` in
    [``low``, ``high``), read from ``pivot`` upwards and below ``pivot`` downwards."""

    equal_column: str
    equal: str
    range_column: str
    low: str
    pivot: str
    high: str | None


def name_blocks(keys: IncomingKeys) -> tuple[NameBlock, NameBlock] | None:
    """Blocks A (same surname, similar first name) and B (same first name, similar surname)."""
    if not keys.has_name:
        return None
    first, last = keys.first_name_key, keys.last_name_key
    first_prefix = first[:BLOCK_PREFIX_LENGTH]
    last_prefix = last[:BLOCK_PREFIX_LENGTH]
    return (
        NameBlock(
            "last_name_key", last, "first_name_key", first_prefix, first, next_prefix(first_prefix)
        ),
        NameBlock(
            "first_name_key", first, "last_name_key", last_prefix, last, next_prefix(last_prefix)
        ),
    )


# --- Decisions ------------------------------------------------------------------------------


def _most_recent_first(rows: Iterable[CandidateKeys]) -> list[CandidateKeys]:
    return sorted(rows, key=lambda row: (row.updated_at, row.id), reverse=True)


def _list_ids(ids: Sequence[int]) -> str:
    shown = ", ".join(str(pk) for pk in ids[:_REASON_IDS])
    more = len(ids) - _REASON_IDS
    return f"{shown} and {more} more" if more > 0 else shown


def decide_member(keys: IncomingKeys, rows: Sequence[CandidateKeys]) -> DuplicateDecision | None:
    """Rule 1: a candidate actively linked to this LinkedIn member (at most one can be)."""
    if not keys.person_urn or not rows:
        return None
    row = _most_recent_first(rows)[0]
    return DuplicateDecision(
        candidate_id=row.id,
        rule=RULE_MEMBER,
        score=1.0,
        possible_duplicate_of=None,
        reason=f"Candidate {row.id} is linked to LinkedIn member {keys.person_urn}.",
    )


def decide_identifier(
    *,
    rule: str,
    label: str,
    keys: IncomingKeys,
    rows: Sequence[CandidateKeys],
    notes: Notes,
) -> DuplicateDecision | None:
    """Rules 2 and 3 (profile URL, email): the most recently updated candidate with the key.

    A candidate linked to a different LinkedIn member is a different person whatever URL or
    email it shares (a reused vanity URL, a shared mailbox): it is skipped and noted.
    """
    if not rows:
        return None
    eligible: list[CandidateKeys] = []
    skipped: list[int] = []
    for row in _most_recent_first(rows):
        other_member = keys.person_urn and row.person_urn and row.person_urn != keys.person_urn
        if other_member:
            skipped.append(row.id)
        else:
            eligible.append(row)
    if skipped:
        notes.add(
            f"The {label} also matches candidate{'s' if len(skipped) > 1 else ''} "
            f"{_list_ids(skipped)}, linked to a different LinkedIn member, so not taken."
        )
    if not eligible:
        return None
    chosen = eligible[0]
    reason = f"The {label} matches candidate {chosen.id}."
    if len(eligible) > 1:
        others = [row.id for row in eligible[1:]]
        reason = (
            f"The {label} matches {len(eligible)} candidates; chose {chosen.id}, the most "
            f"recently updated (also: {_list_ids(others)})."
        )
    return DuplicateDecision(
        candidate_id=chosen.id,
        rule=rule,
        score=1.0,
        possible_duplicate_of=None,
        reason=reason + notes.suffix(),
    )


def contradiction(keys: IncomingKeys, row: CandidateKeys) -> str | None:
    """Why a stronger identifier says ``row`` is not this person, or None."""
    if keys.person_urn and row.person_urn and row.person_urn != keys.person_urn:
        return f"it is linked to a different LinkedIn member ({row.person_urn})"
    if keys.profile_key and row.profile_key and row.profile_key != keys.profile_key:
        return "it has a different LinkedIn profile URL"
    if keys.email_keys and row.email_key and row.email_key not in keys.email_keys:
        return "it has a different email address"
    return None


@dataclass(frozen=True)
class NameOutcome:
    decision: DuplicateDecision
    rows_scored: int


def decide_name(
    keys: IncomingKeys, rows: Sequence[CandidateKeys], notes: Notes | None = None
) -> NameOutcome:
    """Rule 4, and the final answer: a name match only when unique and uncontradicted.

    ``rows`` are what the name blocks returned (a row may come from both blocks). Several
    similar names, or one that a stronger identifier contradicts, give "no match" with
    ``possible_duplicate_of`` set to the closest (then most recently updated) candidate.
    """
    notes = notes or Notes()
    if not keys.has_name:
        text = (
            "No candidate has this LinkedIn member, profile URL or email; no full name to compare."
        )
        return NameOutcome(_no_match(text, notes), 0)
    unique = {row.id: row for row in rows}
    scored = [
        (name_score(keys.first_name_key, keys.last_name_key, r.first_name_key, r.last_name_key), r)
        for r in unique.values()
    ]
    matches = [(score, row) for score, row in scored if score.accepted]
    if not matches:
        text = "No candidate has this LinkedIn member, profile URL, email or a similar name."
        return NameOutcome(_no_match(text, notes), len(scored))
    matches.sort(key=lambda item: (item[0].score, item[1].updated_at, item[1].id), reverse=True)
    best_score, best = matches[0]
    score = round(best_score.score, 4)
    if len(matches) > 1:
        ids = _list_ids([row.id for _, row in matches])
        text = (
            f"{len(matches)} candidates have a similar name ({ids}): a name alone cannot tell "
            f"them apart. Possible duplicate of {best.id}, the closest and most recently updated."
        )
        return NameOutcome(
            DuplicateDecision(None, None, score, best.id, text + notes.suffix()), len(scored)
        )
    why_not = contradiction(keys, best)
    if why_not:
        text = (
            f"The name matches candidate {best.id} (score {best_score.score:.2f}) but {why_not}: "
            "not taken. Possible duplicate."
        )
        return NameOutcome(
            DuplicateDecision(None, None, score, best.id, text + notes.suffix()), len(scored)
        )
    if best_score.score == 1.0:
        text = f"Only candidate {best.id} has this name, and nothing contradicts it."
    else:
        text = (
            f"Only candidate {best.id} has a similar name (score {best_score.score:.2f}), and "
            "nothing contradicts it."
        )
    return NameOutcome(
        DuplicateDecision(best.id, RULE_NAME, score, None, text + notes.suffix()), len(scored)
    )


def _no_match(text: str, notes: Notes) -> DuplicateDecision:
    return DuplicateDecision(None, None, 0.0, None, text + notes.suffix())
