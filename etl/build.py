"""Writing the database: always into a temporary file that atomically replaces the real one.

The app opens the database read-only and may be reading it while we write; it never sees a half-built
file, and it never blocks us, because we never write the file it has open (DESIGN.md §7).
"""
import contextlib
import fcntl
import os
import shutil
import uuid
from pathlib import Path

import duckdb

from etl.calendar import production_calendar
from etl.reference import load_reference
from mcu.settings import DUCKDB_CONFIG

SCHEMA = Path(__file__).with_name("schema.sql")


def apply_schema(con) -> None:
    """Create what the model lacks and refresh its views and macros (safe on an existing database)."""
    # appeal_repeats was a view before it became a table the ETL fills: the schema script can't turn one
    # into the other by itself.
    if con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'appeal_repeats'").fetchone()[0]:
        con.execute("DROP VIEW appeal_repeats")
    con.execute(SCHEMA.read_text(encoding="utf-8"))


def refresh_derived(con) -> None:
    """Recompute what is derived from the whole appeals table (repeat appeals) after any write."""
    con.execute("DELETE FROM appeal_repeats")
    con.execute("INSERT INTO appeal_repeats SELECT * FROM appeal_repeats_live")


def create_model(con) -> None:
    """Create every table of the model and fill reference data and the production calendar."""
    apply_schema(con)
    load_reference(con)
    cal = production_calendar()
    con.execute("INSERT INTO calendar SELECT * FROM cal")


@contextlib.contextmanager
def _writer_lock(path: Path):
    """One writer at a time per database: two uploads at once would otherwise each copy the old file
    and the later swap would silently drop the earlier load."""
    with open(path.with_name(f".{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.contextmanager
def _swap(path: Path, seed_from_existing: bool):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _writer_lock(path):
        # Decided under the lock: two first loads at once must not both start from an empty model.
        seed = seed_from_existing and path.exists()
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        if seed:
            shutil.copyfile(path, tmp)
        con = duckdb.connect(str(tmp), config=DUCKDB_CONFIG)
        try:
            if not seed:
                create_model(con)
            yield con
            refresh_derived(con)
            con.execute("CHECKPOINT")
            con.close()
            os.replace(tmp, path)
        except BaseException:
            con.close()
            tmp.unlink(missing_ok=True)
            raise


def new_database(path: Path):
    """Context manager: a fresh database with the model created; replaces `path` on success."""
    return _swap(path, seed_from_existing=False)


def update_database(path: Path):
    """Context manager: a copy of the existing database (or a new one, if there is none yet) to change;
    replaces `path` only on success, so a failed load leaves the database exactly as it was."""
    return _swap(path, seed_from_existing=True)
