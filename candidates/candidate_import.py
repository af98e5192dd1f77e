"""CSV import of candidates through the duplicate check of Export to ATS.

Each row runs the same rules as an export (``candidates.matching``: profile URL > email >
name, the same normalisation, the same limits per key and per name block), but the lookups are
batched: per chunk of ``CHUNK_SIZE`` rows, one query per identifier kind with ``IN`` and, on
PostgreSQL, one ``LATERAL`` query for every row's name blocks, instead of up to three queries
per row. Rows are decided in file order and also against the rows before them in the file, so
rows that are the same person are merged into one candidate.

Outcomes (the report): **created**; **updated** (an existing candidate matched: only its empty
fields are filled, or every field the row has a value for with ``overwrite``; an empty cell
never erases a value); **unchanged** (matched, nothing to change: a re-run of the same file is
all unchanged); **merged** (the same person as an earlier row of the file); **ambiguous** (a
name resembles existing candidates that could not safely be taken: as Export to ATS does, the
candidate is created and put on the review queue as a possible duplicate); **refused** (with
the reason: an invalid email, an over-long value, a URL that is not a LinkedIn profile, a bad
date, a person erased on request, no identifier at all). A refused row writes nothing.

Timestamps: "Created At" and "Last Updated" (ISO 8601 dates or date-times; no offset means
UTC) are kept on new candidates, so the bulk sync's two-year rule treats them as it would have.
An update moves "Last Updated" to now, or to the row's own later "Last Updated" when it has one.

Live sync: every chunk's created and changed candidates are announced with one
``candidates_imported`` signal; while the integration is enabled its receiver queues them in
bulk for the outbox, which sends them in batches of 100 under LinkedIn's rate limiter. Before
enabling, nothing is queued: the bulk sync sends them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from candidates import normalize, signals
from candidates.csv_reader import Column, CsvError, CsvLayout, SourceRow
from candidates.dedupe import IDENTIFIER_LIMIT, _fetch, _statements
from candidates.identity_locks import identity_locks_take
from candidates.importing import RowOutcome, RowStatus
from candidates.matching import (
    BLOCK_PREFIX_LENGTH,
    BLOCK_SIDE_LIMIT,
    RULE_EMAIL,
    RULE_PROFILE_URL,
    CandidateKeys,
    DuplicateDecision,
    IncomingKeys,
    Notes,
    decide_identifier,
    decide_name,
    name_blocks,
    next_prefix,
)
from candidates.model_fields import model_field
from candidates.models import Candidate, ErasureTombstone, MatchReview, identifier_hash

if TYPE_CHECKING:
    from tracker_rsc.roles import Actor

logger = logging.getLogger(__name__)

# Rows per chunk: one transaction, one query per identifier kind. 1,000 keeps each IN list and
# the LATERAL VALUES list well inside what PostgreSQL plans quickly and SQLite's parameter
# limit, and a chunk's objects are a few megabytes at most (memory stays flat).
CHUNK_SIZE = 1000

TEXT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "current_title",
    "current_company",
    "headline",
    "location",
    "linkedin_profile_url",
)
# The duplicate-check keys the lookups read (the model derives them on every write path).
KEY_FIELDS = ("email_key", "profile_key", "first_name_key", "last_name_key")

COLUMNS: tuple[Column, ...] = (
    Column("first_name", "First Name", ("firstname", "first", "given name", "forename")),
    Column("last_name", "Last Name", ("lastname", "last", "surname", "family name")),
    Column("email", "Email", ("email address", "e-mail", "e-mail address", "mail")),
    Column("phone", "Phone", ("phone number", "telephone", "tel", "mobile", "mobile phone")),
    Column("current_title", "Current Title", ("title", "job title", "position")),
    Column(
        "current_company",
        "Current Company",
        ("company", "employer", "current employer", "organisation", "organization"),
    ),
    Column("headline", "Headline", ("profile headline",)),
    Column("location", "Location", ("city", "town", "address")),
    Column(
        "linkedin_profile_url",
        "LinkedIn Profile URL",
        ("linkedin", "linkedin url", "linkedin profile", "profile url", "linkedin_url"),
        help="a LinkedIn public profile URL (any spelling of it)",
    ),
    Column(
        "created_at",
        "Created At",
        ("created", "created date", "date created", "creation date"),
        help="ISO 8601 date or date-time; UTC when it has no offset",
    ),
    Column(
        "updated_at",
        "Last Updated",
        (
            "updated",
            "last updated date/time",
            "last modified",
            "modified",
            "date modified",
            "updated date",
        ),
        help="ISO 8601 date or date-time: Tracker's Last Updated, used by the bulk sync",
    ),
)

MAX_LENGTH = {name: model_field(Candidate, name).max_length for name in TEXT_FIELDS}
# Values that are one line in Tracker: inner runs of whitespace (a pasted line break) collapse.
_ONE_LINE = frozenset(TEXT_FIELDS)


# --- Parsing one row (pure) ------------------------------------------------------------------


@dataclass
class ParsedRow:
    line: int
    fields: dict[str, str]  # non-empty values only
    keys: IncomingKeys
    created_at: datetime | None
    updated_at: datetime | None


@lru_cache(maxsize=65_536)
def _name_key(name: str) -> str:
    # Names repeat heavily in any agency's file (Smith, John): normalise each spelling once.
    return normalize.normalize_name_part(name)


def parse_timestamp(value: str, *, label: str) -> datetime:
    """An ISO 8601 date or date-time as an aware datetime (UTC when it has no offset)."""
    parsed: datetime | None
    try:
        parsed = parse_datetime(value.replace(" UTC", "Z"))
        if parsed is None:
            day = parse_date(value)
            parsed = datetime.combine(day, time.min) if day else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValueError(
            f"{label} “{value[:40]}” is not a date: use YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS]."
        )
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    if parsed > timezone.now() + timedelta(minutes=5):
        raise ValueError(f"{label} {value[:40]} is in the future.")
    return parsed


def parse_row(row: SourceRow) -> ParsedRow | RowOutcome:
    """Check one row; a RowOutcome (refused, with the reason) when it cannot be imported."""

    def refuse(reason: str) -> RowOutcome:
        return RowOutcome(row.line, RowStatus.REFUSED, None, reason)

    if row.problem:
        return refuse(row.problem)
    fields: dict[str, str] = {}
    for name in TEXT_FIELDS:
        value = row.values.get(name, "")
        if name in _ONE_LINE:
            value = " ".join(value.split())
        if not value:
            continue
        limit = MAX_LENGTH[name]
        if name == "linkedin_profile_url":
            slug = normalize.profile_slug(value)
            if not slug:
                return refuse(f"“{value[:80]}” is not a LinkedIn profile URL.")
            value = f"https://www.linkedin.com/in/{slug}"  # canonical_profile_url's form
        if name == "email":
            try:
                validate_email(value)
            except ValidationError:
                return refuse(f"Invalid email address: “{value[:80]}”.")
        if limit is not None and len(value) > limit:
            label = model_field(Candidate, name).verbose_name
            return refuse(f"Too long: {label} has {len(value)} characters, at most {limit}.")
        fields[name] = value
    stamps: dict[str, datetime | None] = {"created_at": None, "updated_at": None}
    for name, label in (("created_at", "Created At"), ("updated_at", "Last Updated")):
        if raw := row.values.get(name, ""):
            try:
                stamps[name] = parse_timestamp(raw, label=label)
            except ValueError as exc:
                return refuse(str(exc))
    created, updated = stamps["created_at"], stamps["updated_at"]
    if created and updated and updated < created:
        return refuse("Last Updated is before Created At.")
    # IncomingKeys.of(IncomingPerson(...)) without normalising the profile URL twice.
    email_key = normalize.normalize_email(fields.get("email"))
    keys = IncomingKeys(
        person_urn="",
        profile_key=normalize.profile_slug(fields.get("linkedin_profile_url")),
        email_keys=(email_key,) if email_key else (),
        first_name_key=_name_key(fields.get("first_name", "")),
        last_name_key=_name_key(fields.get("last_name", "")),
    )
    if not (keys.profile_key or keys.email_keys or keys.has_name):
        return refuse(
            "Nothing to identify the person by: the row needs an email address, a LinkedIn "
            "profile URL, or a first and a last name."
        )
    return ParsedRow(row.line, fields, keys, created, updated)


def identity_keys(keys: IncomingKeys) -> list[str]:
    """The row's identifiers as ``candidates.identity_locks`` names them (as exports do)."""
    found = [f"email:{key}" for key in keys.email_keys]
    if keys.profile_key:
        found.append(f"profile:{keys.profile_key}")
    if name := f"{keys.first_name_key} {keys.last_name_key}".strip():
        found.append(f"name:{name}")
    return found


