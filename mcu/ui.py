"""Streamlit helpers shared by every page: cached queries, tables with downloads, KPI cards, empty states."""
import contextlib
import datetime as dt
import json
import re
import threading
import time
from collections.abc import Callable

import polars as pl
import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from mcu import fmt
from mcu.export import FLOAT_DIGITS, as_shown, to_csv, to_xlsx
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


def _percent_columns(config: dict) -> list[str]:
    """Columns a page asked to show as percent (NumberColumn(format="percent"))."""
    return [c for c, v in config.items() if isinstance(v, dict) and (v.get("type_config") or {}).get("format") == "percent"]


def _date_format(config: dict, column: str, default: str) -> str:
    """A page's own date format for a column (DateColumn(format="MM.YYYY")) as strftime."""
    moment = ((config.get(column) or {}).get("type_config") or {}).get("format") if isinstance(config.get(column), dict) else None
    if not moment:
        return default
    for token, code in (("YYYY", "%Y"), ("DD", "%d"), ("MM", "%m"), ("HH", "%H"), ("mm", "%M")):
        moment = moment.replace(token, code)
    return moment


def downloads(data: pl.DataFrame | Callable[[], pl.DataFrame], name: str, key: str | None = None,
              percent=(), digits: dict | None = None, labels: dict | None = None, dates: dict | None = None) -> None:
    """CSV (Excel-friendly) and XLSX downloads of a table's data as the screen shows it (shares in percent,
    numbers rounded, да/нет, «—»); files are built only when clicked. On a page the filters narrow, the file's name
    carries the period and the filters, the XLSX their sheet «Условия» (filters.download_scope).

    `data` may be a function returning the frame, for downloads larger than what is shown (a whole list
    behind a paged table)."""
    key = key or name
    # The period and filters the figures are for (filters.download_scope, on a page the filters narrow).
    scope = st.session_state.get("download_scope") or {}
    name = f"{name}_{scope['suffix']}" if scope else name
    frame = (lambda excel=False: as_shown(data() if callable(data) else data, percent, digits, labels, excel=excel,
                                          dates=dates))
    row = st.container(horizontal=True, gap="small")
    row.download_button("CSV", data=lambda: to_csv(frame()), file_name=f"{name}.csv", mime="text/csv",
                        key=f"csv_{key}", icon=":material/download:", on_click="ignore")
    row.download_button("Excel", data=lambda: to_xlsx(frame(excel=True), labels=labels, dates=dates,
                                                      about=scope.get("about")),
                        file_name=f"{name}.xlsx",
                        key=f"xlsx_{key}",
                        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        icon=":material/download:", on_click="ignore")


# A source's cells are read as text, a date or a moment in ISO as the reader writes it («2025-12-25 08:36:39»; an Excel
# date cell «2025-12-25 00:00:00»): shown in the Russian formats the grid gives a typed one, a moment «25.12.2025
# 08:36», a date alone (and an Excel date, at midnight to the second) «25.12.2025». Any other text stays as it is.
DATE_SHOWN, MOMENT_SHOWN = "%d.%m.%Y", "%d.%m.%Y %H:%M"
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}(?:[ T]00:00(?::00(?:\.0+)?)?)?$"
_ISO_MOMENT = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$"


def shown_dates(df: pl.DataFrame) -> pl.DataFrame:
    """`df` with each text cell that is an ISO date or moment written in the Russian format (see above)."""
    def russian(c: str) -> pl.Expr:
        text = pl.col(c).str.strip_chars()
        day = text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        moment = text.str.slice(0, 16).str.replace("T", " ", literal=True).str.to_datetime("%Y-%m-%d %H:%M", strict=False)
        return (pl.when(text.str.contains(_ISO_DATE) & day.is_not_null()).then(day.dt.strftime(DATE_SHOWN))
                .when(text.str.contains(_ISO_MOMENT) & moment.is_not_null()).then(moment.dt.strftime(MOMENT_SHOWN))
                .otherwise(pl.col(c)).alias(c))
    return df.with_columns(russian(c) for c, t in df.schema.items() if t == pl.String)


