"""The bulk sync's history window as the FAQ states it: calendar years, not a count of days.

"Candidates with a Last Updated Date/Time within the last two years from the date the
integration was enabled": the window starts on the same calendar day ``years`` earlier
(29 February, when that year has none, becomes 28 February), at the start of that day, in
Tracker's time zone (``TIME_ZONE``). Pure functions, no ORM.
"""

from __future__ import annotations

from datetime import date, datetime, time

from dateutil.relativedelta import relativedelta
from django.utils import timezone

# The FAQ's window; an admin may change it on the integration page.
DEFAULT_HISTORY_YEARS = 2
MAX_HISTORY_YEARS = 10


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier; 29 February falls back to 28 February."""
    return day - relativedelta(years=years)


def history_start(enabled_at: datetime, years: int) -> datetime:
    """The first moment in the window: midnight (Tracker's time zone) of the day ``years``
    calendar years before the day ``enabled_at`` falls on. Aware datetime in, aware out."""
    enabled_day = timezone.localtime(enabled_at).date()
    first_day = years_before(enabled_day, years)
    return timezone.make_aware(datetime.combine(first_day, time.min))


def describe_years(years: int) -> str:
    """``"two calendar years"`` — the words pages use for the window."""
    words = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
    unit = "calendar year" if years == 1 else "calendar years"
    return f"{words.get(years, str(years))} {unit}"