def merge_changes(
    existing: Mapping[str, str], incoming: Mapping[str, str], *, overwrite: bool
) -> dict[str, str]:
    """The fields of ``existing`` that ``incoming`` changes: empty ones only, or (with
    ``overwrite``) every one ``incoming`` has a value for. A blank never replaces a value;
    another spelling of the same email is no change."""
    changes: dict[str, str] = {}
    for name, value in incoming.items():
        current = existing.get(name) or ""
        if not value or value == current:
            continue
        if name == "email" and normalize.normalize_email(value) == normalize.normalize_email(
            current
        ):
            continue
        if overwrite or not current.strip():
            changes[name] = value
    return changes


class _IdSet:
    """Candidate ids touched by this import, one bit each (flat memory for a million rows)."""

    def __init__(self) -> None:
        self._bits = bytearray()

    def add(self, pk: int) -> None:
        index = pk >> 3
        if index >= len(self._bits):
            self._bits.extend(bytes(index - len(self._bits) + 1024))
        self._bits[index] |= 1 << (pk & 7)

    def __contains__(self, pk: int) -> bool:
        index = pk >> 3
        return index < len(self._bits) and bool(self._bits[index] & (1 << (pk & 7)))


# --- The batched lookups ----------------------------------------------------------------------


def _epoch(value: float | str | datetime) -> float:
    """``updated_at`` as seconds since the epoch: the rules only order by it, and a float is
    what PostgreSQL can send without parsing a timestamp per row (a chunk reads ~100,000)."""
    if isinstance(value, float | int):
        return float(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return (value.replace(tzinfo=UTC) if timezone.is_naive(value) else value).timestamp()


def _keys_row(values: Sequence[Any]) -> CandidateKeys:
    pk, updated_at, profile, email, first, last = values
    return CandidateKeys(pk, _epoch(updated_at), "", profile, email, first, last)


class _Lookups:
    """SQL for the batched duplicate-check reads, built once from the model's metadata."""

    def __init__(self) -> None:
        q = connection.ops.quote_name
        meta = Candidate._meta

        def col(name: str) -> str:
            column = model_field(Candidate, name).column
            assert column is not None  # a model's own field always has a column
            return q(column)

        self.table = q(meta.db_table)
        self.cols = {name: col(name) for name in ("id", "updated_at", *KEY_FIELDS)}
        c = self.cols
        self.select = self.raw_columns = (
            f"{c['id']}, {c['updated_at']}, {c['profile_key']}, {c['email_key']}, "
            f"{c['first_name_key']}, {c['last_name_key']}"
        )
        if connection.vendor == "postgresql":
            self.select = self.select.replace(
                c["updated_at"], f"EXTRACT(EPOCH FROM {c['updated_at']})::float8"
            )

    def by_identifier(self, column: str, keys: Sequence[str]) -> str:
        """At most IDENTIFIER_LIMIT rows per key, most recently updated first, as the export
        reads them one key at a time."""
        c = self.cols
        marks = ", ".join(["%s"] * len(keys))
        return (
            f"SELECT {self.select} FROM (SELECT {self.raw_columns}, ROW_NUMBER() OVER ("  # noqa: S608
            f"PARTITION BY {c[column]} ORDER BY {c['updated_at']} DESC, {c['id']} DESC) "
            "AS rank_in_key "
            f"FROM {self.table} WHERE {c[column]} IN ({marks})) AS ranked "
            f"WHERE rank_in_key <= {IDENTIFIER_LIMIT}"
        )

    def names_lateral(self, count: int) -> str:
        """PostgreSQL: the export's four bounded name-block scans for ``count`` rows at once."""
        c = self.cols
        first, last = c["first_name_key"], c["last_name_key"]
        values = ", ".join(
            ["(%s::int, %s::text, %s::text, %s::text, %s::text, %s::text, %s::text)"] * count
        )

        def scan(equal: str, ranged: str, pivot: str, low: str, high: str, up: bool) -> str:
            if up:
                bound = f"c.{ranged} >= v.{pivot} AND c.{ranged} < v.{high}"
                order = f"c.{ranged}"
            else:
                bound = f"c.{ranged} >= v.{low} AND c.{ranged} < v.{pivot}"
                order = f"c.{ranged} DESC"
            return (
                f"(SELECT {self.select} FROM {self.table} c WHERE c.{equal} = v.{pivot_of(equal)} "  # noqa: S608
                f"AND {bound} ORDER BY {order} LIMIT {BLOCK_SIDE_LIMIT})"
            )

        def pivot_of(equal: str) -> str:
            return "last" if equal == last else "first"

        scans = " UNION ALL ".join(
            [
                scan(last, first, "first", "first_low", "first_high", True),
                scan(last, first, "first", "first_low", "first_high", False),
                scan(first, last, "last", "last_low", "last_high", True),
                scan(first, last, "last", "last_low", "last_high", False),
            ]
        )
        return (
            f"WITH v(idx, first, last, first_low, first_high, last_low, last_high) AS "  # noqa: S608
            f"(VALUES {values}) SELECT v.idx, s.* FROM v CROSS JOIN LATERAL ({scans}) AS s"
        )


_LOOKUPS: dict[str, _Lookups] = {}


def _lookups() -> _Lookups:
    lookups = _LOOKUPS.get(connection.vendor)
    if lookups is None:
        lookups = _LOOKUPS[connection.vendor] = _Lookups()
    return lookups


def fetch_by_identifier(column: str, keys: Iterable[str]) -> dict[str, list[CandidateKeys]]:
    keys = sorted(set(keys))
    found: dict[str, list[CandidateKeys]] = defaultdict(list)
    if not keys:
        return found
    with connection.cursor() as cursor:
        cursor.execute(_lookups().by_identifier(column, keys), keys)
        for values in cursor.fetchall():
            row = _keys_row(values)
            found[getattr(row, column)].append(row)
    return found


def fetch_name_blocks(rows: Sequence[ParsedRow]) -> dict[int, list[CandidateKeys]]:
    """Each row's name-block candidates (by position in ``rows``), as the export reads them."""
    wanted = [(index, row.keys) for index, row in enumerate(rows) if row.keys.has_name]
    found: dict[int, list[CandidateKeys]] = defaultdict(list)
    if not wanted:
        return found
    one_by_one: list[tuple[int, IncomingKeys]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A block whose prefix has no upper bound (a name of U+10FFFF characters) has no
            # place in the batched statement's bounded scans: the export's own statement then.
            batched = [
                (index, keys)
                for index, keys in wanted
                if next_prefix(keys.first_name_key[:BLOCK_PREFIX_LENGTH]) is not None
                and next_prefix(keys.last_name_key[:BLOCK_PREFIX_LENGTH]) is not None
            ]
            in_batch = {index for index, _ in batched}
            one_by_one = [item for item in wanted if item[0] not in in_batch]
            params: list[Any] = []
            for index, keys in batched:
                first, last = keys.first_name_key, keys.last_name_key
                first_low, last_low = first[:BLOCK_PREFIX_LENGTH], last[:BLOCK_PREFIX_LENGTH]
                params += [
                    index,
                    first,
                    last,
                    first_low,
                    next_prefix(first_low),
                    last_low,
                    next_prefix(last_low),
                ]
            if batched:
                cursor.execute(_lookups().names_lateral(len(batched)), params)
                for index, *values in cursor.fetchall():
                    found[index].append(_keys_row(values))
        else:  # SQLite has no LATERAL: the export's own statement, row by row
            one_by_one = wanted
        sql = _statements(connection.vendor)
        for index, keys in one_by_one:
            blocks = name_blocks(keys)
            assert blocks is not None
            statement, params = sql.name(blocks)
            found[index] = [
                CandidateKeys(r.id, _epoch(r.updated_at), "", *_rest(r))
                for r in _fetch(cursor, statement, params)
            ]
    return found


def _rest(row: CandidateKeys) -> tuple[str, str, str, str]:
    return row.profile_key, row.email_key, row.first_name_key, row.last_name_key


# --- The importer -----------------------------------------------------------------------------


@dataclass
class _Target:
    """A candidate the chunk writes: an existing one (``pk`` > 0) or a new one (``pk`` < 0)."""

    pk: int
    rows: list[tuple[ParsedRow, DuplicateDecision | None]] = field(default_factory=list)
    possible_duplicate_of: int | None = None
    reason: str = ""


class CandidateImporter:
    kind = "candidates"
    noun = "candidate"
    columns = COLUMNS
    chunk_size = CHUNK_SIZE

    def __init__(self, *, overwrite: bool = False, actor: Actor = None) -> None:
        self.overwrite = overwrite
        self.actor = actor if actor is not None and actor.is_authenticated else None
        self.touched = _IdSet()

    def check_layout(self, layout: CsvLayout) -> None:
        have = set(layout.positions)
        if not ({"email", "linkedin_profile_url"} & have or {"first_name", "last_name"} <= have):
            raise CsvError(
                "The file needs an Email, a LinkedIn Profile URL, or a First Name and a Last "
                "Name column: the duplicate check has nothing to compare otherwise."
            )

    # -- decide

    def process(self, rows: list[SourceRow]) -> list[RowOutcome]:
        outcomes: dict[int, RowOutcome] = {}
        parsed: list[ParsedRow] = []
        for index, row in enumerate(rows):
            result = parse_row(row)
            if isinstance(result, RowOutcome):
                outcomes[index] = result
            else:
                parsed.append(result)
        positions = [i for i in range(len(rows)) if i not in outcomes]
        # The chunk's duplicate check and writes are one transaction, holding the identity
        # locks of its rows: an export or another import of the same person waits for it
        # instead of creating them a second time.
        with transaction.atomic():
            identity_locks_take(key for row in parsed for key in identity_keys(row.keys))
            self._process_parsed(rows, parsed, positions, outcomes)
        return [outcomes[i] for i in range(len(rows))]

    def _process_parsed(
        self,
        rows: list[SourceRow],
        parsed: list[ParsedRow],
        positions: list[int],
        outcomes: dict[int, RowOutcome],
    ) -> None:
        erased = self._erased(parsed)
        live: list[tuple[int, ParsedRow]] = []
        for position, row in zip(positions, parsed, strict=True):
            if erased.get(row.line):
                outcomes[position] = RowOutcome(row.line, RowStatus.REFUSED, None, erased[row.line])
            else:
                live.append((position, row))
        targets = self._decide([row for _, row in live])
        for (position, _), outcome in zip(
            live, self._write(targets, [r for _, r in live]), strict=True
        ):
            outcomes[position] = outcome

    def _erased(self, rows: Sequence[ParsedRow]) -> dict[int, str]:
        """Rows naming a person erased on request: an import must not re-create them."""
        hashes: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            for key in (*row.keys.email_keys, row.keys.profile_key):
                if key:
                    hashes[identifier_hash(key)].append(row.line)
        if not hashes:
            return {}
        found = ErasureTombstone.objects.filter(
            Q(email_hash__in=list(hashes)) | Q(profile_hash__in=list(hashes))
        ).values_list("email_hash", "profile_hash", "erased_at")
        erased: dict[int, str] = {}
        for email_hash, profile_hash, erased_at in found:
            for digest in (email_hash, profile_hash):
                for line in hashes.get(digest, []):
                    erased[line] = (
                        f"Erased: this person's data was erased on request on "
                        f"{erased_at:%Y-%m-%d}; an import does not re-create them."
                    )
        return erased

    def _decide(self, rows: Sequence[ParsedRow]) -> list[_Target]:
        """Assign each row to a target (in file order); returns one entry per row."""
        by_profile = fetch_by_identifier(
            "profile_key", (r.keys.profile_key for r in rows if r.keys.profile_key)
        )
        by_email = fetch_by_identifier("email_key", (k for r in rows for k in r.keys.email_keys))
        needs_names = [
            r
            for r in rows
            if r.keys.has_name
            and not (r.keys.profile_key and by_profile.get(r.keys.profile_key))
            and not (r.keys.email_keys and by_email.get(r.keys.email_keys[0]))
        ]
        name_rows_by_line: dict[int, list[CandidateKeys]] = {}
        for index, found in fetch_name_blocks(needs_names).items():
            name_rows_by_line[needs_names[index].line] = found

        known = {
            row.id: row
            for found in (*by_profile.values(), *by_email.values(), *name_rows_by_line.values())
            for row in found
        }
        now = timezone.now().timestamp()
        current: dict[int, CandidateKeys] = {}  # targets' keys as this chunk leaves them
        index_profile: dict[str, set[int]] = defaultdict(set)
        index_email: dict[str, set[int]] = defaultdict(set)
        index_first: dict[str, set[int]] = defaultdict(set)
        index_last: dict[str, set[int]] = defaultdict(set)
        targets: dict[int, _Target] = {}
        assigned: list[_Target] = []
        next_new = -1

        def visible(db_rows: Iterable[CandidateKeys], ids: Iterable[int]) -> list[CandidateKeys]:
            merged = {r.id: r for r in db_rows if r.id not in current}
            for pk in ids:
                merged[pk] = current[pk]
            return list(merged.values())

        for row in rows:
            keys = row.keys
            notes = Notes()
            decision: DuplicateDecision | None = None
            ids: Iterable[int]
            if keys.profile_key:
                ids = [
                    i
                    for i in index_profile[keys.profile_key]
                    if current[i].profile_key == keys.profile_key
                ]
                decision = decide_identifier(
                    rule=RULE_PROFILE_URL,
                    label="LinkedIn profile URL",
                    keys=keys,
                    rows=visible(by_profile.get(keys.profile_key, []), ids),
                    notes=notes,
                )
            if decision is None and keys.email_keys:
                key = keys.email_keys[0]
                ids = [i for i in index_email[key] if current[i].email_key == key]
                decision = decide_identifier(
                    rule=RULE_EMAIL,
                    label="email address",
                    keys=keys,
                    rows=visible(by_email.get(key, []), ids),
                    notes=notes,
                )
            if decision is None:
                first, last = keys.first_name_key, keys.last_name_key
                ids = {
                    i
                    for i in index_last.get(last, ())
                    if current[i].last_name_key == last
                    and current[i].first_name_key.startswith(first[:BLOCK_PREFIX_LENGTH])
                } | {
                    i
                    for i in index_first.get(first, ())
                    if current[i].first_name_key == first
                    and current[i].last_name_key.startswith(last[:BLOCK_PREFIX_LENGTH])
                }
                decision = decide_name(
                    keys, visible(name_rows_by_line.get(row.line, []), ids), notes
                ).decision
            if decision.candidate_id is not None:
                target = targets.get(decision.candidate_id)
                if target is None:
                    target = targets[decision.candidate_id] = _Target(decision.candidate_id)
            else:
                target = targets[next_new] = _Target(
                    next_new,
                    possible_duplicate_of=decision.possible_duplicate_of,
                    reason=decision.reason,
                )
                next_new -= 1
            target.rows.append((row, decision if decision.candidate_id is not None else None))
            assigned.append(target)
            # What this row adds to its target, for the rows after it in the chunk.
            base = current.get(target.pk) or known.get(target.pk)
            email = keys.email_keys[0] if keys.email_keys else ""
            merged_keys = CandidateKeys(
                target.pk,
                now,
                "",
                self._pick(base.profile_key if base else "", keys.profile_key),
                self._pick(base.email_key if base else "", email),
                self._pick(base.first_name_key if base else "", keys.first_name_key),
                self._pick(base.last_name_key if base else "", keys.last_name_key),
            )
            current[target.pk] = merged_keys
            if merged_keys.profile_key:
                index_profile[merged_keys.profile_key].add(target.pk)
            if merged_keys.email_key:
                index_email[merged_keys.email_key].add(target.pk)
            if merged_keys.first_name_key and merged_keys.last_name_key:
                index_first[merged_keys.first_name_key].add(target.pk)
                index_last[merged_keys.last_name_key].add(target.pk)
        return assigned

    def _pick(self, stored: str, incoming: str) -> str:
        if incoming and (self.overwrite or not stored):
            return incoming
        return stored

    # -- write

    def _write(self, assigned: Sequence[_Target], rows: Sequence[ParsedRow]) -> list[RowOutcome]:
        """Write the chunk in one transaction; if the database refuses it, each candidate in a
        savepoint of its own, so one bad record refuses only its own rows."""
        targets = list({id(t): t for t in assigned}.values())
        try:
            with transaction.atomic():
                outcomes = self._apply(targets)
        except DatabaseError:
            outcomes = {}
            for target in targets:
                try:
                    with transaction.atomic():
                        outcomes.update(self._apply([target]))
                except DatabaseError as exc:
                    for row, _ in target.rows:
                        outcomes[row.line] = RowOutcome.refused_by_database(row.line, exc)
        for outcome in outcomes.values():
            if outcome.record_id and outcome.status != RowStatus.REFUSED:
                self.touched.add(outcome.record_id)
        return [outcomes[row.line] for row in rows]

    def _apply(self, targets: Sequence[_Target]) -> dict[int, RowOutcome]:
        now = timezone.now()
        outcomes: dict[int, RowOutcome] = {}
        existing = Candidate.objects.defer("cv_text").in_bulk([t.pk for t in targets if t.pk > 0])
        to_update: list[Candidate] = []
        changed_fields: set[str] = set()
        to_create: list[tuple[_Target, Candidate]] = []
        for target in targets:
            first_line = target.rows[0][0].line
            if target.pk > 0:
                candidate = existing.get(target.pk)
                if candidate is None:  # deleted while the import ran
                    for row, _ in target.rows:
                        outcomes[row.line] = RowOutcome(
                            row.line,
                            RowStatus.REFUSED,
                            None,
                            f"Not saved: candidate {target.pk} was deleted during the import; "
                            "import the file again.",
                        )
                    continue
                earlier = target.pk in self.touched
                changed: set[str] = set()
                for number, (row, decision) in enumerate(target.rows):
                    current = {name: getattr(candidate, name) for name in TEXT_FIELDS}
                    changes = merge_changes(current, row.fields, overwrite=self.overwrite)
                    for name, value in changes.items():
                        setattr(candidate, name, value)
                    if changes:
                        stamp = row.updated_at
                        candidate.updated_at = max(candidate.updated_at, stamp) if stamp else now
                    changed |= changes.keys()
                    filled = (
                        f" {'Set' if self.overwrite else 'Filled'}: {', '.join(sorted(changes))}."
                        if changes
                        else ""
                    )
                    why = decision.reason if decision else ""
                    if number == 0 and not earlier:
                        status = RowStatus.UPDATED if changes else RowStatus.UNCHANGED
                        detail = why + filled
                    else:
                        status = RowStatus.MERGED
                        same = f"line {first_line}" if number else "an earlier row of this file"
                        detail = f"The same person as {same}. {why}{filled}".strip()
                    outcomes[row.line] = RowOutcome(row.line, status, candidate.pk, detail)
                if changed:  # its keys are derived again by bulk_update (candidates.derived)
                    to_update.append(candidate)
                    changed_fields |= changed
            else:
                fields: dict[str, str] = {}
                created = [r.created_at or r.updated_at for r, _ in target.rows]
                updated = [r.updated_at or r.created_at for r, _ in target.rows]
                for row, _ in target.rows:
                    fields.update(merge_changes(fields, row.fields, overwrite=self.overwrite))
                created_at = min((d for d in created if d), default=now)
                updated_at = max((d for d in updated if d), default=now)
                candidate = Candidate(
                    **fields,
                    source=Candidate.Source.IMPORT,
                    created_by=self.actor,
                    created_at=created_at,
                    updated_at=max(updated_at, created_at),
                )
                if target.possible_duplicate_of and target.possible_duplicate_of > 0:
                    candidate.possible_duplicate_of_id = target.possible_duplicate_of
                to_create.append((target, candidate))  # keys derived by bulk_create
        Candidate.objects.bulk_create([candidate for _, candidate in to_create])
        new_pk = {target.pk: candidate.pk for target, candidate in to_create}
        reviews: list[MatchReview] = []
        for target, candidate in to_create:
            other = target.possible_duplicate_of
            if other is not None and other < 0:
                other = new_pk.get(other)
                if other:
                    Candidate.objects.filter(pk=candidate.pk).update(possible_duplicate_of=other)
            first_line = target.rows[0][0].line
            if other:
                reviews.append(
                    MatchReview(
                        kind=MatchReview.Kind.POSSIBLE_DUPLICATE,
                        candidate=candidate,
                        other_candidate_id=other,
                        detail=f"CSV import, line {first_line}: {target.reason}"[:500],
                    )
                )
                status = RowStatus.AMBIGUOUS
                detail = (
                    f"Created and put on the review queue as a possible duplicate of candidate "
                    f"{other}. {target.reason}"
                )
            else:
                status, detail = RowStatus.CREATED, ""
            outcomes[first_line] = RowOutcome(first_line, status, candidate.pk, detail)
            for row, _ in target.rows[1:]:
                outcomes[row.line] = RowOutcome(
                    row.line,
                    RowStatus.MERGED,
                    candidate.pk,
                    f"The same person as line {first_line}.",
                )
        if reviews:
            MatchReview.objects.bulk_create(reviews)
        if to_update:
            Candidate.objects.bulk_update(to_update, sorted(changed_fields | {"updated_at"}))
        created_ids = [candidate.pk for _, candidate in to_create]
        updated_ids = [candidate.pk for candidate in to_update]
        if created_ids or updated_ids:
            signals.candidates_imported.send(
                sender=Candidate, created_ids=created_ids, updated_ids=updated_ids
            )
        return outcomes
