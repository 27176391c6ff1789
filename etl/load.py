"""One loader for every source profile (DESIGN.md §2): detect → stage → check → match → upsert → log.

A file loads whole or not at all (etl.build.update_database swaps the database file atomically), and
every source row is accounted for: rows_read = loaded + updated + duplicate + rejected.
"""
import datetime as dt
import hashlib
import time
from pathlib import Path

import duckdb
import polars as pl

from etl import review
from etl.build import apply_schema, update_database
from etl.calendar import FIRST_YEAR, LAST_YEAR, production_calendar
from etl.deadlines import Deadlines, Rules
from etl.detect import Detection, detect
from etl.match import (UNKNOWN_THEME, Unmatched, _executors, _headers, _predict_themes, _settlements, _themes,
                       _values_report, theme_matcher)
from etl.normalise import clean_text
from etl.privacy import hash_expr, mask_expr, mask_flat_expr, personal_column
from etl.profile import ProfileError
from etl.read import FileRefused
from etl.reference import REFERENCE_TABLES, read_reference
from etl.report import FileReport, _check_salt, _log, _message
from etl.stage import _deadlines, stage
from mcu.settings import db_path

APPEAL_COLUMNS = [
    "appeal_id", "source", "kind", "appeal_type", "external_id", "received_at", "due_at", "extended",
    "answered_at", "closed_at", "status", "theme", "subtheme", "settlement_id", "address", "lat", "lon",
    "executor_id", "result", "solvable", "rating", "satisfied", "is_repeat", "applicant_hash", "text",
    "audience", "engagement", "extra", "theme_source", "theme_confidence", "theme_suggestion",
    "source_file", "source_row", "loaded_at",
]
# What makes a re-loaded row "the same": everything but where and when it was loaded from.
CONTENT = [c for c in APPEAL_COLUMNS if c not in ("appeal_id", "source_file", "source_row", "loaded_at")]
REPEAT_WINDOW_DAYS = 90
# --- the canonical frames ---------------------------------------------------------------------------

def _coordinates(df: pl.DataFrame) -> pl.DataFrame:
    if "coordinates" in df.columns:
        # «55.12, 73.36» or «55,12; 73,36»: two numbers in one cell.
        pair = df["coordinates"].str.extract_all(r"-?\d+(?:[.,]\d+)?")
        lat = pair.list.get(0, null_on_oob=True).str.replace(",", ".").cast(pl.Float64, strict=False)
        lon = pair.list.get(1, null_on_oob=True).str.replace(",", ".").cast(pl.Float64, strict=False)
        df = df.with_columns(lat=pl.coalesce(pl.col("lat"), lat) if "lat" in df.columns else lat,
                             lon=pl.coalesce(pl.col("lon"), lon) if "lon" in df.columns else lon)
    for c, limit in (("lat", 90), ("lon", 180)):
        if c in df.columns:
            df = df.with_columns(pl.when(pl.col(c).abs() <= limit).then(pl.col(c)).alias(c))
    return df


def _status(det: Detection, df: pl.DataFrame) -> pl.Expr:
    """The mapped status; where the export has none (or one the profile does not know), from the dates."""
    closed = pl.col("closed_at").is_not_null() if "closed_at" in df.columns else pl.lit(False)
    answered = pl.col("answered_at").is_not_null() if "answered_at" in df.columns else pl.lit(False)
    fallback = (pl.when(closed).then(pl.lit("closed")).when(answered).then(pl.lit("answered"))
                .otherwise(pl.lit("in_progress" if "status" in det.columns else "new")))
    given = pl.col("status") if "status" in df.columns else pl.lit(None, dtype=pl.String)
    return pl.coalesce(given, fallback)


def _col(df, name, dtype):
    return pl.col(name) if name in df.columns else pl.lit(None, dtype=dtype)


