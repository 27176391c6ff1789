"""Streamlit helpers shared by every page: cached queries, tables with downloads, KPI cards, empty states."""
import polars as pl
import streamlit as st

from mcu import fmt
from mcu.export import to_csv, to_xlsx
from mcu.query import QueryError, db_version, run_query


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached_query(name: str, version: int, params: dict) -> pl.DataFrame:
    return run_query(name, **params)


def q(name: str, **params) -> pl.DataFrame:
    """run_query through the cache, keyed by query, parameters and database version (a reload shows at once)."""
    try:
        return _cached_query(name, db_version(), params)
    except QueryError as e:
        st.error(str(e))
        st.stop()


def downloads(df: pl.DataFrame, name: str, key: str | None = None) -> None:
    """CSV (Excel-friendly) and XLSX downloads of a table's data; files are built only when clicked."""
    key = key or name
    left, right, _ = st.columns([1, 1, 4])
    left.download_button("CSV", data=lambda: to_csv(df), file_name=f"{name}.csv", mime="text/csv",
                         key=f"csv_{key}", icon=":material/download:", on_click="ignore")
    right.download_button("Excel", data=lambda: to_xlsx(df), file_name=f"{name}.xlsx", key=f"xlsx_{key}",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          icon=":material/download:", on_click="ignore")


def table(df: pl.DataFrame, name: str, column_config: dict | None = None, **kwargs):
    """A table with Russian dates and its downloads. Returns st.dataframe's value (selection, if asked)."""
    # Numbers follow the browser's locale («1 234,5» in a Russian browser); dates are always ДД.ММ.ГГГГ.
    config = {c: st.column_config.NumberColumn(format="localized") for c, t in df.schema.items() if t.is_numeric()}
    config |= {c: st.column_config.DateColumn(format="DD.MM.YYYY") for c, t in df.schema.items() if t == pl.Date}
    config |= {c: st.column_config.DatetimeColumn(format="DD.MM.YYYY HH:mm")
               for c, t in df.schema.items() if isinstance(t, pl.Datetime)}
    config |= column_config or {}
    event = st.dataframe(df, column_config=config, hide_index=True, **kwargs)
    downloads(df, name)
    return event


def empty_state(text: str = "За выбранный период и фильтры данных нет. Расширьте период или снимите фильтры.") -> None:
    st.info(text, icon=":material/filter_alt_off:")


def kpi(col, label: str, value: str, delta: str | None = None, help: str | None = None,
        inverse: bool = False) -> None:
    """A KPI card; `inverse` when growth is bad (overdue share)."""
    col.metric(label, value, delta, delta_color="inverse" if inverse else "normal", help=help,
               border=True)


def change(cur, prev, digits: int = 0, share: bool = False) -> str | None:
    """Delta text: a share changes in percentage points, a count in units and percent."""
    if cur is None or prev is None:
        return None
    if share:
        return fmt.signed((cur - prev) * 100, 1, " п.п.")
    if not prev:
        return None
    return f"{fmt.signed(cur - prev, digits)} ({fmt.signed((cur - prev) / prev * 100, 1, ' %')})"
