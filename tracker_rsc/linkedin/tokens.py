"""OAuth 2 client-credentials tokens, cached and shared by every worker (docs/architecture.md §5).

LinkedIn asks integrators to reuse one token for all concurrent calls until it expires (30
minutes). The token lives in Django's default cache (Redis in production, the file cache in the
embedded default), so web, worker and beat processes share it. A refresh happens under a lock
(Redis ``SET NX`` through ``cache.add``, else an ``fcntl`` lock file) and re-reads the cache
once the lock is held, so concurrent workers make one token request, not one each.

Sharing is an optimisation, never a dependency: when the cache is unreachable (Redis down) a
worker fetches its own token under this machine's file lock and goes on calling LinkedIn.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache

from .errors import AuthError, PayloadError, PermanentError
from .http import Transport
from .payloads import Reader

logger = logging.getLogger("tracker_rsc.linkedin")

# Refresh this long before LinkedIn's expiry, so a token is never sent in its last seconds
# (clock skew and a slow request would otherwise meet a 401 halfway through a batch).
REFRESH_MARGIN_SECONDS = 120.0
# How long a worker may hold the refresh lock: longer than a token request with its retries.
LOCK_SECONDS = 60


def post_token_form(
    transport: Transport,
    token_url: str,
    *,
    client_id: str,
    client_secret: str,
    grant: dict[str, str],
    refused: str,
) -> Reader:
    """POST one grant to LinkedIn's token endpoint, form-encoded with the client id and secret.

    The one way both grants (client credentials, an OpenID Connect sign-in's code) are asked
    for. Returns a reader over the answer. Raises AuthError when the credentials are not
    configured or LinkedIn refuses the grant ("LinkedIn refused <refused>: …"),
    TransientError when LinkedIn cannot be reached, PayloadError for an unreadable answer.
    """
    if not client_id or not client_secret:
        raise AuthError("LINKEDIN_CLIENT_ID and LINKEDIN_CLIENT_SECRET are not configured")
    form = urlencode({**grant, "client_id": client_id, "client_secret": client_secret})
    try:
        response = transport.send(
            "POST",
            token_url,
            body=form.encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            log_path="/oauth/v2/accessToken",
            expect_json=True,
        )
    except AuthError:
        raise
    except PermanentError as exc:
        raise AuthError(
            f"LinkedIn refused {refused}: {exc.message}",
            status=exc.status,
            service_error_code=exc.service_error_code,
        ) from exc
    return Reader(response.data, "accessToken")


class TokenProvider:
    """Hands out a valid access token; ``refresh(stale)`` replaces one that got a 401."""

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        transport: Transport,
        lock_dir: Path,
        cache_alias: str = "default",
        margin: float = REFRESH_MARGIN_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.transport = transport
        self.lock_path = lock_dir / "linkedin-token.lock"
        self.cache_alias = cache_alias
        self.margin = margin
        self.clock = clock
        # Keyed by endpoint and client id (never the secret): a credentials change means a
        # new key, so a token of the old application is never reused.
        digest = hashlib.sha256(f"{token_url}|{client_id}".encode()).hexdigest()[:24]
        self.cache_key = f"tracker_rsc:linkedin:token:{digest}"
        self.lock_key = f"{self.cache_key}:lock"
        self._own: dict[str, Any] | None = None

    @property
    def cache(self) -> BaseCache:
        return caches[self.cache_alias]

    def get(self) -> str:
        """A token valid for at least ``margin`` seconds; fetched only if the cache has none."""
        token = self._cached()
        if token:
            return token
        with self._refresh_lock():
            return self._cached() or self._fetch_and_store()

    def refresh(self, stale: str | None = None) -> str:
        """Replace ``stale`` (a token LinkedIn refused). If another worker already replaced
        it, that newer token is returned without a second request.
        """
        with self._refresh_lock():
            token = self._cached()
            if token and token != stale:
                return token
            return self._fetch_and_store()

    def renew(self) -> str:
        """Fetch a new token now (the credentials check) and share it. AuthError if refused."""
        with self._refresh_lock():
            return self._fetch_and_store()

    def fetch(self) -> tuple[str, float]:
        """Ask the token endpoint, bypassing the cache. Returns (token, lifetime in seconds).

        Raises AuthError when the credentials are missing or refused.
        """
        reader = post_token_form(
            self.transport,
            self.token_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
            grant={"grant_type": "client_credentials"},
            refused="the client credentials",
        )
        token = reader.text("access_token")
        raw_expiry = reader.obj.get("expires_in")
        # LinkedIn documents expires_in as a string ("1800"); accept a number too.
        is_number = isinstance(raw_expiry, int | float) and not isinstance(raw_expiry, bool)
        if is_number or (isinstance(raw_expiry, str) and raw_expiry.strip().isdigit()):
            lifetime = float(str(raw_expiry))
        elif raw_expiry is None:
            raise PayloadError("accessToken.expires_in: missing", field="accessToken.expires_in")
        else:
            raise PayloadError(
                f"accessToken.expires_in: not a number of seconds: {raw_expiry!r}",
                field="accessToken.expires_in",
            )
        if lifetime <= 0:
            raise PayloadError(
                "accessToken.expires_in: not positive", field="accessToken.expires_in"
            )
        return token, lifetime

    def _cached(self) -> str | None:
        try:
            entry = self.cache.get(self.cache_key)
        except Exception:  # any cache backend's outage: this process's own token, or a new one
            logger.warning("linkedin: the token cache is unreachable; not sharing the token")
            entry = self._own
        if not isinstance(entry, dict):
            return None
        token, expires_at = entry.get("token"), entry.get("expires_at")
        if not isinstance(token, str) or not isinstance(expires_at, int | float):
            return None
        if expires_at - self.margin <= self.clock():
            return None
        return token

    def _fetch_and_store(self) -> str:
        token, lifetime = self.fetch()
        expires_at = self.clock() + lifetime
        self._own = {"token": token, "expires_at": expires_at}  # for when the cache is away
        # The cache drops the entry when it is no longer usable; a short-lived token (shorter
        # than the margin) is still used for this call but not shared.
        usable_for = int(lifetime - self.margin)
        if usable_for > 0:
            try:
                self.cache.set(
                    self.cache_key, {"token": token, "expires_at": expires_at}, timeout=usable_for
                )
            except Exception:  # as in _cached: the token works unshared
                logger.warning("linkedin: the token cache is unreachable; token not shared")
        logger.info("linkedin: new access token, valid for %d s", int(lifetime))
        return token

    @contextlib.contextmanager
    def _refresh_lock(self) -> Iterator[None]:
        if isinstance(self.cache, RedisCache) and self._cache_reachable():
            with self._cache_lock():
                yield
        else:
            with self._file_lock():
                yield

    def _cache_reachable(self) -> bool:
        try:
            self.cache.get(self.lock_key)
        except Exception:
            return False
        return True

    @contextlib.contextmanager
    def _cache_lock(self) -> Iterator[None]:
        # SET NX with a TTL: atomic in Redis, and a crashed holder cannot wedge the others.
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + LOCK_SECONDS

        def take() -> bool | None:  # None: the cache went away (go on without the lock)
            try:
                return bool(self.cache.add(self.lock_key, owner, timeout=LOCK_SECONDS))
            except Exception:
                return None

        acquired = take()
        while acquired is False and time.monotonic() < deadline:
            time.sleep(0.05)
            if self._cached():
                break  # the holder stored a token; the caller's re-check will find it
            acquired = take()
        try:
            yield
        finally:
            with contextlib.suppress(Exception):  # a lock left behind expires by itself
                if acquired and self.cache.get(self.lock_key) == owner:
                    self.cache.delete(self.lock_key)

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        # Every process of the embedded default runs on this machine, so a flock is enough.
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a+b") as lock_file:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)
