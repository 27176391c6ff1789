"""The canonical frames: staged, matched rows → the appeals table's columns (masked text, deadlines, statuses,
the unmapped columns kept as JSON) and the votes and vote options of a votes export."""
import datetime as dt

import polars as pl

from etl.calendar import FIRST_YEAR, LAST_YEAR
from etl.detect import Detection
from etl.match import Unmatched, _executors, _predict_themes, _settlements, _themes
from etl.normalise import basic_key, clean_text, settlement_key
from etl.address import mask_address_expr
from etl.privacy import address_column, hash_expr, mask_expr, personal_column
from etl.stage import _deadlines
from core.text import per_distinct

APPEAL_COLUMNS = [
    "appeal_id", "source", "kind", "appeal_type", "external_id", "received_at", "due_at", "extended",
    "answered_at", "closed_at", "status", "theme", "subtheme", "settlement_id", "address", "lat", "lon",
    "executor_id", "result", "solvable", "rating", "satisfied", "is_repeat", "applicant_hash", "text",
    "audience", "engagement", "extra", "theme_source", "theme_confidence", "theme_suggestion", "state_at",
    "source_file", "source_row", "loaded_at",
]


def _coordinates(df: pl.DataFrame) -> pl.DataFrame:
    # Two numbers in range or none (etl.stage.coordinate_pair; the report counts the rest).
    if not {"coordinates", "lat", "lon"} & set(df.columns):
        return df
    from etl.stage import coordinate_pair   # here, not in the imports: a diff local to this function
    lat, lon = coordinate_pair(df)
    return df.with_columns(lat=lat, lon=lon)


def _status(det: Detection, df: pl.DataFrame) -> pl.Expr:
    """The mapped status; where the export has none (or one the profile does not know), from the dates."""
    closed = pl.col("closed_at").is_not_null() if "closed_at" in df.columns else pl.lit(False)
    answered = pl.col("answered_at").is_not_null() if "answered_at" in df.columns else pl.lit(False)
    fallback = (pl.when(closed).then(pl.lit("closed")).when(answered).then(pl.lit("answered"))
                .otherwise(pl.lit("in_progress" if "status" in det.columns else "new")))
    given = pl.col("status") if "status" in df.columns else pl.lit(None, dtype=pl.String)
    return pl.coalesce(given, fallback)


# Rows of a column cleaned at a time: a regional export's texts are each their own, and every step of the
# cleaning (distinct values, the masks, the join back) held a whole copy of the column at once (1 M real texts:
# 5,5 GB; 200 000: 1,87 → 1,21 GB). A column of few distinct values (templates) is still one pass.
ROWS_PART = 50_000


def _per_distinct(expr: pl.Expr, text_fn, on_part=None) -> pl.Expr:
    """text_fn (an expression, text to text) computed once a distinct value (core.text.per_distinct)."""
    def fn(distinct: pl.Series) -> pl.Series:
        return pl.select(text_fn(pl.lit(distinct))).to_series()
    return expr.map_batches(lambda s: per_distinct(s, fn, ROWS_PART, on_part), return_dtype=pl.String,
                            is_elementwise=True)


# The staged texts once masked (masked_texts): a frame with this column holds no text in clear.
MASKED_TEXT = "__text_masked"


def masked_texts(det: Detection, df: pl.DataFrame, on_text=None) -> pl.DataFrame:
    """The staged texts cleaned and masked, once a distinct value, in place of the raw ones (appeals_frame does it
    itself for a frame not masked so yet). The load masks them first, on their own, and lets the raw texts go before
    the canonical frame is built: the staged text, its typed copy and the file's column it came from share one
    buffer, which went only with the whole staged frame after the write (1 M real rows: 0,65 GB held beside the
    frame). `on_text(done, total)` as appeals_frame's."""
    if "text" not in df.columns:
        return df
    masked = df.select(_per_distinct(pl.col("text"), lambda e: mask_expr(clean_text(e)), on_text).alias(MASKED_TEXT))
    # The file's columns only the text was read from (one another field reads stays: numeric_theme_codes may give
    # a theme's column back to the row's extra columns).
    def sources(r):
        return {c for c in (*r.headers, *r.parts, r.time) if c}
    others = set().union(*(sources(r) for f, r in det.columns.items() if f != "text"))
    own = sources(det.columns["text"]) - others if "text" in det.columns else set()
    return df.drop("text", "__t_text", *own, strict=False).with_columns(masked.to_series())


