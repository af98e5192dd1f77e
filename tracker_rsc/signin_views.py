"""Sign in with LinkedIn: a signed-in Tracker user proves which LinkedIn member they are, and
the Recruiter seat LinkedIn lists for that member is bound to them (docs/architecture.md §6.1).

``signin_start`` (POST, from the widget's prompt) keeps a random ``state`` and ``nonce`` and a
safe ``next`` in the session and redirects to LinkedIn's authorization page. LinkedIn sends
the browser back to ``signin_return`` with ``code`` and ``state`` (or ``error``); the code is
exchanged, the member read from ``/v2/userinfo``, and ``seat_bind_signed_in_member`` binds the
seat. Every refusal says why in a message and changes nothing. The member token lives only in
this request.
"""

from __future__ import annotations

import logging
import secrets
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tracker_rsc import services
from tracker_rsc.linkedin import AuthError, LinkedInError, PayloadError, TransientError
from tracker_rsc.linkedin.oidc import SignInError, get_sign_in_client

logger = logging.getLogger("tracker_rsc.signin")

SESSION_KEY = "linkedin_signin"
# A person signs in on LinkedIn's page within minutes; a state older than this is refused, so
# a link left in a browser's history cannot complete a sign-in later.
STATE_TTL_SECONDS = 600
# Sign-ins started in other tabs stay valid side by side, up to this many.
MAX_PENDING = 5
CANCELLED_ERRORS = frozenset({"user_cancelled_login", "user_cancelled_authorize"})


def _default_next() -> str:
    return reverse("candidates:list")


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """``candidate`` when it is a path or URL on this site, else the candidate list."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return _default_next()


def redirect_uri() -> str:
    """Tracker's own return URL, registered with the LinkedIn application (from SITE_URL)."""
    return f"{settings.SITE_URL}{reverse('linkedin-signin-return')}"


def _pending(request: HttpRequest) -> dict[str, dict]:
    stored = request.session.get(SESSION_KEY)
    return stored if isinstance(stored, dict) else {}


@never_cache
@login_required
@require_POST
def signin_start(request: HttpRequest) -> HttpResponse:
    """Start Sign in with LinkedIn: remember state, nonce and next; go to LinkedIn."""
    next_url = safe_next(request, request.POST.get("next"))
    client = get_sign_in_client()
    if not client.configured():
        messages.error(
            request,
            "Sign in with LinkedIn is not configured on this Tracker (LinkedIn client id and "
            "secret); ask a Tracker admin.",
        )
        return HttpResponseRedirect(next_url)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    now = time.time()
    pending = {
        key: value
        for key, value in _pending(request).items()
        if isinstance(value, dict) and now - value.get("started", 0) < STATE_TTL_SECONDS
    }
    while len(pending) >= MAX_PENDING:
        pending.pop(min(pending, key=lambda key: pending[key].get("started", 0)))
    pending[state] = {"nonce": nonce, "next": next_url, "started": now}
    request.session[SESSION_KEY] = pending
    return HttpResponseRedirect(
        client.authorization_url(state=state, nonce=nonce, redirect_uri=redirect_uri())
    )


@never_cache
@login_required
@require_GET
def signin_return(request: HttpRequest) -> HttpResponse:
    """LinkedIn's redirect back: check the state, exchange the code, bind the seat."""
    state = request.GET.get("state", "")
    pending = _pending(request)
    flow = pending.pop(state, None) if state else None
    # The state is single-use whatever happens next: a replayed redirect is refused.
    request.session[SESSION_KEY] = pending
    if not isinstance(flow, dict):
        messages.error(
            request,
            "This Sign in with LinkedIn answer does not belong to a sign-in started here (or it "
            "was already used). Nothing was changed; start again from the LinkedIn panel.",
        )
        return HttpResponseRedirect(_default_next())
    next_url = safe_next(request, flow.get("next"))
    if time.time() - flow.get("started", 0) >= STATE_TTL_SECONDS:
        messages.error(
            request,
            "The Sign in with LinkedIn took too long and has expired. Nothing was changed; "
            "please try again.",
        )
        return HttpResponseRedirect(next_url)
    error = request.GET.get("error", "")
    if error:
        if error in CANCELLED_ERRORS:
            messages.info(request, "You cancelled Sign in with LinkedIn. Nothing was changed.")
        else:
            detail = request.GET.get("error_description", "")[:300] or error[:100]
            messages.error(request, f"LinkedIn did not sign you in: {detail}. Nothing was changed.")
        return HttpResponseRedirect(next_url)
    code = request.GET.get("code", "")
    if not code:
        messages.error(request, "LinkedIn's answer carried no sign-in code. Nothing was changed.")
        return HttpResponseRedirect(next_url)

    client = get_sign_in_client()
    try:
        token = client.exchange_code(code=code, redirect_uri=redirect_uri(), nonce=flow["nonce"])
        member = client.userinfo(token)
    except TransientError:
        logger.warning("sign in with LinkedIn: LinkedIn unreachable", exc_info=True)
        messages.error(
            request,
            "LinkedIn could not be reached to finish signing you in. Nothing was changed; "
            "please try again in a moment.",
        )
        return HttpResponseRedirect(next_url)
    except (AuthError, SignInError, PayloadError) as exc:
        logger.warning("sign in with LinkedIn refused: %s", exc)
        messages.error(
            request,
            f"Signing in with LinkedIn did not work: {exc.message} Nothing was changed; "
            "please try again.",
        )
        return HttpResponseRedirect(next_url)
    except LinkedInError as exc:  # any other refusal of LinkedIn's
        logger.warning("sign in with LinkedIn failed: %s", exc)
        messages.error(
            request,
            f"LinkedIn refused the sign-in: {exc.message} Nothing was changed.",
        )
        return HttpResponseRedirect(next_url)

    try:
        binding = services.seat_bind_signed_in_member(
            user=request.user, person_urn=member.person_urn
        )
    except services.SeatBindingRefused as exc:
        messages.error(request, exc.messages[0])
        return HttpResponseRedirect(next_url)
    who = member.name or member.person_urn
    seat = binding.seats[0]
    if binding.newly_bound:
        messages.success(
            request,
            f"Signed in with LinkedIn as {who}: your Recruiter seat ({seat.get_product_display()}"
            f", {seat.seat_urn}) is now connected to your Tracker user.",
        )
    else:
        messages.info(
            request,
            f"Signed in with LinkedIn as {who}: your Recruiter seat ({seat.seat_urn}) was "
            "already connected to your Tracker user.",
        )
    return HttpResponseRedirect(next_url)
