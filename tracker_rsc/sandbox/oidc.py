"""Sign In with LinkedIn (OpenID Connect) as the sandbox plays it (reference §12b).

- ``oauth/v2/authorization``: LinkedIn's sign-in page stand-in. Public (a LinkedIn member is
  not a Tracker user) and CSRF-protected; it checks ``client_id`` and ``redirect_uri`` first
  (a wrong one gets an error page, never a redirect to an unknown site), then lets the person
  pick who they are — every seat holder, then the members — or cancel, and sends the browser
  back with ``code`` and ``state`` (or ``error=user_cancelled_login``).
- ``exchange_code``: the ``authorization_code`` grant of ``oauth/v2/accessToken``: a code is
  single-use, expires after ``CODE_LIFETIME`` and only works for the client and redirect URI it
  was issued for; the answer carries a member token and an ID token.
- ``identity_for_token``: what ``GET /v2/userinfo`` answers for a member token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tracker_rsc.sandbox.models import AccessToken, AuthorizationCode, Member, MemberToken, Seat
from tracker_rsc.sandbox.restli import ApiError

# LinkedIn: "The authorization code is only valid for 30 minutes."
CODE_LIFETIME = timedelta(minutes=30)
# LinkedIn's member tokens live 60 days.
MEMBER_TOKEN_SECONDS = 60 * 24 * 3600
ID_TOKEN_SECONDS = 3600
ISSUER = "https://www.linkedin.com/oauth"
SUPPORTED_SCOPES = frozenset({"openid", "profile", "email"})
# Tracker's return URL on SITE_URL: the one redirect URL registered for the one customer
# application (LinkedIn compares redirect URIs exactly).
REGISTERED_REDIRECT_PATHS = ("/accounts/linkedin/return/",)
MEMBERS_LISTED = 200
_SUB = re.compile(r"^urn:li:person:([A-Za-z0-9_-]{1,60})$")


class AuthorizationRefused(Exception):
    """The authorization request cannot be trusted: shown on the page, never redirected."""


@dataclass(frozen=True)
class Person:
    person_urn: str
    first_name: str
    last_name: str
    detail: str  # what the sign-in page says about them (seat or headline)
    seat_holder: bool

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.person_urn


def registered_redirect_uris() -> set[str]:
    return {f"{settings.SITE_URL}{path}" for path in REGISTERED_REDIRECT_PATHS}


def registered_app() -> tuple[str, str]:
    """The client id and secret of the application registered with the sandbox (the pair its
    token endpoint checks), never Tracker's own LinkedIn settings."""
    return settings.LINKEDIN_SANDBOX_CLIENT_ID, settings.LINKEDIN_SANDBOX_CLIENT_SECRET


def _client_ok(client_id: str) -> bool:
    expected = registered_app()[0]
    return bool(expected) and hmac.compare_digest(client_id.encode(), expected.encode())


def _check_client(params: dict[str, str]) -> None:
    if not _client_ok(params.get("client_id", "")):
        raise AuthorizationRefused("The client_id does not name a LinkedIn application.")
    if params.get("redirect_uri", "") not in registered_redirect_uris():
        raise AuthorizationRefused(
            "The redirect_uri does not match the redirect URLs registered for this application."
        )


def _request_error(params: dict[str, str]) -> tuple[str, str] | None:
    """An error LinkedIn reports back to the application (by redirect), or None."""
    if params.get("response_type") != "code":
        return "unsupported_response_type", "response_type must be code"
    scopes = set(params.get("scope", "").replace(",", " ").split())
    if "openid" not in scopes or not scopes <= SUPPORTED_SCOPES:
        return "invalid_scope", "scope must be openid, with profile and email if wanted"
    if not params.get("state"):
        return "invalid_request", "state is missing"
    return None


def _back(params: dict[str, str], **answer: str) -> HttpResponseRedirect:
    redirect_uri = params["redirect_uri"]
    separator = "&" if "?" in redirect_uri else "?"
    query = urlencode({**answer, "state": params.get("state", "")})
    return HttpResponseRedirect(f"{redirect_uri}{separator}{query}")


def persons() -> list[Person]:
    """Who may sign in: every seat holder (seat order), then members (up to MEMBERS_LISTED)."""
    listed: dict[str, Person] = {}
    for seat in Seat.objects.select_related("contract").order_by("urn"):
        if seat.person_urn in listed or not _SUB.match(seat.person_urn):
            continue
        state = "" if seat.active else ", inactive"
        listed[seat.person_urn] = Person(
            seat.person_urn,
            seat.first_name,
            seat.last_name,
            f"{seat.get_product_display()} seat {seat.urn}{state}",
            True,
        )
    for member in Member.objects.exclude(person_urn__in=list(listed))[:MEMBERS_LISTED]:
        if _SUB.match(member.person_urn):
            listed[member.person_urn] = Person(
                member.person_urn,
                member.first_name,
                member.last_name,
                member.headline or "LinkedIn member",
                False,
            )
    return list(listed.values())


def _find_person(person_urn: str) -> Person | None:
    return next((p for p in persons() if p.person_urn == person_urn), None)


AUTH_PARAMS = ("response_type", "client_id", "redirect_uri", "state", "nonce", "scope")