def appeals_frame(con, det: Detection, df: pl.DataFrame, unmatched: Unmatched, loaded_at: dt.datetime) -> pl.DataFrame:
    p = det.profile
    df = _coordinates(df)
    themes = _themes(con, df, unmatched, with_source=True)
    settlement = _settlements(con, df, unmatched) if "settlement" in df.columns else None
    executor = _executors(con, df, unmatched) if "executor" in df.columns else None
    df = df.with_columns(
        theme=themes["theme"],
        theme_source=themes["theme_source"],
        settlement_id=settlement if settlement is not None else pl.lit(None, dtype=pl.String),
        executor_id=executor if executor is not None else pl.lit(None, dtype=pl.String),
    )
    rating = _col(df, "rating", pl.Int64)
    satisfied = pl.coalesce(_col(df, "satisfied", pl.Boolean), pl.when(rating.is_not_null()).then(rating >= 4))
    kind = pl.coalesce(_col(df, "kind", pl.String), pl.lit(p.kind, dtype=pl.String))
    text = _col(df, "text", pl.String)
    applicant = _col(df, "applicant", pl.String)
    out = df.select(
        pl.lit(p.source).alias("source"),
        kind.alias("kind"),
        _col(df, "appeal_type", pl.String).alias("appeal_type"),
        pl.col("external_id"),
        pl.col("received_at"),
        _col(df, "due_at", pl.Datetime("us")).alias("due_at"),
        _col(df, "extended", pl.Boolean).fill_null(False).alias("extended"),
        _col(df, "answered_at", pl.Datetime("us")).alias("answered_at"),
        _col(df, "closed_at", pl.Datetime("us")).alias("closed_at"),
        _status(det, df).alias("status"),
        pl.col("theme"),
        pl.col("theme_source"),
        _col(df, "subtheme", pl.String).alias("subtheme"),
        pl.col("settlement_id"),
        # The problem's address stays (it is not the applicant's); a flat number would point at a person.
        mask_flat_expr(_col(df, "address", pl.String)).alias("address"),
        _col(df, "lat", pl.Float64).alias("lat"),
        _col(df, "lon", pl.Float64).alias("lon"),
        pl.col("executor_id"),
        _col(df, "result", pl.String).alias("result"),
        # A source that does not tell «решаемый» from «информационный» (ПОС, 59-ФЗ) raises problems to solve:
        # its items count as solvable, so «решено / разъяснено» is measured on them too (seed 001, 2.2.3).
        (_col(df, "solvable", pl.Boolean) if "solvable" in df.columns else pl.lit(True)).alias("solvable"),
        rating.cast(pl.Int8).alias("rating"),
        satisfied.alias("satisfied"),
        _col(df, "is_repeat", pl.Boolean).fill_null(False).alias("is_repeat"),
        hash_expr(applicant, p.applicant_ignore).alias("applicant_hash"),
        mask_expr(clean_text(text)).alias("text"),
        _col(df, "audience", pl.Int64).alias("audience"),
        _col(df, "engagement", pl.Int64).alias("engagement"),
        _extra(det, df).alias("extra"),
        pl.lit(det.file_name).alias("source_file"),
        pl.col("__row").cast(pl.Int32).alias("source_row"),
        pl.lit(loaded_at).alias("loaded_at"),
    ).with_columns(appeal_id=pl.format("{}:{}", pl.col("source"), pl.col("external_id")) if p.source != "custom"
                   # two user-described systems may both number from 1: the profile keeps them apart
                   else pl.format("custom:{}:{}", pl.lit(p.name), pl.col("external_id")))
    out = _predict_themes(out, unmatched)
    # The export's own deadline, apart from the rule's: a merge must tell a stated deadline from a computed one.
    out = out.with_columns(due_given=pl.col("due_at"), due_at=_due(out, p.deadline))
    return out.select(*APPEAL_COLUMNS, "due_given")


