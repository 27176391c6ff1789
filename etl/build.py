"""Writing the database: always into a temporary file that atomically replaces the real one.

The app opens the database read-only and may be reading it while we write; it never sees a half-built
file, and it never blocks us, because we never write the file it has open (DESIGN.md §7).
"""
import contextlib
import datetime as dt
import fcntl
import glob
import hashlib
import os
import shutil
import uuid
from pathlib import Path

import duckdb
import polars as pl

from core.text import per_distinct
from etl.address import ADDRESS_VERSION, mask_address_expr
from etl.calendar import production_calendar
from etl.privacy import REMASK_HINT, address_column, mask_expr, masks_version, personal_column, remask_text
from etl.reference import load_reference
from etl.report import mask_file_name
from core.settings import DUCKDB_CONFIG

SCHEMA = Path(__file__).with_name("schema.sql")


def apply_schema(con) -> None:
    """Create what the model lacks and refresh its views and macros (safe on an existing database)."""
    # appeal_repeats was a view, then a table the ETL filled, and is a view again over appeals.same_problem
    # (issue 13): the schema script can't turn one into the other by itself. refresh_derived fills the column.
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'appeal_repeats'").fetchone()[0]:
        con.execute("DROP TABLE appeal_repeats")
    # appeals had a primary key until issue 13 (the merge keeps appeal_id unique now: schema.sql); DuckDB cannot
    # drop one, so an older table is copied once into the table the script makes, in its order (rowids kept).
    keyed = con.execute("""SELECT count(*) FROM duckdb_constraints() WHERE database_name = current_database()
                           AND table_name = 'appeals' AND constraint_type = 'PRIMARY KEY'""").fetchall()[0][0]
    if keyed:
        con.execute("ALTER TABLE appeals RENAME TO appeals_keyed")
    stored = con.execute("SELECT max(value) FROM meta WHERE key = 'schema'").fetchall()[0][0] \
        if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'meta'").fetchall()[0][0] else None
    undated = _has_appeals_without("state_at", con)
    con.execute(SCHEMA.read_text(encoding="utf-8"))
    if keyed:
        con.execute("INSERT INTO appeals BY NAME SELECT * FROM appeals_keyed")
        con.execute("DROP TABLE appeals_keyed")
    if undated:
        _date_stored_states(con)
    if stored is not None and stored != schema_version():
        # Another version's schema: its day indexes may follow another definition. refresh_derived computes only
        # the rows without one, so they are emptied once here and all computed afresh by the next refresh.
        con.execute("UPDATE appeals SET received_widx = NULL WHERE received_widx IS NOT NULL")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", [schema_version()])
    remask_stored(con)


def _has_appeals_without(column: str, con) -> bool:
    """An appeals table (keyed or not) that lacks the column: a database of an older version."""
    tables = [t for (t,) in con.execute("""SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()
                                           AND table_name IN ('appeals', 'appeals_keyed')""").fetchall()]
    return bool(tables) and not con.execute("""SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database()
                                               AND table_name = ? AND column_name = ?""", [tables[0], column]).fetchall()[0][0]


def _date_stored_states(con) -> None:
    """state_at for appeals stored by a version without it: the latest event among the rows each file (its name and
    the moment it was loaded) still holds: at most the file's own export_state, so a later export still wins a tie,
    and an older one loaded late loses it when its own latest event is earlier."""
    con.execute("""
        UPDATE appeals SET state_at = f.state_at
        FROM (SELECT source_file, loaded_at, max(greatest(received_at, answered_at, closed_at)) AS state_at
              FROM appeals GROUP BY ALL) f
        WHERE appeals.source_file IS NOT DISTINCT FROM f.source_file AND appeals.loaded_at = f.loaded_at""")


# The free texts a database stores from the exports' cells: the appeal's text, the unmapped columns (JSON), a
# rejected row (JSON).
STORED_TEXTS = (("appeals", "text"), ("appeals", "extra"), ("import_rejects", "raw"))
REMASK_ROWS = 500_000


