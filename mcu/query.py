"""The one query runner: `run_query(name, **params)` runs queries/<name>.sql and returns a polars frame.

Parameters are bound (`$name` in the SQL), never pasted into SQL text. They are checked against the
SQL before it runs: a missing or unexpected parameter fails with the query's name (Datasette's habit).
"""
import contextlib
import functools
import re
import threading
import warnings
from pathlib import Path

import duckdb
import polars as pl

from mcu.settings import DUCKDB_CONFIG, QUERIES_DIR, db_path

# DuckDB warns that Arrow from an executed statement copies the rows once more: a copy of a page's result costs
# less than the second binding the relation API makes (run_query).
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)

_PARAM = re.compile(r"(?<![\w$:])\$([A-Za-z_]\w*)")
_COMMENT = re.compile(r"--[^\n]*")


class QueryError(Exception):
    """A query could not run; the message names the query and what to change."""


@functools.cache
def query_sql(name: str) -> str:
    path = QUERIES_DIR / f"{name}.sql"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in QUERIES_DIR.glob("*.sql")))
        raise QueryError(f"Нет запроса «{name}» (файла queries/{name}.sql). Известные запросы: {known}")
    return path.read_text(encoding="utf-8")


def query_params(name: str) -> set[str]:
    """The `$named` parameters a query uses (comments ignored)."""
    return set(_PARAM.findall(_COMMENT.sub("", query_sql(name))))


def _bind(value):
    # "All" in a multi-select is an empty list; the SQL takes NULL for "all".
    if isinstance(value, (list, tuple)):
        return list(value) or None
    return value


def db_version(path: Path | None = None) -> int:
    """Changes whenever the database file is replaced (the ETL swaps files atomically)."""
    try:
        return Path(path or db_path()).stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def _attach(path: str) -> duckdb.DuckDBPyConnection:
    # Attach read-only into an in-memory database: a swapped file is a new attach, and we never hold a
    # write lock on the file the ETL replaces.
    con = duckdb.connect(":memory:", config=DUCKDB_CONFIG)
    quoted = path.replace("'", "''")  # ATTACH takes no bound parameter: quote the path as SQL text
    con.execute(f"ATTACH '{quoted}' AS mcu (READ_ONLY)")
    return con


class _Attached:
    """One version of the database file with the number of queries running on it (so it is closed when
    replaced, but never under a running query)."""

    def __init__(self, path: str, version: int):
        self.version, self.users, self.retired = version, 0, False
        self.con = _attach(path)

    def retire(self) -> None:
        self.retired = True
        if not self.users:
            self.con.close()


_attached: dict[str, _Attached] = {}
_attached_lock = threading.Lock()
_KEEP_PATHS = 4  # databases kept attached at once (tests and tools open several)


@contextlib.contextmanager
def _lease(path: Path):
    """The current version of `path` for one query. A swapped file (the ETL replaces it atomically) is a new
    attach; the old one is closed as soon as its last query ends, so a replaced file's disk space is freed
    and no file the ETL deleted stays open."""
    key = str(path.resolve())
    with _attached_lock:
        version = db_version(path)
        att = _attached.get(key)
        if att is None or att.version != version:
            if att is not None:
                att.retire()
            att = _attached[key] = _Attached(key, version)
            for other in [k for k in _attached if k != key][:max(0, len(_attached) - _KEEP_PATHS)]:
                _attached.pop(other).retire()
        att.users += 1
    try:
        cur = att.con.cursor()
        try:
            cur.execute("USE mcu")
            yield cur
        finally:
            cur.close()
    finally:
        with _attached_lock:
            att.users -= 1
            if att.retired and not att.users:
                att.con.close()


def _existing(path: Path | None) -> Path:
    path = Path(path or db_path())
    if not path.exists():
        raise QueryError(f"Нет базы данных {path}. Соберите её: make run (демо) или python -m etl load ФАЙЛ.")
    return path


def connect(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A connection of its own to the current version of the database, with `mcu` as the default catalog
    (for scripts; close it when done). The app's queries go through run_query, which shares connections."""
    con = _attach(str(_existing(path).resolve()))
    con.execute("USE mcu")
    return con


def run_query(name: str, *, db: Path | None = None, **params) -> pl.DataFrame:
    """Run queries/<name>.sql with keyword parameters; DECIMAL results arrive as Float64."""
    sql = query_sql(name)
    wanted = query_params(name)
    missing, extra = wanted - params.keys(), params.keys() - wanted
    if missing or extra:
        parts = []
        if missing:
            parts.append("не переданы параметры: " + ", ".join(sorted(missing)))
        if extra:
            parts.append("лишние параметры: " + ", ".join(sorted(extra)))
        raise QueryError(f"Запрос «{name}»: " + "; ".join(parts))
    bound = {k: _bind(v) for k, v in params.items()}
    try:
        with _lease(_existing(db)) as cur:
            # execute + Arrow, not cur.sql(...).pl(): a relation binds the query once to describe itself and again
            # to run, and binding a page query's macros is a third of its time at 1 M appeals (bench/README.md).
            df = pl.from_arrow(cur.execute(sql, bound).to_arrow_table(), rechunk=False)
    except duckdb.Error as e:
        raise QueryError(f"Запрос «{name}» не выполнен: {e}\nПараметры: {bound}") from e
    decimals = [c for c, t in df.schema.items() if isinstance(t, pl.Decimal)]
    return df.with_columns(pl.col(decimals).cast(pl.Float64)) if decimals else df


__all__ = ["QueryError", "run_query", "query_params", "connect", "db_version"]
