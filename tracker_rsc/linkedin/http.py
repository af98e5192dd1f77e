"""The one place HTTP happens: a ``requests.Session``, timeouts, retries and error mapping.

Every LinkedIn call (token endpoint included) goes through ``Transport.send``, which retries
transient failures with capped exponential backoff and full jitter, honours ``Retry-After``, and
turns everything else into the adapter's own exceptions. All of LinkedIn's calls that Tracker
makes are idempotent (batch upserts, ``$set`` patches, deletes, reads; job postings are keyed by
Tracker's id), so repeating one after a timeout is safe.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from .errors import AuthError, LinkedInError, PermanentError, TransientError

logger = logging.getLogger("tracker_rsc.linkedin")

Sleep = Callable[[float], None]
Jitter = Callable[[float, float], float]


@dataclass(frozen=True)
class RetryPolicy:
    """At most ``attempts`` tries; before try n+1 wait uniformly in [0, min(max, base·2^(n-1))].

    A ``Retry-After`` within ``max_wait`` is waited exactly; a longer one ends the retries at
    once (a worker should not sleep for minutes) and is passed on as ``retry_after``.
    """

    attempts: int = 5
    base_wait: float = 1.0
    max_wait: float = 30.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_wait < 0 or self.max_wait < 0:
            raise ValueError("waits must not be negative")

    def backoff(self, attempt: int, jitter: Jitter) -> float:
        """Full jitter (AWS architecture blog): spreads retries of many workers apart."""
        return jitter(0.0, min(self.max_wait, self.base_wait * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class Response:
    status: int
    data: Any  # the decoded JSON body, or None for an empty 2xx body
    headers: Mapping[str, str]


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date); None if absent or garbled."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _error_details(response: requests.Response) -> tuple[str, int | None]:
    """LinkedIn's ``message``/``serviceErrorCode`` (or the OAuth ``error_description``)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        message = body.get("message") or body.get("error_description") or body.get("error")
        code = body.get("serviceErrorCode")
        if isinstance(message, str) and message:
            return message, code if isinstance(code, int) else None
    text = response.text.strip().replace("\n", " ")[:200]
    return (text or response.reason or f"HTTP {response.status_code}"), None


class Transport:
    """Sends requests with retries. ``sleep`` and ``jitter`` are injectable for tests."""

    def __init__(
        self,
        *,
        session: requests.Session,
        timeout: float,
        retry: RetryPolicy,
        sleep: Sleep = time.sleep,
        jitter: Jitter = random.uniform,
    ) -> None:
        self.session = session
        self.timeout = timeout
        self.retry = retry
        self.sleep = sleep
        self.jitter = jitter

    def send(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None,
        headers: Mapping[str, str],
        log_path: str,
        expect_json: bool,
        before_attempt: Callable[[], None] | None = None,
    ) -> Response:
        """One logical call: up to ``retry.attempts`` HTTP requests.

        Raises TransientError when the retries are used up (or Retry-After exceeds the cap),
        AuthError on a 401 (the caller decides whether to refresh), PermanentError on any other
        4xx or an unexpected status. ``before_attempt`` runs before every request (pacing).
        """
        error: LinkedInError | None = None
        for attempt in range(1, self.retry.attempts + 1):
            if before_attempt is not None:
                before_attempt()
            started = time.monotonic()
            try:
                raw = self.session.request(
                    method,
                    url,
                    data=body,
                    headers=dict(headers),
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.Timeout as exc:
                error = TransientError(f"LinkedIn did not answer {method} {log_path} in time")
                self._log(method, log_path, type(exc).__name__, started)
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                error = TransientError(f"Connection to LinkedIn failed on {method} {log_path}")
                self._log(method, log_path, type(exc).__name__, started)
            except requests.RequestException as exc:
                # An invalid URL or similar: configuration, not LinkedIn; retrying cannot help.
                raise PermanentError(f"Cannot call LinkedIn: {exc}") from exc
            else:
                self._log(method, log_path, raw.status_code, started)
                outcome = self._classify(raw, method=method, log_path=log_path, expect=expect_json)
                if isinstance(outcome, Response):
                    return outcome
                error = outcome
            wait = self._wait(error, attempt)
            if wait is None or attempt == self.retry.attempts:
                break
            self.sleep(wait)
        assert error is not None  # the loop ran at least once and did not return
        raise error

    def _classify(
        self, raw: requests.Response, *, method: str, log_path: str, expect: bool
    ) -> Response | TransientError:
        status = raw.status_code
        if 200 <= status < 300:
            if not raw.content.strip():
                if not expect:
                    return Response(status, None, raw.headers)
                return TransientError(
                    f"LinkedIn sent an empty body for {method} {log_path}", status=status
                )
            try:
                data = json.loads(raw.content)
            except (ValueError, RecursionError):  # RecursionError: nested beyond the stack
                # A 2xx whose body is not JSON is treated as transient, not as a PayloadError:
                # it comes from LinkedIn's edge (truncated responses, HTML maintenance pages
                # with a 200) rather than from the API's schema, and a retry of our idempotent
                # call normally gets a proper answer. Only JSON of the wrong shape is a
                # PayloadError, raised by the parser that reads it.
                return TransientError(
                    f"LinkedIn sent malformed JSON for {method} {log_path}", status=status
                )
            return Response(status, data, raw.headers)
        message, code = _error_details(raw)
        if status == 429 or status >= 500:
            return TransientError(
                message,
                status=status,
                service_error_code=code,
                retry_after=parse_retry_after(raw.headers.get("Retry-After")),
            )
        if status == 401:
            raise AuthError(message, status=status, service_error_code=code)
        if 300 <= status < 400:
            message = f"Unexpected redirect to {raw.headers.get('Location', '?')}"
        raise PermanentError(message, status=status, service_error_code=code)

    def _wait(self, error: LinkedInError, attempt: int) -> float | None:
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            if retry_after > self.retry.max_wait:
                return None
            return float(retry_after)
        return self.retry.backoff(attempt, self.jitter)

    @staticmethod
    def _log(method: str, path: str, status: int | str, started: float) -> None:
        # Path only: no query string, no headers, so neither tokens nor secrets reach the log.
        logger.debug(
            "linkedin %s %s -> %s in %.1f ms",
            method,
            path,
            status,
            (time.monotonic() - started) * 1000,
        )


def new_session() -> requests.Session:
    session = requests.Session()
    # Our retries are explicit and paced; urllib3 must not retry behind our back.
    adapter = HTTPAdapter(max_retries=0, pool_connections=4, pool_maxsize=8)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"Accept": "application/json", "User-Agent": "tracker-rsc/1.0"})
    return session
