"""A simulated Hiring Assistant: rank an applicant against a job's qualifications (pure).

The job's qualifications are the first few requirement-like lines of its description (bullets,
lines or sentences), or, when it has none, ones derived from the title. A qualification is met
when at least half of its significant words appear in the evidence: the application and
candidate record, the resume's text and, when the candidate is matched to a member, the
LinkedIn profile. The share of qualifications met gives the rank. Deterministic, so tests and
demos can predict it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MAX_QUALIFICATIONS = 5
_WORD = re.compile(r"[a-z0-9+#]+")
_SPLIT = re.compile(r"(?:\r?\n|•|;|(?<=[a-z0-9)])\.\s+)")
# Words that say nothing about a qualification.
# fmt: off
_STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is",
    "it", "of", "on", "or", "our", "the", "to", "we", "will", "with", "you", "your", "years",
    "year", "experience", "plus", "strong", "good", "great", "ability", "able", "work",
    "working", "role", "team", "using", "use", "including", "within", "who", "what", "must",
    "should", "nice",
})
# fmt: on

RANK_THRESHOLDS = (("TOP", 1.0), ("QUALIFIED", 0.6), ("MAYBE", 0.3))


@dataclass(frozen=True)
class EvaluationResult:
    rank: str
    qualifications: list[dict[str, object]]
    summary: str


def _words(text: str) -> list[str]:
    words = []
    for word in _WORD.findall(text.casefold()):
        if word in _STOPWORDS or (len(word) < 3 and not any(c in word for c in "+#")):
            continue
        words.append(word[:-1] if len(word) > 4 and word.endswith("s") else word)
    return words


def qualifications_for(*, title: str, description: str) -> list[str]:
    """Up to five requirement phrases from the description, else from the title."""
    phrases: list[str] = []
    for fragment in _SPLIT.split(description or ""):
        phrase = fragment.strip(" -*\t").strip()
        if len(_words(phrase)) >= 2 and len(phrase) <= 160 and phrase not in phrases:
            phrases.append(phrase.rstrip("."))
        if len(phrases) == MAX_QUALIFICATIONS:
            break
    if len(phrases) < 2:
        title = (title or "the role").strip()
        phrases += [f"Experience as {title}", f"Skills relevant to {title}"]
    return phrases[:MAX_QUALIFICATIONS]


def evaluate(
    *,
    qualifications: Iterable[str],
    evidence: str,
    with_profile: bool,
    rank_override: str | None = None,
) -> EvaluationResult:
    """Rank TOP / QUALIFIED / MAYBE / NOT_A_FIT with per-qualification results and a summary."""
    known = set(_words(evidence))
    results: list[dict[str, object]] = []
    for phrase in qualifications:
        words = set(_words(phrase))
        met = bool(words) and len(words & known) * 2 >= len(words)
        results.append({"name": phrase, "required": True, "met": met})
    met_count = sum(1 for q in results if q["met"])
    share = met_count / len(results) if results else 0.0
    rank = next((name for name, floor in RANK_THRESHOLDS if share >= floor), "NOT_A_FIT")
    if rank_override:
        rank = rank_override
    basis = (
        "on the resume and LinkedIn profile"
        if with_profile
        else "on the resume only: the candidate is not matched to a LinkedIn member"
    )
    summary = f"Meets {met_count} of {len(results)} required qualifications. Evaluated {basis}."
    return EvaluationResult(rank=rank, qualifications=results, summary=summary)
