"""Top the candidates table up to N realistic rows, fast: ``python bench/load_candidates.py``.

    python bench/load_candidates.py --count 1000000 [--seed 1] [--linked-share 0.4]

PostgreSQL: rows are streamed with ``COPY`` (psycopg 3 ``cursor.copy``); SQLite: batched
``bulk_create``. The duplicate-check keys are computed in Python with exactly the functions
``Candidate.refresh_keys`` uses (``candidates.normalize``), so the data is what the services
would have stored. A share of the new candidates is linked to a (fake) LinkedIn member, as
after the bulk sync. Idempotent: a table already at N rows gets nothing; rows added by an
earlier, smaller run are kept and only the difference is generated.

The data is shaped like a real agency database, because the duplicate check's costs depend on
it: surnames are skewed (Zipf-like head from census frequencies, "Smith" about 1 %, then a
long tail of rare names), first names mix English, European (accents), apostrophe and
hyphenated names and a little Cyrillic/Chinese; emails are missing for some, and ~1.5 % of
rows are the same person entered again (casing variants of the email, variants of the
LinkedIn URL); LinkedIn URLs come in every spelling (country subdomain, no scheme, query
string, percent-encoded accents, old /pub/ form) and are stored canonical; ``updated_at``
spreads over five years.
"""

from __future__ import annotations

import argparse
import bisect
import importlib
import random
import sys
import time
from collections import deque
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

if str(Path(__file__).resolve().parent.parent) not in sys.path:  # run as `python bench/x.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import setup_django

setup_django()

from django.db import connection, transaction  # noqa: E402

from candidates import normalize  # noqa: E402
from candidates.models import Candidate, MemberLink  # noqa: E402

# A fresh run prints progress this often; COPY streams, so this is only for the operator.
PROGRESS_EVERY = 100_000
# SQLite: rows per bulk_create call. Django splits further to respect SQLite's bound-variable
# limit; 2,000 model instances keep memory flat while amortising the per-call overhead.
SQLITE_BATCH = 2_000
# Share of rows that re-enter a recently generated person (same key, different spelling).
DUPLICATE_SHARE = 0.015
RECENT_PEOPLE = 5_000
FIVE_YEARS_SECONDS = 5 * 365.25 * 86_400
TWO_YEARS_SECONDS = 2 * 365 * 86_400
BENCH_URN_PREFIX = "urn:li:person:bench-"
# What CandidateGenerator fills in; every other column gets its model default.
GENERATED_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "email",
        "phone",
        "current_title",
        "current_company",
        "headline",
        "location",
        "linkedin_profile_url",
        "source",
        "created_at",
        "updated_at",
        "email_key",
        "profile_key",
        "first_name_key",
        "last_name_key",
    }
)


# --- Name pools -----------------------------------------------------------------------------


class _Weighted:
    """Values drawn with given weights in O(log n) per draw (cumulative weights + bisect)."""

    def __init__(self, values: Sequence[str], weights: Sequence[float]) -> None:
        if not values or len(values) != len(weights):
            raise ValueError("a weighted pool needs one weight per value")
        self.values = list(values)
        self.cumulative: list[float] = []
        total = 0.0
        for weight in weights:
            total += weight
            self.cumulative.append(total)
        self.total = total

    def draw(self, rng: random.Random) -> str:
        index = bisect.bisect_right(self.cumulative, rng.random() * self.total)
        return self.values[min(index, len(self.values) - 1)]


def _faker_list(locale: str, attribute: str) -> tuple[list[str], list[float] | None]:
    """Names from Faker's person provider data (weights when Faker has census frequencies)."""
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    values = getattr(provider, attribute, ())
    if isinstance(values, dict):
        return list(values.keys()), [float(weight) for weight in values.values()]
    return list(values), None


def _zipf_pool(values: Sequence[str], *, exponent: float, shuffle_seed: int) -> _Weighted:
    """Unique values in a fixed random order, weighted 1/(rank + 20)^exponent.

    A Zipf-Mandelbrot curve: skewed with a long tail, but the offset keeps the most common
    name of these (randomly ordered) lists well below the census head ("Smith").
    """
    unique = sorted(set(values))
    random.Random(shuffle_seed).shuffle(unique)
    return _Weighted(unique, [1 / ((rank + 20) ** exponent) for rank in range(1, len(unique) + 1)])


