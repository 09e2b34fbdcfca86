"""Every timestamp a reader sees, in one place: pages, emails and feeds all call these.

The format is `20:59 UTC | 13:59 PT`: each zone of the STATUS_TIMEZONES setting, 24-hour
clock, DST from the tz database. A date goes in front (`March 21 - 15:35 UTC | 08:35 PT`) when
the calendar date of the last zone (the "reference" zone, Pacific by default) changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

SEPARATOR = " | "
DATE_SEPARATOR = " - "


@dataclass(frozen=True)
class Zone:
    tz: ZoneInfo
    label: str


@cache
def _zones(spec: tuple[tuple[str, str], ...]) -> tuple[Zone, ...]:
    return tuple(Zone(ZoneInfo(name), label) for name, label in spec)


def zones() -> tuple[Zone, ...]:
    return _zones(tuple(tuple(item) for item in settings.STATUS_TIMEZONES))


def reference_zone() -> Zone:
    return zones()[-1]


def reference_date(instant: datetime) -> date:
    """The calendar date of `instant` in the reference zone."""
    return instant.astimezone(reference_zone().tz).date()


def stamp(instant: datetime) -> str:
    """`20:59 UTC | 13:59 PT`"""
    return SEPARATOR.join(f"{instant.astimezone(zone.tz):%H:%M} {zone.label}" for zone in zones())


def day(value: date) -> str:
    """`March 21` (`21 marzo` in Italian): the month and day in the active language."""
    return formats.date_format(value, "MONTH_DAY_FORMAT")


def full_day(value: date | datetime) -> str:
    """`March 21, 2024`; an instant is read in the reference zone."""
    if isinstance(value, datetime):
        value = reference_date(value)
    return formats.date_format(value, "DATE_FORMAT")


def month(value: date) -> str:
    """`March 2024`"""
    return formats.date_format(value, "YEAR_MONTH_FORMAT")


def dated_stamp(instant: datetime, *, year: bool = False) -> str:
    """`March 21 - 15:35 UTC | 08:35 PT`, the date read in the reference zone."""
    when = reference_date(instant)
    return f"{full_day(when) if year else day(when)}{DATE_SEPARATOR}{stamp(instant)}"


def timeline(instants: Iterable[datetime], first_date: date) -> list[str]:
    """Stamps for timeline rows, oldest first.

    A row carries its date when its reference-zone date differs from the previous row's; the
    first row is compared with `first_date` (the incident's own date).
    """
    labels = []
    previous = first_date
    for instant in instants:
        current = reference_date(instant)
        labels.append(dated_stamp(instant) if current != previous else stamp(instant))
        previous = current
    return labels


def window(start: datetime, end: datetime | None) -> str:
    """The impact window: `March 20, 2024 - 19:00 UTC | 12:00 PT to 01:07 UTC | 18:07 PT`."""
    opening = dated_stamp(start, year=True)
    if end is None:
        return _("since %(start)s") % {"start": opening}
    if reference_date(end) == reference_date(start):
        closing = stamp(end)
    elif end.year == start.year:
        closing = dated_stamp(end)
    else:
        closing = dated_stamp(end, year=True)
    return _("%(start)s to %(end)s") % {"start": opening, "end": closing}


def duration(start: datetime, end: datetime) -> str:
    """`6 h 7 min`, `3 days 2 h`, `45 min`."""
    return length((end - start).total_seconds() / 60)


def length(minutes: float) -> str:
    """A number of minutes as `duration` writes it."""
    minutes = max(0, int(minutes))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(_("%(n)d h") % {"n": hours})
    if minutes and not days:
        parts.append(_("%(n)d min") % {"n": minutes})
    return " ".join(parts) or _("%(n)d min") % {"n": 0}


def scheduled_window(start: datetime, end: datetime, today: date | None = None) -> list[str]:
    """A maintenance window: `START: 15:30 UTC | 08:30 PT`, `END: 17:30 UTC | 10:30 PT`.

    The start carries its date unless it is today, the end unless it falls on the start's date
    (dates in the reference zone), the year only when it is not the current one.
    """
    today = today or reference_date(timezone.now())
    start_date, end_date = reference_date(start), reference_date(end)

    def label(instant: datetime, when: date, bare: bool) -> str:
        return stamp(instant) if bare else dated_stamp(instant, year=when.year != today.year)

    return [
        _("START: %(stamp)s") % {"stamp": label(start, start_date, start_date == today)},
        _("END: %(stamp)s") % {"stamp": label(end, end_date, end_date == start_date)},
    ]
