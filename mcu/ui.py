"""Streamlit helpers shared by every page: cached queries, tables with downloads, KPI cards, empty states."""
import re
from collections.abc import Callable

import polars as pl
import streamlit as st

from mcu import fmt
from mcu.export import to_csv, to_xlsx
from mcu.query import QueryError, db_version, run_query


# What Markdown would read in a text from data, escaped so it shows as written. Backslash escapes for the
# inline syntax (emphasis, code, links and images, tables, math, entities, HTML), and for a list, heading
# or quote marker at a line's start; the rest of the text stays as it is. Bare URLs and e-mails become links
# twice over: when the text is parsed (unless the `:` of `http:`, the `.` of `www.`, the `@` are written as
# character references) and again after (unless an invisible WORD JOINER, U+2060, precedes the address);
# `:smile:` and `:material/x:` become an emoji and an icon unless a WORD JOINER follows the colon.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~$&#])")
_MD_LINE_START = re.compile(r"(?m)^(\s*\d*)([-+=>.)])")
_MD_REWRITTEN = re.compile(r"(?i)(?=https?://|www\.)|(?<![-.\w+])(?=[-.\w+]+@[-\w]+(?:\.[-\w]+)+)|(?<=:)(?=\w)")
_MD_ADDRESS = re.compile(r"(?i)(?<=http)(:)(?=//)|(?<=https)(:)(?=//)|(?<=www)(\.)|(@)")


def md(text) -> str:
    """Text from data (a file name, a message quoting a file) for a Markdown element (st.error, st.subheader,
    labels): shown as written, never as a link, an image, an icon or formatting."""
    text = _MD_REWRITTEN.sub("\u2060", str(text))
    text = _MD_LINE_START.sub(r"\1\\\2", _MD_INLINE.sub(r"\\\1", text))
    text = _MD_ADDRESS.sub(lambda m: f"&#{ord(m[0])};", text)
    return text.replace("\n", "  \n")


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


def downloads(data: pl.DataFrame | Callable[[], pl.DataFrame], name: str, key: str | None = None) -> None:
    """CSV (Excel-friendly) and XLSX downloads of a table's data; files are built only when clicked.

    `data` may be a function returning the frame, for downloads larger than what is shown (a whole list
    behind a paged table)."""
    key = key or name
    frame = data if callable(data) else (lambda: data)
    row = st.container(horizontal=True, gap="small")
    row.download_button("CSV", data=lambda: to_csv(frame()), file_name=f"{name}.csv", mime="text/csv",
                        key=f"csv_{key}", icon=":material/download:", on_click="ignore")
    row.download_button("Excel", data=lambda: to_xlsx(frame()), file_name=f"{name}.xlsx", key=f"xlsx_{key}",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        icon=":material/download:", on_click="ignore")


def table(df: pl.DataFrame, name: str, column_config: dict | None = None, download=None, **kwargs):
    """A table with Russian dates and its downloads (of `download`, a frame or a function returning one,
    when the file should hold more than is shown). Returns st.dataframe's value (selection, if asked)."""
    # Numbers follow the browser's locale («1 234,5» in a Russian browser); dates are always ДД.ММ.ГГГГ.
    config = {c: st.column_config.NumberColumn(format="localized") for c, t in df.schema.items() if t.is_numeric()}
    config |= {c: st.column_config.DateColumn(format="DD.MM.YYYY") for c, t in df.schema.items() if t == pl.Date}
    config |= {c: st.column_config.DatetimeColumn(format="DD.MM.YYYY HH:mm")
               for c, t in df.schema.items() if isinstance(t, pl.Datetime)}
    config |= column_config or {}
    # Empty text cells show empty, not «None» (the downloads keep them empty too).
    shown = df.with_columns(pl.col(pl.String).fill_null(""))
    event = st.dataframe(shown, column_config=config, hide_index=True, **kwargs)
    downloads(df if download is None else download, name)
    return event


def empty_state(text: str = "За выбранный период и фильтры данных нет. Расширьте период или снимите фильтры.") -> None:
    st.info(text, icon=":material/filter_alt_off:")


def period_rows(kpis: pl.DataFrame, flt) -> list[dict]:
    """A KPI query's rows (current, previous, …) as dicts; the previous one blank when the data does not
    reach back to it, so no change is shown against a period that is not there."""
    out = [kpis.row(i, named=True) for i in range(kpis.height)]
    if not flt.has_previous:
        out[1] = dict.fromkeys(out[1])
    return out


def kpi_row(n: int) -> list:
    """Places for n KPI cards in one row that wraps on a narrow screen (the meeting-room laptop)."""
    row = st.container(horizontal=True, gap="small")
    return [row] * n


def kpi(col, label: str, value: str, delta: str | None = None, help: str | None = None,
        inverse: bool = False, neutral: bool = False) -> None:
    """A KPI card; `inverse` when growth is bad (overdue share), `neutral` when it is neither good nor bad
    (the number of appeals)."""
    flat = delta is not None and delta.lstrip().startswith("0")  # no change: neither arrow nor colour
    color = "off" if neutral or flat else ("inverse" if inverse else "normal")
    col.metric(label, value, delta, delta_color=color, help=help, border=True, width="stretch",
               delta_arrow="off" if flat else "auto")


def change(cur, prev, digits: int = 0, share: bool = False) -> str | None:
    """Delta text: a share changes in percentage points, a count in units and percent."""
    if cur is None or prev is None:
        return None
    if share:
        return fmt.signed((cur - prev) * 100, 1, " п.п.")
    if not prev:
        return None
    return f"{fmt.signed(cur - prev, digits)} ({fmt.signed((cur - prev) / prev * 100, 1, ' %')})"
