"""Downloads: CSV that Russian Excel opens with Cyrillic intact, and XLSX. Streamlit-free, testable."""
import io
import json
import re
from pathlib import PurePath

import polars as pl
from xlsxwriter import Workbook

# Excel runs a cell starting with one of these as a formula (CSV injection); a leading apostrophe disarms it.
FORMULA_START = r"^[=+\-@\t\r]"


def _neutralise(df: pl.DataFrame) -> pl.DataFrame:
    text = [c for c, t in df.schema.items() if t == pl.String]
    return df.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text
    )


DASH = "—"
FLOAT_DIGITS = 1  # a measure with a fraction (a score, a median, per 1 000, a percent) shows one decimal


def as_shown(df: pl.DataFrame, percent=(), digits: dict | None = None, labels: dict | None = None,
             excel: bool = False, dates: dict | None = None) -> pl.DataFrame:
    """A table as the screen shows it, for the downloads: shares in percent («Доля, %» 94,4, not 0,9444),
    numbers rounded as shown, да/нет, empty text as «—», a value the screen words (`labels`: column ->
    {value: text}, «< 1» for an overdue of 0 working days) worded alike. The CSV and the XLSX are written
    from this; for the XLSX (`excel`) a worded number stays a number, which to_xlsx words by its cell format
    (text among numbers made the column text: it sorted as text and summed to nothing). A date the screen writes
    in its own format (`dates`: column -> strftime, «%m.%Y» for a month) is written so in the CSV; the XLSX keeps
    the date and takes the format from to_xlsx's `dates`."""
    digits = digits or {}
    if not excel:
        df = df.with_columns(pl.col(c).dt.strftime(f) for c, f in (dates or {}).items()
                             if c in df.columns and df.schema[c].is_temporal())
    df = df.with_columns(
        pl.col(c).replace_strict(words, default=pl.col(c).cast(pl.String), return_dtype=pl.String)
        for c, words in (labels or {}).items() if c in df.columns and not (excel and df.schema[c].is_numeric()))
    out = df.with_columns(
        (pl.col(c) * 100).round(digits.get(c, FLOAT_DIGITS)).alias(c) for c in percent if c in df.columns)
    floats = [c for c, t in out.schema.items() if t.is_float() and c not in percent]
    out = out.with_columns(pl.col(c).round(digits.get(c, FLOAT_DIGITS)) for c in floats)
    flags = [c for c, t in out.schema.items() if t == pl.Boolean]
    out = out.with_columns(pl.col(flags).replace_strict({True: "да", False: "нет"}, return_dtype=pl.String))
    out = out.with_columns(pl.col(pl.String).fill_null(DASH))
    return out.rename({c: f"{c}, %" for c in percent if c in df.columns and not c.rstrip().endswith("%")})


def to_csv(df: pl.DataFrame) -> bytes:
    """UTF-8 with BOM, `;` separator, decimal comma, dates as ДД.ММ.ГГГГ, empty as «—»; formulas neutralised."""
    out = _neutralise(df)
    flags = [c for c, t in out.schema.items() if t == pl.Boolean]
    out = out.with_columns(pl.col(flags).replace_strict({True: "да", False: "нет"}, return_dtype=pl.String))
    floats = [c for c, t in out.schema.items() if t.is_float()]
    out = out.with_columns(pl.col(floats).round(4).cast(pl.String).str.replace(".", ",", literal=True))
    text = out.write_csv(separator=";", date_format="%d.%m.%Y", datetime_format="%d.%m.%Y %H:%M", null_value=DASH)
    return "\ufeff".encode() + text.encode("utf-8")


def _decimals_format(values: pl.Series) -> str:
    """An Excel number format with as many decimals as the (rounded) values have, at least one, at most four:
    89,4 and 3,73 as the screen shows them, not 89,400."""
    d = next((d for d in range(1, 4) if (values - values.round(d)).abs().max() is None
              or (values - values.round(d)).abs().max() < 1e-9), 4)
    return "0." + "0" * d


def _worded_format(words: dict, number: str) -> str:
    """An Excel number format that shows up to two values as words (`[=0]"< 1";0`): the cell keeps the number."""
    conditions = ";".join(f'[={v}]"{str(t).replace(chr(34), "")}"' for v, t in list(words.items())[:2])
    return f"{conditions};{number}"


