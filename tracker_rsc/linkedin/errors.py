"""The exceptions of the LinkedIn adapter: every failure of a LinkedIn call is one of these.

Callers decide on the class alone: a ``TransientError`` is worth retrying later (the client has
already retried within its own cap), a ``PermanentError`` is recorded and not retried, and a
``PayloadError`` means LinkedIn answered with something we cannot read.
"""

from __future__ import annotations


class LinkedInError(Exception):
    """Base class. ``status`` is the HTTP status (or None), ``service_error_code`` LinkedIn's."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        service_error_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.service_error_code = service_error_code

    def __str__(self) -> str:
        if self.status is None:
            return self.message
        return f"{self.message} (HTTP {self.status})"


class TransientError(LinkedInError):
    """429, 5xx, timeouts, dropped connections or garbled bodies, after the client's retries.

    ``retry_after`` is how many seconds LinkedIn (or our own limiter) asked us to wait, if known.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        service_error_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, service_error_code=service_error_code)
        self.retry_after = retry_after


class RateLimitExceeded(TransientError):
    """Our own limiter would have to block longer than a worker should wait (the daily cap).

    No request was sent; ``retry_after`` says when capacity returns.
    """


class PermanentError(LinkedInError):
    """A 4xx other than 401/429: LinkedIn refused the request; ``message`` is LinkedIn's."""


class AuthError(PermanentError):
    """Credentials refused by the token endpoint, or a 401 that survived one token refresh."""


class PayloadError(LinkedInError):
    """LinkedIn's payload is malformed or incomplete; ``field`` names the offending path."""

    def __init__(self, message: str, *, field: str = "", status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.field = field
