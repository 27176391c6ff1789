"""Writing into the database being built: the reference synced in, appeals merged with what the database knows
(inserted, updated or left as duplicates), repeat appeals marked, votes and their options upserted."""
import datetime as dt

import polars as pl

from core import fmt
from etl.build import apply_schema
from etl.detect import Detection
from etl.frames import APPEAL_COLUMNS, id_prefix, votes_frames
from etl.match import UNKNOWN_THEME, Unmatched
from etl.reference import REFERENCE_TABLES, read_reference

# What makes a re-loaded row "the same": everything but where and when it was loaded from.
# The moment the stored state describes (state_at) is not content either: an export of a later day that says the same
# leaves a duplicate, its state_at moved on (_write_appeals).
CONTENT = [c for c in APPEAL_COLUMNS if c not in ("appeal_id", "state_at", "source_file", "source_row", "loaded_at")]


REPEAT_WINDOW_DAYS = 90


def sync_reference(con) -> None:
    """Bring the model (a database built by an older version) and data/reference edits (new aliases,
    settlements, executors) into the database being loaded."""
    apply_schema(con)
    for table in REFERENCE_TABLES:
        df = read_reference(table)
        if df.height:
            cols = ", ".join(df.columns)
            con.execute(f"INSERT OR REPLACE INTO {table} ({cols}) SELECT {cols} FROM df")


def bring_ids_to_profile(con, profile) -> int:
    """The stored keys of this profile's appeals in the form its id_restarts gives (etl.frames.appeal_id_expr), with
    the review list's records of them: a database loaded when a 59-ФЗ register's «letters:1-ОГ» was one key for every
    year gets «letters:2025:1-ОГ», so the same file loaded again adds no letter twice. Done once a form (meta); a key
    the other form would give twice (a number of two years, going back to "never") stays as it is. Returns the keys
    changed."""
    prefix = id_prefix(profile)
    meta = f"appeal_ids:{prefix}"
    stored = con.execute("SELECT max(value) FROM meta WHERE key = ?", [meta]).fetchall()[0][0] or "never"
    if stored == profile.id_restarts:
        return 0
    plain, yearly = "$prefix || external_id", "$prefix || year(received_at) || ':' || external_id"
    old, new = (plain, yearly) if profile.id_restarts == "year" else (yearly, plain)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE moved_ids AS
        SELECT appeal_id AS old_id, {new} AS new_id FROM appeals
        WHERE starts_with(appeal_id, $prefix) AND appeal_id = {old}
        QUALIFY count(*) OVER (PARTITION BY new_id) = 1""", {"prefix": prefix})
    con.execute("DELETE FROM moved_ids WHERE new_id IN (SELECT appeal_id FROM appeals WHERE starts_with(appeal_id, $prefix))",
                {"prefix": prefix})
    moved = con.execute("SELECT count(*) FROM moved_ids").fetchall()[0][0]
    if moved:
        con.execute("UPDATE appeals SET appeal_id = m.new_id FROM moved_ids m WHERE appeals.appeal_id = m.old_id")
        con.execute("""UPDATE unmatched_rows SET record_id = m.new_id FROM moved_ids m
                       WHERE unmatched_rows.record_table = 'appeals' AND unmatched_rows.record_id = m.old_id""")
    con.execute("DROP TABLE moved_ids")
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [meta, profile.id_restarts])
    return moved


def _other_registrations(con) -> list[str]:
    """The report's word on rows whose number the database holds for an appeal registered on another day (a day or
    more apart; within a day: two systems' clocks). Merged as states of one appeal — the newer state's date stands
    (tests/test_derived.py) — but it may be another appeal under a wrong number, as two such rows in one file are
    taken to be (etl.stage._one_key_conflicts): said, not silent."""
    # The stored rows of this file's items are in `known` already (_write_appeals): no second scan of the table.
    n, number, theirs, ours = con.execute("""
        SELECT count(*), arg_min(i.external_id, (i.received_at, i.external_id)),
               arg_min(i.received_at, (i.received_at, i.external_id)),
               arg_min(k.received_at, (i.received_at, i.external_id))
        FROM incoming i JOIN known k USING (appeal_id)
        WHERE abs(epoch(i.received_at) - epoch(k.received_at)) >= 86400""").fetchall()[0]
    if not n:
        return []
    shown = lambda d: d.strftime("%d.%m.%Y %H:%M")
    return [f"номер уже есть в базе с другой датой регистрации в {fmt.count(n, 'строке', 'строках', 'строках')} "
            f"(например, «{number}»: в базе {shown(ours)}, в файле {shown(theirs)}) — "
            "строки приняты за то же обращение, и у него осталась дата более нового состояния; если это разные "
            "обращения, исправьте номера в выгрузке"]


def _mark_repeats(con) -> None:
    """An applicant's appeal on the same theme within 90 days after an earlier one is a repeat."""
    con.execute(f"""
        UPDATE stage s SET is_repeat = true
        WHERE NOT s.is_repeat AND s.applicant_hash IS NOT NULL AND EXISTS (
            SELECT 1 FROM (
                SELECT appeal_id, applicant_hash, theme, received_at FROM appeals
                WHERE applicant_hash IS NOT NULL AND appeal_id NOT IN (SELECT appeal_id FROM stage)
                UNION ALL SELECT appeal_id, applicant_hash, theme, received_at FROM stage
            ) p
            WHERE p.applicant_hash = s.applicant_hash AND p.theme = s.theme AND p.appeal_id <> s.appeal_id
              AND p.received_at < s.received_at
              AND p.received_at >= s.received_at - INTERVAL {REPEAT_WINDOW_DAYS} DAY)""")