def _col(df, name, dtype):
    return pl.col(name) if name in df.columns else pl.lit(None, dtype=dtype)


# Category-type columns (few distinct values) and the reference whose names and aliases they are matched to: an
# export may put a person there («Жалоба от Кузнецовой Марии Ивановны +79131112233», «Сидоров П. П., тел. 8913…»).
CATEGORY_COLUMNS = {"theme": "theme", "subtheme": "theme", "settlement": "settlement", "municipality": None,
                    "executor": "executor", "executor_parent": "executor", "title": None, "option": None}
_REFERENCE_NAMES = {"theme": ("SELECT theme FROM themes UNION ALL SELECT alias FROM theme_aliases", basic_key),
                    "settlement": ("SELECT name FROM settlements UNION ALL SELECT alias FROM settlement_aliases",
                                   settlement_key),
                    "executor": ("SELECT name FROM executors UNION ALL SELECT alias FROM executor_aliases", basic_key)}


def mask_categories(con, df: pl.DataFrame) -> pl.DataFrame:
    """The category-type columns masked as texts are, each distinct value once, before they are matched, stored
    (appeals.subtheme, votes.title) or wait for the curator (unmatched_values): an ordinary category is no text the
    masks change. A value the reference knows by name or alias stays as it is, whatever the masks read in it (an
    executor named after a person), so it still matches; a masked one the curator maps is written to the reference
    masked, and matches the next export's masked value."""
    for column, dim in CATEGORY_COLUMNS.items():
        if column not in df.columns or df[column].dtype != pl.String:
            continue
        # Only values with a Cyrillic letter or a phone's run of digits: a name or a number. Pure ASCII junk («x@q1»)
        # would have its look-alikes of handles and e-mails merged, and a file of garbage counted fewer unknown values
        # than it has (review.check_plausible).
        distinct = df[column].drop_nulls().unique()
        distinct = distinct.filter(distinct.str.contains(r"[А-Яа-яЁё]|\d(?:[\s()‐-]*\d){6}"))
        masked = pl.select(mask_expr(pl.lit(distinct))).to_series()
        changed = {v: m for v, m in zip(distinct.to_list(), masked.to_list()) if v != m}
        if changed and dim:
            sql, key = _REFERENCE_NAMES[dim]
            known = {key(n) for (n,) in con.execute(sql).fetchall() if n}
            changed = {v: m for v, m in changed.items() if key(v) not in known}
        if changed:
            df = df.with_columns(pl.col(column).replace(changed))
    return df


def appeals_frame(con, det: Detection, df: pl.DataFrame, unmatched: Unmatched, loaded_at: dt.datetime,
                  on_text=None, as_of: dt.date | None = None) -> pl.DataFrame:
    """The canonical appeals of a typed file. `on_text(done, total)` is told the rows whose text is masked so far
    (maybe from polars' thread) where the texts are not masked yet (masked_texts); `as_of`, the day the export is
    stated to describe (see export_state)."""
    p = det.profile
    df = mask_categories(con, _coordinates(masked_texts(det, df, on_text)))
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
    text = _col(df, MASKED_TEXT, pl.String)
    applicant = _col(df, "applicant", pl.String)
    # Whether a cell two fields are read from is filled: it says both then, a null too (etl.write._merge_sql).
    from etl.write import cell_flag, shared_cells   # here: etl.write imports this module
    flags = {cell_flag(f): pl.any_horizontal(_filled(df, c) for c in cols) for f, cols in shared_cells(det.columns).items()}
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
        # The problem's address stays (it is not the applicant's); a flat number, a name or a phone typed into it
        # would point at a person (etl.address).
        _per_distinct(_col(df, "address", pl.String), mask_address_expr).alias("address"),
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
        text.alias("text"),
        _col(df, "audience", pl.Int64).alias("audience"),
        _col(df, "engagement", pl.Int64).alias("engagement"),
        _extra(det, df).alias("extra"),
        pl.lit(det.file_name).alias("source_file"),
        pl.col("__row").cast(pl.Int32).alias("source_row"),
        pl.lit(loaded_at).alias("loaded_at"),
        *(e.alias(k) for k, e in flags.items()),
    ).with_columns(appeal_id=appeal_id_expr(pl.lit(id_prefix(p)), p.id_restarts == "year"))
    out = _predict_themes(out, unmatched)
    out = out.with_columns(state_at=pl.lit(export_state(out, as_of), dtype=pl.Datetime("us")))
    # The export's own deadline, apart from the rule's: a merge must tell a stated deadline from a computed one.
    out = out.with_columns(due_given=pl.col("due_at"), due_at=_due(out, p.deadline))
    return out.select(*APPEAL_COLUMNS, "due_given", *flags)


