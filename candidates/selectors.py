"""Reads for candidates: the Quick Skills dictionary and Skills Search, candidate lists.

Skills Search is the one way a skill name becomes a Quick Skill, whoever asks: the REST endpoint
``GET /api/v1/skills/search/``, the API's writable ``skills`` field and the Export to ATS flow
(docs/architecture.md §4.6) all call ``skill_search`` / ``skills_resolve`` (or
``skill_dictionary().search`` when they search several names at once), so they always agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from candidates import normalize
from candidates.models import Candidate, CandidateSkill, MemberLink, QuickSkill, QuickSkillAlias
from candidates.skill_search import SkillEntry, SkillIndex, SkillSearchResult

# --- Skills Search --------------------------------------------------------------------------


@dataclass(frozen=True)
class SkillDictionary:
    """The Quick Skills dictionary, loaded once and indexed for any number of searches."""

    skills: dict[int, QuickSkill]
    index: SkillIndex

    def search(self, query: str, *, fuzzy: bool = True) -> SkillSearchResult:
        return self.index.search(query, fuzzy=fuzzy)

    def resolve(
        self, names: Iterable[str], *, fuzzy: bool = False
    ) -> tuple[list[QuickSkill], list[str]]:
        found: dict[int, QuickSkill] = {}
        unknown: list[str] = []
        for name in names:
            result = self.search(name, fuzzy=fuzzy)
            if result.skill_id is None:
                if name not in unknown:
                    unknown.append(name)
            else:
                found.setdefault(result.skill_id, self.skills[result.skill_id])
        return list(found.values()), unknown


def skill_dictionary() -> SkillDictionary:
    """Load the whole dictionary: two queries (skills, aliases) whatever its size."""
    skills = {skill.pk: skill for skill in QuickSkill.objects.only("id", "name", "key")}
    aliases: dict[int, list[str]] = defaultdict(list)
    for skill_id, alias in QuickSkillAlias.objects.values_list("skill_id", "alias"):
        aliases[skill_id].append(alias)
    entries = [
        SkillEntry(id=pk, name=skill.name, aliases=tuple(aliases.get(pk, ())))
        for pk, skill in skills.items()
    ]
    return SkillDictionary(skills=skills, index=SkillIndex(entries))


def skill_search(query: str) -> SkillSearchResult:
    """Skills Search for one name: exact, then normalised, then fuzzy (see skill_search.py).

    The Export to ATS flow maps each of LinkedIn's top skills through this function (a miss
    discards the skill; a LinkedIn skill never creates a Quick Skill).
    """
    return skill_dictionary().search(query)


def skills_resolve(
    names: Iterable[str], *, fuzzy: bool = False
) -> tuple[list[QuickSkill], list[str]]:
    """Resolve names to existing Quick Skills: ``(found, unknown)``, each in input order.

    ``found`` has no duplicates (two names of one skill give it once); ``unknown`` lists the
    names that matched nothing or were ambiguous. Without ``fuzzy`` (the default, used by the
    API's writable ``skills``) only exact and normalised hits count, so a typo is reported
    rather than silently replaced; Export to ATS passes ``fuzzy=True``. Never creates a skill.
    """
    return skill_dictionary().resolve(names, fuzzy=fuzzy)


# --- Candidates -----------------------------------------------------------------------------


def _strip_trailing_non_alnum(text: str) -> str:
    while text and not text[-1].isalnum():
        text = text[:-1]
    return text


def _successor(char: str) -> str | None:
    """The next letter or digit after ``char`` in collation order, or None (carry over)."""
    if char == "9":
        return "a"  # digits sort before letters in the C collation and linguistic ones alike
    if char == "z" or ord(char) >= 0x10FFFF:
        return None
    following = chr(ord(char) + 1)
    return following if following.isalnum() else None


def _prefix_upper_bound(prefix: str) -> str | None:
    """A key greater than every key starting with ``prefix``, or None (no upper bound).

    The bound always ends in a letter or digit (trailing punctuation is dropped, the last
    character incremented with carry): PostgreSQL's linguistic collations treat punctuation,
    and the ``'\\uffff'`` of the usual trick, as ignorable, which would cut real matches out
    of the range; letters and digits order as expected in those and in the C collation.
    """
    text = _strip_trailing_non_alnum(prefix)
    while text:
        following = _successor(text[-1])
        if following is not None:
            return text[:-1] + following
        text = _strip_trailing_non_alnum(text[:-1])
    return None


def _prefix(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix``: a range that a B-tree index on ``field`` serves, plus
    ``startswith`` to keep the answer exact in any collation (it only filters the range)."""
    condition = Q(**{f"{field}__gte": prefix, f"{field}__startswith": prefix})
    upper = _prefix_upper_bound(prefix)
    if upper is not None:
        condition &= Q(**{f"{field}__lt": upper})
    return condition


def candidates_matching(*, queryset: QuerySet[Candidate], text: str) -> QuerySet[Candidate]:
    """Candidates whose name or email starts with ``text`` (the list pages' and API's ``q``).

    Only the indexed normalised keys are used, as prefix ranges, so the search stays an index
    scan on a million rows: an address (with "@") matches ``email_key`` exactly or as a prefix;
    one word matches the start of the first name, the last name or the email; several words
    match first + last name in either order (multi-word names such as "Van der Berg" are
    compared without their spaces, as their keys are stored).
    """
    words = text.split()
    if not words:
        return queryset
    if "@" in text:
        email = normalize.normalize_email(text) or text.strip().casefold()
        return queryset.filter(_prefix("email_key", email))
    names = [name for name in map(normalize.normalize_name_part, words) if name]
    condition = Q(pk__in=[])
    if len(words) == 1:
        email_prefix = words[0].casefold()
        condition |= _prefix("email_key", email_prefix)
    if not names:
        return queryset.filter(condition)
    joined = "".join(names)
    condition |= _prefix("first_name_key", joined) | _prefix("last_name_key", joined)
    for split in range(1, len(names)):
        first, last = "".join(names[:split]), "".join(names[split:])
        condition |= _prefix("first_name_key", first) & _prefix("last_name_key", last)
        condition |= _prefix("last_name_key", first) & _prefix("first_name_key", last)
    return queryset.filter(condition)


def candidate_list() -> QuerySet[Candidate]:
    """Candidates with their skill names and active LinkedIn link prefetched.

    Each row carries ``active_links`` (a list of at most one MemberLink); ``skills`` is
    prefetched with the QuickSkill joined, so listing any page costs three queries.
    """
    return Candidate.objects.prefetch_related(
        Prefetch("skills", queryset=CandidateSkill.objects.select_related("skill")),
        Prefetch(
            "member_links",
            queryset=MemberLink.objects.filter(unlinked_at__isnull=True),
            to_attr="active_links",
        ),
    )


def candidates_linked(*, queryset: QuerySet[Candidate], linked: bool) -> QuerySet[Candidate]:
    """Candidates that have (or have not) an active LinkedIn member link."""
    has_link = Exists(MemberLink.objects.filter(candidate=OuterRef("pk"), unlinked_at__isnull=True))
    return queryset.filter(has_link if linked else ~has_link)


def candidate_active_link_of(candidate: Candidate) -> MemberLink | None:
    """The active link, from ``candidate_list``'s prefetch when there is one."""
    links = getattr(candidate, "active_links", None)
    if links is not None:
        return links[0] if links else None
    return candidate.member_links.filter(unlinked_at__isnull=True).first()


def candidate_skill_names(candidate: Candidate) -> list[str]:
    """The candidate's Quick Skill names, alphabetical (prefetched by ``candidate_list``)."""
    return sorted(
        (candidate_skill.skill.name for candidate_skill in candidate.skills.all()),
        key=str.casefold,
    )