# Which file fields say something about each appeals column: a column none of them maps is not said by
# the file, so it cannot change what the database knows (DESIGN.md §3).
SAID_BY = {
    "appeal_type": ("appeal_type",), "due_at": ("due_at",), "extended": ("extended",),
    "answered_at": ("answered_at",), "closed_at": ("closed_at",), "status": ("status",),
    # A theme predicted from the text is said by the text (and never replaces one an export gave: _merge_sql).
    "theme": ("theme", "subtheme", "text"), "theme_source": ("theme", "subtheme", "text"),
    "theme_confidence": ("theme", "subtheme", "text"), "theme_suggestion": ("theme", "subtheme", "text"),
    "subtheme": ("subtheme",), "settlement_id": ("settlement",),
    "address": ("address",), "lat": ("lat", "coordinates"), "lon": ("lon", "coordinates"),
    "executor_id": ("executor",), "result": ("result",), "solvable": ("solvable",), "rating": ("rating",),
    "satisfied": ("satisfied", "rating"), "applicant_hash": ("applicant",), "text": ("text",),
    "audience": ("audience",), "engagement": ("engagement",),
}


def shared_cells(columns: dict) -> dict[str, list[str]]:
    """The file's columns each field reads that another field reads too, for the fields that say appeals columns
    (SAID_BY): ИМ's «Причина закрытия» gives both the rating and the satisfaction. Such a filled cell says every field
    read from it, a null one too (etl.frames.cell_flags carries it per row: _merge_sql)."""
    saying = {f for fields in SAID_BY.values() for f in fields}
    read = {f: {*r.headers, *r.parts} for f, r in columns.items() if f in saying}
    shared = {f: sorted(cols & set().union(*(read[g] for g in read if g != f))) for f, cols in read.items()}
    return {f: cols for f, cols in shared.items() if cols}


def cell_flag(field: str) -> str:
    """The frame's column saying, per row, that the cell `field` shares with another field is filled."""
    return f"cell_filled__{field}"


_RANK_SQL = ("CASE {} WHEN 'new' THEN 0 WHEN 'in_progress' THEN 1 WHEN 'answered' THEN 2 WHEN 'closed' THEN 3 "
             "WHEN 'rejected' THEN 3 ELSE -1 END")