def remask_stored(con) -> int:
    """Texts stored under other pattern masks (etl.privacy.MASKS: a version that let passport numbers through)
    masked again with today's, so what a mask now hides is hidden in the data already loaded too: re-loading the
    file would not do it (a row's known text is kept). Only the patterns: names were masked at load, with their
    context. The problems' addresses too (etl.address), whole. Run once a database, when its masks' fingerprint or its
    addresses' (etl.address.ADDRESS_VERSION) differs; returns the number of values changed."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'meta'").fetchall()[0][0]:
        return 0   # a database older than meta: apply_schema makes it, then runs this
    stored = dict(con.execute("SELECT key, value FROM meta WHERE key IN ('masks', 'address_masks')").fetchall())
    if stored.get("masks") == masks_version() and stored.get("address_masks") == ADDRESS_VERSION:
        return 0
    changed = 0
    for table, column in STORED_TEXTS:
        last = con.execute(f"SELECT max(rowid) FROM {table}").fetchall()[0][0]
        # A part of the rows at a time: 10 M stored real texts at once would be gigabytes in memory.
        for start in range(0, -1 if last is None else last + 1, REMASK_ROWS):
            # Only values with a digit, an @ or a dot: every pattern hides a number (a phone, a document, a flat, a
            # date of birth), an address or a link; or with a hint of a name the name rules find (REMASK_HINT).
            values = con.sql(f"""SELECT rowid AS row_id, {column} AS v FROM {table}
                                 WHERE rowid BETWEEN {start} AND {start + REMASK_ROWS - 1}
                                   AND regexp_matches({column}, $hint)""",
                             params={"hint": REMASK_HINT}).pl()
            if values.is_empty():
                continue
            values = values.with_columns(per_distinct(values["v"], remask_text).alias("masked"))
            remasked = values.filter(pl.col("masked") != pl.col("v")).select("row_id", "masked")
            if remasked.height:
                con.register("remasked", remasked)
                con.execute(f"UPDATE {table} SET {column} = r.masked FROM remasked r WHERE {table}.rowid = r.row_id")
                con.unregister("remasked")
                changed += remasked.height
    changed += _withhold_stored_columns(con)
    changed += _remask_short_values(con)
    changed += _remask_addresses(con)
    changed += _remask_file_names(con)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('masks', ?)", [masks_version()])
    con.execute("INSERT OR REPLACE INTO meta VALUES ('address_masks', ?)", [ADDRESS_VERSION])
    return changed


def _remask_file_names(con) -> int:
    """The loaded files' names masked as a load masks them now (etl.report.mask_file_name). Returns the number of
    distinct values changed."""
    changed = 0
    for table, column in (("import_log", "file_name"), ("appeals", "source_file"), ("votes", "source_file")):
        names = [v for (v,) in con.execute(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL")
                 .fetchall()]
        remapped = pl.DataFrame({"v": names, "m": [mask_file_name(v) for v in names]},
                                schema={"v": pl.String, "m": pl.String}).filter(pl.col("v") != pl.col("m"))
        if remapped.is_empty():
            continue
        con.register("remapped", remapped)
        con.execute(f"UPDATE {table} SET {column} = r.m FROM remapped r WHERE {table}.{column} = r.v")
        con.unregister("remapped")
        changed += remapped.height
    return changed


def _remask_addresses(con) -> int:
    """The problems' addresses masked as a load masks them now (etl.address: a version before it hid only the flat),
    each distinct value once. Returns the number of distinct values changed."""
    distinct = pl.Series("v", [v for (v,) in con.execute("SELECT DISTINCT address FROM appeals "
                                                        "WHERE address IS NOT NULL").fetchall()], dtype=pl.String)
    remapped = pl.DataFrame({"v": distinct}).select(pl.col("v"), mask_address_expr(pl.col("v")).alias("m")) \
        .filter(pl.col("v") != pl.col("m"))
    if remapped.is_empty():
        return 0
    con.register("remapped", remapped)
    con.execute("UPDATE appeals SET address = r.m FROM remapped r WHERE appeals.address = r.v")
    con.unregister("remapped")
    return remapped.height


# Short values stored from the exports' cells, few distinct: a rejection's reason (it quotes the bad cell), the category
# columns (etl.frames.mask_categories) and the review list's values. Masked again whole, names too.
STORED_SHORT = (("import_rejects", "reason"), ("appeals", "subtheme"), ("votes", "title"), ("vote_options", "option"),
                ("unmatched_rows", "value"), ("unmatched_values", "value"))


def _remask_short_values(con) -> int:
    """STORED_SHORT masked as a load masks them now, each distinct value once. Two values of the review list that
    mask alike («Сидоров П. П., тел. 8913…0» and «…1») become one entry: its records' counts and channels added, still
    waiting if either did. Returns the number of values changed."""
    changed = 0
    for table, column in STORED_SHORT:
        distinct = pl.Series("v", [v for (v,) in con.execute(f"SELECT DISTINCT {column} FROM {table} "
                                                            f"WHERE {column} IS NOT NULL").fetchall()], dtype=pl.String)
        if distinct.is_empty():
            continue
        masked = pl.DataFrame({"v": distinct}).select(pl.col("v"), mask_expr(pl.col("v")).alias("m"))
        remapped = masked.filter(pl.col("v") != pl.col("m"))
        if remapped.is_empty():
            continue
        con.register("remapped", remapped)
        if table == "unmatched_values":
            con.execute("""
                CREATE OR REPLACE TEMP TABLE merged_values AS
                SELECT dim, coalesce(r.m, u.value) AS value,
                       array_to_string(list_sort(list_distinct(flatten(list(string_split(u.source, ','))))), ',') AS source,
                       sum(u.rows)::INTEGER AS rows, min(u.first_seen) AS first_seen, max(u.last_seen) AS last_seen,
                       CASE WHEN bool_or(u.status = 'pending') THEN 'pending' ELSE min(u.status) END AS status,
                       any_value(u.suggestion) AS suggestion, any_value(u.context) AS context,
                       any_value(u.mapped_to) AS mapped_to
                FROM unmatched_values u LEFT JOIN remapped r ON u.value = r.v
                GROUP BY ALL HAVING bool_or(r.v IS NOT NULL)""")
            con.execute("""DELETE FROM unmatched_values WHERE value IN (SELECT v FROM remapped)
                           OR (dim, value) IN (SELECT (dim, value) FROM merged_values)""")
            con.execute("INSERT INTO unmatched_values BY NAME SELECT * FROM merged_values")
            con.execute("DROP TABLE merged_values")
        elif table == "vote_options":
            # Two options of one vote that mask alike numbered after the first, as a load numbers them
            # (etl.frames._options_apart): the option is a part of the key.
            con.execute("""
                CREATE OR REPLACE TEMP TABLE renamed_options AS
                SELECT vote_id, option, CASE WHEN n > 1 THEN m || ' (' || n || ')' ELSE m END AS m, share, votes
                FROM (SELECT o.*, coalesce(r.m, o.option) AS m, row_number() OVER (
                          PARTITION BY o.vote_id, coalesce(r.m, o.option) ORDER BY r.m IS NOT NULL, o.option) AS n
                      FROM vote_options o LEFT JOIN remapped r ON o.option = r.v)
                WHERE n > 1 OR m <> option""")
            con.execute("DELETE FROM vote_options WHERE (vote_id, option) IN (SELECT (vote_id, option) FROM renamed_options)")
            con.execute("INSERT INTO vote_options SELECT vote_id, m, share, votes FROM renamed_options")
            con.execute("DROP TABLE renamed_options")
        else:
            con.execute(f"UPDATE {table} SET {column} = r.m FROM remapped r WHERE {table}.{column} = r.v")
        con.unregister("remapped")
        changed += remapped.height   # distinct values
    return changed


def _withhold_stored_columns(con) -> int:
    """Source columns about the applicant (etl.privacy.personal_column) kept by a version that did not know them
    for such («Адрес проживания», «Фамилия»): dropped from the appeals' extra columns, as a load now leaves them out,
    and hidden in rejected rows («[скрыто]»; an empty cell stays), as a load now hides them. An address column
    (etl.privacy.address_column) too: in the extra columns it is one the profile did not map, the applicant's home; in
    a reject, unless the import's profile maps it as the problem's address. Returns the number of values changed."""
    from etl.profile import builtin_profiles, norm_header
    places = {p.name: {norm_header(h) for h in (p.columns["address"].headers + p.columns["address"].parts)}
              for p in builtin_profiles() if "address" in p.columns}
    changed = 0
    for table, column, how in (("appeals", "extra", "drop"), ("import_rejects", "raw", "hide")):
        keys = [k for (k,) in con.execute(f"SELECT DISTINCT unnest(json_keys({column})) FROM {table} "
                                          f"WHERE {column} IS NOT NULL").fetchall()
                if personal_column(k) or address_column(k)]
        for key in keys:
            path = '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
            new = (f"json_remove({column}, $path)" if how == "drop"
                   else f"json_merge_patch({column}, json_object($key, '[скрыто]'))")
            where = ""
            if how == "hide":
                where = f" AND trim(coalesce({column} ->> $path, '')) <> ''"
                if not personal_column(key):    # an address: the problem's where the import's profile maps it so
                    mapped = sorted(name for name, headers in places.items() if norm_header(key) in headers)
                    if mapped:
                        where += (" AND import_id NOT IN (SELECT import_id FROM import_log WHERE profile IN ("
                                  + ", ".join(f"'{m}'" for m in mapped) + "))")
            n = con.execute(f"""UPDATE {table} SET {column} = CASE WHEN {new} = '{{}}' THEN NULL ELSE {new} END
                                WHERE json_exists({column}, $path){where}""",
                            {"path": path} | ({"key": key} if how == "hide" else {})).fetchall()[0][0]
            changed += n
    return changed


def schema_version() -> str:
    """The schema script's fingerprint, kept in `meta`: a database written by another version differs."""
    return hashlib.sha256(SCHEMA.read_bytes()).hexdigest()[:16]