def _census_pool(locale: str, attribute: str) -> _Weighted:
    values, weights = _faker_list(locale, attribute)
    return _Weighted(values, weights or [1.0] * len(values))


_WORLD_SURNAME_LOCALES = (
    "en_GB",
    "en_IE",
    "fr_FR",
    "de_DE",
    "es_ES",
    "it_IT",
    "nl_NL",
    "pt_BR",
    "sv_SE",
    "tr_TR",
)
_WORLD_FIRST_NAME_LOCALES = (
    "en_GB",
    "en_IE",
    "fr_FR",
    "de_DE",
    "es_ES",
    "it_IT",
    "nl_NL",
    "pt_BR",
    "sv_SE",
    "pl_PL",
    "tr_TR",
)
# Names whose punctuation and diacritics the normaliser must absorb.
_TRICKY_FIRST_NAMES = (
    "D'Andre",
    "De'Shawn",
    "N'Golo",
    "D'Arcy",
    "Ka'iulani",
    "Jean-Luc",
    "Marie-Claire",
    "Anne-Sophie",
    "Zoë",
    "Chloë",
    "Renée",
    "Björn",
    "Søren",
    "Łukasz",
    "Ægir",
    "José María",
    "Mary Jo",
)
# Syllables of the synthetic long tail: millions of rare, pronounceable surnames.
_ONSETS = (
    "b",
    "br",
    "c",
    "ch",
    "d",
    "dr",
    "f",
    "g",
    "gr",
    "h",
    "j",
    "k",
    "kl",
    "l",
    "m",
    "n",
    "p",
    "pr",
    "r",
    "s",
    "sh",
    "st",
    "t",
    "tr",
    "v",
    "w",
    "z",
    "th",
    "sk",
    "bl",
    "",
    "",
)
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ou", "ei", "y")
_CODAS = ("", "n", "r", "l", "m", "s", "t", "nd", "rk", "ld", "v", "x", "ck", "rr")
_SUFFIXES = (
    "son",
    "sen",
    "ski",
    "ska",
    "ez",
    "ini",
    "elli",
    "ov",
    "ova",
    "berg",
    "stein",
    "wood",
    "ford",
    "ley",
    "ton",
    "er",
    "ette",
    "ard",
    "",
)


class _Names:
    def __init__(self) -> None:
        self.us_surnames = _census_pool("en_US", "last_names")
        world: list[str] = []
        for locale in _WORLD_SURNAME_LOCALES:
            world.extend(_faker_list(locale, "last_names")[0])
        self.world_surnames = _zipf_pool(world, exponent=1.0, shuffle_seed=11)
        self.us_first = _Weighted(
            *_merge(
                _faker_list("en_US", "first_names_male"),
                _faker_list("en_US", "first_names_female"),
            )
        )
        world_first: list[str] = []
        for locale in _WORLD_FIRST_NAME_LOCALES:
            world_first.extend(_faker_list(locale, "first_names")[0])
        self.world_first = _zipf_pool(world_first, exponent=0.8, shuffle_seed=12)
        self.cyrillic_last = _faker_list("ru_RU", "last_names")[0]
        self.cyrillic_first = _faker_list("ru_RU", "first_names")[0]
        self.chinese_last = _census_pool("zh_CN", "last_names")
        self.chinese_first = _faker_list("zh_CN", "first_names")[0]

    def surname(self, rng: random.Random) -> str:
        roll = rng.random()
        if roll < 0.55:  # census-weighted US head: Smith ~2.2 % of these, ~1.2 % overall
            name = self.us_surnames.draw(rng)
        elif roll < 0.77:
            name = self.world_surnames.draw(rng)
        else:  # the long tail: a name shared by almost nobody else
            name = self._synthetic_surname(rng)
        if rng.random() < 0.02:  # double-barrelled
            separator = rng.choice(("-", " "))
            name = f"{name}{separator}{self.world_surnames.draw(rng)}"
        return name

    def first_name(self, rng: random.Random) -> str:
        roll = rng.random()
        if roll < 0.6:
            return self.us_first.draw(rng)
        if roll < 0.95:
            return self.world_first.draw(rng)
        return rng.choice(_TRICKY_FIRST_NAMES)

    @staticmethod
    def _synthetic_surname(rng: random.Random) -> str:
        syllables = "".join(
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
            for _ in range(rng.choice((1, 2, 2, 3)))
        )
        return (syllables + rng.choice(_SUFFIXES)).capitalize() or "Ash"


