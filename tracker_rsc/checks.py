"""Fail closed: with ``DEBUG`` off, a deployment with unsafe settings refuses to start.

The same rules serve two doors. As registered Django system checks they stop every management
command that runs checks (``check``, ``migrate``, ``runserver`` …) with an error naming the
setting. Gunicorn and Celery never run system checks, so ``tracker_rsc/wsgi.py`` and the
Celery app's ``worker_init``/``beat_init`` call :func:`refuse_unsafe_start`, which raises
``ImproperlyConfigured`` listing the same errors.

The rules read settings only (no database, no app registry), so they can run at any start.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

# Django's own generated development keys start with this (startproject).
DJANGO_INSECURE_PREFIX = "django-insecure-"
# Django's own bar for a key that was generated, not typed (security.W009).
MIN_SECRET_LENGTH = 50
MIN_SECRET_UNIQUE_CHARACTERS = 5
MIN_ERASURE_KEY_LENGTH = 32


def _weak(value: str, *, known: Iterable[str], min_length: int) -> str:
    """Why ``value`` is not a production secret ('' when it is acceptable)."""
    if not value:
        return "it is not set"
    if value in set(known):
        return "it is the published local default"
    if value.startswith(DJANGO_INSECURE_PREFIX):
        return f"it starts with {DJANGO_INSECURE_PREFIX!r} (a generated development key)"
    if "insecure" in value.lower() or "change-me" in value.lower():
        return "it says it is insecure"
    if len(value) < min_length or len(set(value)) < MIN_SECRET_UNIQUE_CHARACTERS:
        return f"it is shorter than {min_length} characters or barely random"
    return ""


def fail_closed_errors() -> list[Error]:
    """Every reason the current settings are unsafe for a start with ``DEBUG`` off."""
    if settings.DEBUG:
        return []
    errors: list[Error] = []
    try:
        secret_key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to hand out an empty key
        secret_key = ""
    why = _weak(
        secret_key,
        known=[getattr(settings, "INSECURE_LOCAL_SECRET_KEY", "")],
        min_length=MIN_SECRET_LENGTH,
    )
    if why:
        errors.append(
            Error(
                f"SECRET_KEY is unsafe with DEBUG off: {why}.",
                hint="Set SECRET_KEY to a long random value, e.g. "
                "python -c 'import secrets; print(secrets.token_urlsafe(64))'.",
                id="tracker_rsc.E001",
            )
        )
    if not settings.ALLOWED_HOSTS:
        errors.append(
            Error(
                "ALLOWED_HOSTS is empty with DEBUG off.",
                hint="Set ALLOWED_HOSTS to the host names this site answers to "
                "(comma-separated), e.g. ALLOWED_HOSTS=tracker.example.com.",
                id="tracker_rsc.E002",
            )
        )
    if settings.LINKEDIN_SANDBOX:
        errors.append(
            Error(
                "LINKEDIN_SANDBOX is on with DEBUG off: the simulated LinkedIn (with its "
                "control page) must never run in production.",
                hint="Unset LINKEDIN_SANDBOX (it follows DEBUG) or set LINKEDIN_SANDBOX=off.",
                id="tracker_rsc.E003",
            )
        )
    why = _weak(
        getattr(settings, "ERASURE_HMAC_KEY", ""),
        known=[getattr(settings, "INSECURE_LOCAL_ERASURE_HMAC_KEY", "")],
        min_length=MIN_ERASURE_KEY_LENGTH,
    )
    if why:
        errors.append(
            Error(
                f"ERASURE_HMAC_KEY is unsafe with DEBUG off: {why}.",
                hint="Set ERASURE_HMAC_KEY to a random value of at least "
                f"{MIN_ERASURE_KEY_LENGTH} characters, once: erasure tombstones are keyed "
                "with it, and changing it later makes existing tombstones unmatchable.",
                id="tracker_rsc.E004",
            )
        )
    return errors


@register(Tags.security)
def check_fail_closed(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """The registered system check (runs with every command that runs checks)."""
    return fail_closed_errors()


def refuse_unsafe_start() -> None:
    """Raise ``ImproperlyConfigured`` listing every fail-closed error, if there is one."""
    errors = fail_closed_errors()
    if errors:
        lines = "\n".join(f"  ({e.id}) {e.msg} HINT: {e.hint}" for e in errors)
        raise ImproperlyConfigured(
            f"Refusing to start with DEBUG off and unsafe settings:\n{lines}"
        )
