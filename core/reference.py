"""Reference data (data/reference/*.csv): the editable dimensions, and the curator's additions to them (aliases and
new entries chosen on the «Загрузка данных» page). Read by the ETL and by the app alike."""
import os
import tomllib
from pathlib import Path

import polars as pl

from core.settings import REFERENCE_DIR

# The theme of an appeal no list or model could place (themes.csv has it): kept apart from every real theme.
UNKNOWN_THEME = "Не определено"

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
# The key column of each table the curator adds to: a later row with the same key replaces the earlier one.
KEYS = {"theme_aliases": "alias", "settlement_aliases": "alias", "executor_aliases": "alias",
        "settlements": "settlement_id", "executors": "executor_id"}
LIMITS_FILE = "limits.toml"


def reference_dir() -> Path:
    """data/reference, or $MCU_REFERENCE (tests and a second installation keep their choices apart)."""
    return Path(os.environ.get("MCU_REFERENCE") or REFERENCE_DIR)


def read_reference(table: str) -> pl.DataFrame:
    return pl.read_csv(reference_dir() / REFERENCE_TABLES[table], infer_schema_length=0).with_columns(
        pl.all().replace("", None)
    )


def add_reference(table: str, rows: list[dict]) -> None:
    """Append rows to a reference file (a row whose key is already there replaces it), keeping its columns."""
    if not rows:
        return
    path = reference_dir() / REFERENCE_TABLES[table]
    old = pl.read_csv(path, infer_schema_length=0)
    new = pl.DataFrame([{c: r.get(c) for c in old.columns} for r in rows], schema=dict.fromkeys(old.columns, pl.String))
    key = KEYS[table]
    merged = pl.concat([old.filter(~pl.col(key).is_in(new[key].to_list())), new])
    tmp = path.with_name(f".{path.name}.tmp")
    merged.write_csv(tmp)
    os.replace(tmp, path)   # a reader never sees half a file


def limits() -> dict:
    """data/reference/limits.toml: how much a load may add to the review list, how much a page may show.
    A reference folder of its own without the file (made before it existed) takes the shipped one."""
    path = reference_dir() / LIMITS_FILE
    with open(path if path.exists() else REFERENCE_DIR / LIMITS_FILE, "rb") as f:
        return tomllib.load(f)