def _merge(
    *lists: tuple[list[str], list[float] | None],
) -> tuple[list[str], list[float]]:
    values: list[str] = []
    weights: list[float] = []
    for names, name_weights in lists:
        values.extend(names)
        weights.extend(name_weights or [1.0] * len(names))
    return values, weights


# --- Other fields ---------------------------------------------------------------------------

_TITLES = (
    "Software Engineer",
    "Senior Software Engineer",
    "Data Engineer",
    "Data Scientist",
    "Product Manager",
    "Project Manager",
    "Business Analyst",
    "DevOps Engineer",
    "QA Engineer",
    "UX Designer",
    "Sales Manager",
    "Account Executive",
    "Marketing Manager",
    "HR Business Partner",
    "Recruiter",
    "Finance Manager",
    "Accountant",
    "Operations Manager",
    "Customer Success Manager",
    "Solutions Architect",
    "Engineering Manager",
    "Nurse",
    "Civil Engineer",
    "Mechanical Engineer",
    "Electrician",
    "Teacher",
    "Pharmacist",
    "Chef",
    "Logistics Coordinator",
    "Legal Counsel",
)
_COMPANIES = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark Industries",
    "Wayne Enterprises",
    "Wonka",
    "Soylent",
    "Cyberdyne",
    "Tyrell",
    "Vandelay Industries",
    "Massive Dynamic",
    "Aperture",
    "Oscorp",
    "Nakatomi",
    "Gringotts",
    "Monarch",
    "Dunder Mifflin",
    "Pied Piper",
    "Société Générale",
    "Müller & Söhne",
    "Nordvik AS",
    "Iberia Logística",
)
_CITIES = (
    "London, United Kingdom",
    "Manchester, United Kingdom",
    "Leeds, United Kingdom",
    "Dublin, Ireland",
    "Paris, France",
    "Berlin, Germany",
    "München, Germany",
    "Madrid, Spain",
    "Barcelona, Spain",
    "Amsterdam, Netherlands",
    "Stockholm, Sweden",
    "Kraków, Poland",
    "New York, United States",
    "Austin, United States",
    "Toronto, Canada",
    "São Paulo, Brazil",
    "İstanbul, Türkiye",
)
_EMAIL_DOMAINS = _Weighted(
    [
        "gmail.com",
        "outlook.com",
        "hotmail.co.uk",
        "yahoo.com",
        "icloud.com",
        "proton.me",
        "web.de",
        "orange.fr",
        "mail.example",
        "acme.example",
        "globex.example",
    ],
    [35, 15, 8, 10, 7, 3, 4, 4, 6, 4, 4],
)
_COUNTRY_SUBDOMAINS = ("uk", "de", "fr", "es", "nl", "se", "ie", "br", "ca", "in")
_SOURCES = _Weighted(
    [
        Candidate.Source.MANUAL.value,
        Candidate.Source.EXPORT_TO_ATS.value,
        Candidate.Source.STUB_PROFILE.value,
        Candidate.Source.API.value,
    ],
    [70, 15, 5, 10],
)


def _ascii_word(name: str) -> str:
    """Lower-case ASCII letters and digits of a name ('' for a name in another script)."""
    return "".join(
        ch for ch in normalize.strip_accents(name).casefold() if ch.isascii() and ch.isalnum()
    )


def _slug_words(name: str, *, keep_accents: bool) -> str:
    text = name if keep_accents else normalize.strip_accents(name)
    words = "".join(ch if ch.isalnum() else " " for ch in text.casefold() if ch != "'").split()
    return "-".join(words)


