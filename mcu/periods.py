"""Periods the meeting screen and the analytic note share: an ISO week, the filters for a period outside
the sidebar (the CLI), and the twelve months a trend is drawn over."""
import dataclasses
import datetime as dt
import re

from mcu.filters import Filters
from mcu.fmt import date as fmt_date
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
    """`flt` for the ISO week from `monday` (compared with the week before it), judged as of its Sunday. A week still
    running at `last`, the data's last day, ends there and is compared with the same weekdays of the week before —
    like with like (three days of data against a whole week read as a fall of a third; Monday–Wednesday against the
    Friday–Sunday just before read a weekend's lull as a rise)."""
    sunday = monday + dt.timedelta(days=6)
    end = sunday if last < monday else min(last, sunday)
    before = monday - dt.timedelta(days=7) if end < sunday else None
    # The data's first week may start after its Monday: counted by the days it has («(7 дн.)» for six days).
    start = flt.first_day if monday < flt.first_day <= end else monday
    return dataclasses.replace(flt, date_from=start, date_to=end, as_of=min(last, end), prev_start=before)


def calendar_week(flt: Filters) -> bool:
    """Whether the period is an ISO week: Monday to Sunday, or from the data's first day when the data start
    within it."""
    return (flt.date_to.isoweekday() == 7 and flt.days <= 7 and flt.date_from.isocalendar()[:2] ==
            flt.date_to.isocalendar()[:2] and (flt.days == 7 or flt.date_from == flt.first_day))


def running_week(date_from: dt.date, date_to: dt.date, last: dt.date) -> bool:
    """Whether the period is an ISO week cut at `last`, the data's last day, because the week is not over."""
    return date_from.isoweekday() == 1 and date_to == last < date_from + dt.timedelta(days=6)


def week_option(monday: dt.date, last: dt.date, first: dt.date | None = None) -> str:
    """A week as the note's list offers it: «2026-W47: 16.11.2026–22.11.2026», a running one with the days it has
    and «(неделя не закончилась)», the data's first one from the day they start."""
    sunday = monday + dt.timedelta(days=6)
    start = first if first and monday < first <= sunday else monday
    if last < sunday:
        return f"{week_label(monday)}: {fmt_date(start)}–{fmt_date(last)} (неделя не закончилась)"
    return f"{week_label(monday)}: {fmt_date(start)}–{fmt_date(sunday)}"


def week_notice(asked: str, weeks: list, first: dt.date, last: dt.date, shown: dt.date) -> str | None:
    """What a link's week (`asked`, the text of ?week=) became: None when the list offers it, else a Russian
    notice saying what was asked, what is shown and why."""
    try:
        monday = iso_week(asked)[0]
    except ValueError:
        why = f"Неделя «{asked}» из ссылки не распознана (нужна ГГГГ-Wнн, например {week_label(shown)})"
    else:
        if monday in weeks:
            return None
        why = (f"Неделя {week_label(monday)} из ссылки вне данных: данные есть с {fmt_date(first)} "
               f"по {fmt_date(last)}")
    return f"{why}; показана неделя {week_option(shown, last, first)}."


NOTE_MODES = ("week", "sidebar")


def read_note_url() -> None:
    """The note page's own link settings, ?note=week|sidebar&week=2026-W47 (DESIGN.md §6: a view is mirrored in the
    URL), read once per session before the sidebar filters rewrite the URL (they keep only their own keys)."""
    import streamlit as st

    ss = st.session_state
    if ss.get("note_url_read"):
        return
    ss["note_url_read"] = True
    if st.query_params.get("note") in NOTE_MODES:
        ss["note_mode"] = st.query_params["note"]
    if "week" in st.query_params:
        ss["note_week_link"] = st.query_params["week"]   # the page says so if its list has no such week
    try:
        ss["note_week"] = iso_week(st.query_params["week"])[0]
    except (KeyError, ValueError):
        pass   # no week in the link, or one not understood: the page's default week


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