def shown_date(value):
    """One cell as shown_dates writes it (a card's line); a value that is no ISO date or moment as it is."""
    text = value.strip() if isinstance(value, str) else ""
    if not re.match(_ISO_MOMENT, text) and not re.match(_ISO_DATE, text):
        return value
    try:
        moment = dt.datetime.fromisoformat(text[:16])
    except ValueError:   # «2025-02-31»: no date, shown as written
        return value
    return fmt.date(moment) if re.match(_ISO_DATE, text) else fmt.date(moment) + moment.strftime(" %H:%M")


SHOWN_CELLS = 300   # letters of a rejected row's cells on screen, about the lines its reason takes; the files hold all
# Letters of a load's outcome in the history's grid: every row of a grid is as tall as its tallest, and one refusal
# listing the columns it looked for (~500 letters) made each row 330 px (a tester); the counts come first, and the
# file holds it whole.
SHOWN_OUTCOME = 200


def shortened(text: str | None, letters: int) -> str | None:
    """The text cut at a word's end within `letters`, «…» after it."""
    return text if text is None or len(text) <= letters else text[:letters].rsplit(" ", 1)[0] + " …"


def row_cells(raw: str | None) -> str:
    """A rejected row's cells (JSON) as the screen reads them: «Кабинет: Омская область; ID: 39530004; …»."""
    cells = json.loads(raw) if raw else {}
    return shortened("; ".join(f"{k}: {shown_date(v)}" for k, v in cells.items()) or fmt.DASH, SHOWN_CELLS)


def _formatters(df: pl.DataFrame, config: dict, digits: dict | None, labels: dict | None, signed=()) -> dict:
    """Column -> the text of one non-empty value as the screen shows it; a `signed` column (a change) carries its
    sign, a fall the minus sign: «+65», «−19», «+13,6 %», as the note writes them."""
    digits, labels = digits or {}, labels or {}
    percent = set(_percent_columns(config))
    formats = {}
    for c, t in df.schema.items():
        d = digits.get(c, FLOAT_DIGITS if t.is_float() else 0)
        if c in signed:
            formats[c] = (lambda v, d=d: fmt.minus(fmt.signed(v * 100, d, fmt.NBSP + "%"))) if c in percent \
                else (lambda v, d=d: fmt.minus(fmt.signed(v, d)))
        elif c in percent:
            formats[c] = lambda v, d=d: fmt.pct(v, d)
        elif t.is_numeric():
            formats[c] = lambda v, d=d, words=labels.get(c, {}): words.get(v) or fmt.num(v, d)
        elif t == pl.Date:
            formats[c] = lambda v, f=_date_format(config, c, DATE_SHOWN): v.strftime(f)
        elif isinstance(t, pl.Datetime):
            formats[c] = lambda v, f=_date_format(config, c, MOMENT_SHOWN): v.strftime(f)
        elif t == pl.Boolean:
            formats[c] = lambda v: "да" if v else "нет"
    return formats


def shown(df: pl.DataFrame, config: dict, digits: dict | None = None, labels: dict | None = None, signed=()):
    """The frame as the grid draws it: a pandas Styler whose display text is Russian («1 234,5», «94,4 %»,
    «22.11.2026», да/нет) with one precision a column; the values underneath stay numbers and dates, so a
    column sorts as numbers. The grid draws any empty cell as «None» whatever the Styler says, so a column
    with empty cells (and a flag) is handed over as its text, «—» for empty: such a column sorts as text.
    Returns the Styler and the columns handed over as text."""
    formats = _formatters(df, config, digits, labels, signed)
    as_text = [c for c in formats if df[c].null_count() or df.schema[c] == pl.Boolean]
    texts = [pl.Series(c, [fmt.DASH if v is None else formats[c](v) for v in df[c].to_list()], pl.String)
             for c in as_text]
    # A list of numbers (a bar chart's data) as floats: a list of decimals (DuckDB's sum) arrives as text.
    lists = [pl.col(c).cast(pl.List(pl.Float64)) for c, t in df.schema.items()
             if isinstance(t, pl.List) and t.inner.is_numeric()]
    frame = df.with_columns(pl.col(pl.String).fill_null(fmt.DASH), *texts, *lists)
    return frame.to_pandas().style.format({c: f for c, f in formats.items() if c not in as_text}), as_text


GRID_ROWS = 1_000   # rows a grid shows at most (the files hold all)
FIT_WIDTH = 960    # px: the content width at 1440 px with the sidebar open
CHAR_PX, PAD_PX, MIN_TEXT_PX = 9, 20, 100