def profile_token(index: int, seed: int) -> str:
    """A unique 9-hex-digit suffix per row index, like LinkedIn's generated ones.

    Multiplying by an odd constant is a bijection modulo 2**36, so no two indexes collide.
    """
    return f"{((index + seed * 104_729) * 2_654_435_761) % (1 << 36):09x}"


def profile_url_variant(slug: str, rng: random.Random) -> str:
    """One of the ways people paste the URL of the profile ``/in/<slug>``."""
    roll = rng.random()
    if roll < 0.62:
        return f"https://www.linkedin.com/in/{slug}"
    if roll < 0.72:
        return f"https://{rng.choice(_COUNTRY_SUBDOMAINS)}.linkedin.com/in/{slug}/"
    if roll < 0.80:
        mixed = "-".join(part.capitalize() for part in slug.split("-"))
        return f"http://linkedin.com/in/{mixed}?trk=public_profile_browsemap"
    if roll < 0.88:
        return f"https://www.linkedin.com/in/{quote(slug)}/"
    if roll < 0.94:
        return f"www.linkedin.com/in/{slug}#experience"
    return f"https://m.linkedin.com/in/{slug}?originalSubdomain=gb"


class _Person:
    __slots__ = ("email", "first_name", "last_name", "raw_profile_url", "slug")

    def __init__(
        self, first_name: str, last_name: str, email: str, slug: str, raw_profile_url: str
    ) -> None:
        self.first_name = first_name
        self.last_name = last_name
        self.email = email
        self.slug = slug
        self.raw_profile_url = raw_profile_url


class CandidateGenerator:
    """Deterministic stream of candidate field dicts for row indexes ``start`` onwards."""

    def __init__(self, *, seed: int, start: int, now: datetime) -> None:
        self.rng = random.Random(f"bench-candidates:{seed}:{start}")
        self.seed = seed
        self.index = start
        self.now = now
        self.names = _Names()
        self.recent: deque[_Person] = deque(maxlen=RECENT_PEOPLE)
        self._name_keys: dict[str, str] = {}

    def name_key(self, name: str) -> str:
        # Names repeat heavily (that is the point of the skew): normalise each spelling once.
        key = self._name_keys.get(name)
        if key is None:
            key = self._name_keys[name] = normalize.normalize_name_part(name)
        return key

    def _new_person(self) -> _Person:
        rng = self.rng
        if rng.random() < 0.008:
            first_name = rng.choice(self.names.cyrillic_first)
            last_name = rng.choice(self.names.cyrillic_last)
        elif rng.random() < 0.003:
            first_name = rng.choice(self.names.chinese_first)
            last_name = self.names.chinese_last.draw(rng)
        else:
            first_name = self.names.first_name(rng)
            last_name = self.names.surname(rng)
        email = ""
        if rng.random() < 0.85:
            first, last = _ascii_word(first_name), _ascii_word(last_name)
            if rng.random() < 0.05 and "'" in last_name:  # apostrophes are legal in addresses
                last = normalize.strip_accents(last_name).casefold().replace(" ", "")
            pattern = rng.random()
            if not first or not last:
                local = f"user{self.index}"
            elif pattern < 0.45:
                local = f"{first}.{last}{self.index}"
            elif pattern < 0.7:
                local = f"{first[0]}{last}{self.index}"
            elif pattern < 0.85:
                local = f"{first}{self.index}"
            else:
                local = f"{last}.{first}{self.index}"
            email = f"{local}@{_EMAIL_DOMAINS.draw(rng)}"
            if rng.random() < 0.08:  # typed with capitals: same address, same key
                email = email.title()
        slug = ""
        raw_url = ""
        if rng.random() < 0.65:
            token = profile_token(self.index, self.seed)
            words = _slug_words(f"{first_name} {last_name}", keep_accents=rng.random() < 0.3)
            if rng.random() < 0.07 and words:
                # Old public URL /pub/<name>/<a>/<b>/<c>; LinkedIn's /in/ form is
                # <name>-<c><b><a>, so the canonical slug is words-token again.
                third, second, first_id = token[0:3], token[3:6], token[6:9]
                raw_url = f"https://uk.linkedin.com/pub/{words}/{first_id}/{second}/{third}"
                slug = f"{words}-{token}"
            else:
                slug = f"{words}-{token}" if words else token
                raw_url = profile_url_variant(slug, rng)
        return _Person(first_name, last_name, email, slug, raw_url)

    def _same_person_again(self, person: _Person) -> _Person:
        """The same person typed in again: the keys agree, the spelling does not."""
        rng = self.rng
        email = person.email
        if email and rng.random() < 0.7:
            email = rng.choice((email.upper(), email.lower(), f"  {email.title()} "))
        elif rng.random() < 0.5:
            email = ""
        raw_url = profile_url_variant(person.slug, rng) if person.slug else ""
        first_name = person.first_name
        if rng.random() < 0.3:
            first_name = normalize.strip_accents(first_name).replace("'", "")
        return _Person(first_name, person.last_name, email, person.slug, raw_url)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self

    def __next__(self) -> dict[str, Any]:
        rng = self.rng
        if self.recent and rng.random() < DUPLICATE_SHARE:
            person = self._same_person_again(rng.choice(self.recent))
        else:
            person = self._new_person()
            self.recent.append(person)
        self.index += 1

        updated_at = self.now - timedelta(seconds=rng.random() * FIVE_YEARS_SECONDS)
        created_at = updated_at - timedelta(seconds=rng.random() * TWO_YEARS_SECONDS)
        title = rng.choice(_TITLES)
        company = rng.choice(_COMPANIES)
        email = person.email.strip()
        profile_url = normalize.canonical_profile_url(person.raw_profile_url)
        return {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "email": email,
            "phone": f"+44 7{rng.randrange(100_000_000, 1_000_000_000)}"
            if rng.random() < 0.7
            else "",
            "current_title": title,
            "current_company": company,
            "headline": f"{title} at {company}",
            "location": rng.choice(_CITIES),
            "linkedin_profile_url": profile_url,
            "source": _SOURCES.draw(rng),
            "created_at": created_at,
            "updated_at": updated_at,
            # Candidate.refresh_keys, field by field:
            "email_key": normalize.normalize_email(email),
            "profile_key": normalize.profile_slug(profile_url),
            "first_name_key": self.name_key(person.first_name),
            "last_name_key": self.name_key(person.last_name),
        }