def _filled(df: pl.DataFrame, column: str) -> pl.Expr:
    """A source cell with something in it (a column the frame no longer has reads as empty)."""
    if column not in df.columns:
        return pl.lit(False)
    return pl.col(column).cast(pl.String).str.strip_chars().fill_null("") != ""


def export_state(frame: pl.DataFrame, as_of: dt.date | None = None) -> dt.datetime | None:
    """The moment an export describes: the end of the day it is stated to describe (--as-of, the page's date),
    and never before the latest registration, answer or closing any of its rows holds (an export cannot have been
    taken before its own last event). The merge breaks a tie of an item's own dates with it (etl.write._merge_sql):
    of two exports, the one taken later knows a reassignment or a deadline's extension the other does not."""
    latest = frame.select(pl.max_horizontal("received_at", "answered_at", "closed_at").max()).item()
    stated = dt.datetime.combine(as_of, dt.time.max) if as_of else None
    return max((t for t in (latest, stated) if t is not None), default=None)


def id_prefix(p) -> str:
    """What an appeal's key starts with: its channel; for a user-described system also the profile's name (two such
    systems may both number from 1)."""
    return f"custom:{p.name}:" if p.source == "custom" else f"{p.source}:"


def appeal_id_expr(prefix: pl.Expr, yearly) -> pl.Expr:
    """An appeal's key: the prefix (id_prefix), then the year of registration where the source numbers anew each year
    (the profile's id_restarts = "year": «1-ОГ» of 2025 and of 2026 are two letters), then its number. SQL twin:
    etl.write.bring_ids_to_profile."""
    plain = pl.format("{}{}", prefix, pl.col("external_id"))
    if yearly is False:
        return plain
    return (pl.when(yearly).then(pl.format("{}{}:{}", prefix, pl.col("received_at").dt.year(), pl.col("external_id")))
            .otherwise(plain))


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
            and not personal_column(c) and not address_column(c)]   # an address not mapped: the applicant's
    # Each cell as «"header":"value"»: a one-field struct encoded, its braces dropped.
    cells = [pl.when(pl.col(c).str.strip_chars() != "").then(
        pl.struct(mask_expr(pl.col(c)).alias(c)).struct.json_encode().str.slice(1).str.strip_suffix("}"))
        for c in keep]
    if not cells:
        return pl.lit(None, dtype=pl.String)
    body = pl.concat_str(cells, separator=",", ignore_nulls=True)
    return pl.when(body != "").then(pl.concat_str(pl.lit("{"), body, pl.lit("}")))


def _options_apart(df: pl.DataFrame) -> pl.DataFrame:
    """Options of one vote that mask alike («Вариант Иванова И.И.: площадка», «Вариант Петрова П.П.: …») numbered
    after the first («Вариант [ФИО]: площадка (2)»): each is its own option with its own count. An option the masks
    left as it is comes first, then by the text as typed, as etl.build._remask_short_values numbers stored ones."""
    n = (df.with_row_index("__i").sort(pl.col("option") != pl.col("__option"), "__option")
         .with_columns(__n=pl.int_range(1, pl.len() + 1).over("external_id", "option")).sort("__i")["__n"])
    return df.with_columns(option=pl.when(pl.lit(n) > 1).then(pl.format("{} ({})", "option", pl.lit(n)))
                           .otherwise("option")).drop("__option")


def votes_frames(con, det: Detection, df: pl.DataFrame, unmatched: Unmatched, loaded_at) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One row per option in the file → votes (one per vote) and vote_options."""
    df = _options_apart(mask_categories(con, df.with_columns(__option=pl.col("option"))))
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
    # The file's shares and counts; the stored ones fill what it lacks, and shares not given are computed from the
    # counts merged so (etl.write._write_votes). A vote with an option row rejected (etl.stage) is incomplete: its
    # rejected option's share is unknown, so no option's share is known to win.
    complete = ~pl.col("__options_rejected") if "__options_rejected" in df.columns else pl.lit(True)
    options = df.select(pl.col("external_id").alias("vote_id"), pl.col("option"),
                        _col(df, "share", pl.Float64).alias("share"), _col(df, "votes", pl.Int64).cast(pl.Int32)
                        .alias("votes"), complete.alias("complete"), pl.col("__row"))
    return votes, options
