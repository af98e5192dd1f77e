"""LinkedIn's published limits, enforced per sync family, and the call log that proves them.

LinkedIn publishes, per Middleware "sync family": 100,000 requests per UTC day and 10,000 records
per minute (docs/architecture.md §5). The sandbox counts both from ``ApiCall`` rows: a call that
would push the rolling minute over the record limit, or the day over the request limit, gets 429
with ``Retry-After`` (seconds until it would be admitted). The limits live in the
``SandboxSettings`` row, so tests lower them without restarting anything.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import DatabaseError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from tracker_rsc.sandbox.models import ApiCall, SandboxSettings
from tracker_rsc.sandbox.restli import ApiError

logger = logging.getLogger(__name__)

ROLLING_WINDOW = timedelta(minutes=1)

# Endpoint -> family. Record limits apply to the families that carry ATS records.
FAMILIES: dict[str, str] = {
    "accessToken": "auth",
    "userinfo": "auth",
    "atsIntegrations": "integrations",
    "atsCandidates": "candidates",
    "atsApplications": "applications",
    "attachments": "applications",
    "simpleJobPostings": "jobs",
    "simpleJobPostingTasks": "jobs",
    "jobRequisitions": "jobs",
    "atsEntityAcls": "jobs",
    "atsEntityAclAssignees": "jobs",
    "exportedCandidates": "exports",
    "atsPurgedExportedCandidates": "exports",
    "seatsV2": "interactions",
    "mailStubs": "interactions",
    "conversationEvents": "interactions",
    "prospectNotes": "interactions",
    "exportedApplicationEvaluation": "evaluations",
    "hiringProjectConnections": "evaluations",
}
RECORD_FAMILIES = frozenset({"candidates", "applications", "jobs"})
# The status of a call admitted against the record limit and not answered yet (HTTP 102).
ADMITTED = 102
# Admissions are decided one at a time, so two calls arriving together cannot both take the
# last records of the minute: this process's lock, and the settings row's on PostgreSQL for
# the other processes (SQLite writes one at a time anyway).
_ADMISSION = threading.Lock()


def _day_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def check_daily_requests(*, family: str, now: datetime | None = None) -> None:
    """Raise 429 when the family already used its requests for this UTC day."""
    config = SandboxSettings.get()
    if not config.rate_limits_enabled:
        return
    now = now or timezone.now()
    day_start = _day_start(now)
    used = ApiCall.objects.filter(family=family, at__gte=day_start).count()
    if used >= config.requests_per_day:
        retry_after = math.ceil((day_start + timedelta(days=1) - now).total_seconds())
        raise ApiError(
            status=429,
            message=(
                f"Application daily limit reached: {config.requests_per_day} requests per day "
                f"for the {family} family."
            ),
            service_error_code=101,
            headers={"Retry-After": str(max(retry_after, 1))},
        )


def check_records(*, family: str, records: int, now: datetime | None = None) -> None:
    """Raise 429 when ``records`` more would exceed the family's records in a rolling minute."""
    config = SandboxSettings.get()
    if not config.rate_limits_enabled or family not in RECORD_FAMILIES or records <= 0:
        return
    now = now or timezone.now()
    recent = list(
        ApiCall.objects.filter(
            family=family, at__gt=now - ROLLING_WINDOW, status__lt=400, records__gt=0
        )
        .order_by("at")
        .values_list("at", "records")
    )
    used = sum(count for _, count in recent)
    limit = config.records_per_minute
    if used + records <= limit:
        return
    # Admitted once enough earlier calls have left the window.
    retry_after = ROLLING_WINDOW.total_seconds()
    for at, count in recent:
        used -= count
        if used + records <= limit:
            retry_after = (at + ROLLING_WINDOW - now).total_seconds()
            break
    raise ApiError(
        status=429,
        message=(
            f"Throttle limit reached: at most {limit} records per minute for the {family} family."
        ),
        service_error_code=101,
        headers={"Retry-After": str(max(math.ceil(retry_after), 1))},
    )