def upgrade(path: Path) -> bool:
    """Bring a database written by an older version up to this one before the app reads it: the schema applied
    and the stored facts filled (the app opens the file read-only and would fail on a missing column).
    Returns whether it did; a current database is not touched, nor one that cannot be opened (a load holds it,
    or it is damaged: the app says so itself)."""
    path = Path(path)

    def current() -> bool:
        try:
            with duckdb.connect(str(path), read_only=True, config=DUCKDB_CONFIG) as con:
                try:
                    stored = dict(con.execute("SELECT key, value FROM meta WHERE key IN ('schema', 'masks', "
                                              "'address_masks')").fetchall())
                except duckdb.CatalogException:   # no meta table: older still
                    stored = {}
        except duckdb.Error:
            return True
        return (stored.get("schema") == schema_version() and stored.get("masks") == masks_version()
                and stored.get("address_masks") == ADDRESS_VERSION)

    if not path.exists() or current():
        return False
    # Checked again under the writer lock: a load that ran meanwhile has upgraded it already.
    with _swap(path, seed_from_existing=True, skip=current) as con:
        if con is None:
            return False
        apply_schema(con)
    return True


def refresh_derived(con) -> None:
    """Store the per-appeal facts that need the calendar or the whole table (schema.sql: received_widx,
    due_widx, answered_widx, same_problem) after any write, from their definitions (appeal_work_days_live,
    appeal_repeats_since / appeal_repeats_live).

    Only rows whose stored value differs are written: a daily load into a big database changes a few
    thousand rows, and rewriting every row would cost more than the load."""
    # Matched by rowid (DuckDB turns the self-join into one scan): at 10 M appeals 1 s and under 1 GB, where a
    # per-row calendar subquery held 1,5 GB and a join by appeal_id more. Only rows without a day index of
    # receipt are looked at: every write of an appeal (etl.write._write_appeals) inserts it with the indexes of
    # its dates (the same calendar lookup, held equal to this view by tests/test_derived.py), an older version's
    # schema empties them (apply_schema), no other write changes a date, and the calendar is written once with
    # the model; a row read from the calendar has its index. DuckDB then reads just those rows by
    # rowid (a daily file into 10 M appeals: 0,7 s → nothing). Rows received outside the calendar are looked
    # at every time and stay as they are.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE facts_now AS
        SELECT l.row_id, l.received_widx, l.due_widx, l.answered_widx
        FROM (SELECT rowid AS row_id, received_widx, due_widx, answered_widx FROM appeals
              WHERE received_widx IS NULL) a
        JOIN appeal_work_days_live l USING (row_id)
        WHERE (l.received_widx, l.due_widx, l.answered_widx)
              IS DISTINCT FROM (a.received_widx, a.due_widx, a.answered_widx)""")
    con.execute("""
        UPDATE appeals SET received_widx = n.received_widx, due_widx = n.due_widx, answered_widx = n.answered_widx
        FROM facts_now n WHERE appeals.rowid = n.row_id""")
    # Repeats: only appeals received from the earliest changed one on (new, or moved to another settlement,
    # subtheme, address or date — its old date counts too) can change, and they need the 90 days before it
    # (a margin of 92 calendar days, as the rule compares days). Nor can one received more than 90 days after
    # the latest changed one (old or new date): its predecessor, changed or not, is that far back either way
    # and counts as none, so the window stops there too (a margin of 92 days again).
    changed_from, changed_to = con.execute("""
        SELECT min(least(received_at, coalesce(repeat_received_at, received_at))),
               max(greatest(received_at, coalesce(repeat_received_at, received_at))) FROM appeals
        WHERE (repeat_basis, repeat_received_at) IS DISTINCT FROM
              (repeat_basis_of(settlement_id, subtheme, address), received_at)""").fetchall()[0]
    if changed_from is not None:
        since = dt.datetime.combine(changed_from.date() - dt.timedelta(days=92), dt.time())
        until = dt.datetime.combine(changed_to.date() + dt.timedelta(days=92), dt.time())
        con.execute("""
            CREATE OR REPLACE TEMP TABLE facts_now AS
            SELECT row_id, same_problem, basis, received_at FROM appeal_repeats_since($since, until := $until)
            WHERE received_at >= $changed_from
              AND (same_problem, basis, received_at)
                  IS DISTINCT FROM (stored_same_problem, stored_basis, stored_received_at)""",
                    {"since": since, "until": until, "changed_from": changed_from})
        con.execute("""
            UPDATE appeals SET same_problem = n.same_problem, repeat_basis = n.basis, repeat_received_at = n.received_at
            FROM facts_now n WHERE appeals.rowid = n.row_id""")
    con.execute("DROP TABLE IF EXISTS facts_now")


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
def _writer_lock(path: Path, on_wait=None, wait: bool = True):
    """One writer at a time per database: two uploads at once would otherwise each copy the old file
    and the later swap would silently drop the earlier load. `on_wait(True)` is told when another writer holds the
    lock and this one waits for it, `on_wait(False)` when it has it then (a load's bar said «проверка строк» all along).
    Yields whether the lock is held: with `wait` false, not when another writer holds it."""
    with open(_lock_path(path), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            if on_wait is not None:
                on_wait(True)
            fcntl.flock(lock, fcntl.LOCK_EX)
            if on_wait is not None:
                on_wait(False)
        try:
            yield True
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
def _swap(path: Path, seed_from_existing: bool, skip=None, on_wait=None, wait: bool = True, bare: bool = False):
    """The write: a copy (or a new file) changed, then swapped in. `skip`, asked under the writer lock, may
    say the write is no longer needed: the body then gets None and the file stays as it is. `on_wait`, `wait`:
    _writer_lock's (the body gets None when it would wait). `bare`: the body's write alone, no stored text masked
    again nor derived fact refreshed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _writer_lock(path, on_wait, wait) as held:
        if not held or (skip is not None and skip()):
            yield None
            return
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
            elif not bare:
                remask_stored(con)   # a load into a database masked by older patterns (one meta lookup if not)
            yield con
            if not bare:
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


def update_database(path: Path, on_wait=None):
    """Context manager: a copy of the existing database (or a new one, if there is none yet) to change;
    replaces `path` only on success, so a failed load leaves the database exactly as it was. `on_wait(waiting)`: told
    when the write waits for another writer (True) and when it goes on (False)."""
    return _swap(path, seed_from_existing=True, on_wait=on_wait)


def append_log(path: Path, skip=None):
    """Context manager: a copy of the existing database to add an import log record to (a refused file's:
    etl.report.log_refusal), swapped in as any write is, with nothing else changed. Never waited for nor created: the
    body gets None when there is no database yet, another load holds it or `skip()` (asked under the lock) says so."""
    path = Path(path)
    return _swap(path, seed_from_existing=True, skip=lambda: not path.exists() or (skip is not None and skip()),
                 wait=False, bare=True)
