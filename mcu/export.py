"""Downloads: CSV that Russian Excel opens with Cyrillic intact, and XLSX. Streamlit-free, testable."""
import io

import polars as pl

# Excel runs a cell starting with one of these as a formula (CSV injection); a leading apostrophe disarms it.
FORMULA_START = r"^[=+\-@\t\r]"


def _neutralise(df: pl.DataFrame) -> pl.DataFrame:
    text = [c for c, t in df.schema.items() if t == pl.String]
    return df.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text
    )


def to_csv(df: pl.DataFrame) -> bytes:
    """UTF-8 with BOM, `;` separator, decimal comma, dates as ДД.ММ.ГГГГ; formulas neutralised."""
    out = _neutralise(df)
    flags = [c for c, t in out.schema.items() if t == pl.Boolean]
    out = out.with_columns(pl.col(flags).replace_strict({True: "да", False: "нет"}, return_dtype=pl.String))
    floats = [c for c, t in out.schema.items() if t.is_float()]
    out = out.with_columns(pl.col(floats).round(4).cast(pl.String).str.replace(".", ",", literal=True))
    text = out.write_csv(separator=";", date_format="%d.%m.%Y", datetime_format="%d.%m.%Y %H:%M")
    return "\ufeff".encode() + text.encode("utf-8")


def to_xlsx(df: pl.DataFrame, sheet: str = "Данные") -> bytes:
    """An XLSX workbook with one sheet; text that looks like a formula stays text."""
    buf = io.BytesIO()
    _neutralise(df).write_excel(buf, worksheet=sheet[:31], autofit=True,
                                dtype_formats={pl.Date: "dd.mm.yyyy", pl.Datetime: "dd.mm.yyyy hh:mm"})
    return buf.getvalue()