def admit_records(
    *, family: str, endpoint: str, method: str, records: int, at: datetime
) -> int | None:
    """``check_records``, then log the call as admitted (status ``ADMITTED``) in the same
    critical section, so its records count for every call that arrives after it. Returns the
    log row's id, for ``call_record`` to complete; None when no record limit applies."""
    config = SandboxSettings.get()
    if not config.rate_limits_enabled or family not in RECORD_FAMILIES or records <= 0:
        return None
    with _ADMISSION, transaction.atomic():
        SandboxSettings.objects.select_for_update().filter(pk=config.pk).first()
        check_records(family=family, records=records, now=at)
        row = ApiCall.objects.create(
            at=at,
            family=family,
            endpoint=endpoint,
            method=method,
            status=ADMITTED,
            records=records,
        )
    return row.pk


def call_record(
    *,
    family: str,
    endpoint: str,
    method: str,
    status: int,
    records: int,
    fault: str = "",
    at: datetime | None = None,
    admitted: int | None = None,
) -> None:
    """Log an answered call (completing its ``admitted`` row when ``admit_records`` made one).

    ``at`` is when it arrived (LinkedIn counts a call by its arrival, not by when a slow
    answer finished, so a burst's late answers do not shift the minute).
    """
    try:
        if admitted is not None and ApiCall.objects.filter(pk=admitted).update(
            status=status, records=records if status < 400 else 0, fault=fault
        ):
            return
        ApiCall.objects.create(
            at=at or timezone.now(),
            family=family,
            endpoint=endpoint,
            method=method,
            status=status,
            records=records if status < 400 else 0,
            fault=fault,
        )
    except DatabaseError:
        # The call was answered (and its writes committed); failing it now for want of a
        # log row would make the client resend work that already happened.
        logger.warning("sandbox: could not log %s %s (%s)", method, endpoint, status, exc_info=True)


def max_rolling_minute(points: Sequence[tuple[datetime, int]]) -> int:
    """The most records in any window ``(t - 1 minute, t]`` over time-ordered ``points``."""
    best = total = 0
    left = 0
    for at, count in points:
        total += count
        while points[left][0] <= at - ROLLING_WINDOW:
            total -= points[left][1]
            left += 1
        best = max(best, total)
    return best


def stats(*, family: str = "candidates", since: datetime | None = None) -> dict[str, object]:
    """Counts for tests and the control page: what was admitted, what was refused."""
    config = SandboxSettings.get()
    now = timezone.now()
    calls = ApiCall.objects.filter(family=family)
    if since is not None:
        calls = calls.filter(at__gte=since)
    admitted = calls.filter(status__lt=400, records__gt=0).order_by("at", "id")
    points = list(admitted.values_list("at", "records"))
    totals = calls.aggregate(
        requests=Count("id"),
        records=Sum("records", filter=Q(status__lt=400)),
        throttled=Count("id", filter=Q(status=429, fault="")),
        faults=Count("id", filter=~Q(fault="")),
    )
    last_minute = sum(count for at, count in points if at > now - ROLLING_WINDOW)
    by_endpoint = dict(
        ApiCall.objects.filter(at__gte=since or datetime.min.replace(tzinfo=now.tzinfo))
        .values_list("endpoint")
        .annotate(n=Count("id"))
        .values_list("endpoint", "n")
    )
    return {
        "family": family,
        "requests": totals["requests"],
        "records": totals["records"] or 0,
        "records_last_minute": last_minute,
        "max_records_in_rolling_minute": max_rolling_minute(points),
        "requests_today": ApiCall.objects.filter(family=family, at__gte=_day_start(now)).count(),
        "throttled": totals["throttled"],
        "faults_fired": totals["faults"],
        "calls_by_endpoint": by_endpoint,
        "limits": {
            "enabled": config.rate_limits_enabled,
            "records_per_minute": config.records_per_minute,
            "requests_per_day": config.requests_per_day,
        },
    }