def _fitted_widths(df: pl.DataFrame, styled, grid: dict, wrapping: bool = False) -> dict:
    """Widths for the long text columns when the grid would be wider than the page at 1440 px: the grid sizes
    a column to its longest text, so long names pushed the last columns off-screen. The widest text columns
    are narrowed (cut in the grid, whole in the files) until the estimate fits; a page's own width stays."""
    def natural(c) -> float:
        if df.schema[c].is_nested():
            return 150
        values = styled.data[c].head(200).astype(str).tolist()
        return min(max([len(c), *map(len, values)]) * CHAR_PX + PAD_PX, 500)

    fixed = {c: v["width"] for c, v in grid.items() if isinstance(v, dict) and isinstance(v.get("width"), int)}
    widths = {c: fixed.get(c) or natural(c) for c in df.columns}
    text = sorted((c for c, t in df.schema.items() if t == pl.String and c not in fixed), key=widths.get, reverse=True)
    out = {}
    while sum(widths.values()) > FIT_WIDTH and text:
        c = text.pop(0)
        others = sum(w for k, w in widths.items() if k != c)
        least = _longest_word(styled.data[c].head(200).astype(str)) * CHAR_PX + PAD_PX if wrapping else 0
        widths[c] = max(MIN_TEXT_PX, least, min(widths[c], FIT_WIDTH - others, widths[c] * 0.6))
        out[c] = {**(grid.get(c) or st.column_config.Column()), "width": int(widths[c])}
    return out


# A column whose text is the point (what to do, a name, a load's outcome) wraps instead of being cut: it gets the
# width its longest text needs in WRAP_LINES lines (within its header's and longest word's width…WRAP_MAX_PX), every
# row the height of the lines it then takes, the grid as tall as its rows (up to WRAP_ROWS, then it scrolls). The
# grid wraps text only in rows taller than 4rem (64 px), so a wrapping row is at least WRAP_MIN_ROW_PX, and then every
# text column wraps: one the page narrows keeps its longest word whole. WRAP_CHAR_PX is a letter of the grid's 14 px
# font, on the wide side: a line breaks at a space, not at the last letter that fits; a word gets CHAR_PX a letter.
WRAP_LINES, WRAP_MAX_PX, WRAP_CHAR_PX, LINE_PX, WRAP_MIN_ROW_PX, WRAP_ROWS = 6, 240, 6.8, 21, 66, 10
HEADER_PX = 38


# Where the grid breaks a line: a space (a word longer than the line, a file's name, is broken where the line ends).
_BREAKS = re.compile(r"\s+")


def _longest_word(values) -> int:
    return max((len(w) for v in values for w in _BREAKS.split(str(v))), default=0)


def _lines(text: str, px: float) -> int:
    """The lines `text` takes in `px`, broken as the grid breaks it: at spaces, a word that does not fit the line's
    rest going whole to the next (lines counted by the text's length alone were one short: «…(цел» was cut)."""
    lines, used = 1, 0.0
    for word in _BREAKS.split(str(text).strip()):
        need = len(word) * WRAP_CHAR_PX
        if used and used + WRAP_CHAR_PX + need > px:
            lines, used = lines + 1, need
        else:
            used += (WRAP_CHAR_PX if used else 0) + need
        while used > px:   # a word longer than the line: the grid breaks it where the line ends
            lines, used = lines + 1, used - px
    return lines


