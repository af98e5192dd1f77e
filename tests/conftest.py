"""Shared fixtures. Outbound HTTP is blocked unless a test uses `responses` or the sandbox."""

from __future__ import annotations

import pytest

from tests.tracker_rsc.factories import AdminUserFactory, UserFactory


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    # Tests never touch the developer's cache or media folders.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # PBKDF2's million rounds cost about a CPU-second for every user a factory makes; tests
    # check who may do what, not password strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Rate limits and the login lockout stay on in settings; tests that do not test them get
    # generous rates and no lockout (Client.login passes no request, which django-axes needs).
    # tests/tracker_rsc/test_rate_limits.py turns them back on (its ``rates`` and ``lockout``).
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(("anon", "user", "write", "erase"), "100000/min"),
    }
    settings.AXES_ENABLED = False


@pytest.fixture
def admin_user(db):
    return AdminUserFactory(username="admin")


@pytest.fixture
def recruiter(db):
    return UserFactory(username="recruiter")


@pytest.fixture
def capture_signal():
    """``calls = capture_signal(signal)``: the keyword arguments of every send, in order.

    With ``only=True`` the signal's other receivers are muted for the test (for example the
    sync flows' receivers of ``integration_enabled``, which would call LinkedIn).
    """
    cleanups = []

    def capture(signal, *, only=False):
        calls = []

        def receiver(sender, **kwargs):
            calls.append({"sender": sender, **kwargs})

        if only:
            saved = signal.receivers
            signal.receivers = []
            signal.sender_receivers_cache.clear()

            def restore():
                signal.receivers = saved
                signal.sender_receivers_cache.clear()

            cleanups.append(restore)
        signal.connect(receiver, weak=False)
        cleanups.append(lambda: signal.disconnect(receiver))
        return calls

    yield capture
    for cleanup in reversed(cleanups):
        cleanup()


@pytest.fixture
def api_client(recruiter):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(recruiter)
    return client


@pytest.fixture
def admin_api_client(admin_user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(admin_user)
    return client


# --- Recruiter seats (tracker_rsc.access: LinkedIn widget data needs an active seat) --------


@pytest.fixture
def seated_recruiter(db):
    from tests.tracker_rsc.factories import LinkedInSeatFactory

    user = UserFactory(username="seated-recruiter")
    LinkedInSeatFactory(user=user)
    return user


@pytest.fixture
def seated_api_client(seated_recruiter):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(seated_recruiter)
    return client
