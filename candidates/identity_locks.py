"""Locks that serialise every intake of one person (Export to ATS, stub import, CSV import).

A person is known by their identifiers as the duplicate check reads them: ``member:<urn>``,
``profile:<slug>``, ``email:<key>`` and ``name:<first last>`` (normalised). Whoever is about
to run the duplicate check and then create or update that person takes the identifiers' locks
first, inside the transaction that writes, so two intakes of the same new person cannot both
see "no match" and create two candidates. Locks are taken in ascending order everywhere (a
global lock order), so intakes sharing several identifiers never deadlock.

On PostgreSQL these are transaction-scoped advisory locks in the intake's own key space (the
two-integer form, which never overlaps the single-bigint form). Identifiers hash into
``LOCK_BUCKETS`` locks rather than one lock each: a CSV import chunk touches thousands of
identifiers, and every advisory lock held takes a slot of the server's shared lock table
(``max_locks_per_transaction`` times connections, 6,400 by default). The price is that unrelated
intakes sharing a bucket wait for each other, at most for one import chunk (about a second).
On SQLite writers are serialised already: the settings open every transaction IMMEDIATE, so
the whole intake holds the database's write lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db import connection

LOCK_CLASS = 0x54524B49  # "TRKI": the intake's key space for pg_advisory_xact_lock(int, int)
LOCK_BUCKETS = 256


def identity_lock_ids(keys: Iterable[str]) -> list[int]:
    """The buckets (lock ids) of these identifiers, sorted: the order locks are taken in."""
    ids = set()
    for key in keys:
        digest = hashlib.blake2b(f"tracker-intake:{key}".encode(), digest_size=8).digest()
        ids.add(int.from_bytes(digest, "big") % LOCK_BUCKETS)
    return sorted(ids)


def identity_locks_take(keys: Iterable[str]) -> list[int]:
    """Take the locks of these identifiers until the current transaction ends (one query).

    Raises RuntimeError outside a transaction: the locks would end at once.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("identity locks are transaction-scoped: call inside transaction.atomic")
    lock_ids = identity_lock_ids(keys)
    if connection.vendor == "postgresql" and lock_ids:
        with connection.cursor() as cursor:
            # unnest yields the sorted array in order: one lock per row, one round trip.
            cursor.execute(
                "SELECT bucket, pg_advisory_xact_lock(%s, bucket)::text "
                "FROM unnest(%s::int[]) AS bucket",
                [LOCK_CLASS, lock_ids],
            )
            cursor.fetchall()
    return lock_ids
