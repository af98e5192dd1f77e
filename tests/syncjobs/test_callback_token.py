"""The callback token as a credential: kept out of logs, rotated by an admin, and a bound on
what deliveries with a failed signature may store."""

# ruff: noqa: F811  (pytest fixtures imported from their module and used as arguments)

from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from syncjobs.models import InboundNotification
from tests.syncjobs.candidate_fakes import candidate_linkedin  # noqa: F401  (fixture)
from tests.syncjobs.linkedin_fakes import ORG, push_body, signed_headers
from tests.tracker_rsc.factories import UserFactory, enabled_integration
from tracker_rsc.linkedin import PermanentError, TransientError
from tracker_rsc.log_redaction import CallbackTokenFilter, redact
from tracker_rsc.models import Integration

pytestmark = pytest.mark.django_db

Status = InboundNotification.Status
ROTATE = reverse("admin:tracker_rsc_integration_rotate_callback_token")


@pytest.fixture
def integration(db, linkedin_secret) -> Integration:
    cache.clear()
    return enabled_integration(ORG)


def post(client, path: str, body: bytes, headers: dict | None = None):
    return client.post(path, data=body, content_type="application/json", **(headers or {}))


def challenge(client, path: str):
    return client.get(path, {"challengeCode": "c0ffee-1"})


# --- Redaction ----------------------------------------------------------------------------------

TOKEN = "Zq3-_kP9xYt0abcDEF123456789ghiJKL0mnoPQRstuv"


@pytest.mark.parametrize(
    ("msg", "args"),
    [
        ("Unauthorized: %s", (f"/integrations/linkedin/callback/{TOKEN}/",)),  # django.request
        ('"%s" %s %s', (f"POST /integrations/linkedin/callback/{TOKEN}/ HTTP/1.1", "401", "31")),
        (  # gunicorn.access: a dict of atoms
            '%(h)s "%(r)s" %(s)s',
            (
                {
                    "h": "10.0.0.1",
                    "r": f"GET /integrations/linkedin/callback/{TOKEN}/?x=1",
                    "s": 200,
                },
            ),
        ),
        (f"GET /integrations/linkedin/callback/{TOKEN}?challengeCode=abc", ()),
        ("Not Found: /integrations/linkedin/callback/%7Bodd%20token%7D/", ()),
    ],
)
def test_the_filter_redacts_the_token_from_every_shape_of_record(msg, args):
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, msg, args, None)

    assert CallbackTokenFilter().filter(record) is True
    message = record.getMessage()

    assert TOKEN not in message and "odd" not in message
    assert "/integrations/linkedin/callback/[redacted]" in message


def test_other_records_are_left_as_they_are():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/api/v1/x/",), None
    )

    CallbackTokenFilter().filter(record)

    assert (record.msg, record.args) == ("Not Found: %s", ("/api/v1/x/",))
    assert redact("/integrations/linkedin/callback/") == "/integrations/linkedin/callback/"


def test_a_refused_push_logs_the_path_without_the_token(client, integration):
    """The configured handlers (settings.LOGGING) write the request log with the token redacted."""
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
    handlers = [h for h in handlers if any(isinstance(f, CallbackTokenFilter) for f in h.filters)]
    assert handlers, "settings.LOGGING attaches the filter to the console handler"
    assert handlers[0] in logging.getLogger("django.server").handlers  # runserver's access log
    stream = io.StringIO()
    old = handlers[0].setStream(stream)
    try:
        response = post(client, integration.callback_path, push_body("X", "r1"))
    finally:
        handlers[0].setStream(old)

    assert response.status_code == 401
    written = stream.getvalue()
    assert "Unauthorized: /integrations/linkedin/callback/[redacted]/" in written
    assert integration.callback_token not in written


# --- Rotation -----------------------------------------------------------------------------------


@pytest.fixture
def linkedin(candidate_linkedin, client):
    """LinkedIn as registration sees it: it challenges the new URL at once (as the real one
    does) and refuses the registration when the challenge fails."""
    challenges: list[int] = []
    register = candidate_linkedin.register_integration

    def register_and_challenge(**kwargs):
        path = kwargs["callback_url"].split("://", 1)[1].split("/", 1)[1]
        answer = challenge(client, "/" + path)
        challenges.append(answer.status_code)
        if answer.status_code != 200:
            raise PermanentError("The callback URL did not answer the challenge", status=400)
        register(**kwargs)

    candidate_linkedin.register_integration = register_and_challenge
    candidate_linkedin.challenges = challenges
    return candidate_linkedin


