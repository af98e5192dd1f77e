"""The bulk sync's window: calendar years before the day of enabling, not a count of days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tracker_rsc.history import describe_years, history_start, years_before
from tracker_rsc.models import Integration


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2028, 2, 29), 2, date(2026, 2, 28)),  # no 29 February two years earlier
        (date(2028, 2, 29), 4, date(2024, 2, 29)),  # a leap year again
        (date(2026, 3, 1), 2, date(2024, 3, 1)),  # 730 days back would be 2 March 2024
        (date(2026, 12, 31), 2, date(2024, 12, 31)),
        (date(2025, 1, 1), 1, date(2024, 1, 1)),
    ],
)
def test_years_before_counts_calendar_years(day, years, expected):
    assert years_before(day, years) == expected


def test_history_start_is_midnight_of_the_day_two_calendar_years_before_enabling():
    enabled_at = datetime(2028, 2, 29, 15, 42, tzinfo=UTC)

    assert history_start(enabled_at, 2) == datetime(2026, 2, 28, tzinfo=UTC)


def test_the_window_is_not_730_days():
    enabled_at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    start = history_start(enabled_at, 2)

    # 2024 was a leap year: two calendar years are 730 days and a few hours here.
    assert start == datetime(2024, 3, 1, tzinfo=UTC)
    assert enabled_at - start > timedelta(days=730)


def test_describe_years():
    assert describe_years(2) == "two calendar years"
    assert describe_years(1) == "one calendar year"
    assert describe_years(7) == "7 calendar years"


def test_integration_cutoff_and_description_follow_the_setting():
    integration = Integration(enabled_at=datetime(2028, 2, 29, 23, 59, tzinfo=UTC))

    assert integration.history_years == 2
    assert integration.history_cutoff == datetime(2026, 2, 28, tzinfo=UTC)
    assert integration.history_description == (
        "last updated since 28 Feb 2026 (two calendar years before the day the integration "
        "was enabled)"
    )
    integration.history_years = 3
    assert integration.history_cutoff == datetime(2025, 2, 28, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("days", "years"), [(730, 2), (365, 1), (30, 1), (1095, 3)])
def test_the_migration_turns_the_old_day_count_into_calendar_years(days, years):
    before = [("tracker_rsc", "0002_verbose_names")]
    after = [("tracker_rsc", "0003_history_in_calendar_years")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    old_apps.get_model("tracker_rsc", "Integration").objects.create(history_days=days)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)

    assert Integration.objects.get().history_years == years
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
