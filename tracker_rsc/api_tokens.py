"""API tokens (django-rest-knox): created here, hashed at rest, expiring, revocable.

Only a SHA-512 digest of a token is stored, so a token is shown once, when created (by
``manage.py create_api_token``, or on the page answering the admin's "Add API token"), and
never again: not in the admin's lists, not in a log. Revoking is deleting its row (the admin's
"API tokens" page); an expired token is refused and deleted at its next use.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from knox.models import AuthToken

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# Ten years: a longer-lived token is a token that never expires.
MAX_EXPIRES_DAYS = 3650


def api_token_create(
    *, user: AbstractBaseUser, expires_days: int | None = None
) -> tuple[AuthToken, str]:
    """A new token for ``user``: its row and the token itself (shown once, stored hashed).

    ``expires_days`` defaults to API_TOKEN_TTL_DAYS (``REST_KNOX["TOKEN_TTL"]``).
    """
    if not user.is_active:
        raise ValidationError(f"User “{user.get_username()}” is inactive; no token was created.")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRES_DAYS:
        raise ValidationError(
            f"The lifetime must be 1 to {MAX_EXPIRES_DAYS} days, not {expires_days}."
        )
    if expires_days is None:
        return AuthToken.objects.create(user=user)
    return AuthToken.objects.create(user=user, expiry=timedelta(days=expires_days))
