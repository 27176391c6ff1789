"""The Russian production calendar, from the `holidays` package (transfers and working Saturdays included)."""
import datetime as dt
import functools

import holidays
import polars as pl

FIRST_YEAR, LAST_YEAR = 2015, 2030


@functools.cache   # the same days every time (a load asked for them twice: 0,05 s each); frames are not changed in place
def production_calendar(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR, hours: int = 8) -> pl.DataFrame:
    """One row per day: day, is_working_day, hours, work_idx (running count of working days)."""
    ru = holidays.country_holidays("RU", years=range(first_year, last_year + 1))
    days = pl.date_range(dt.date(first_year, 1, 1), dt.date(last_year, 12, 31), "1d", eager=True)
    working = [ru.is_working_day(d) for d in days]
    return pl.DataFrame({"day": days, "is_working_day": working}).with_columns(
        hours=pl.when(pl.col("is_working_day")).then(hours).otherwise(0).cast(pl.Int8),
        work_idx=pl.col("is_working_day").cast(pl.Int32).cum_sum(),
    )