# --- Loading --------------------------------------------------------------------------------


def _candidate_columns() -> tuple[list[str], list[str], dict[str, Any]]:
    """Column names, their field names, and fixed values for fields the generator leaves out.

    Built from the model so a field added later (with a default) is loaded too.
    """
    columns: list[str] = []
    names: list[str] = []
    fixed: dict[str, Any] = {}
    for field in Candidate._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        names.append(field.attname)
        if field.name not in GENERATED_FIELDS:
            fixed[field.attname] = field.get_db_prep_save(field.get_default(), connection)
    return columns, names, fixed


def _copy_rows(rows: Iterator[dict[str, Any]], count: int, *, verbose: bool) -> None:
    columns, names, fixed = _candidate_columns()
    quote_name = connection.ops.quote_name
    sql = (
        f"COPY {quote_name(Candidate._meta.db_table)} "
        f"({', '.join(quote_name(column) for column in columns)}) FROM STDIN"
    )
    started = time.perf_counter()
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for done, row in enumerate(rows, start=1):
            row.update(fixed)
            copy.write_row([row[name] for name in names])
            if done == count:
                break
            if verbose and done % PROGRESS_EVERY == 0:
                _progress(done, count, started)


def _bulk_create_rows(rows: Iterator[dict[str, Any]], count: int, *, verbose: bool) -> None:
    started = time.perf_counter()
    done = 0
    while done < count:
        size = min(SQLITE_BATCH, count - done)
        batch = [Candidate(**next(rows)) for _ in range(size)]
        Candidate.objects.bulk_create(batch, batch_size=SQLITE_BATCH)
        done += size
        if verbose and done % PROGRESS_EVERY < size and done < count:
            _progress(done, count, started)


def _progress(done: int, count: int, started: float) -> None:
    elapsed = time.perf_counter() - started
    print(f"   {done:>10,} / {count:,} rows  {done / elapsed:>10,.0f} rows/s", flush=True)


