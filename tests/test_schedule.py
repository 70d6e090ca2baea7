"""When a digest is due: the slot in the channel's time zone, daylight saving, and the catch-up window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.newsroom.schedule import due_day, next_slot, slot


def test_the_slot_follows_the_time_zone_and_daylight_saving() -> None:
    assert slot("07:30", "Asia/Karachi", datetime(2026, 11, 25).date()) == datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
    before = slot("07:30", "America/New_York", datetime(2026, 3, 7).date())
    after = slot("07:30", "America/New_York", datetime(2026, 3, 8).date())
    assert (before.hour, after.hour) == (12, 11)  # EST, then EDT after the spring change
    skipped = slot("02:30", "America/New_York", datetime(2026, 3, 8).date())  # 02:30 does not exist that day
    assert skipped == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)


def test_due_only_after_the_slot_and_within_the_catch_up_window() -> None:
    window = timedelta(hours=6)
    day = datetime(2026, 11, 25, tzinfo=UTC)
    assert due_day("07:30", "Asia/Karachi", day.replace(hour=2, minute=29), window) is None
    assert due_day("07:30", "Asia/Karachi", day.replace(hour=2, minute=30), window) == "2026-11-25"
    assert due_day("07:30", "Asia/Karachi", day.replace(hour=8, minute=0), window) == "2026-11-25"
    assert due_day("07:30", "Asia/Karachi", day.replace(hour=9, minute=0), window) is None
    assert next_slot("07:30", "Asia/Karachi", day.replace(hour=3)) == datetime(2026, 11, 26, 2, 30, tzinfo=UTC)


def test_a_window_that_runs_past_midnight_still_owes_the_days_digest() -> None:
    window = timedelta(hours=6)
    late = datetime(2026, 11, 25, 23, 50, tzinfo=UTC)
    assert due_day("23:45", "UTC", late, window) == "2026-11-25"
    assert due_day("23:45", "UTC", late + timedelta(minutes=20), window) == "2026-11-25"  # 00:10 the next day
    assert due_day("23:45", "UTC", late + timedelta(hours=7), window) is None  # past the window: not owed
    assert due_day("00:05", "UTC", late + timedelta(minutes=20), window) == "2026-11-26"  # today's first
