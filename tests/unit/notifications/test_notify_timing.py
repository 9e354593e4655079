"""Quiet hours in the recipient's own zone, across daylight-saving changes; digest windows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from nmrf.domain.dates import national_calendar
from nmrf.notifications.timing import in_quiet_hours, release_at, release_on_working_day, window_of


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_message_decided_at_night_is_released_at_the_end_of_quiet_hours_the_next_morning():
    # 23:00 in Santiago (UTC-4 in June) is 03:00 UTC; quiet 20:00-07:30 ends at 11:30 UTC.
    assert release_at(utc(2027, 6, 3, 3, 0), "America/Santiago", "20:00-07:30") == utc(2027, 6, 3, 11, 30)
    # 06:00 local, still quiet: the same morning.
    assert release_at(utc(2027, 6, 3, 10, 0), "America/Santiago", "20:00-07:30") == utc(2027, 6, 3, 11, 30)
    # Mid-afternoon: at once.
    now = utc(2027, 6, 3, 19, 0)
    assert release_at(now, "America/Santiago", "20:00-07:30") == now
    assert not in_quiet_hours(now, "America/Santiago", "20:00-07:30")


def test_quiet_hours_within_a_day_and_no_quiet_hours():
    lunch = "12:00-14:00"
    assert release_at(utc(2027, 6, 3, 10, 30), "Europe/Zurich", lunch) == utc(2027, 6, 3, 12, 0)  # 12:30 CEST
    assert release_at(utc(2027, 6, 3, 13, 0), "Europe/Zurich", None) == utc(2027, 6, 3, 13, 0)


@pytest.mark.parametrize("now, zone, expected, why", [
    # Santiago springs forward at 00:00 on Sunday 5 September 2027 (UTC-4 to UTC-3):
    # 22:00 on the 4th (02:00 UTC) is released at 07:30 UTC-3, 10:30 UTC, not 11:30.
    (utc(2027, 9, 5, 2, 0), "America/Santiago", utc(2027, 9, 5, 10, 30), "spring forward"),
    # ...and falls back at 00:00 on Sunday 4 April 2027 (UTC-3 to UTC-4): 07:30 is 11:30 UTC.
    (utc(2027, 4, 4, 1, 0), "America/Santiago", utc(2027, 4, 4, 11, 30), "fall back"),
    # Zurich springs forward on 28 March 2027: 07:30 CEST is 05:30 UTC.
    (utc(2027, 3, 27, 22, 0), "Europe/Zurich", utc(2027, 3, 28, 5, 30), "spring forward"),
    # ...and falls back on 31 October 2027: 07:30 CET is 06:30 UTC.
    (utc(2027, 10, 30, 22, 0), "Europe/Zurich", utc(2027, 10, 31, 6, 30), "fall back"),
])
def test_quiet_hours_end_at_the_same_wall_clock_time_across_daylight_saving_changes(now, zone, expected, why):
    assert release_at(now, zone, "20:00-07:30") == expected, why


def test_a_quiet_hour_that_does_not_exist_on_the_spring_forward_night_releases_after_the_gap():
    # Europe/Zurich skips 02:00-03:00 on 28 March 2027; quiet hours ending at 02:30 end at 03:30 CEST.
    released = release_at(utc(2027, 3, 27, 23, 0), "Europe/Zurich", "22:00-02:30")
    assert released == utc(2027, 3, 28, 1, 30)
    assert released > utc(2027, 3, 27, 23, 0)


def test_digest_windows_are_the_day_or_the_iso_week():
    assert window_of(date(2027, 6, 2), "day") == ("2027-06-02", date(2027, 6, 2), date(2027, 6, 2))
    assert window_of(date(2027, 6, 2), "week") == ("2027-W22", date(2027, 5, 31), date(2027, 6, 6))
    assert window_of(date(2027, 1, 1), "week")[0] == "2026-W53"


def test_working_days_only_holds_a_saturday_message_to_monday_morning_and_skips_holidays():
    chile = national_calendar("CL")
    # Saturday 19 June 2027, noon in Santiago; Monday 21 June is a holiday: Tuesday 07:30 (UTC-4).
    saturday = utc(2027, 6, 19, 16, 0)
    assert release_on_working_day(saturday, "America/Santiago", "20:00-07:30", chile.is_working_day) == \
        utc(2027, 6, 22, 11, 30)
    # A working day outside quiet hours: at once.
    friday = utc(2027, 6, 18, 16, 0)
    assert release_on_working_day(friday, "America/Santiago", "20:00-07:30", chile.is_working_day) == friday