@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """The sign-in page: pick a person (or cancel); back to the application with a code."""
    source = request.POST if request.method == "POST" else request.GET
    params = {name: source.get(name, "") for name in AUTH_PARAMS}
    try:
        _check_client(params)
    except AuthorizationRefused as exc:
        return render(request, "sandbox/oidc_error.html", {"message": str(exc)}, status=400)
    error = _request_error(params)
    if error is not None:
        return _back(params, error=error[0], error_description=error[1])
    if request.method == "POST":
        if "cancel" in request.POST:
            return _back(
                params,
                error="user_cancelled_login",
                error_description="The user cancelled LogIn",
            )
        person = _find_person(request.POST.get("person_urn", ""))
        if person is None:
            context = {"params": params, "persons": persons(), "error": "Pick a person."}
            return render(request, "sandbox/oidc_authorize.html", context, status=400)
        code = AuthorizationCode.objects.create(
            client_id=params["client_id"],
            redirect_uri=params["redirect_uri"],
            person_urn=person.person_urn,
            scope=" ".join(sorted(set(params["scope"].replace(",", " ").split()))),
            nonce=params["nonce"][:200],
            expires_at=timezone.now() + CODE_LIFETIME,
        )
        return _back(params, code=code.code)
    return render(request, "sandbox/oidc_authorize.html", {"params": params, "persons": persons()})


# --- Token endpoint (authorization_code grant) and user info ----------------------------------


def _invalid_code() -> ApiError:
    # LinkedIn's own wording for every kind of bad code: it does not say which check failed.
    description = (
        "Unable to retrieve access token: appid/redirect uri/code verifier does not match "
        "authorization code. Or authorization code expired."
    )
    return ApiError(
        status=400,
        message=description,
        extra={"error": "invalid_request", "error_description": description},
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def id_token(claims: dict[str, object], *, secret: str) -> str:
    """A JWT signed HS256 with the client secret (LinkedIn signs RS256; Tracker reads the
    claims of a token received straight from the token endpoint and checks them)."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256)
    return f"{header}.{payload}.{_b64(signature.digest())}"


def _email(person: Person) -> str:
    member = Member.objects.filter(person_urn=person.person_urn).first()
    if member is not None and member.emails:
        first = member.emails[0]
        if isinstance(first, str) and first:
            return first
    text = unicodedata.normalize("NFKD", f"{person.first_name}.{person.last_name}".lower())
    local = re.sub(r"[^a-z0-9.]+", "", "".join(c for c in text if not unicodedata.combining(c)))
    return f"{local.strip('.') or 'member'}@linkedin-sandbox.example"


def identity(person_urn: str) -> dict[str, object] | None:
    """The OpenID claims of a person (``sub`` is the id in ``urn:li:person:{sub}``)."""
    match = _SUB.match(person_urn)
    person = _find_person(person_urn) if match else None
    if person is None:
        return None
    return {
        "sub": match.group(1),
        "name": person.name,
        "given_name": person.first_name,
        "family_name": person.last_name,
        "email": _email(person),
        "email_verified": True,
        "locale": {"country": "GB", "language": "en"},
        "picture": "",
    }


def exchange_code(*, client_id: str, code: str, redirect_uri: str) -> dict[str, object]:
    """The ``authorization_code`` grant, for an application already authenticated.

    Raises ApiError 400 (LinkedIn's one message) for an unknown, used, expired or mismatched
    code. A code used twice also revokes the token issued for it (RFC 6749 §4.1.2).
    """
    now = timezone.now()
    row = AuthorizationCode.objects.filter(code=code).first() if code else None
    if row is None:
        raise _invalid_code()
    claimed = AuthorizationCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now)
    if not claimed:
        MemberToken.objects.filter(code=row).delete()
        raise _invalid_code()
    if row.expires_at <= now or row.client_id != client_id or row.redirect_uri != redirect_uri:
        raise _invalid_code()
    claims = identity(row.person_urn)
    if claims is None:  # the person left the sandbox between sign-in and exchange
        raise _invalid_code()
    token = MemberToken.objects.create(
        client_id=client_id,
        person_urn=row.person_urn,
        scope=row.scope,
        code=row,
        issued_at=now,
        expires_at=now + timedelta(seconds=MEMBER_TOKEN_SECONDS),
    )
    issued = int(now.timestamp())
    id_claims = {
        "iss": ISSUER,
        "aud": client_id,
        "iat": issued,
        "exp": issued + ID_TOKEN_SECONDS,
        **claims,
    }
    if row.nonce:
        id_claims["nonce"] = row.nonce
    return {
        "access_token": token.token,
        "expires_in": MEMBER_TOKEN_SECONDS - 1,
        "scope": ",".join(sorted(row.scope.split())),
        "token_type": "Bearer",
        "id_token": id_token(id_claims, secret=registered_app()[1]),
    }


def identity_for_token(header: str) -> dict[str, object]:
    """The ``/v2/userinfo`` answer for an ``Authorization`` header; ApiError 401/403."""
    if not header.startswith("Bearer ") or not header[7:].strip():
        raise ApiError(status=401, message="Empty oauth2_access_token", service_error_code=401)
    value = header[7:].strip()
    token = MemberToken.objects.filter(token=value).first()
    if token is None:
        if AccessToken.objects.filter(token=value).exists():
            # An application's (2-legged) token does not act for a member.
            raise ApiError(
                status=403,
                message="Not enough permissions to access: userinfo.GET.NO_VERSION",
                service_error_code=100,
            )
        raise ApiError(status=401, message="Invalid access token", service_error_code=65600)
    if token.is_expired:
        raise ApiError(
            status=401,
            message="The token used in the request has expired",
            service_error_code=65601,
        )
    claims = identity(token.person_urn)
    if claims is None:
        raise ApiError(status=401, message="Invalid access token", service_error_code=65600)
    if "email" not in token.scope.split():
        claims.pop("email", None)
        claims.pop("email_verified", None)
    return claims
