"""The duplicate check of Export to ATS and InMail stub imports: the query side
(docs/architecture.md §4.5).

``find_duplicate(person)`` runs one indexed query per rule, strongest first, and stops at the
first rule that decides: LinkedIn member, profile URL, email, then name. The rules themselves
live in ``candidates.matching`` (pure); this module only fetches the rows they need. At most
four queries per lookup, each bounded by a LIMIT, whatever the data.

The hot path uses SQL built once from the models' metadata rather than querysets: a lookup
is a handful of index probes, and compiling a queryset would cost more than running it.
The import that calls this should hold a lock on the member (or run one import at a time):
two concurrent imports of the same new person would both see "no match".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection

from candidates.matching import (
    BLOCK_SIDE_LIMIT,
    RULE_EMAIL,
    RULE_PROFILE_URL,
    CandidateKeys,
    DuplicateDecision,
    IncomingKeys,
    IncomingPerson,
    NameBlock,
    Notes,
    decide_identifier,
    decide_member,
    decide_name,
    name_blocks,
)
from candidates.models import Candidate, MemberLink

__all__ = [
    "IDENTIFIER_LIMIT",
    "DuplicateDecision",
    "IncomingPerson",
    "LookupTrace",
    "find_duplicate",
    "find_duplicate_traced",
]

# Rows read for one profile URL or email set. A real key is shared by one candidate, two or
# three when someone was entered twice; 20 leaves room to skip candidates linked to other
# members and to name the others in the reason, and bounds the sort on a junk key that
# thousands of rows share ("none@none.com").
IDENTIFIER_LIMIT = 20


@dataclass(frozen=True)
class LookupTrace:
    """A decision with what it cost, for benchmarks and logs."""

    decision: DuplicateDecision
    queries: int
    rows_scored: int


def find_duplicate(person: IncomingPerson) -> DuplicateDecision:
    """Decide whether ``person`` is already a candidate (see ``candidates.matching``).

    Read-only. Raises TypeError for something that is not an IncomingPerson and ValueError
    for a person with no member, profile URL, email or name to compare.
    """
    return find_duplicate_traced(person).decision


def find_duplicate_traced(person: IncomingPerson) -> LookupTrace:
    """``find_duplicate`` plus the number of queries run and of name candidates scored."""
    if not isinstance(person, IncomingPerson):
        raise TypeError(f"find_duplicate needs an IncomingPerson, not {type(person).__name__}")
    keys = IncomingKeys.of(person)
    if keys.is_empty:
        raise ValueError(
            "Cannot check for duplicates: the person has no LinkedIn member, LinkedIn profile "
            "URL, email address or name."
        )
    notes = Notes()
    if person.profile_url.strip() and not keys.profile_key:
        notes.add(f"The profile URL {person.profile_url.strip()[:80]!r} is not a LinkedIn profile.")
    if any(email.strip() for email in person.emails) and not keys.email_keys:
        notes.add("No usable email address was given.")
    sql = _statements(connection.vendor)
    queries = 0
    with connection.cursor() as cursor:
        if keys.person_urn:
            queries += 1
            decision = decide_member(keys, _fetch(cursor, sql.member, [keys.person_urn]))
            if decision:
                return LookupTrace(decision, queries, 0)
        if keys.profile_key:
            queries += 1
            decision = decide_identifier(
                rule=RULE_PROFILE_URL,
                label="LinkedIn profile URL",
                keys=keys,
                rows=_fetch(cursor, sql.profile, [keys.profile_key]),
                notes=notes,
            )
            if decision:
                return LookupTrace(decision, queries, 0)
        if keys.email_keys:
            queries += 1
            decision = decide_identifier(
                rule=RULE_EMAIL,
                label="email address",
                keys=keys,
                rows=_fetch(cursor, sql.email(len(keys.email_keys)), list(keys.email_keys)),
                notes=notes,
            )
            if decision:
                return LookupTrace(decision, queries, 0)
        rows: list[CandidateKeys] = []
        blocks = name_blocks(keys)
        if blocks:
            queries += 1
            statement, params = sql.name(blocks)
            rows = _fetch(cursor, statement, params)
    outcome = decide_name(keys, rows, notes)
    return LookupTrace(outcome.decision, queries, outcome.rows_scored)


def _fetch(cursor: Any, statement: str, params: list[Any]) -> list[CandidateKeys]:
    cursor.execute(statement, params)
    return [
        CandidateKeys(pk, updated_at, urn or "", profile, email, first, last)
        for pk, updated_at, urn, profile, email, first, last in cursor.fetchall()
    ]


class _Statements:
    """The lookup SQL for one database vendor, with table and column names from the models.

    Only quoted model metadata is formatted into the text (hence the S608 waivers); every
    value travels as a query parameter.
    """

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        q = connection.ops.quote_name
        candidate = Candidate._meta
        link = MemberLink._meta

        def col(meta: Any, name: str) -> str:
            return q(meta.get_field(name).column)

        self.candidate_table = q(candidate.db_table)
        self.link_table = q(link.db_table)
        self.c_id = col(candidate, "id")
        self.c_updated = col(candidate, "updated_at")
        self.c_profile = col(candidate, "profile_key")
        self.c_email = col(candidate, "email_key")
        self.c_first = col(candidate, "first_name_key")
        self.c_last = col(candidate, "last_name_key")
        self.columns = {
            "first_name_key": self.c_first,
            "last_name_key": self.c_last,
        }
        l_candidate = col(link, "candidate")
        l_urn = col(link, "person_urn")
        l_unlinked = col(link, "unlinked_at")
        key_columns = (
            f"{self.c_id}, {self.c_updated}, {self.c_profile}, {self.c_email}, "
            f"{self.c_first}, {self.c_last}"
        )
        self.key_columns = key_columns
        columns = f"c.{self.c_profile}, c.{self.c_email}, c.{self.c_first}, c.{self.c_last}"
        # The member rule starts from the link; the others read the active link's member with
        # a scalar subquery (at most one row: one_active_link_per_candidate), which PostgreSQL
        # plans in a fraction of the time a LEFT JOIN takes: planning, not execution, is most
        # of a lookup that touches two or three index pages.
        self.member = (
            f"SELECT c.{self.c_id}, c.{self.c_updated}, ml.{l_urn}, {columns} "  # noqa: S608
            f"FROM {self.link_table} ml "
            f"JOIN {self.candidate_table} c ON c.{self.c_id} = ml.{l_candidate} "
            f"WHERE ml.{l_urn} = %s AND ml.{l_unlinked} IS NULL LIMIT 2"
        )
        active_member = (
            f"(SELECT ml.{l_urn} FROM {self.link_table} ml "  # noqa: S608
            f"WHERE ml.{l_candidate} = c.{self.c_id} AND ml.{l_unlinked} IS NULL)"
        )
        self.select = f"SELECT c.{self.c_id}, c.{self.c_updated}, {active_member}, {columns}"
        self.profile = self._by_key(self.c_profile, "= %s")
        self._email: dict[int, str] = {}
        self._name: dict[tuple[bool, ...], str] = {}

    def _by_key(self, column: str, condition: str) -> str:
        return (
            f"{self.select} FROM {self.candidate_table} c "
            f"WHERE c.{column} {condition} "
            f"ORDER BY c.{self.c_updated} DESC, c.{self.c_id} DESC LIMIT {IDENTIFIER_LIMIT}"
        )

    def email(self, count: int) -> str:
        statement = self._email.get(count)
        if statement is None:
            condition = "= %s" if count == 1 else f"IN ({', '.join(['%s'] * count)})"
            statement = self._email[count] = self._by_key(self.c_email, condition)
        return statement

    def _block_sides(self, block: NameBlock) -> list[str]:
        """The two index range scans of one block: from the pivot up, and below it down."""
        equal = self.columns[block.equal_column]
        ranged = self.columns[block.range_column]
        upper = f" AND {ranged} < %s" if block.high is not None else ""
        base = f"SELECT {self.key_columns} FROM {self.candidate_table} WHERE {equal} = %s"  # noqa: S608
        return [
            f"{base} AND {ranged} >= %s{upper} ORDER BY {ranged} LIMIT {BLOCK_SIDE_LIMIT}",
            f"{base} AND {ranged} >= %s AND {ranged} < %s "
            f"ORDER BY {ranged} DESC LIMIT {BLOCK_SIDE_LIMIT}",
        ]

    def name(self, blocks: tuple[NameBlock, NameBlock]) -> tuple[str, list[Any]]:
        """One statement for both blocks: four bounded range scans glued with UNION ALL.

        Explicit >= / < ranges (not LIKE) so PostgreSQL walks the btree under any collation.
        The text depends only on which blocks have an upper bound, so it is built once each.
        """
        shape = tuple(block.high is not None for block in blocks)
        statement = self._name.get(shape)
        if statement is None:
            scans = [scan for block in blocks for scan in self._block_sides(block)]
            union = " UNION ALL ".join(
                f"SELECT * FROM ({scan}) AS s{number}"  # noqa: S608
                for number, scan in enumerate(scans)
            )
            statement = f"{self.select} FROM ({union}) AS c"
            self._name[shape] = statement
        params: list[Any] = []
        for block in blocks:
            params += [block.equal, block.pivot]
            if block.high is not None:
                params.append(block.high)
            params += [block.equal, block.low, block.pivot]
        return statement, params


@cache
def _statements(vendor: str) -> _Statements:
    return _Statements(vendor)