def _merge_sql(said: set[str], known: str = "appeals", cells: set[str] = frozenset()) -> str:
    """SELECT of the appeals columns for every incoming row, merged with the row the database has (in `known`:
    the appeals table, or the part of it that holds this file's items).

    A newer state (by the item's own dates, then its status, then the moment its export describes: state_at,
    etl.frames.export_state) takes every value the file says and keeps the rest; an older one only fills what the
    database lacks. Two exports describing the same moment tie: the one loaded later is a re-export, and wins.
    Nothing the file does not say, no empty cell and no older export erases or rolls back a value. A cell read for two
    fields (`cells`: the fields whose shared cell the frame flags, shared_cells) says both when filled: a newer state's
    «Автор доволен» is no score, and leaves no stored «3» beside its satisfaction."""
    # What the file does not say is NULL here: every use below takes its type from the database's column.
    S = lambda c: f"s.{c}" if c not in SAID_BY or said & set(SAID_BY[c]) else "NULL"
    # A file that does not say the status ties on it; a state stored before state_at existed (a database of an
    # older version that could not be dated) loses a tie, as every tie went to the incoming row then.
    s_rank = f"CASE WHEN {S('status')} IS NULL THEN {_RANK_SQL.format('t.status')} ELSE {_RANK_SQL.format(S('status'))} END"
    s_ts, t_ts = (f"greatest(s.received_at, {S('answered_at')}, {S('closed_at')})",
                  "greatest(t.received_at, t.answered_at, t.closed_at)")
    t_rank = _RANK_SQL.format('t.status')
    newer = (f"({s_ts} > {t_ts} OR ({s_ts} = {t_ts} AND ({s_rank} > {t_rank} OR ({s_rank} = {t_rank} "
             f"AND s.state_at >= coalesce(t.state_at, s.state_at)))))")
    s_theme = (f"CASE WHEN {S('theme_source')} = 'predicted' AND t.theme IS DISTINCT FROM '{UNKNOWN_THEME}' "
               f"AND coalesce(t.theme_source, 'export') <> 'predicted' THEN NULL ELSE {S('theme')} END")
    # A theme the export (or a list) gives replaces a guess from the text whichever state is newer.
    take_theme = (f"(CASE WHEN t.theme_source = 'predicted' AND {S('theme_source')} <> 'predicted' "
                  f"AND nullif({s_theme}, '{UNKNOWN_THEME}') IS NOT NULL THEN true "
                  f"WHEN n THEN nullif({s_theme}, '{UNKNOWN_THEME}') IS NOT NULL "
                  f"ELSE nullif(t.theme, '{UNKNOWN_THEME}') IS NULL AND ({s_theme}) IS NOT NULL END)")
    # The same theme again keeps its known source (a thinner file may reach it through the alias list instead).
    take_source = (f"({take_theme} AND (({s_theme}) IS DISTINCT FROM t.theme "
                   f"OR t.theme_source = 'predicted'))")
    merged = {}
    for c in CONTENT:
        if c in ("extended", "is_repeat"):
            merged[c] = f"t.{c} OR coalesce({S(c)}, false)"        # once extended or repeated, always so
        elif c == "theme":
            # «Не определено» says nothing about the item: a known theme stays. A theme predicted from the text
            # replaces only another prediction (or nothing): never one the export, the alias list or the curator gave.
            merged[c] = f"CASE WHEN {take_theme} THEN {s_theme} ELSE t.theme END"
        elif c == "theme_source":
            merged[c] = f"CASE WHEN {take_source} THEN {S(c)} ELSE t.theme_source END"
        elif c in ("theme_confidence", "theme_suggestion"):
            merged[c] = (f"CASE WHEN {take_source} THEN {S(c)} WHEN t.theme_source IS NULL AND t.theme = "
                         f"'{UNKNOWN_THEME}' THEN coalesce({S(c)}, t.{c}) ELSE t.{c} END")
        elif c == "due_at":
            # A deadline the file states wins as any value does; the rule's deadline (the file gives none)
            # replaces a known one only when the appeal has been extended since.
            # An extended deadline never moves earlier by a file that does not say «продлено» (it stays extended).
            due = ("CASE WHEN n AND s.due_given IS NOT NULL THEN s.due_given "
                   "WHEN s.due_given IS NULL AND s.extended AND NOT t.extended THEN s.due_at "
                   "ELSE coalesce(t.due_at, s.due_at) END")
            # Nor does an extension the file reports (the appeal stays extended, whichever state is newer) leave the
            # earlier deadline: it moves to the file's, if that is later.
            merged[c] = (f"CASE WHEN t.extended AND NOT coalesce({S('extended')}, false) "
                         f"THEN greatest(t.due_at, {due}) "
                         f"WHEN NOT t.extended AND {S('extended')} THEN greatest({due}, s.due_at) ELSE {due} END")
        elif c in ("kind", "received_at"):
            merged[c] = f"CASE WHEN n THEN s.{c} ELSE t.{c} END"
        elif c == "extra":
            # The source's own columns, merged per key: a file lacking a column, or leaving its cell empty (never a
            # key: etl.frames._extra), keeps the stored value; a newer state's value wins, an older one only fills.
            # A merge that changes nothing keeps the stored text as it is, so the row stays a duplicate.
            patch = "CASE WHEN n THEN json_merge_patch(t.extra, s.extra) ELSE json_merge_patch(s.extra, t.extra) END"
            merged[c] = (f"CASE WHEN s.extra IS NULL OR t.extra IS NULL THEN coalesce(t.extra, s.extra) "
                         f"WHEN NOT (json_valid(s.extra) AND json_valid(t.extra)) "
                         f"THEN CASE WHEN n THEN s.extra ELSE t.extra END "
                         f"WHEN json({patch}) = json(t.extra) THEN t.extra ELSE ({patch})::VARCHAR END")
        else:
            filled = [f"s.{cell_flag(f)}" for f in SAID_BY.get(c, ()) if f in said and f in cells]
            says = f"WHEN n AND ({' OR '.join(filled)}) THEN {S(c)} " if filled else ""
            merged[c] = f"CASE {says}WHEN n THEN coalesce({S(c)}, t.{c}) ELSE coalesce(t.{c}, {S(c)}) END"
    # A newer state takes the status the file says; otherwise the known status follows a date the merge adds.
    merged["status"] = f"""CASE WHEN n AND {S('status')} IS NOT NULL THEN {S('status')}
        WHEN t.status = 'rejected' THEN t.status
        WHEN t.closed_at IS NULL AND ({merged['closed_at']}) IS NOT NULL
             AND t.status IN ('new', 'in_progress', 'answered') THEN 'closed'
        WHEN t.answered_at IS NULL AND ({merged['answered_at']}) IS NOT NULL
             AND t.status IN ('new', 'in_progress') THEN 'answered'
        ELSE t.status END"""
    # The moment the kept values describe: the export's whose state won.
    merged["state_at"] = "CASE WHEN n THEN s.state_at ELSE t.state_at END"
    cols = ",\n".join(
        f"CASE WHEN t.appeal_id IS NULL THEN s.{c} ELSE {merged[c]} END AS {c}" for c in [*CONTENT, "state_at"])
    # A known item's row of an older state that says something else than the database (the report tells why it
    # changed nothing: «дубликатов 3» alone read as copies).
    differs = [f"({S(c)} IS NOT NULL AND {S(c)} IS DISTINCT FROM t.{c})" for c in CONTENT
               if c in SAID_BY and said & set(SAID_BY[c]) and not c.startswith("theme_")]
    stale = f"(NOT coalesce(s.n, true) AND ({' OR '.join(differs) or 'false'}))"
    return f"""
        SELECT s.appeal_id, {cols},
               -- the file and row the kept state comes from: an older export that only fills a gap is not it
               CASE WHEN t.appeal_id IS NULL OR s.n THEN s.source_file ELSE t.source_file END AS source_file,
               CASE WHEN t.appeal_id IS NULL OR s.n THEN s.source_row ELSE t.source_row END AS source_row,
               s.loaded_at, {stale} AS stale
        FROM (SELECT s.*, {newer} AS n FROM incoming s LEFT JOIN {known} t USING (appeal_id)) s
        LEFT JOIN {known} t USING (appeal_id)"""


