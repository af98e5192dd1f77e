"""LinkedIn's push signatures (DESIGN §5): ``X-LI-Signature: hmacsha256=<hex>``.

``signature_header`` is the one place the scheme lives; verification recomputes it and compares
in constant time, and the sandbox signs its pushes with the same function.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-LI-Signature"
SIGNATURE_PREFIX = "hmacsha256="


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


def challenge_response(challenge_code: str, secret: str) -> dict:
    """The answer to LinkedIn's ``GET callback?challengeCode=X`` validation request."""
    return {
        "challengeCode": challenge_code,
        "challengeResponse": _hmac_sha256_hex(challenge_code.encode("utf-8"), secret),
    }