def wrapped_columns(df: pl.DataFrame, wrap, grid: dict) -> tuple[dict, int | None]:
    """Widths for the `wrap` columns (a page's own width stays) and the row height that shows their longest text
    whole (None when every text fits one line)."""
    widths, lines = {}, 1
    for c in wrap:
        values = df[c].drop_nulls().cast(pl.String).to_list()
        longest = max(map(len, values), default=0) * WRAP_CHAR_PX
        own = (grid.get(c) or {}).get("width") if isinstance(grid.get(c), dict) else None
        least = max(len(c) * WRAP_CHAR_PX, _longest_word(values) * CHAR_PX) + PAD_PX
        width = own if isinstance(own, int) else int(min(WRAP_MAX_PX, max(least, -(-longest // WRAP_LINES) + PAD_PX)))
        # Broken at spaces a text takes more lines than its length says: a little wider, up to WRAP_MAX_PX, to keep
        # WRAP_LINES.
        while not isinstance(own, int) and width < WRAP_MAX_PX and max(
                (_lines(v, width - PAD_PX) for v in values), default=1) > WRAP_LINES:
            width = min(WRAP_MAX_PX, width + 8)
        widths[c] = {**(grid.get(c) or st.column_config.Column()), "width": width}
        lines = max([lines, *(_lines(v, width - PAD_PX) for v in values)])
    return widths, (max(WRAP_MIN_ROW_PX, 14 + LINE_PX * lines) if lines > 1 else None)


def table(df: pl.DataFrame, name: str | None, column_config: dict | None = None, download=None,
          digits: dict | None = None, labels: dict | None = None, download_key: str | None = None, signed=(),
          wrap=(), **kwargs):
    """A table in Russian formats and its downloads (of `download`, a frame or a function returning one,
    when the file should hold more than is shown); the downloads show what the screen shows; no downloads
    when `name` is None (a preview). The `signed` columns (changes) show «+65», «−19» and stay numbers, in the
    grid (sorting as numbers) and in the files. The `wrap` columns (text that is the point) wrap, whole, instead
    of being cut (wrapped_columns). Returns st.dataframe's value (selection, if asked)."""
    config = dict(column_config or {})
    percent = _percent_columns(config)
    full = df
    if df.height > GRID_ROWS:
        # A regional list (tens of thousands of overdue appeals) would not fit the grid's styler nor the browser:
        # the grid shows its head, the files hold every row.
        st.caption(f"Показаны первые {fmt.num(GRID_ROWS)} строк из {fmt.num(df.height)}"
                   + ("; в файлах CSV и Excel — все." if name is not None else "."))
        df = df.head(GRID_ROWS)
    styled, as_text = shown(df, config, digits, labels, signed)
    # A number handed over as text stays right-aligned; a flag reads да/нет, not a checkbox.
    for c in as_text:
        config[c] = {**(config.get(c) or st.column_config.Column()), "type_config": None,
                     "alignment": None if df.schema[c] == pl.Boolean else "right"}
    # A column's own format (percent, localized, a date's) would override the display text: drop it.
    grid = {c: ({**v, "type_config": {**v["type_config"], "format": None}}
                if isinstance(v, dict) and (v.get("type_config") or {}).get("format") else v) for c, v in config.items()}
    grid |= {c: {k: v for k, v in config[c].items() if k != "type_config"} for c in as_text}
    widths, row_height = wrapped_columns(df, wrap, grid)
    grid |= widths
    grid |= _fitted_widths(df, styled, grid, wrapping=row_height is not None)
    if row_height:
        kwargs.setdefault("row_height", row_height)
        kwargs.setdefault("height", HEADER_PX + row_height * min(df.height, WRAP_ROWS))
    event = st.dataframe(styled, column_config=grid, hide_index=True, **kwargs)
    if name is None:
        return event
    # A date column in the page's own format (a month «08.2026») is written so in the files too.
    dates = {c: _date_format(column_config or {}, c, "") for c in df.columns if df.schema[c] == pl.Date}
    downloads(full if download is None else download, name, key=download_key, percent=percent, digits=digits,
              labels=labels, dates={c: f for c, f in dates.items() if f})
    return event


# What Streamlit draws in English and has no option for, hidden or relabelled in one place: the ⋮ menu
# (Print, Record screen, Made with Streamlit), the element toolbar over tables (its own, second CSV download,
# Search, Fullscreen), the uploader's «Upload», «200MB per file» and a file's «33.2KB»; and less side padding,
# so a table fits at 1440 px. Plotly's English mode bar, which covered a heat-map label, is hidden for every chart.
# The «Skip to main content» link that Tab brings up reads in Russian: its English text is drawn at size 0 and the
# Russian one after it (the link's own style puts its size on :focus-visible, hence !important). So does the status
# widget's «Stop» («Stopping...») shown while a page runs: Streamlit has no option for its text.
# KPI cards (kpi_row) sit in a grid of equal cells, three a row below 1800 px (1920 with the sidebar), all in one
# above: wrapping by their text's width put a long «Год» or one-day value's card alone on a full-width row at 1280 px.
# The heat map's axis and cell labels are 15 px from 1700 px (a meeting room's wall screen; plotly's own sizes are set
# in the figure, which cannot know the window); charts.heatmap leaves the room the larger labels take.
CHROME_CSS = """
<style>
[data-testid="stMainMenu"], [data-testid="stElementToolbar"] {display: none !important;}
[data-testid="stMainBlockContainer"] {padding-left: 2.5rem; padding-right: 2.5rem;}
[data-testid="stFileUploaderDropzoneInstructions"] {display: none;}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] {display: none !important;}
[data-testid="stFileUploaderDropzone"] button:has([data-testid="stMarkdownContainer"])::after {
  content: "Выбрать файлы"; margin-left: 0.3rem;}
[data-testid="stFileChipName"] + * {display: none;}
.modebar-container {display: none !important;}
[data-testid="stSkipToContent"] {font-size: 0 !important;}
[data-testid="stSkipToContent"]::after {content: "Перейти к содержимому"; font-size: 0.875rem;}
[data-testid="stStatusWidget"] button {font-size: 0 !important;}
[data-testid="stStatusWidget"] button::after {content: "Остановить"; font-size: 0.875rem;}
[data-testid="stStatusWidget"] button:disabled::after {content: "Остановка\\2026";}
[class*="st-key-kpi_row_"] {display: grid !important; grid-template-columns: repeat(3, minmax(0, 1fr));}
[class*="st-key-kpi_row_"] > * {width: auto !important; min-width: 0;}
[class*="st-key-kpi_row_"] [data-testid="stMetricValue"] {font-size: 1.875rem;}
[class*="st-key-kpi_row_"] [data-testid="stMetricValue"] > div {white-space: normal; overflow-wrap: anywhere;}
@media (min-width: 1800px) {
  .st-key-kpi_row_5 {grid-template-columns: repeat(5, minmax(0, 1fr));}
  .st-key-kpi_row_6 {grid-template-columns: repeat(6, minmax(0, 1fr));}
}
@media (max-width: 640px) {[class*="st-key-kpi_row_"] {grid-template-columns: repeat(2, minmax(0, 1fr));}}
@media (min-width: 1700px) {
  .st-key-hm_chart .xtick text, .st-key-hm_chart .ytick text, .st-key-hm_chart .heatmap-label text {
    font-size: 15px !important;}
}
</style>
"""


def russian_chrome() -> None:
    """The CSS layer over Streamlit's own English (see CHROME_CSS); app.py calls it once a run."""
    st.html(CHROME_CSS)


def start_work(key: str, work: Callable[[Callable[[float, str], None]], object], text: str) -> None:
    """work(progress) started in a worker thread, kept in the session under `key` (see wait_for_work); its
    `progress(share 0…1, what is being done)` may be called from any thread (polars calls the load's masking in its
    own). Not started while one under `key` still runs."""
    running = st.session_state.get(key)
    if running is not None and not running["done"]:
        return
    # The latest call (one assignment: atomic between threads), and when the work began (wait_for_work's clock).
    job: dict = {"now": (0.0, text), "done": False, "started": time.monotonic()}

    def tell(share: float, what: str) -> None:
        job["now"] = (min(max(share, 0.0), 1.0), what)

    def run() -> None:
        try:
            job["value"] = work(tell)
        except BaseException as e:   # handed to the script's thread
            job["error"] = e
        finally:
            job["done"] = True

    st.session_state[key] = job
    threading.Thread(target=run, name="mcu-work", daemon=True).start()


def wait_for_work(key: str, note: str | None = None):
    """The work under `key` (start_work), if any: a progress bar while it runs, then its result (or its exception
    raised here), and it is forgotten; None when there is none.

    A click while the work runs makes Streamlit start the page anew at once, and the old run's bar is gone: the new
    run finds the work in the session and shows the same bar, and the work is neither stopped nor started twice
    (a second click on «Загрузить» loaded the files again). Only the script's thread touches the bar (a thread given
    a script's context keeps it: polars' threads outlive the session). A Streamlit stop at the bar's update is passed
    over: the wait goes on, the page reruns after it. `note`, a caption under the bar, is sent with it: a stopped
    page keeps what it was sent last, and the bar does not move on it."""
    job = st.session_state.get(key)
    if job is None:
        return None
    shown = _with_clock(job)
    bar = st.progress(*shown)
    if note:
        st.caption(note)
    while not job["done"] or _with_clock(job) != shown:
        if _with_clock(job) != shown:
            shown = _with_clock(job)
            try:
                bar.progress(shown[0], text=shown[1])
            except ScriptControlException:
                pass
        else:
            time.sleep(0.2)
    if st.session_state.get(key) is job:
        del st.session_state[key]
    if "error" in job:
        raise job["error"]
    return job["value"]


@contextlib.contextmanager
def saving(text: str = "Сохранение…"):
    """A spinner while the curator's choices are written, and a note while the write waits for a load into the same
    database (the writer lock, etl/build.py): a «Сохранить» pressed during a regional load waited minutes with only
    Streamlit's «Running…». Yields the `on_wait(waiting)` the write takes."""
    note = st.empty()

    def on_wait(waiting: bool) -> None:
        if waiting:
            note.info("Ожидание: идёт загрузка файла в эту базу. Выбор сохранится, как только она закончится.",
                      icon=":material/hourglass_top:")
        else:
            note.empty()

    with st.spinner(text):
        yield on_wait
    note.empty()


CLOCK_AFTER = 3   # seconds: a short work needs no clock


def _with_clock(job: dict) -> tuple[float, str]:
    """The work's latest (share, text), the text followed by how long the work has run once it runs a while: one
    step of a regional export (the texts' masking, 50 000 rows at a time) holds the bar still for a quarter of a
    minute, and the clock shows the work goes on."""
    share, text = job["now"]
    seconds = int(time.monotonic() - job["started"])
    if seconds < CLOCK_AFTER:
        return share, text
    minutes, seconds = divmod(seconds, 60)
    return share, f"{text} · идёт {f'{minutes} мин {seconds:02d} с' if minutes else f'{seconds} с'}"


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
    """Places for n KPI cards in a grid of equal cells (KPI_CSS): one row on a wide screen, two on a laptop,
    never a card alone on a row of its own."""
    row = st.container(horizontal=True, gap="small", key=f"kpi_row_{n}")
    return [row] * n


def kpi(col, label: str, value: str, delta: str | None = None, help: str | None = None,
        inverse: bool = False, neutral: bool = False) -> None:
    """A KPI card; `inverse` when growth is bad (overdue share), `neutral` when it is neither good nor bad
    (the number of appeals)."""
    flat = delta is not None and delta.lstrip().startswith("0")  # no change: neither arrow nor colour
    # st.metric reads the direction from an ASCII «-»; the card shows the minus sign «−» as the note does, so
    # the arrow and the colour are worked out here from the text fmt.signed gave.
    falls = delta is not None and delta.lstrip().startswith("-")
    color = "gray" if neutral or flat else ("red" if falls != inverse else "green")
    col.metric(label, value, fmt.minus(delta), delta_color=color, help=help, border=True,
               width="stretch", delta_arrow="off" if flat or delta is None else ("down" if falls else "up"))


SMALL_BASE = 5    # below this many items a share reads as «мало данных» and shows no change
NAMED_BASE = 30   # below this many the card names its base: «4,2 % (1 из 24)»


def share_value(share, base, digits: int = 1, text: str | None = None) -> str:
    """A KPI card's share with its base when the base is small: «—» on none, «мало данных (6)» below
    SMALL_BASE, the count it is of below NAMED_BASE — «4,2 % (1 из 24)», not «4,2 % из 24», which read as a share
    of 24 per cent (`text` in place of the percent, for a mean rating: «3,73 (12 оценок)»)."""
    if not base:
        return fmt.DASH
    if base < SMALL_BASE:
        return f"мало данных ({fmt.num(base)})"
    if base >= NAMED_BASE:
        return text if text is not None else fmt.pct(share, digits)
    if text is not None:
        return f"{text} ({fmt.count(base, 'оценка', 'оценки', 'оценок')})"
    return f"{fmt.pct(share, digits)} ({fmt.num(round(share * base))} из {fmt.num(base)})"


def small_base(*bases) -> bool:
    """A card's base too small for its change to mean anything (either period)."""
    return any(not b or b < SMALL_BASE for b in bases)


def change(cur, prev, digits: int = 0, share: bool = False) -> str | None:
    """Delta text: a share changes in percentage points, a count in units and percent."""
    if cur is None or prev is None:
        return None
    if share:
        return fmt.signed((cur - prev) * 100, 1, " п.п.")
    if not prev:
        return None
    return f"{fmt.signed(cur - prev, digits)} ({fmt.signed((cur - prev) / prev * 100, 1, ' %')})"