DAY_INDEXES = ("received_widx", "due_widx", "answered_widx")
_DAY_MOMENTS = ("received_at", "due_at", "answered_at")


def _day_indexes(con, rows: str) -> tuple[str, dict]:
    """The SELECT list of a written row's day indexes (schema.sql: work_idx_in) and its parameters: the calendar
    as a constant list, so the insert stays a scan in the order its rows come in. Taken at insert, not by a second
    write over the new rows afterwards (1 M rows: an UPDATE of 0,25 s in etl.build.refresh_derived, which now
    finds them filled)."""
    first, days = con.execute("SELECT min(day), list(work_idx ORDER BY day) FROM calendar").fetchone()
    select = ", ".join(f"work_idx_in($days, $first_day, {rows}.{c})" for c in _DAY_MOMENTS)
    return select, {"days": days or [], "first_day": first}


def _write_appeals(con, frame: pl.DataFrame, said: set[str], notes: list | None = None) -> tuple[int, int, int]:
    """Insert new appeals, merge known ones (see _merge_sql), leave unchanged ones: (loaded, updated, duplicate).
    `frame` comes in the order appeals are stored in: by received_at, then appeal_id. `notes` gets the report's word
    on rows of an older state than the stored one that say otherwise, and on known numbers registered on another
    day (_other_registrations)."""
    # The frame is read where the merge needs it, not copied into a table first (1 M rows: a second copy in
    # DuckDB's memory and a second of time). Handed over as Arrow with polars' own string views: DuckDB's polars
    # source asks for the oldest Arrow layout, a copy of every text into `large_string` (1 M rows: 0,3 s; 1 M real
    # texts: the load's peak 3,3 → 2,7 GB).
    con.register("incoming", frame.to_arrow(compat_level=pl.CompatLevel.newest()))
    # The rows the database already holds for this file's items, found by one scan of appeal_id and then read by
    # rowid: the merge joins these, not every column of the whole table (a daily file into 10 M appeals: ~1 s
    # of the load; a file of new items into an empty database: nothing to merge at all).
    con.execute("""
        CREATE OR REPLACE TEMP TABLE known AS
        SELECT rowid AS known_row, * FROM appeals
        WHERE rowid IN (SELECT rowid FROM appeals SEMI JOIN incoming USING (appeal_id))""")
    known = con.execute("SELECT count(*) FROM known").fetchall()[0][0]
    cols = ", ".join(APPEAL_COLUMNS)
    # Stored in order of receipt: every page filters by period, and row groups that each hold a span of days
    # let DuckDB skip the rest (2–4× faster page queries at 1 M appeals than in file order).
    order = "ORDER BY s.received_at, s.appeal_id"
    days, params = _day_indexes(con, "s")
    if not known and frame["applicant_hash"].null_count() == frame.height:
        # Nothing to merge and no applicant to find repeats by: every row is new as it stands (the merge
        # below would give each row its own values), so it goes in without the staging copy (1 M rows: ~1 s),
        # in the frame's order (DuckDB keeps a scan's order on insert) rather than sorted again.
        con.execute(f"INSERT INTO appeals ({cols}, {', '.join(DAY_INDEXES)}) "
                    f"SELECT {', '.join('s.' + c for c in APPEAL_COLUMNS)}, {days} FROM incoming s", params).fetchall()
        con.unregister("incoming")
        con.execute("DROP TABLE known")
        return frame.height, 0, 0
    if notes is not None:
        notes += _other_registrations(con)
    cells = {f for f in said if cell_flag(f) in frame.columns}
    con.execute(f"CREATE OR REPLACE TEMP TABLE stage AS {_merge_sql(said, 'known', cells)}")
    con.unregister("incoming")
    if con.execute("SELECT count(applicant_hash) FROM stage").fetchall()[0][0]:
        _mark_repeats(con)   # only an applicant's hash makes a repeat here; without one the search finds nothing
    same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM s.{c}" for c in CONTENT)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE stage_class AS
        SELECT s.appeal_id,
               CASE WHEN t.appeal_id IS NULL THEN 'loaded' WHEN {same} THEN 'duplicate' ELSE 'updated' END AS cls
        FROM stage s LEFT JOIN known t USING (appeal_id)""")
    counts = dict(con.execute("SELECT cls, count(*) FROM stage_class GROUP BY cls").fetchall())
    if notes is not None:
        stale = dict(con.execute("SELECT c.cls, count(*) FROM stage s JOIN stage_class c USING (appeal_id) "
                                 "WHERE s.stale GROUP BY c.cls").fetchall())
        older = "строк, описывающих более раннее состояние обращений, чем уже загруженное (выгрузка старше): "
        if stale.get("duplicate"):
            notes.append(f"{older}{fmt.num(stale['duplicate'])} — значения в базе новее и не изменены, эти строки "
                         "посчитаны в дубликатах")
        if stale.get("updated"):
            notes.append(f"{older}{fmt.num(stale['updated'])} — из них взято только то, чего в базе не было (строки "
                         "посчитаны в обновлённых)")
    # A duplicate from an export of a later moment: the same values, now known to hold then (a still older export
    # must lose the tie to this one, not to the one first stored).
    con.execute("""UPDATE appeals SET state_at = d.state_at FROM (
                       SELECT k.known_row, s.state_at FROM stage s JOIN stage_class c USING (appeal_id)
                       JOIN known k USING (appeal_id)
                       WHERE c.cls = 'duplicate' AND s.state_at IS DISTINCT FROM k.state_at) d
                   WHERE appeals.rowid = d.known_row""")
    # appeal_id stays unique by this write alone (schema.sql keeps no key index): every item of the file is one
    # row here (etl.stage._latest_state), a known one is deleted before its merged row goes in, and loads run
    # one at a time (etl.build._writer_lock). The merged row keeps what was stored beside it (the repeat facts
    # and what they were computed from: etl.build.refresh_derived compares them with the new values, and the
    # old date tells it where the appeal stood); its day indexes are taken afresh from its dates (_day_indexes).
    if counts.get("updated"):
        con.execute("""DELETE FROM appeals WHERE rowid IN (
                           SELECT t.rowid FROM appeals t SEMI JOIN stage_class c
                           ON c.appeal_id = t.appeal_id AND c.cls = 'updated')""")
    # Every stored column the file does not write (the repeat facts, and any a later schema adds) is carried over
    # from the stored row, not emptied: read from the table itself, so a new column cannot be forgotten here.
    kept = [c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'appeals' "
                                      "AND database_name = current_database() ORDER BY column_index").fetchall()
            if c not in APPEAL_COLUMNS and c not in DAY_INDEXES]
    con.execute(f"""
        INSERT INTO appeals ({cols}, {', '.join(kept)}, {', '.join(DAY_INDEXES)})
        SELECT {', '.join('s.' + c for c in APPEAL_COLUMNS)}, {', '.join('k.' + c for c in kept)}, {days}
        FROM stage s JOIN stage_class c USING (appeal_id) LEFT JOIN known k USING (appeal_id)
        WHERE c.cls <> 'duplicate'
        {order}""", params)
    con.execute("DROP TABLE stage; DROP TABLE stage_class; DROP TABLE known")   # their memory back before the rest of the load
    return counts.get("loaded", 0), counts.get("updated", 0), counts.get("duplicate", 0)


def _write_votes(con, det: Detection, df: pl.DataFrame, unmatched: Unmatched, loaded_at,
                 notes: list | None = None) -> tuple[int, int, int]:
    """Counted per option row: a new option is loaded; a changed option or vote header is updated. A cell the file
    lacks (a column it has not, an unreadable count) keeps the stored value; the file lists a vote's options, so one
    gone from a vote the file has whole is deleted (and told in `notes`); shares the file does not give are each
    option's votes over the vote's total, when the file reads every count and no option row was rejected."""
    # Frames are handed to DuckDB by registration: a local name like `votes` would resolve to the table.
    vote_rows, option_rows = votes_frames(con, det, df, unmatched, loaded_at)
    con.register("vote_rows_view", vote_rows)
    con.register("option_rows_view", option_rows)
    vcontent = ["title", "theme", "settlement_id", "started_at", "ended_at", "participants"]
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE vstage AS
        SELECT s.vote_id, {", ".join(f"coalesce(s.{c}, v.{c}) AS {c}" for c in vcontent)}, s.source_file, s.loaded_at
        FROM vote_rows_view s LEFT JOIN votes v USING (vote_id)""")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE ostage AS
        WITH merged AS (
            SELECT s.vote_id, s.option, s.share AS given, s.votes AS said, coalesce(s.votes, o.votes) AS votes,
                   bool_and(s.complete) OVER (PARTITION BY s.vote_id) AS complete
            FROM option_rows_view s LEFT JOIN vote_options o USING (vote_id, option))
        -- Shares from the file's own counts: a stored count kept for one it could not read is of another moment (a
        -- winner of 220 votes from 160 participants).
        SELECT vote_id, option,
               CASE WHEN NOT complete THEN NULL WHEN given IS NOT NULL THEN given
                    WHEN bool_or(said IS NULL) OVER (PARTITION BY vote_id) THEN NULL
                    ELSE said / sum(said) OVER (PARTITION BY vote_id) END AS share,
               votes, complete
        FROM merged""")
    con.unregister("vote_rows_view")
    con.unregister("option_rows_view")
    same_vote = " AND ".join(f"v.{c} IS NOT DISTINCT FROM vs.{c}" for c in vcontent)
    counts = dict(con.execute(f"""
        SELECT cls, count(*) FROM (
            SELECT CASE WHEN o.vote_id IS NULL THEN 'loaded'
                        WHEN o.share IS NOT DISTINCT FROM s.share AND o.votes IS NOT DISTINCT FROM s.votes
                             AND {same_vote} THEN 'duplicate'
                        ELSE 'updated' END AS cls
            FROM ostage s JOIN vstage vs USING (vote_id)
            LEFT JOIN vote_options o ON o.vote_id = s.vote_id AND o.option = s.option
            LEFT JOIN votes v ON v.vote_id = s.vote_id)
        GROUP BY cls""").fetchall())
    gone = con.execute("""
        SELECT o.vote_id, list(o.option ORDER BY o.option) FROM vote_options o
        WHERE o.vote_id IN (SELECT vote_id FROM ostage GROUP BY vote_id HAVING bool_and(complete))
          AND NOT EXISTS (SELECT 1 FROM ostage s WHERE s.vote_id = o.vote_id AND s.option = o.option)
        GROUP BY o.vote_id ORDER BY o.vote_id""").fetchall()
    for vote_id, options in gone:
        con.execute("DELETE FROM vote_options WHERE vote_id = ? AND list_contains(?, option)", [vote_id, options])
        if notes is not None:
            names = ", ".join(f"«{o}»" for o in options)
            notes.append(f"в голосовании «{vote_id}» нет {'варианта' if len(options) == 1 else 'вариантов'} {names}, "
                         f"{'который был' if len(options) == 1 else 'которые были'} в базе, — "
                         f"{'он удалён' if len(options) == 1 else 'они удалены'}: файл перечисляет все варианты "
                         "голосования")
    # A vote the file has with an option row rejected: no option's share is known, a stored one's neither.
    con.execute("UPDATE vote_options SET share = NULL "
                "WHERE share IS NOT NULL AND vote_id IN (SELECT vote_id FROM ostage WHERE NOT complete)")
    con.execute("INSERT OR REPLACE INTO votes SELECT * FROM vstage")
    con.execute("INSERT OR REPLACE INTO vote_options (vote_id, option, share, votes) "
                "SELECT vote_id, option, share, votes FROM ostage")
    con.execute("DROP TABLE vstage")
    con.execute("DROP TABLE ostage")
    return counts.get("loaded", 0), counts.get("updated", 0), counts.get("duplicate", 0)


def _record_as_of(con, as_of: dt.date) -> None:
    """The export's own date, as the one loading it states: the data describes that day (the state date,
    DESIGN.md §4). The newest stated date is kept."""
    con.execute("""INSERT INTO meta VALUES ('as_of', ?)
                   ON CONFLICT (key) DO UPDATE SET value = greatest(value, excluded.value)""", [as_of.isoformat()])
