"""Periods the meeting screen and the analytic note share: an ISO week, the filters for a period outside
the sidebar (the CLI), and the twelve months a trend is drawn over."""
import dataclasses
import datetime as dt
import re

from mcu.filters import Filters
from mcu.query import run_query

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


def iso_week(text: str) -> tuple[dt.date, dt.date]:
    """«2026-W47» → (Monday, Sunday) of that ISO week; ValueError with a Russian message otherwise."""
    m = _WEEK.match(text.strip())
    try:
        monday = dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
    except (TypeError, ValueError):
        raise ValueError(f"Неделя «{text}» не распознана: укажите её как ГГГГ-Wнн, например 2026-W47.") from None
    return monday, monday + dt.timedelta(days=6)


def week_label(date_from: dt.date) -> str:
    """The ISO week of a Monday: «2026-W47»."""
    year, week, _ = date_from.isocalendar()
    return f"{year}-W{week:02d}"


def mondays(first: dt.date, last: dt.date) -> list[dt.date]:
    """Mondays of the ISO weeks the data from `first` to `last` touches, newest first."""
    monday = last - dt.timedelta(days=last.weekday())
    out = []
    while monday + dt.timedelta(days=6) >= first:
        out.append(monday)
        monday -= dt.timedelta(days=7)
    return out


def note_week(first: dt.date, last: dt.date) -> dt.date:
    """The Monday of the week the note is written for and the meeting screen shows: the last whole ISO week up to
    `last` (the meeting discusses a week that is over), or the week still running when the data holds no whole week.
    One function for both, so the head sees the same figures on the screen and on paper."""
    weeks = mondays(first, last)
    return next((w for w in weeks if w + dt.timedelta(days=6) <= last), weeks[0])


def week_filters(flt: Filters, monday: dt.date, last: dt.date) -> Filters:
    """`flt` for the ISO week from `monday` (compared with the week before it), judged as of its Sunday, or of `last`,
    the data's last day, while the week runs."""
    sunday = monday + dt.timedelta(days=6)
    return dataclasses.replace(flt, date_from=monday, date_to=sunday, as_of=min(last, sunday))


def filters_for(date_from: dt.date, date_to: dt.date, db=None, sources=(), themes=(), settlements=(),
                executors=(), municipalities=()) -> Filters:
    """The filters for a period chosen outside the sidebar, judged as the app judges it: as of the period's
    end, or of the data's last day if the period runs past it."""
    bounds = run_query("data_bounds", db=db).row(0, named=True)
    first, last = bounds["first_day"] or date_from, bounds["last_day"] or date_to
    return Filters(date_from, date_to, tuple(sources), tuple(themes), tuple(settlements), tuple(executors),
                   as_of=min(last, date_to), first_day=first, municipalities=tuple(municipalities))


def trend_params(flt: Filters, months: int = 12) -> dict:
    """The filter parameters for a monthly trend: the `months` calendar months up to the period's end."""
    end = flt.date_to
    index = end.year * 12 + end.month - 1 - (months - 1)
    start = dt.date(index // 12, index % 12 + 1, 1)
    return flt.params() | {"date_from": start, "as_of": flt.as_of}
