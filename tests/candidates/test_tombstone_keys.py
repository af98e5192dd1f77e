"""Erasure tombstones are keyed with HMAC(ERASURE_HMAC_KEY, sha256(identifier)), not a bare hash.

A bare SHA-256 of an e-mail address is reversed by hashing a list of addresses; with the key
kept outside the database a leaked tombstone table reveals nothing. Existing tombstones (bare
digests) are re-keyed by a data migration without the erased values.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ImproperlyConfigured

from candidates import services
from candidates.models import Candidate, ErasureTombstone, identifier_hash
from tests.candidates.factories import CandidateFactory

pytestmark = pytest.mark.django_db

KEY = "test-erasure-key-0123456789abcdef0123456789"
EMAIL = "jane.doe@example.com"
SLUG = "jane-doe-4a1b"
URN = "urn:li:person:Xy12"


@pytest.fixture(autouse=True)
def erasure_key(settings):
    settings.ERASURE_HMAC_KEY = KEY
    return settings


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def test_the_key_is_an_hmac_of_the_sha256_under_the_secret():
    expected = hmac.new(KEY.encode(), sha256(EMAIL).encode(), hashlib.sha256).hexdigest()

    assert identifier_hash(EMAIL) == expected
    assert identifier_hash(EMAIL) != sha256(EMAIL)  # not the bare hash anyone can compute
    assert identifier_hash("") == ""


def test_the_key_depends_on_the_erasure_secret_not_on_secret_key(settings):
    before = identifier_hash(EMAIL)

    settings.SECRET_KEY = "rotated-session-signing-key-" + "z" * 40
    assert identifier_hash(EMAIL) == before  # rotating SECRET_KEY un-erases nobody

    settings.ERASURE_HMAC_KEY = "another-erasure-key-0123456789abcdef0123"
    assert identifier_hash(EMAIL) != before


def test_an_erasure_stores_keyed_hashes_that_still_match():
    candidate = CandidateFactory(
        email=EMAIL, linkedin_profile_url=f"https://www.linkedin.com/in/{SLUG}"
    )

    tombstone = services.candidate_erase(candidate=candidate, reason="GDPR")

    assert tombstone.email_hash == identifier_hash(EMAIL) != sha256(EMAIL)
    assert tombstone.profile_hash == identifier_hash(SLUG) != sha256(SLUG)
    assert services.tombstone_for(email="Jane.Doe@Example.com") == tombstone
    assert services.tombstone_for(profile_url=f"linkedin.com/in/{SLUG}/") == tombstone


def test_without_the_key_an_erasure_refuses_and_changes_nothing(settings):
    candidate = CandidateFactory(email=EMAIL)
    settings.ERASURE_HMAC_KEY = ""

    with pytest.raises(ImproperlyConfigured, match="ERASURE_HMAC_KEY"):
        services.candidate_erase(candidate=candidate, reason="GDPR")

    assert Candidate.objects.filter(pk=candidate.pk).exists()
    assert not ErasureTombstone.objects.exists()


def rekey(apps=django_apps) -> None:
    migration = importlib.import_module("candidates.migrations.0003_tombstone_hmac_keys")
    migration.rekey_tombstones(apps, None)


def test_the_migration_rekeys_bare_digests_so_the_erased_stay_erased():
    legacy = ErasureTombstone.objects.create(
        candidate_id=7, email_hash=sha256(EMAIL), profile_hash=sha256(SLUG), person_hash=""
    )
    other = ErasureTombstone.objects.create(candidate_id=8, person_hash=sha256(URN))
    assert services.tombstone_for(email=EMAIL) is None  # the old digest no longer matches

    rekey()

    legacy.refresh_from_db()
    other.refresh_from_db()
    assert legacy.email_hash == identifier_hash(EMAIL)
    assert legacy.profile_hash == identifier_hash(SLUG)
    assert legacy.person_hash == ""  # empty stays empty
    assert services.tombstone_for(email=EMAIL) == legacy
    assert services.tombstone_for(profile_url=f"https://www.linkedin.com/in/{SLUG}") == legacy
    assert services.tombstone_for(person_urn=URN) == other


def test_the_migration_refuses_without_a_key_and_changes_nothing(settings):
    legacy = ErasureTombstone.objects.create(candidate_id=7, email_hash=sha256(EMAIL))
    settings.ERASURE_HMAC_KEY = ""

    with pytest.raises(ImproperlyConfigured, match="ERASURE_HMAC_KEY"):
        rekey()

    legacy.refresh_from_db()
    assert legacy.email_hash == sha256(EMAIL)
