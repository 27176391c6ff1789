"""The production calendar (holidays.RU) and due dates by the rules of deadlines.toml."""
import dataclasses
import datetime as dt

import polars as pl
import pytest

from etl.calendar import production_calendar
from etl.deadlines import Deadlines, Rules


@pytest.fixture(scope="module")
def cal():
    return production_calendar()


@pytest.fixture(scope="module")
def deadlines(cal):
    return Deadlines(cal, Rules.load())


def working(cal, day: str) -> bool:
    return cal.filter(pl.col("day") == dt.date.fromisoformat(day))["is_working_day"].item()


def test_calendar_days(cal):
    assert not working(cal, "2025-05-02") and not working(cal, "2025-05-08")
    assert working(cal, "2025-11-01")  # a working Saturday
    assert not working(cal, "2026-01-09")  # transferred day off
    counts = dict(cal.group_by(pl.col("day").dt.year()).agg(pl.col("is_working_day").sum()).iter_rows())
    assert counts[2024] == 248 and counts[2025] == 247 and counts[2026] == 247


def due(deadlines, source, kind, received, extended=False, rules=None):
    d = Deadlines.__new__(Deadlines)
    d.rules, d.working = rules or deadlines.rules, deadlines.working
    df = pl.DataFrame({"source": [source], "kind": [kind], "received_at": [dt.datetime.fromisoformat(received)],
                       "extended": [extended]})
    return d.due_at(df).item()


def test_letters_thirty_calendar_days_moved_off_a_holiday(deadlines):
    # 2026-04-09 + 30 = 2026-05-09 (Victory Day, Saturday); 10th Sunday, 11th observed → due Tue 12th.
    assert due(deadlines, "letters", "обращение", "2026-04-09 10:00") == dt.datetime(2026, 5, 12, 23, 59, 59)
    # Extended: +60 days → 2026-06-08 (Monday, working).
    assert due(deadlines, "letters", "обращение", "2026-04-09 10:00", True) == dt.datetime(2026, 6, 8, 23, 59, 59)
    # Without moving off days the date stays on the holiday.
    fixed = dataclasses.replace(deadlines.rules, move_off_day=False)
    assert due(deadlines, "letters", "обращение", "2026-04-09 10:00", rules=fixed) == dt.datetime(2026, 5, 9, 23, 59, 59)


def test_pos_ten_working_days_across_may_holidays(deadlines):
    # Received Wed 2026-04-29: working days 30.04, 04.05–08.05 (5), 12.05–15.05 (4) → the 10th is 15.05.
    assert due(deadlines, "pos", "сообщение", "2026-04-29 15:00") == dt.datetime(2026, 5, 15, 23, 59, 59)
    # Received on a Saturday: counting starts Monday.
    assert due(deadlines, "pos", "сообщение", "2026-11-21 12:00") == dt.datetime(2026, 12, 4, 23, 59, 59)


def test_im_eight_working_hours(deadlines):
    # Thursday 2026-11-19 14:30 → 2.5 h that day, 5.5 h on Friday → Friday 14:30.
    assert due(deadlines, "im", "инцидент", "2026-11-19 14:30") == dt.datetime(2026, 11, 20, 14, 30)
    # Friday evening before Unity Day week: Fri 2026-10-30 20:00 → next working day Mon 02.11 (working), 17:00.
    assert due(deadlines, "im", "инцидент", "2026-10-30 20:00") == dt.datetime(2026, 11, 2, 17, 0)
    # Across the New Year holidays: 2025-12-31 is a day off in 2025 calendars → first working day 2026-01-12.
    assert due(deadlines, "im", "инцидент", "2025-12-30 16:00") == dt.datetime(2026, 1, 12, 16, 0)


def test_given_due_date_wins(deadlines):
    df = pl.DataFrame({"source": ["pos"], "kind": ["сообщение"], "received_at": [dt.datetime(2026, 4, 29)],
                       "extended": [False], "due_at": [dt.datetime(2026, 5, 5, 12, 0)]})
    assert deadlines.due_at(df).item() == dt.datetime(2026, 5, 5, 12, 0)
