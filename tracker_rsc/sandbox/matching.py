"""How the simulated LinkedIn matches synced ATS candidates to its members (pure, no ORM).

LinkedIn documents only that it links candidates "based on email address and other profile
fields" (phone, profile URL, company, title, name). The sandbox's rules:

1. Strong identifiers: a member whose email equals one of the candidate's emails, or whose
   public profile URL is the candidate's ``linkedInProfileUrl`` (any subdomain, case, trailing
   slash or query). When strong identifiers point at several members, all are returned.
2. Otherwise, a member with the same first and last name (accents, case and punctuation
   ignored) **and** a corroborating field: the same phone number (last 9 digits) or the
   candidate's current company among the member's current or past employers.
   Several such members are all returned: the match is ambiguous.
3. A name alone never matches.

A ``manualMatchedMember`` set by the ATS takes precedence over all of this (see ``services``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import unquote, urlsplit

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_LINKEDIN_HOST = re.compile(r"^(?:[a-z]{2,3}\.|www\.|m\.)*linkedin\.com$")
_COMPANY_SUFFIXES = (
    "limited",
    "ltd",
    "plc",
    "inc",
    "llc",
    "gmbh",
    "sa",
    "sas",
    "bv",
    "ag",
    "co",
    "corp",
    "corporation",
    "group",
)
PHONE_DIGITS_COMPARED = 9  # enough to ignore +44/0 and +1 prefixes, too many to collide


def fold(value: str | None) -> str:
    """Accent-, case- and punctuation-insensitive form: "Zoë O'Brien" -> "zoeobrien"."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKD", value)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_ALNUM.sub("", text)


def fold_spaced(value: str | None) -> str:
    """Accent- and case-insensitive, keeping separators: "Zoë O'Brien" -> "zoe o'brien"."""
    text = unicodedata.normalize("NFKD", value or "")
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def email_key(value: str | None) -> str:
    email = (value or "").strip().casefold()
    return email if email.count("@") == 1 and not email.startswith("@") else ""


def phone_key(value: str | None) -> str:
    digits = re.sub(r"\D", "", value or "")
    return digits[-PHONE_DIGITS_COMPARED:] if len(digits) >= 7 else ""


def profile_key(url: str | None) -> str:
    """The ``/in/<slug>`` of a LinkedIn profile URL whatever its form; '' if it is not one."""
    text = (url or "").strip()
    if not text:
        return ""
    if "://" not in text:
        text = "https://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").casefold()
    except ValueError:
        return ""
    if not _LINKEDIN_HOST.match(host):
        return ""
    segments = [s for s in unquote(parts.path).casefold().split("/") if s]
    if len(segments) < 2 or segments[0] not in ("in", "pub"):
        return ""
    return "-".join(segments[1:]) if segments[0] == "pub" else segments[1]


def company_key(value: str | None) -> str:
    words = [w for w in re.split(r"[\s,.&]+", (value or "").casefold()) if w]
    while words and fold(words[-1]) in _COMPANY_SUFFIXES:
        words.pop()
    return fold(" ".join(words))


@dataclass(frozen=True)
class MemberFacts:
    person_urn: str
    first_name: str
    last_name: str
    emails: Sequence[str] = ()
    phones: Sequence[str] = ()
    profile_url: str = ""
    companies: Sequence[str] = ()
    """Current and past employer names."""


@dataclass(frozen=True)
class CandidateFacts:
    first_name: str = ""
    last_name: str = ""
    emails: Sequence[str] = ()
    phones: Sequence[str] = ()
    profile_url: str = ""
    company: str = ""

    @classmethod
    def from_record(cls, record: Mapping[str, object]) -> CandidateFacts:
        """From an ``atsCandidates`` record as the ATS sent it."""
        # Untyped JSON: lists as LinkedIn documents them (anything else fails as it would).
        emails = cast("Iterable[object]", record.get("emailAddresses") or [])
        if isinstance(emails, str):
            emails = [emails]
        phones = []
        for entry in cast("Iterable[object]", record.get("phoneNumbers") or []):
            number = entry.get("number") if isinstance(entry, Mapping) else entry
            if isinstance(number, str):
                phones.append(number)
        return cls(
            first_name=str(record.get("firstName") or ""),
            last_name=str(record.get("lastName") or ""),
            emails=tuple(e for e in emails if isinstance(e, str)),
            phones=tuple(phones),
            profile_url=str(record.get("linkedInProfileUrl") or ""),
            company=str(record.get("currentCompanyName") or ""),
        )


@dataclass(frozen=True)
class MatchOutcome:
    members: list[str]
    rule: str
    """``email``, ``profile_url``, ``email+profile_url``, ``name+phone``, ``name+company``,
    ``name+phone+company`` or ``none``."""

    @property
    def ambiguous(self) -> bool:
        return len(self.members) > 1


@dataclass
class MemberIndex:
    """Lookup tables over all members, built once per batch."""

    by_email: dict[str, set[str]] = field(default_factory=dict)
    by_profile: dict[str, set[str]] = field(default_factory=dict)
    by_name: dict[str, list[MemberFacts]] = field(default_factory=dict)

    @classmethod
    def build(cls, members: Iterable[MemberFacts]) -> MemberIndex:
        index = cls()
        for member in members:
            for email in member.emails:
                if key := email_key(email):
                    index.by_email.setdefault(key, set()).add(member.person_urn)
            if key := profile_key(member.profile_url):
                index.by_profile.setdefault(key, set()).add(member.person_urn)
            name = _name_key(member.first_name, member.last_name)
            if name:
                index.by_name.setdefault(name, []).append(member)
        return index

    def match(self, candidate: CandidateFacts) -> MatchOutcome:
        by_email: set[str] = set()
        for email in candidate.emails:
            by_email |= self.by_email.get(email_key(email), set())
        by_profile = self.by_profile.get(profile_key(candidate.profile_url), set())
        strong = by_email | by_profile
        if strong:
            rules = [r for r, hit in (("email", by_email), ("profile_url", by_profile)) if hit]
            return MatchOutcome(members=sorted(strong), rule="+".join(rules))

        name = _name_key(candidate.first_name, candidate.last_name)
        phones = {k for k in (phone_key(p) for p in candidate.phones) if k}
        company = company_key(candidate.company)
        found: dict[str, set[str]] = {}
        for member in self.by_name.get(name, []) if name else []:
            reasons = set()
            if phones & {k for k in (phone_key(p) for p in member.phones) if k}:
                reasons.add("phone")
            if company and company in {company_key(c) for c in member.companies}:
                reasons.add("company")
            if reasons:
                found[member.person_urn] = reasons
        if not found:
            return MatchOutcome(members=[], rule="none")
        names = sorted(set().union(*found.values()))
        return MatchOutcome(members=sorted(found), rule="name+" + "+".join(names))


def _name_key(first: str, last: str) -> str:
    first_key, last_key = fold(first), fold(last)
    return f"{first_key} {last_key}" if first_key and last_key else ""
