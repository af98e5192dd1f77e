"""Skills Search: match free text against the Quick Skills dictionary (pure: no ORM, no I/O).

The dictionary comes in as plain ``SkillEntry`` values (id, name, aliases); the caller loads it
(``candidates.selectors.skill_dictionary``). Matching runs in three levels and the first level
that has any hit decides:

1. **exact**: case-, accent- and space-insensitive equality with a name or an alias
   (``normalize_skill``): "apache  SPARK" = "Apache Spark";
2. **normalised**: punctuation and separators ignored as well (``compact_skill``):
   "Node.js" = "NodeJS" = "node js";
3. **fuzzy**: the best Levenshtein ratio between the compact forms, at or above
   ``FUZZY_THRESHOLD``, and only against dictionary forms of ``FUZZY_MIN_LENGTH`` characters
   or more.

When two *different* skills share the best hit of the deciding level, nothing matches: applying
either one would be a guess, and a wrong skill on a candidate is worse than a missing one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import Levenshtein

from candidates.normalize import compact_skill, normalize_skill

# Levenshtein.ratio is 1 - indel_distance / (len(a) + len(b)); a substitution costs 2 indels.
# 0.82 sits just below one substitution (or one transposition) in a 6-letter skill (10/12 =
# 0.833, "Pyhton" -> "Python") and just above what we must refuse: one substitution in a
# 5-letter word (8/10 = 0.80), two substitutions in a 10-letter one (16/20 = 0.80), and any
# pair differing only by a long suffix ("Java" vs "JavaScript": 8/14 = 0.57). Insertions and
# deletions cost half as much, so a missing letter still matches ("Pythn" -> "Python": 0.91).
FUZZY_THRESHOLD = 0.82
# Short skill names ("Go", "R", "SQL", "Java", "React") are too close to other real skills
# for any typo tolerance ("Scala"/"Scale", "Rust"/"Dust"): they need an exact or normalised hit.
FUZZY_MIN_LENGTH = 6
# Ratios closer than this are the same score: two skills at it are a tie, not a winner.
_TIE_TOLERANCE = 1e-9


class MatchMethod(StrEnum):
    EXACT = "exact"
    NORMALISED = "normalised"
    FUZZY = "fuzzy"


class NoMatchReason(StrEnum):
    BLANK = "blank"  # nothing to search for
    AMBIGUOUS = "ambiguous"  # two different skills tie at the best level
    NOT_FOUND = "not_found"  # no level had a hit


@dataclass(frozen=True, slots=True)
class SkillEntry:
    """One Quick Skill as Skills Search sees it."""

    id: int
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SkillSearchResult:
    """The answer to one search.

    On a match: ``skill_id`` and ``name`` (the dictionary name, never the alias), ``score``
    (1.0 for exact and normalised hits, the Levenshtein ratio for fuzzy ones), ``method``, and
    ``matched_text`` (the name or alias that was hit). Without one: ``skill_id`` is None,
    ``reason`` says why, and for a tie ``score`` is the tied score and ``tied_skill_ids`` the
    skills that tied.
    """

    query: str
    skill_id: int | None = None
    name: str | None = None
    score: float = 0.0
    method: MatchMethod | None = None
    matched_text: str = ""
    reason: NoMatchReason | None = None
    tied_skill_ids: tuple[int, ...] = ()

    @property
    def matched(self) -> bool:
        return self.skill_id is not None

    @property
    def via_alias(self) -> bool:
        return self.matched and self.matched_text != self.name


class SkillIndex:
    """The dictionary indexed for repeated searches (build once, search many)."""

    def __init__(self, entries: Iterable[SkillEntry]) -> None:
        self._entries: dict[int, SkillEntry] = {}
        # form -> {skill id: the name or alias text that has this form}
        self._exact: dict[str, dict[int, str]] = {}
        self._compact: dict[str, dict[int, str]] = {}
        self._fuzzy: list[tuple[str, int, str]] = []
        for entry in entries:
            self._entries[entry.id] = entry
            # The name first, so that a skill hit by its name reports the name, not an alias.
            for text in (entry.name, *entry.aliases):
                exact_form = normalize_skill(text)
                compact_form = compact_skill(text)
                if exact_form:
                    self._exact.setdefault(exact_form, {}).setdefault(entry.id, text)
                if compact_form:
                    self._compact.setdefault(compact_form, {}).setdefault(entry.id, text)
                    if len(compact_form) >= FUZZY_MIN_LENGTH:
                        self._fuzzy.append((compact_form, entry.id, text))

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, query: str, *, fuzzy: bool = True) -> SkillSearchResult:
        """Match ``query``; with ``fuzzy=False`` only exact and normalised hits count."""
        exact_form = normalize_skill(query)
        if not exact_form:
            return SkillSearchResult(query=query, reason=NoMatchReason.BLANK)
        if hits := self._exact.get(exact_form):
            return self._decide(query, hits, 1.0, MatchMethod.EXACT)
        compact_form = compact_skill(query)
        if not compact_form:
            return SkillSearchResult(query=query, reason=NoMatchReason.NOT_FOUND)
        if hits := self._compact.get(compact_form):
            return self._decide(query, hits, 1.0, MatchMethod.NORMALISED)
        if fuzzy and len(compact_form) >= FUZZY_MIN_LENGTH - 1:
            # One letter shorter than the shortest fuzzy form can still be one deletion away.
            return self._fuzzy_search(query, compact_form)
        return SkillSearchResult(query=query, reason=NoMatchReason.NOT_FOUND)

    def _fuzzy_search(self, query: str, compact_form: str) -> SkillSearchResult:
        best: dict[int, tuple[float, str]] = {}
        for form, skill_id, text in self._fuzzy:
            score = Levenshtein.ratio(compact_form, form, score_cutoff=FUZZY_THRESHOLD)
            if score and score > best.get(skill_id, (0.0, ""))[0]:
                best[skill_id] = (score, text)
        if not best:
            return SkillSearchResult(query=query, reason=NoMatchReason.NOT_FOUND)
        top = max(score for score, _ in best.values())
        hits = {
            skill_id: text
            for skill_id, (score, text) in best.items()
            if math.isclose(score, top, abs_tol=_TIE_TOLERANCE)
        }
        return self._decide(query, hits, top, MatchMethod.FUZZY)

    def _decide(
        self, query: str, hits: dict[int, str], score: float, method: MatchMethod
    ) -> SkillSearchResult:
        score = round(score, 4)
        if len(hits) > 1:
            return SkillSearchResult(
                query=query,
                score=score,
                reason=NoMatchReason.AMBIGUOUS,
                tied_skill_ids=tuple(sorted(hits)),
            )
        ((skill_id, text),) = hits.items()
        return SkillSearchResult(
            query=query,
            skill_id=skill_id,
            name=self._entries[skill_id].name,
            score=score,
            method=method,
            matched_text=text,
        )


def skill_search(
    query: str, entries: Iterable[SkillEntry], *, fuzzy: bool = True
) -> SkillSearchResult:
    """Match one query against a dictionary given as entries (see ``SkillIndex`` for many)."""
    return SkillIndex(entries).search(query, fuzzy=fuzzy)
