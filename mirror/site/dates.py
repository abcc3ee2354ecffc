"""The site's dates: UTC timestamps in `time[datetime]`, and the New Zealand
date shown beside them ('28 March 2019', no leading zero, no label).

The archive's `date` is the UTC date of the timestamp, so often the day
before the date the page shows (docs/format.md).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def _new_zealand() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Pacific/Auckland")
    except Exception:  # noqa: BLE001 - no tz database here: standard time is close enough
        return timezone(timedelta(hours=12), "NZST")


NZ = _new_zealand()


def parse_iso(value: str | None) -> datetime | None:
    """An ISO 8601 timestamp as an aware UTC datetime (naive ones are UTC), or None."""
    if not value or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def utc_date(value: str | None) -> str | None:
    """The UTC calendar date (YYYY-MM-DD) of an ISO 8601 timestamp, or None."""
    moment = parse_iso(value)
    return moment.date().isoformat() if moment else None


@lru_cache(maxsize=1)
def _date_parser() -> DateDataParser:
    # Imported late: dateparser is slow to import and only a fallback.
    from dateparser.date import DateDataParser

    return DateDataParser(languages=["en"], settings={"DATE_ORDER": "DMY"})


def shown_day(text: str | None) -> date | None:
    """The New Zealand date a page shows ('28 March 2019'), or None."""
    if not text or not text.strip():
        return None
    found = _date_parser().get_date_data(text).date_obj
    return found.date() if found else None


def text_date(text: str | None) -> str | None:
    """`shown_day` as YYYY-MM-DD: the archive's date when a page has no timestamp."""
    day = shown_day(text)
    return day.isoformat() if day else None


def nz_midnight(day: date) -> datetime:
    """The UTC moment a New Zealand day begins."""
    return datetime(day.year, day.month, day.day, tzinfo=NZ).astimezone(UTC)


def shown_date_text(day: date) -> str:
    """A date as the site shows it: '28 March 2019'."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def iso_utc(moment: datetime) -> str:
    """A timestamp as the site's `datetime` attributes write it: UTC with `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
