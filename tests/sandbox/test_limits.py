"""Rate limits per family (records per rolling minute, requests per day) and the stats."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from tests.sandbox.conftest import candidate_record
from tracker_rsc.sandbox.limits import max_rolling_minute
from tracker_rsc.sandbox.models import ApiCall, AtsCandidate, SandboxSettings
from tracker_rsc.sandbox.restli import ApiError

T0 = datetime(2026, 2, 2, 10, 0, tzinfo=UTC)


def _limits(**fields):
    SandboxSettings.objects.update_or_create(singleton=True, defaults=fields)


def _batch(start: int, size: int = 100) -> dict[str, dict[str, object]]:
    return {str(n): candidate_record(n) for n in range(start, start + size)}


def test_records_over_the_rolling_minute_get_429_with_retry_after(li):
    _limits(records_per_minute=150)
    with time_machine.travel(T0, tick=False):
        first = li.upsert_candidates(_batch(0))
    with time_machine.travel(T0 + timedelta(seconds=20), tick=False):
        refused = li.upsert_candidates(_batch(100))
    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):
        li._token = None
        later = li.upsert_candidates(_batch(100))

    assert first.status_code == 200
    assert refused.status_code == 429
    assert refused["Retry-After"] == "40"
    assert refused.json()["status"] == 429
    assert later.status_code == 200
    assert AtsCandidate.objects.count() == 200


def test_requests_per_day_get_429_until_midnight(li):
    _limits(requests_per_day=2)
    with time_machine.travel(T0, tick=False):
        li.token()  # the token endpoint is another family
        statuses = [li.upsert_candidates(_batch(n, 1)).status_code for n in range(3)]
        retry_after = li.upsert_candidates(_batch(9, 1))["Retry-After"]
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        li._token = None
        next_day = li.upsert_candidates(_batch(5, 1)).status_code

    assert statuses == [200, 200, 429]
    assert retry_after == str(14 * 3600)
    assert next_day == 200


def test_limits_can_be_switched_off(li):
    _limits(records_per_minute=10, rate_limits_enabled=False)

    response = li.upsert_candidates(_batch(0))

    assert response.status_code == 200


def test_stats_report_the_busiest_minute_and_refusals(li):
    _limits(records_per_minute=250)
    for seconds in (0, 10, 20, 30):
        with time_machine.travel(T0 + timedelta(seconds=seconds), tick=False):
            li._token = None
            li.upsert_candidates(_batch(seconds * 10))

    stats = li.client.get("/sandbox/linkedin/control/api/stats?family=candidates").json()

    assert stats["records"] == 200
    assert stats["max_records_in_rolling_minute"] == 200
    assert stats["max_records_in_rolling_minute"] <= stats["limits"]["records_per_minute"]
    assert stats["throttled"] == 2
    assert stats["requests"] == 4
    assert ApiCall.objects.filter(family="candidates", status=429).count() == 2


def test_max_rolling_minute_slides():
    points = [
        (T0, 50),
        (T0 + timedelta(seconds=30), 50),
        (T0 + timedelta(seconds=60), 50),  # T0 has left the window (t - 1 min, t]
        (T0 + timedelta(seconds=70), 50),
    ]

    assert max_rolling_minute(points) == 150
    assert max_rolling_minute([]) == 0


@pytest.mark.django_db(transaction=True)
def test_two_calls_arriving_together_cannot_both_take_the_last_records(monkeypatch):
    """The check and the admission are one step: the second call sees the first's records."""
    from tracker_rsc.sandbox import limits

    _limits(records_per_minute=150)
    real_check = limits.check_records

    def slow_check(**kwargs):  # widen the window between reading the log and writing it
        real_check(**kwargs)
        time.sleep(0.3)

    monkeypatch.setattr(limits, "check_records", slow_check)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def arrive() -> None:
        barrier.wait()
        try:
            limits.admit_records(
                family="candidates",
                endpoint="atsCandidates",
                method="batch_update",
                records=100,
                at=timezone.now(),
            )
            outcomes.append("admitted")
        except ApiError as error:
            outcomes.append(str(error.status))
        finally:
            connection.close()

    threads = [threading.Thread(target=arrive) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["429", "admitted"]
    # One admission, of the first call's records (the refused call is logged by the view).
    admitted = ApiCall.objects.filter(status=limits.ADMITTED)
    assert list(admitted.values_list("records", flat=True)) == [100]