def _due(df: pl.DataFrame, policy: dict) -> pl.Series:
    """Due dates from the export; an empty one as the profile's policy says (DESIGN.md §4–5): the channel's
    rule (the default), none at all, or one rule for every row — computed within the calendar's years."""
    due = df["due_at"].cast(pl.Datetime("us"))
    if policy["if_empty"] == "none":
        return due
    inside = (df["received_at"].dt.year() >= FIRST_YEAR) & (df["received_at"].dt.year() < LAST_YEAR)
    if inside.any():
        part = df.filter(inside).select("source", "kind", "received_at", "extended", "due_at")
        computed = (_deadlines().by_rule(part, policy["rule"]) if "rule" in policy else _deadlines().due_at(part))
        due = due.scatter(inside.arg_true(), computed)
    return due


def _extra(det: Detection, df: pl.DataFrame) -> pl.Expr:
    """The row's source columns no profile field maps, masked, as one JSON object (null when all are empty),
    so an official flag of the source (an on-time status, a department) is kept and can be shown."""
    used = {c for r in det.columns.values() for c in (*r.headers, *r.parts, r.time) if c}
    keep = [c for c in det.table.df.columns if c not in used and c in df.columns
            and not personal_column(c)]
    # Each cell as «"header":"value"»: a one-field struct encoded, its braces dropped.
    cells = [pl.when(pl.col(c).str.strip_chars() != "").then(
        pl.struct(mask_expr(pl.col(c)).alias(c)).struct.json_encode().str.slice(1).str.strip_suffix("}"))
        for c in keep]
    if not cells:
        return pl.lit(None, dtype=pl.String)
    body = pl.concat_str(cells, separator=",", ignore_nulls=True)
    return pl.when(body != "").then(pl.concat_str(pl.lit("{"), body, pl.lit("}")))


# --- writing ------------------------------------------------------------------------------------------

def sync_reference(con) -> None:
    """Bring the model (a database built by an older version) and data/reference edits (new aliases,
    settlements, executors) into the database being loaded."""
    apply_schema(con)
    for table in REFERENCE_TABLES:
        df = read_reference(table)
        if df.height:
            cols = ", ".join(df.columns)
            con.execute(f"INSERT OR REPLACE INTO {table} ({cols}) SELECT {cols} FROM df")


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
_RANK_SQL = ("CASE {} WHEN 'new' THEN 0 WHEN 'in_progress' THEN 1 WHEN 'answered' THEN 2 WHEN 'closed' THEN 3 "
             "WHEN 'rejected' THEN 3 ELSE -1 END")


def _merge_sql(said: set[str]) -> str:
    """SELECT of the appeals columns for every incoming row, merged with the row the database has.

    A newer state (by the item's own dates, then its status) takes every value the file says and keeps the
    rest; an older one only fills what the database lacks. Nothing the file does not say, no empty cell and
    no older export erases or rolls back a value."""
    # What the file does not say is NULL here: every use below takes its type from the database's column.
    S = lambda c: f"s.{c}" if c not in SAID_BY or said & set(SAID_BY[c]) else "NULL"
    newer = (f"(greatest(s.received_at, {S('answered_at')}, {S('closed_at')}) "
             f"> greatest(t.received_at, t.answered_at, t.closed_at) OR "
             f"(greatest(s.received_at, {S('answered_at')}, {S('closed_at')}) "
             f"= greatest(t.received_at, t.answered_at, t.closed_at) "
             f"AND {_RANK_SQL.format(S('status'))} >= {_RANK_SQL.format('t.status')}))")
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
            merged[c] = ("CASE WHEN n AND s.due_given IS NOT NULL THEN s.due_given "
                         "WHEN s.due_given IS NULL AND s.extended AND NOT t.extended THEN s.due_at "
                         "ELSE coalesce(t.due_at, s.due_at) END")
        elif c in ("kind", "received_at"):
            merged[c] = f"CASE WHEN n THEN s.{c} ELSE t.{c} END"
        else:
            merged[c] = f"CASE WHEN n THEN coalesce({S(c)}, t.{c}) ELSE coalesce(t.{c}, {S(c)}) END"
    # A newer state takes the status the file says; otherwise the known status follows a date the merge adds.
    merged["status"] = f"""CASE WHEN n AND {S('status')} IS NOT NULL THEN {S('status')}
        WHEN t.status = 'rejected' THEN t.status
        WHEN t.closed_at IS NULL AND ({merged['closed_at']}) IS NOT NULL
             AND t.status IN ('new', 'in_progress', 'answered') THEN 'closed'
        WHEN t.answered_at IS NULL AND ({merged['answered_at']}) IS NOT NULL
             AND t.status IN ('new', 'in_progress') THEN 'answered'
        ELSE t.status END"""
    cols = ",\n".join(
        f"CASE WHEN t.appeal_id IS NULL THEN s.{c} ELSE {merged[c]} END AS {c}" for c in CONTENT)
    return f"""
        SELECT s.appeal_id, {cols}, s.source_file, s.source_row, s.loaded_at
        FROM (SELECT s.*, {newer} AS n FROM incoming s LEFT JOIN appeals t USING (appeal_id)) s
        LEFT JOIN appeals t USING (appeal_id)"""


