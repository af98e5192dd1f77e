"""API rate limits: per user and per anonymous client, stricter on writes and on erasure.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (scopes ``anon``, ``user``,
``write`` and ``erase``; set by the ``API_THROTTLE_*`` variables). DRF's own classes copy the
rates once, at import; these read them at each request, so a settings change (a test, a
reload) takes effect. A refused request is answered 429 with ``Retry-After`` (DRF adds it from
``wait()``). The counters live in the default cache (Redis in production, shared by workers).
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class _LiveRates:
    """Mixin: the rate of ``scope`` as configured now, not as it was at import."""

    scope: str

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_LiveRates, AnonRateThrottle):
    """Every request of a client that is not signed in, by IP address."""

    scope = "anon"


class UserThrottle(_LiveRates, UserRateThrottle):
    """Every request of a signed-in user (all their tokens and sessions together)."""

    scope = "user"


class _UserOrIpThrottle(_LiveRates, SimpleRateThrottle):
    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not self.applies(request, view):
            return None
        user = request.user
        ident = user.pk if user and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def applies(self, request: Request, view: Any) -> bool:
        raise NotImplementedError


class WriteThrottle(_UserOrIpThrottle):
    """Requests that change data (POST, PUT, PATCH, DELETE): a bulk writer's own budget."""

    scope = "write"

    def applies(self, request: Request, view: Any) -> bool:
        return request.method not in SAFE_METHODS


class EraseThrottle(_UserOrIpThrottle):
    """Erasures: few by nature, and irreversible, so the tightest budget."""

    scope = "erase"

    def applies(self, request: Request, view: Any) -> bool:
        return getattr(view, "action", None) == "erase" and request.method == "POST"


class ThrottleFirstMixin:
    """Count every request against the limits, refused ones included.

    DRF checks throttles after authentication and permissions, so requests refused with 401 or
    403 (guessed tokens, a client probing what it may do) would never be counted. Here a
    request whose credentials fail is counted as anonymous before its 401, and the throttles
    run before the permission check; each runs once per request.
    """

    def perform_authentication(self, request: Request) -> None:
        try:
            request.user  # noqa: B018  (authenticates)
        except AuthenticationFailed:
            self.check_throttles(request)  # now anonymous: the anonymous rate applies
            raise

    def check_permissions(self, request: Request) -> None:
        self.check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request: Request) -> None:
        if getattr(request, "_tracker_throttled", False):
            return
        request._tracker_throttled = True
        super().check_throttles(request)
