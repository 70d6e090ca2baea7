"""When digests are due. Pure functions of `now`, so tests drive a fake clock across days and time zones."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import BadInput, short

__all__ = ["due_day", "next_slot", "parse_clock", "parse_zone", "slot"]

_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{1,2})")  # ASCII digits only: "²:³⁰" passes str.isdigit()
_LONGEST_ZONE = 64  # IANA names are at most about 30 characters; a longer one is not a zone


def parse_clock(text: str) -> str:
    """A time of day as HH:MM ("7:30" -> "07:30"); BadInput for anything else."""
    match = _CLOCK.fullmatch(text)
    if match is None or not (int(match[1]) < 24 and int(match[2]) < 60):
        raise BadInput(f"“{short(text)}” is not a time of day: write it as HH:MM, for example 07:30.")
    return f"{int(match[1]):02d}:{int(match[2]):02d}"


def parse_zone(name: str) -> ZoneInfo:
    """An IANA time zone such as Asia/Karachi; BadInput for a name zoneinfo does not know."""
    if len(name) <= _LONGEST_ZONE:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name the file system cannot look up
            pass
    raise BadInput(f"“{short(name)}” is not a time zone newsdesk knows: use an IANA name such as Asia/Karachi.")


def slot(at: str, zone: str, day: date) -> datetime:
    """The moment, in UTC, of the HH:MM wall-clock time on `day` in `zone` (a time skipped by a daylight-saving
    change falls on the first valid instant after it)."""
    local = datetime.combine(day, time.fromisoformat(at), tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def due_day(at: str, zone: str, now: datetime, catch_up: timedelta) -> str | None:
    """The local day whose digest is due at `now`: its slot has passed, at most `catch_up` ago. Today's, or
    yesterday's when its window runs past midnight (a 23:30 digest, or one cut off at 23:58, is still owed at 00:10).

    A bot that was down at 07:30 still posts once when it is back within the window; missed days before
    that are not posted one by one.
    """
    today = now.astimezone(ZoneInfo(zone)).date()
    for day in (today, today - timedelta(days=1)):
        moment = slot(at, zone, day)
        if moment <= now <= moment + catch_up:
            return day.isoformat()
    return None


def next_slot(at: str, zone: str, now: datetime) -> datetime:
    """The next time this digest is due, in UTC."""
    today = now.astimezone(ZoneInfo(zone)).date()
    for offset in range(3):
        moment = slot(at, zone, today + timedelta(days=offset))
        if moment > now:
            return moment
    raise AssertionError("a daily slot always falls within three days")
