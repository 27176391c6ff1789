"""Reference data (data/reference/*.csv): the editable dimensions loaded into the model."""
import polars as pl

from mcu.settings import REFERENCE_DIR

# table name -> file in data/reference; order matters only for readability.
REFERENCE_TABLES = {
    "sources": "sources.csv",
    "themes": "themes.csv",
    "theme_aliases": "theme_aliases.csv",
    "settlements": "settlements.csv",
    "settlement_aliases": "settlement_aliases.csv",
    "executors": "executors.csv",
    "executor_aliases": "executor_aliases.csv",
}


def read_reference(table: str) -> pl.DataFrame:
    return pl.read_csv(REFERENCE_DIR / REFERENCE_TABLES[table], infer_schema_length=0).with_columns(
        pl.all().replace("", None)
    )


def load_reference(con) -> None:
    """Fill the reference tables from data/reference (columns matched by name, types cast by DuckDB)."""
    for table in REFERENCE_TABLES:
        df = read_reference(table)
        if df.height:
            cols = ", ".join(df.columns)
            con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM df")