@pytest.fixture
def rotator(client):
    """A staff member who may rotate the token (and view the integration), nothing else."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["rotate_callback_token", "view_integration"],
            content_type__app_label="tracker_rsc",
        )
    )
    client.force_login(user)
    return user


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_rotation_registers_the_new_url_and_the_old_token_stops_at_once(
    client, integration, linkedin, rotator, settings
):
    settings.SITE_URL = "https://tracker.agency.example"
    old_path = integration.callback_path
    assert challenge(client, old_path).status_code == 200  # known, hence cached

    confirm = client.get(ROTATE)
    response = client.post(ROTATE, follow=True)

    assert confirm.status_code == 200 and b"Rotate callback token" in confirm.content
    integration.refresh_from_db()
    assert integration.callback_path != old_path
    [registration] = linkedin.registrations
    assert registration["callback_url"] == integration.callback_url
    assert registration["callback_url"].startswith("https://tracker.agency.example/")
    assert linkedin.challenges == [200]  # LinkedIn's check of the new URL was answered
    assert "LinkedIn accepted the new callback URL" in messages_of(response)[0]
    # The old token is refused at once, the new one works.
    assert challenge(client, old_path).status_code == 404
    body = push_body("EXPORT_CANDIDATE_PROFILE", "r-rotated")
    assert post(client, old_path, body, signed_headers(body)).status_code == 404
    assert post(client, integration.callback_path, body, signed_headers(body)).status_code == 200
    entry = LogEntry.objects.get()
    assert (entry.user, entry.change_message) == (rotator, "Rotated the callback token.")


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (PermanentError("Callback URL must use HTTPS", status=422), "Callback URL must use HTTPS"),
        (TransientError("Service Unavailable", status=503), "could not be reached"),
    ],
)
def test_a_failed_registration_keeps_the_old_token_and_says_why(
    client, integration, linkedin, rotator, error, says
):
    old_path = integration.callback_path
    linkedin.fail_next["register_integration"] = [error]

    response = client.post(ROTATE, follow=True)

    [message] = messages_of(response)
    assert says in message and "not changed" in message
    integration.refresh_from_db()
    assert integration.callback_path == old_path
    assert challenge(client, old_path).status_code == 200
    body = push_body("EXPORT_CANDIDATE_PROFILE", "r-kept")
    assert post(client, old_path, body, signed_headers(body)).status_code == 200
    assert LogEntry.objects.get().change_message.startswith("Callback token not rotated: ")


def test_a_disabled_integration_rotates_without_calling_linkedin(client, linkedin, rotator):
    integration = Integration.get()
    old_token = integration.callback_token

    response = client.post(ROTATE, follow=True)

    integration.refresh_from_db()
    assert integration.callback_token != old_token
    assert linkedin.registrations == []
    assert "registered with LinkedIn when the integration is enabled" in messages_of(response)[0]


def test_rotation_needs_its_permission(client, integration, linkedin):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(content_type__app_label="tracker_rsc").exclude(
            codename="rotate_callback_token"
        )
    )
    client.force_login(viewer)
    page = client.get(reverse("admin:tracker_rsc_integration_change", args=[integration.pk]))

    assert page.status_code == 200 and b"Rotate callback token" not in page.content
    assert client.get(ROTATE).status_code == 403
    assert client.post(ROTATE).status_code == 403
    assert Integration.objects.get().callback_token == integration.callback_token
    assert linkedin.registrations == []


def test_the_rotate_button_is_on_the_integration_page_for_those_who_may(
    client, integration, rotator
):
    page = client.get(reverse("admin:tracker_rsc_integration_change", args=[integration.pk]))

    assert page.status_code == 200
    assert ROTATE.encode() in page.content


# --- Bound on rejected rows ----------------------------------------------------------------------


def test_unsigned_deliveries_beyond_the_hourly_bound_are_counted_not_stored(
    client, integration, settings
):
    settings.CALLBACK_REJECTED_PER_HOUR = 3
    path = integration.callback_path
    start = timezone.now().replace(minute=5, second=0, microsecond=0)

    with time_machine.travel(start, tick=False):
        answers = [post(client, path, push_body("X", f"f{n}")).status_code for n in range(7)]
        # Pushes signed with LinkedIn's secret are never bounded: malformed ones are stored...
        signed_bad = b'{"type": "X"}'
        malformed = post(client, path, signed_bad, signed_headers(signed_bad))
        # ...and valid ones are received.
        body = push_body("EXPORT_CANDIDATE_PROFILE", "genuine")
        genuine = post(client, path, body, signed_headers(body))

    assert answers == [401] * 7  # every delivery still gets its answer
    assert (malformed.status_code, genuine.status_code) == (400, 200)
    unsigned = InboundNotification.objects.filter(status=Status.REJECTED, signature_valid=False)
    stored = unsigned.exclude(request_id__startswith="unsigned-beyond-limit:")
    assert stored.count() == 3
    summary = unsigned.get(request_id__startswith="unsigned-beyond-limit:")
    assert (summary.attempts, summary.result) == (4, {"not_stored": 4})
    assert "4 more deliveries with a failed signature" in summary.error
    assert (
        InboundNotification.objects.filter(status=Status.REJECTED, signature_valid=True).count()
        == 1
    )
    assert InboundNotification.objects.filter(request_id="genuine", status=Status.RECEIVED).exists()

    # The next hour has a fresh allowance.
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert post(client, path, push_body("X", "next-hour")).status_code == 401
    assert stored.count() == 4


def test_gunicorn_s_access_log_redacts_the_token():
    import runpy
    from pathlib import Path

    from django.conf import settings

    config = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    access = logging.getLogger("gunicorn.access")
    before = list(access.filters)
    try:
        config["on_starting"](None)
        record = access.makeRecord(
            "gunicorn.access",
            logging.INFO,
            __file__,
            1,
            '%(h)s "%(r)s" %(s)s',
            (
                {
                    "h": "10.0.0.1",
                    "r": f"POST /integrations/linkedin/callback/{TOKEN}/ HTTP/1.1",
                    "s": "401",
                },
            ),
            None,
        )
        assert access.filter(record)
    finally:
        access.filters[:] = before

    assert record.getMessage() == (
        '10.0.0.1 "POST /integrations/linkedin/callback/[redacted]/ HTTP/1.1" 401'
    )
