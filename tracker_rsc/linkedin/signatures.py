"""LinkedIn's push signatures (docs/architecture.md §5): ``X-LI-Signature: hmacsha256=<hex>``.

``signature_header`` is the one place the scheme lives; verification recomputes it and compares
in constant time, and the sandbox signs its pushes with the same function.

The challenge answer is the same HMAC with the same key, so ``challenge_response`` signs only
what is shaped like one of LinkedIn's challenge codes (a UUID): were it to sign any string, the
callback's GET would hand out a valid ``X-LI-Signature`` for a push body of the caller's choice.
"""

from __future__ import annotations

import hashlib
import hmac
import re

SIGNATURE_HEADER = "X-LI-Signature"
SIGNATURE_PREFIX = "hmacsha256="
# LinkedIn sends a UUID; letters, digits, '-' and '_' leave room for another token format while
# excluding every push body (a JSON object always starts with '{').
CHALLENGE_CODE_MAX_LENGTH = 128
_CHALLENGE_CODE = re.compile(rf"[A-Za-z0-9_-]{{1,{CHALLENGE_CODE_MAX_LENGTH}}}")


def _hmac_sha256_hex(message: bytes, secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(body: bytes, secret: str) -> str:
    """The ``X-LI-Signature`` value for a raw push body: HMAC-SHA256 keyed with the secret."""
    return SIGNATURE_PREFIX + _hmac_sha256_hex(body, secret)


def verify_signature(body: bytes, header: str | None, secret: str) -> bool:
    """True only when ``header`` is exactly the signature of ``body``.

    A missing header, an empty secret, another prefix or a forged digest are all refused. The
    comparison is constant time so the digest cannot be guessed byte by byte.
    """
    if not header or not secret:
        return False
    expected = signature_header(body, secret).encode("ascii")
    # Hex digits may arrive upper-case from some proxies; the prefix must match exactly.
    candidate = header.strip()
    if candidate.startswith(SIGNATURE_PREFIX):
        candidate = SIGNATURE_PREFIX + candidate[len(SIGNATURE_PREFIX) :].lower()
    return hmac.compare_digest(expected, candidate.encode("utf-8"))


def is_challenge_code(code: str) -> bool:
    """True when ``code`` may be signed as a challenge: 1-128 of ``[A-Za-z0-9_-]``."""
    return _CHALLENGE_CODE.fullmatch(code) is not None


def challenge_response(challenge_code: str, secret: str) -> dict:
    """The answer to LinkedIn's ``GET callback?challengeCode=X`` validation request.

    Raises ``ValueError`` for a code that is not shaped like a challenge code (see
    ``is_challenge_code``), so nothing else can be signed through the challenge.
    """
    if not is_challenge_code(challenge_code):
        raise ValueError("Not a challenge code: only 1-128 of [A-Za-z0-9_-] are signed.")
    return {
        "challengeCode": challenge_code,
        "challengeResponse": _hmac_sha256_hex(challenge_code.encode("utf-8"), secret),
    }
