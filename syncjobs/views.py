"""The LinkedIn callback endpoint: a thin view over ``syncjobs.notifications``."""

from __future__ import annotations

import hashlib
import logging
import re

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from syncjobs.notifications import notification_receive
from tracker_rsc.linkedin.signatures import (
    CHALLENGE_CODE_MAX_LENGTH,
    challenge_response,
    is_challenge_code,
)
from tracker_rsc.models import Integration

logger = logging.getLogger(__name__)

# ``Integration.callback_token`` is ``secrets.token_urlsafe(32)`` in a 64-character column.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,64}")
# A token changes only when an admin rotates it (which forgets the old one here at once), so a
# known one can be remembered for long; an hour bounds how long a deleted row's token still
# passes the challenge (its POSTs never do).
CALLBACK_TOKEN_CACHE_SECONDS = 60 * 60


def _token_cache_key(token: str) -> str:
    # Hashed: the cache (Redis in production) need not hold the token itself.
    return "linkedin-callback-token:" + hashlib.sha256(token.encode("utf-8")).hexdigest()


def callback_token_known(token: str) -> bool:
    """True when ``token`` is the integration's callback token, read without the database.

    Known tokens are remembered in the cache, so LinkedIn's challenges touch no database once
    the token has been seen; a cache miss costs one read on the unique ``callback_token`` index,
    and only a known token is cached (random tokens cannot fill the cache). A cache that is down
    is skipped, not fatal: the database answers instead.
    """
    if not _TOKEN_SHAPE.fullmatch(token):
        return False
    key = _token_cache_key(token)
    try:
        if cache.get(key):
            return True
    except Exception:  # any backend's outage (Redis, file system): fall back to the database
        logger.warning("Callback token cache unavailable; reading the token from the database.")
    known = Integration.objects.filter(callback_token=token).exists()
    if known:
        callback_token_remember(token)
    return known


def callback_token_remember(token: str) -> None:
    """Remember a known token, so the challenges that follow touch no database. Called when
    the callback URL is registered with LinkedIn, which validates it at once."""
    try:
        cache.set(_token_cache_key(token), True, CALLBACK_TOKEN_CACHE_SECONDS)
    except Exception:  # as above: remembering is an optimisation
        logger.warning("Callback token cache unavailable; the token is not remembered.")


def callback_token_forget(token: str) -> None:
    """Forget a token at once (a rotated-out one, or one LinkedIn did not accept): the next
    request with it reads the database, where it no longer is."""
    try:
        cache.delete(_token_cache_key(token))
    except Exception:  # as above; a cache that is down remembers nothing either
        logger.warning("Callback token cache unavailable; nothing to forget.")


def _challenge(request: HttpRequest, token: str) -> JsonResponse:
    if not callback_token_known(token):
        return JsonResponse({"error": "Unknown callback."}, status=404)
    code = request.GET.get("challengeCode", "")
    if not code:
        return JsonResponse({"error": "challengeCode is required."}, status=400)
    if not is_challenge_code(code):
        return JsonResponse(
            {
                "error": "challengeCode must be 1 to "
                f"{CHALLENGE_CODE_MAX_LENGTH} letters, digits, '-' or '_'."
            },
            status=400,
        )
    if not settings.LINKEDIN_CLIENT_SECRET:
        return JsonResponse({"error": "LinkedIn credentials are not configured."}, status=503)
    return JsonResponse(challenge_response(code, settings.LINKEDIN_CLIENT_SECRET))


@csrf_exempt  # LinkedIn signs its posts (X-LI-Signature); there is no session or form here.
@never_cache
@require_http_methods(["GET", "POST"])
def linkedin_callback(request: HttpRequest, token: str) -> HttpResponse:
    """``GET ?challengeCode=`` proves we hold the client secret; ``POST`` delivers a push.

    Both answer 404 for an unknown token. The challenge signs only a code shaped like
    LinkedIn's (400 otherwise): its answer is the HMAC that signs pushes, so signing any string
    would sign forged push bodies. It touches neither the broker nor, once the token is cached,
    the database (see ``callback_token_known``), so it answers well within LinkedIn's 3 seconds.
    A POST is stored before it is acknowledged (see ``notification_receive`` for the codes).
    """
    if request.method == "GET":
        return _challenge(request, token)
    receipt = notification_receive(token=token, body=request.body, headers=request.headers)
    if receipt.status_code == 200:
        return JsonResponse({"status": receipt.message})
    return JsonResponse({"error": receipt.message}, status=receipt.status_code)