def _link_new_candidates(*, after_id: int, share: float) -> int:
    """Link ``share`` of the candidates with id > ``after_id`` to fake LinkedIn members.

    One INSERT … SELECT: the person URN is derived from the candidate id, so it is unique.
    """
    if share <= 0:
        return 0
    quote_name = connection.ops.quote_name
    per_thousand = round(min(share, 1.0) * 1000)
    candidate_table = quote_name(Candidate._meta.db_table)
    columns: list[str] = []
    expressions: list[str] = []
    params: list[Any] = []
    for field in MemberLink._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(quote_name(field.column))
        if field.name == "candidate":
            expressions.append("c.id")
        elif field.name == "person_urn":
            expressions.append("%s || CAST(c.id AS VARCHAR(20))")
            params.append(BENCH_URN_PREFIX)
        elif field.name == "linked_at":
            expressions.append("c.updated_at")
        elif field.name == "method":
            expressions.append("%s")
            params.append(MemberLink.Method.BULK_SYNC.value)
        elif field.name == "matched_on":
            expressions.append("%s")
            params.append(MemberLink.MatchedOn.LINKEDIN.value)
        else:
            expressions.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    sql = (
        f"INSERT INTO {quote_name(MemberLink._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(expressions)} FROM {candidate_table} c "
        f"WHERE c.id > %s AND (c.id * 7919) %% 1000 < %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, after_id, per_thousand])
        return cursor.rowcount


def _analyze(*, verbose: bool) -> None:
    started = time.perf_counter()
    tables = [Candidate._meta.db_table, MemberLink._meta.db_table]
    # VACUUM also sets the visibility map (index-only scans), but cannot run inside a
    # transaction; a caller's open transaction gets the plain ANALYZE.
    verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{verb} {connection.ops.quote_name(table)}")
    if verbose:
        print(f"   {verb} {', '.join(tables)}: {time.perf_counter() - started:.1f} s", flush=True)


def ensure_candidates(
    n: int, *, seed: int = 1, linked_share: float = 0.4, verbose: bool = True
) -> int:
    """Top the candidates table up to ``n`` rows; return how many rows were added.

    Idempotent (a table with ``n`` or more rows is left alone) and safe to run concurrently on
    PostgreSQL (an advisory lock serialises loaders). ``linked_share`` of the new candidates
    get an active ``MemberLink`` to a fake member ``urn:li:person:bench-<id>``. Raises
    ValueError for a negative ``n`` or a share outside [0, 1].
    """
    if n < 0:
        raise ValueError(f"count must be zero or more, got {n}")
    if not 0 <= linked_share <= 1:
        raise ValueError(f"linked_share must be between 0 and 1, got {linked_share}")
    postgres = connection.vendor == "postgresql"
    started = time.perf_counter()
    with transaction.atomic():
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('bench.load_candidates'))")
        existing = Candidate.objects.count()
        missing = n - existing
        if missing <= 0:
            if verbose:
                print(f"   {existing:,} candidates already (wanted {n:,}): nothing to add")
            return 0
        after_id = Candidate.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        if verbose:
            print(f"   {existing:,} candidates; adding {missing:,} …", flush=True)
        rows = CandidateGenerator(seed=seed, start=after_id + 1, now=datetime.now(UTC))
        if postgres:
            _copy_rows(rows, missing, verbose=verbose)
        else:
            _bulk_create_rows(rows, missing, verbose=verbose)
        loaded = time.perf_counter() - started
        linked = _link_new_candidates(after_id=after_id, share=linked_share)
    if verbose:
        print(
            f"   added {missing:,} candidates in {loaded:.1f} s ({missing / loaded:,.0f} rows/s), "
            f"{linked:,} member links; total {time.perf_counter() - started:.1f} s",
            flush=True,
        )
    if postgres:
        _analyze(verbose=verbose)
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="rows wanted in total")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--linked-share", type=float, default=0.4, help="share of new rows linked to a member"
    )
    args = parser.parse_args(argv)
    from bench._common import print_header

    print_header(f"load candidates up to {args.count:,}")
    try:
        ensure_candidates(args.count, seed=args.seed, linked_share=args.linked_share)
    except ValueError as exc:
        parser.error(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
