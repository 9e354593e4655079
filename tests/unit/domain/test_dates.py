"""Calendar arithmetic and working days (pure, holidays passed in)."""

from __future__ import annotations

from datetime import date

from nmrf.domain.dates import Offset, WorkCalendar, national_calendar


def test_six_months_after_31_august_is_28_february():
    assert Offset(months=6).apply(date(2026, 8, 31)) == date(2027, 2, 28)
    assert Offset(months=6).apply(date(2027, 8, 31)) == date(2028, 2, 29)  # leap year


def test_offsets_combine_months_then_weeks_and_days():
    assert Offset(months=-7, days=-15).apply(date(2028, 5, 1)) == date(2027, 9, 16)
    assert Offset(weeks=-15).apply(date(2027, 11, 8)) == date(2027, 7, 26)


def test_an_internal_deadline_on_a_weekend_moves_to_the_friday_before():
    cal = WorkCalendar()
    assert cal.on_or_before(date(2027, 5, 16)) == date(2027, 5, 14)  # Sunday -> Friday
    assert cal.on_or_before(date(2027, 5, 14)) == date(2027, 5, 14)


def test_holidays_passed_in_are_skipped_backwards():
    holidays = {date(2027, 5, 14), date(2027, 5, 13)}
    cal = WorkCalendar(holidays_for=lambda year: holidays if year == 2027 else ())
    assert cal.on_or_before(date(2027, 5, 15)) == date(2027, 5, 12)


def test_a_state_with_a_friday_saturday_weekend_works_on_sunday():
    cal = WorkCalendar(weekend=frozenset({4, 5}))
    assert cal.on_or_before(date(2027, 5, 15)) == date(2027, 5, 13)  # Saturday -> Thursday
    assert cal.is_working_day(date(2027, 5, 16))  # Sunday


def test_adding_working_days_skips_weekends():
    cal = WorkCalendar()
    assert cal.add_working_days(date(2027, 5, 14), 1) == date(2027, 5, 17)
    assert cal.add_working_days(date(2027, 5, 17), -1) == date(2027, 5, 14)


def test_chile_s_national_holidays_come_from_the_holidays_package():
    cal = national_calendar("CL")
    assert not cal.is_working_day(date(2027, 9, 18))  # Independence Day (a Saturday)
    # Sunday 19 (Army Day), Saturday 18, Friday 17 (a national holiday in 2027): Thursday 16.
    assert cal.on_or_before(date(2027, 9, 19)) == date(2027, 9, 16)
    assert cal.on_or_before(date(2027, 5, 21)) == date(2027, 5, 20)  # Navy Day