def to_xlsx(df: pl.DataFrame, sheet: str = "Данные", labels: dict | None = None, dates: dict | None = None,
            about: list[tuple[str, str]] | None = None) -> bytes:
    """An XLSX workbook with one sheet; text that looks like a formula stays text, да/нет for flags, one decimal
    for fractions (as shown), date columns wide enough for the date (autofit measures the serial number), a number
    the screen words (`labels`, see as_shown) worded by its cell's format, a date the screen writes in its own format
    (`dates`: column -> strftime) formatted alike («mm.yyyy» for «%m.%Y»). `about` (what, value) rows — the period
    and the filters — go to a second sheet, «Условия», so the data sheet stays a table to sort and sum."""
    buf = io.BytesIO()
    out = _neutralise(df)
    flags = [c for c, t in out.schema.items() if t == pl.Boolean]
    out = out.with_columns(pl.col(flags).replace_strict({True: "да", False: "нет"}, return_dtype=pl.String))
    widths = {c: 130 if isinstance(t, pl.Datetime) else 85 for c, t in out.schema.items()
              if t == pl.Date or isinstance(t, pl.Datetime)}
    formats = {c: _decimals_format(out[c]) for c, t in out.schema.items() if t.is_float()}
    formats |= {c: _worded_format(words, formats.get(c, "0")) for c, words in (labels or {}).items()
                if c in out.columns and out.schema[c].is_numeric()}
    formats |= {c: f.replace("%d", "dd").replace("%m", "mm").replace("%Y", "yyyy") for c, f in (dates or {}).items()
                if c in out.columns}
    with Workbook(buf) as book:
        out.write_excel(book, worksheet=sheet[:31], autofit=True, column_widths=widths or None,
                        column_formats=formats or None,
                        dtype_formats={pl.Date: "dd.mm.yyyy", pl.Datetime: "dd.mm.yyyy hh:mm"})
        if about:
            conditions = book.add_worksheet("Условия")
            for i, (what, value) in enumerate(about):
                conditions.write_string(i, 0, what)
                conditions.write_string(i, 1, value)
            conditions.set_column(0, 0, 14)
            conditions.set_column(1, 1, min(100, max(len(v) for _w, v in about) + 2))
    return buf.getvalue()


# --- rejected rows --------------------------------------------------------------------------------------------------

REJECT_ROW, REJECT_REASON = "Строка файла", "Причина"


def _source_order(rows: list[dict]) -> list[str]:
    """The source's columns in the file's order: each row keeps only its non-empty cells (etl.stage), so a column
    first met in a later row goes after the column it follows there, not at the end."""
    order: list[str] = []
    for cells in rows:
        at = 0
        for k in cells:
            if k in order:
                at = order.index(k) + 1
            else:
                order.insert(at, k)
                at += 1
    return order


def rejects_sheet(rejects: pl.DataFrame) -> pl.DataFrame:
    """Rejected rows (queries/import_rejects.sql: source_row, reason, raw) as the export had them, to fix in Excel and
    load again: the row number and the reason, then one column a source column under its header, cells as stored
    (masked at the load). A cell the row had not is an empty text, not «—» as elsewhere (as_shown fills an empty cell
    so): loaded again, «—» would be a value. A source column named as one of the first two keeps its name; theirs get
    « (загрузка)»."""
    rows = [json.loads(r) if r else {} for r in rejects["raw"].to_list()]
    source = _source_order(rows)
    row_col, reason_col = ((c + " (загрузка)" if c in source else c) for c in (REJECT_ROW, REJECT_REASON))
    return pl.DataFrame([rejects["source_row"].alias(row_col), rejects["reason"].alias(reason_col),
                         *(pl.Series(c, ["" if r.get(c) is None else str(r[c]) for r in rows], dtype=pl.String)
                           for c in source)])


def rejects_file_name(file_name: str, import_id: int | None = None) -> str:
    """«отклонено_<the export's name, masked as stored, without its extension>_загрузка_6»: which export the rows
    came from (five loads of one file read alike otherwise); characters a file name cannot hold become «_»."""
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", PurePath(file_name).stem if file_name else "") or "файл"
    return f"отклонено_{stem}" + (f"_загрузка_{import_id}" if import_id is not None else "")
