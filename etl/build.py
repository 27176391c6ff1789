"""Writing the database: always into a temporary file that atomically replaces the real one.

The app opens the database read-only and may be reading it while we write; it never sees a half-built
file, and it never blocks us, because we never write the file it has open (DESIGN.md §7).
"""
import contextlib
import fcntl
import glob
import os
import shutil
import uuid
from pathlib import Path

import duckdb

from etl.calendar import production_calendar
from etl.reference import load_reference
from core.settings import DUCKDB_CONFIG

SCHEMA = Path(__file__).with_name("schema.sql")


def apply_schema(con) -> None:
    """Create what the model lacks and refresh its views and macros (safe on an existing database)."""
    # appeal_repeats was a view before it became a table the ETL fills: the schema script can't turn one
    # into the other by itself.
    if con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'appeal_repeats'").fetchone()[0]:
        con.execute("DROP VIEW appeal_repeats")
    con.execute(SCHEMA.read_text(encoding="utf-8"))


def refresh_derived(con) -> None:
    """Recompute what is derived from the whole appeals table (repeat appeals) after any write.

    The whole table is recomputed but only the difference is written: deleting and re-inserting every row
    rebuilds the primary-key index (9 of the 23 s a 1 000-row load into 1 M appeals took)."""
    con.execute("CREATE OR REPLACE TEMP TABLE repeats_now AS SELECT * FROM appeal_repeats_live")
    con.execute("DELETE FROM appeal_repeats WHERE appeal_id NOT IN (SELECT appeal_id FROM repeats_now)")
    con.execute("""
        UPDATE appeal_repeats r SET flagged = n.flagged, same_problem = n.same_problem, repeated = n.repeated
        FROM repeats_now n
        WHERE n.appeal_id = r.appeal_id
          AND (n.flagged, n.same_problem, n.repeated) IS DISTINCT FROM (r.flagged, r.same_problem, r.repeated)""")
    con.execute("INSERT INTO appeal_repeats SELECT * FROM repeats_now n ANTI JOIN appeal_repeats r USING (appeal_id)")
    con.execute("DROP TABLE repeats_now")


def create_model(con) -> None:
    """Create every table of the model and fill reference data and the production calendar."""
    apply_schema(con)
    load_reference(con)
    cal = production_calendar()
    con.execute("INSERT INTO calendar SELECT * FROM cal")


def _lock_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.lock")


def _temp_files(path: Path) -> list[Path]:
    """A writer's temporary database beside `path`, with whatever DuckDB adds to its name (.wal, .tmp/)."""
    return sorted(path.parent.glob(f".{glob.escape(path.name)}.*.tmp*"))


def _remove(paths) -> list[Path]:
    paths = list(paths)
    for p in paths:
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    return paths


@contextlib.contextmanager
def _writer_lock(path: Path):
    """One writer at a time per database: two uploads at once would otherwise each copy the old file
    and the later swap would silently drop the earlier load."""
    with open(_lock_path(path), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def remove_stale(path: Path) -> list[Path]:
    """Delete the temporary databases killed writers left beside `path` (a kill -9 mid-load leaves a full
    copy of the database). Only when no writer runs: the writer lock dies with its process, so a free
    lock means every temporary file is an orphan. Returns what was removed."""
    path = Path(path)
    if not path.parent.is_dir() or not _temp_files(path):
        return []
    with open(_lock_path(path), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return []   # a load is running: its file is not stale
        try:
            return _remove(_temp_files(path))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.contextmanager
def _swap(path: Path, seed_from_existing: bool):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _writer_lock(path):
        # Under the lock no other writer runs, so any temporary file here is from a killed one.
        _remove(_temp_files(path))
        # Decided under the lock: two first loads at once must not both start from an empty model.
        seed = seed_from_existing and path.exists()
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        con = None
        try:
            if seed:
                shutil.copyfile(path, tmp)   # inside the try: a full disk fails here too
            con = duckdb.connect(str(tmp), config=DUCKDB_CONFIG)
            if not seed:
                create_model(con)
            yield con
            refresh_derived(con)
            con.execute("CHECKPOINT")
            con.close()
            os.replace(tmp, path)
        except BaseException:
            if con is not None:
                with contextlib.suppress(Exception):  # closing may fail again on a full disk
                    con.close()
            raise
        finally:
            # Nothing of ours stays beside the database: not the copy, its WAL nor DuckDB's spill folder.
            _remove(p for p in _temp_files(path) if p.name.startswith(tmp.name))


def new_database(path: Path):
    """Context manager: a fresh database with the model created; replaces `path` on success."""
    return _swap(path, seed_from_existing=False)


def update_database(path: Path):
    """Context manager: a copy of the existing database (or a new one, if there is none yet) to change;
    replaces `path` only on success, so a failed load leaves the database exactly as it was."""
    return _swap(path, seed_from_existing=True)