def _write_appeals(con, frame: pl.DataFrame, said: set[str]) -> tuple[int, int, int]:
    """Insert new appeals, merge known ones (see _merge_sql), leave unchanged ones: (loaded, updated, duplicate)."""
    con.register("incoming_frame", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE incoming AS SELECT * FROM incoming_frame")
    con.unregister("incoming_frame")
    con.execute(f"CREATE OR REPLACE TEMP TABLE stage AS {_merge_sql(said)}")
    _mark_repeats(con)
    same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM s.{c}" for c in CONTENT)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE stage_class AS
        SELECT s.appeal_id,
               CASE WHEN t.appeal_id IS NULL THEN 'loaded' WHEN {same} THEN 'duplicate' ELSE 'updated' END AS cls
        FROM stage s LEFT JOIN appeals t USING (appeal_id)""")
    counts = dict(con.execute("SELECT cls, count(*) FROM stage_class GROUP BY cls").fetchall())
    cols = ", ".join(APPEAL_COLUMNS)
    con.execute(f"""
        INSERT OR REPLACE INTO appeals ({cols})
        SELECT {', '.join('s.' + c for c in APPEAL_COLUMNS)} FROM stage s JOIN stage_class c USING (appeal_id)
        WHERE c.cls <> 'duplicate'
        -- Stored in order of receipt: every page filters by period, and row groups that each hold a span of
        -- days let DuckDB skip the rest (2–4× faster page queries at 1 M appeals than in file order).
        ORDER BY s.received_at, s.appeal_id""")
    return counts.get("loaded", 0), counts.get("updated", 0), counts.get("duplicate", 0)


def votes_frames(con, det: Detection, df: pl.DataFrame, unmatched: Unmatched, loaded_at) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One row per option in the file → votes (one per vote) and vote_options."""
    theme = _themes(con, df, unmatched) if "theme" in df.columns else pl.lit(None, dtype=pl.String)
    settlement = _settlements(con, df, unmatched) if "settlement" in df.columns else pl.lit(None, dtype=pl.String)
    df = df.with_columns(theme=theme, settlement_id=settlement)
    votes = df.group_by("external_id", maintain_order=True).agg(
        pl.col("title").drop_nulls().first(),
        pl.col("theme").drop_nulls().first(),
        pl.col("settlement_id").drop_nulls().first(),
        _col(df, "started_at", pl.Datetime("us")).drop_nulls().first().cast(pl.Date).alias("started_at"),
        _col(df, "ended_at", pl.Datetime("us")).drop_nulls().first().cast(pl.Date).alias("ended_at"),
        _col(df, "participants", pl.Int64).drop_nulls().max().cast(pl.Int32).alias("participants"),
    ).select(pl.col("external_id").alias("vote_id"), "title", "theme", "settlement_id", "started_at", "ended_at",
             "participants", pl.lit(det.file_name).alias("source_file"), pl.lit(loaded_at).alias("loaded_at"))
    share = _col(df, "share", pl.Float64)
    n = _col(df, "votes", pl.Int64)
    # No shares in the file: each option's votes over the vote's total.
    share = pl.coalesce(share, n / n.sum().over("external_id"))
    options = df.select(pl.col("external_id").alias("vote_id"), pl.col("option"), share.alias("share"),
                        n.cast(pl.Int32).alias("votes"), pl.col("__row"))
    return votes, options


def _write_votes(con, det: Detection, df: pl.DataFrame, unmatched: Unmatched, loaded_at) -> tuple[int, int, int]:
    """Counted per option row: a new option is loaded; a changed option or vote header is updated."""
    # Frames are handed to DuckDB by registration: a local name like `votes` would resolve to the table.
    vote_rows, option_rows = votes_frames(con, det, df, unmatched, loaded_at)
    con.register("vote_rows_view", vote_rows)
    con.register("option_rows_view", option_rows)
    con.execute("CREATE OR REPLACE TEMP TABLE vstage AS SELECT * FROM vote_rows_view")
    con.execute("CREATE OR REPLACE TEMP TABLE ostage AS SELECT vote_id, option, share, votes FROM option_rows_view")
    vcontent = ["title", "theme", "settlement_id", "started_at", "ended_at", "participants"]
    same_vote = " AND ".join(f"v.{c} IS NOT DISTINCT FROM s.{c}" for c in vcontent)
    counts = dict(con.execute(f"""
        SELECT cls, count(*) FROM (
            SELECT CASE WHEN o.vote_id IS NULL THEN 'loaded'
                        WHEN o.share IS NOT DISTINCT FROM s.share AND o.votes IS NOT DISTINCT FROM s.votes
                             AND {same_vote.replace('s.', 'vs.')} THEN 'duplicate'
                        ELSE 'updated' END AS cls
            FROM ostage s JOIN vstage vs USING (vote_id)
            LEFT JOIN vote_options o ON o.vote_id = s.vote_id AND o.option = s.option
            LEFT JOIN votes v ON v.vote_id = s.vote_id)
        GROUP BY cls""").fetchall())
    con.execute("INSERT OR REPLACE INTO votes SELECT * FROM vstage")
    con.execute("INSERT OR REPLACE INTO vote_options (vote_id, option, share, votes) SELECT * FROM ostage")
    return counts.get("loaded", 0), counts.get("updated", 0), counts.get("duplicate", 0)


def _record_as_of(con, as_of: dt.date) -> None:
    """The export's own date, as the one loading it states: the data describes that day (the state date,
    DESIGN.md §4). The newest stated date is kept."""
    con.execute("""INSERT INTO meta VALUES ('as_of', ?)
                   ON CONFLICT (key) DO UPDATE SET value = greatest(value, excluded.value)""", [as_of.isoformat()])


def load_file(path: Path, *, source: str | None = None, profile=None, db: Path | None = None,
              file_name: str | None = None, as_of: dt.date | None = None) -> FileReport:
    """Load one export into the database atomically. Never raises for bad input: a refused file comes
    back as a report with status 'refused' and a Russian message, the database untouched."""
    path = Path(path)
    file_name = file_name or path.name
    started, t0 = dt.datetime.now(), time.perf_counter()
    try:
        det = detect(path, source=source, profile=profile, file_name=file_name)
        good, rejects, in_file_dups = stage(det)
    except (FileRefused, ProfileError) as e:
        return FileReport(file_name, "refused", str(e), seconds=time.perf_counter() - t0)
    except Exception as e:  # an unforeseen shape of file: refuse it plainly, never a traceback
        return FileReport(file_name, "refused", f"Не удалось прочитать файл {file_name} ({type(e).__name__}: {e}). "
                          "База не изменена. Сохраните файл заново как XLSX или CSV; если не поможет — сообщите "
                          "разработчикам и приложите файл.", seconds=time.perf_counter() - t0)
    rows_read = det.table.df.height
    report = FileReport(file_name, "loaded", source=det.profile.source, profile=det.profile.name,
                        rows_read=rows_read, rejected=rejects.height, detection=det, rejects=rejects,
                        skewed=int(good["__skew"].sum()) if "__skew" in good.columns else 0)
    if good.height == 0:
        return FileReport(
            file_name, "refused",
            f"Ни одна из {rows_read} строк файла {file_name} не прошла проверку (первая причина: "
            f"{rejects['reason'][0]}). Файл не загружен. Проверьте, что выбран верный источник и формат дат, "
            "или исправьте профиль.", source=det.profile.source, profile=det.profile.name, rows_read=rows_read,
            rejected=rejects.height, detection=det, rejects=rejects, seconds=time.perf_counter() - t0)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    unmatched = Unmatched(profile=det.profile)
    _values_report(det, good, unmatched)
    try:
        with update_database(Path(db or db_path())) as con:
            sync_reference(con)
            loaded_at = dt.datetime.now().replace(microsecond=0)
            if det.profile.target == "appeals":
                frame = appeals_frame(con, det, good, unmatched, loaded_at)
                review.check_plausible(unmatched, good.height, file_name, _headers(det))
                counts = _write_appeals(con, frame, set(det.columns))
                report.warnings += _check_salt(con, det)
                ids = frame["appeal_id"]
            else:
                counts = _write_votes(con, det, good, unmatched, loaded_at)
                review.check_plausible(unmatched, good.height, file_name, _headers(det))
                ids = good["external_id"]
            unmatched.suggest()
            review.record(con, det.profile.target, ids, unmatched, det.profile.source, loaded_at)
            report.loaded, report.updated, dup = counts
            report.duplicate = dup + in_file_dups
            report.unmatched = unmatched.frame()
            if report.rows_read != report.loaded + report.updated + report.duplicate + report.rejected:
                raise RuntimeError(f"строки не сходятся: {report.summary()}")
            report.message = "; ".join([_message(report, report.unmatched), *report.warnings])
            report.import_id = _log(con, report, sha, started, rejects, report.message)
            if as_of:
                _record_as_of(con, as_of)
    except FileRefused as e:   # implausibly many unknown values, a profile's themes not in the theme list
        return FileReport(file_name, "refused", str(e), source=det.profile.source, profile=det.profile.name,
                          rows_read=rows_read, detection=det, seconds=time.perf_counter() - t0)
    except duckdb.Error as e:
        return FileReport(file_name, "refused", f"Не удалось записать файл {file_name} в базу, база не изменена. "
                          "Если база открыта другой программой на запись, закройте её и повторите; если ошибка "
                          f"повторяется, сообщите администратору текст ошибки: {e}",
                          source=det.profile.source, profile=det.profile.name, seconds=time.perf_counter() - t0)
    except Exception as e:  # a loader bug must still leave the database as it was and say so plainly
        return FileReport(file_name, "refused", f"Внутренняя ошибка загрузчика на файле {file_name} "
                          f"({type(e).__name__}: {e}). База не изменена. Сообщите разработчикам и приложите файл.",
                          source=det.profile.source, profile=det.profile.name, seconds=time.perf_counter() - t0)
    report.seconds = time.perf_counter() - t0
    return report


def load_files(paths, *, source=None, profile=None, db=None, progress=None, as_of=None) -> list[FileReport]:
    """Load several files, each in its own transaction; `progress(i, n, name)` is called before each."""
    paths = list(paths)
    reports = []
    for i, p in enumerate(paths):
        if progress:
            progress(i, len(paths), Path(p).name)
        reports.append(load_file(p, source=source, profile=profile, db=db, as_of=as_of))
    if progress:
        progress(len(paths), len(paths), "")
    return reports


__all__ = ["Detection", "FileReport", "FileRefused", "detect", "load_file", "load_files", "stage"]
