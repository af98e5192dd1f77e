"""Push signatures and the callback challenge."""

from __future__ import annotations

import hmac

import pytest

from tracker_rsc.linkedin import signatures
from tracker_rsc.linkedin.signatures import challenge_response, signature_header, verify_signature

SECRET = "sandbox-secret"
BODY = b'{"type":"EXPORT_CANDIDATE_PROFILE","id":"8f14e45f"}'
# Computed independently: printf '%s' "$BODY" | openssl dgst -sha256 -hmac sandbox-secret
KNOWN = "hmacsha256=0e33e91ee5747c703a4c62b597d70b787e51a484641cf4c2617abc6439122855"


def test_signature_header_matches_a_known_vector():
    assert signature_header(BODY, SECRET) == KNOWN


def test_the_right_signature_verifies():
    assert verify_signature(BODY, KNOWN, SECRET) is True
    assert verify_signature(BODY, KNOWN.upper().replace("HMACSHA256=", "hmacsha256="), SECRET)


@pytest.mark.parametrize(
    ("body", "header", "secret"),
    [
        (BODY, None, SECRET),  # missing
        (BODY, "", SECRET),  # empty
        (BODY, KNOWN[len("hmacsha256=") :], SECRET),  # no prefix
        (BODY, "sha256=" + KNOWN[len("hmacsha256=") :], SECRET),  # odd prefix
        (BODY, "HMACSHA256=" + KNOWN[len("hmacsha256=") :], SECRET),  # prefix case differs
        (BODY, KNOWN[:-1] + "0", SECRET),  # forged digest
        (BODY, KNOWN + "00", SECRET),  # extended digest
        (BODY + b" ", KNOWN, SECRET),  # body changed after signing
        (BODY, KNOWN, "another-secret"),  # signed with another application's secret
        (BODY, KNOWN, ""),  # no secret configured: nothing verifies
        (BODY, "hmacsha256=é", SECRET),  # non-ASCII garbage
    ],
)
def test_bad_signatures_are_refused(body, header, secret):
    assert verify_signature(body, header, secret) is False


def test_verification_compares_in_constant_time(monkeypatch):
    calls = []
    real_compare = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real_compare(a, b)

    monkeypatch.setattr(signatures.hmac, "compare_digest", spy)

    assert verify_signature(BODY, KNOWN, SECRET) is True
    assert calls == [(KNOWN.encode(), KNOWN.encode())]


def test_challenge_response_matches_a_known_vector():
    assert challenge_response("c0ffee-challenge", SECRET) == {
        "challengeCode": "c0ffee-challenge",
        "challengeResponse": "eab329e299f8392c37ccf98613dd0e0a4f1d14c535191b5bc2905aa9bdf78566",
    }
