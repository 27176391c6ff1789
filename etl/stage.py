"""Staging: the export's text cells → typed canonical values, with a reason for every rejected row, and one row
per item (its latest state) from a file that repeats an item."""
import datetime as dt
import functools
import json

import polars as pl

from core import fmt
from etl.calendar import production_calendar
from etl.deadlines import Deadlines, Rules
from etl.detect import FIELD_LABELS, Detection, _short
from etl.normalise import (map_values, parse_bool, parse_datetime, parse_float, parse_int, parse_rating, parse_share,
                           parse_time_of_day, rating_unread, slash_order)
from etl.normalise import EARLIEST, early_year, qualifier_values
from etl.privacy import mask_expr, withhold_expr
from etl.profile import ALLOWED, REQUIRED
from etl.read import FileRefused

FUTURE_SLACK = dt.timedelta(days=1)   # exports stamped in another time zone may run a few hours ahead


@functools.cache
def _deadlines() -> Deadlines:
    return Deadlines(production_calendar(), Rules.load())


def _id_expr(e: pl.Expr) -> pl.Expr:
    # Excel may hand a numeric id over as "39520480.0".
    return e.str.replace(r"^(\d+)\.0+$", "$1")


def _quote(col: str | None) -> str:
    return f" (столбец «{col}»)" if col else ""


# «не распознана» agrees with a feminine label («дата ответа»); the masculine ones («срок») are listed.
_UNREAD = {"due_at": "не распознан"}

# Dates that are rightly ahead of today: an open appeal's deadline, the end of a vote still running.
FUTURE_OK = {"due_at", "ended_at"}
# The date that makes the row: in the future (or unread) it rejects the row; another date is dropped (_future_dates).
REQUIRED_DATES = {"received_at"}
# An appeal's later dates: unread (or of a year before EARLIEST), the date is dropped and the appeal loads, as a
# future one is (_dropped_dates); an unread deadline or vote date still rejects its row.
SECONDARY_DATES = {"answered_at", "closed_at"}
# A later date's cell that says there is none: dashes, zeros, «нет», «н/д», «не указано».
_NO_DATE = r"^(?i:[\s\-—–_.,:/0]*|нет|н/?д|не\s+указан[оа]?|отсутствует|null|none|n/?a)$"
# A vote's counts: what the report calls them, the pronoun after «без», and how a negative one is said.
COUNTS = {"participants": ("число участников", "не распознано", "него"),
          "votes": ("число голосов", "не распознано", "него"), "share": ("доля голосов", "не распознана", "неё")}
NEGATIVE = {"participants": "отрицательное", "votes": "отрицательное", "share": "отрицательная"}


def _typed(det: Detection) -> tuple[pl.DataFrame, list[pl.Expr]]:
    """The canonical columns (typed) next to their source text, and the row checks as (condition, reason)."""
    p, cols = det.profile, det.columns
    df = det.table.df.with_columns(
        pl.Series("__row", det.table.row_numbers, dtype=pl.Int64),
        pl.Series("__overflow", det.table.overflow or [None] * det.table.df.height, dtype=pl.String),
        pl.Series("__refused", det.table.refused or [None] * det.table.df.height, dtype=pl.String),
    )
    text = {f: r.expr() for f, r in cols.items()}
    df = df.with_columns([e.alias(f"__t_{f}") for f, e in text.items()])
    t = lambda f: pl.col(f"__t_{f}")
    typed, after = [], []
    dates = {}   # field -> the column's day/month order, decided once for the whole file
    for f, kind in p.fields.items():
        if f not in cols:
            continue
        if kind == "datetime":
            e = parse_datetime(t(f), p.date_formats, _date_order(det, df, f, dates))
            if cols[f].time:
                e = e + parse_time_of_day(pl.col(cols[f].time)).fill_null(pl.duration(seconds=0))
            if f == "due_at":
                # A deadline given as a bare date lasts to the end of that day. Midnight is a bare date when
                # the cell has no time, or when no deadline in the column has any other time; in a column
                # with times, 00:00:00 is the moment itself. Applied to the parsed column (`after`): named four
                # times in one expression, the parsing would run four times.
                d = pl.col(f)
                midnight = d.dt.time() == dt.time(0)
                bare = ~t(f).str.contains(r"\d:\d\d") if not cols[f].time else pl.lit(False)
                timed = (d.dt.time() != dt.time(0)).any()
                after.append(pl.when(midnight & (bare | ~timed)).then(d + pl.duration(seconds=86399)).otherwise(d)
                             .alias(f))
        elif kind == "id":
            e = _id_expr(t(f))
        elif kind == "float":
            e = parse_float(t(f))
        elif kind == "int":
            e = parse_int(t(f))
        elif kind == "share":
            e = parse_share(t(f))
        elif kind == "rating":
            e = (map_values(t(f), p.values["rating"], pl.Int64) if "rating" in p.values else parse_rating(t(f)))
        elif kind == "bool":
            e = map_values(t(f), p.values[f], pl.Boolean) if f in p.values else parse_bool(t(f))
        elif kind == "map":
            e = (map_values(t(f), p.values[f], pl.String, qualified=f == "status") if f in p.values
                 else t(f).str.to_lowercase())
            if f in ALLOWED:
                e = pl.when(e.is_in(list(ALLOWED[f]))).then(e)
        else:
            e = t(f)
        typed.append(e.alias(f))
    if p.target == "appeals" and "status" in cols and "result" in p.values:
        # «Закрыто (решено)»: the status's qualifier says the result where the file's result cell does not.
        said = qualifier_values(t("status"), p.values["result"], pl.String)
        typed = [pl.coalesce(e, said).alias("result") if e.meta.output_name() == "result" else e for e in typed]
        if "result" not in cols:
            typed.append(said.alias("result"))
    df = df.with_columns(typed)
    if after:
        df = df.with_columns(after)
    now = dt.datetime.now() + FUTURE_SLACK
    # A secondary date in the future (an answer, a closing, a vote's start) is a slip of that cell: the item loads
    # without it, and the report says how many (_future_dates); only a future registration rejects the row.
    later = [f for f, kind in p.fields.items() if f in cols and kind == "datetime" and f not in FUTURE_OK
             and f not in REQUIRED_DATES]
    if later:
        df = df.with_columns(*((pl.col(f) > now).fill_null(False).alias(f"__future_{f}") for f in later),
                             *(pl.when(pl.col(f) > now).then(None).otherwise(pl.col(f)).alias(f) for f in later))
    if p.target == "appeals":
        # Two systems' clocks disagree a little: an answer or closing stamped just before registration (within
        # the tolerance of deadlines.toml) was given at registration; earlier than that is a contradiction.
        received, tolerance = pl.col("received_at"), _deadlines().rules.skew_tolerance
        skewed = {f: (pl.col(f) < received) & (pl.col(f) >= received - tolerance)
                  for f in ("answered_at", "closed_at") if f in cols}
        any_skew = pl.any_horizontal(*skewed.values()).fill_null(False) if skewed else pl.lit(False)
        df = df.with_columns(*(pl.when(c).then(received).otherwise(pl.col(f)).alias(f) for f, c in skewed.items()),
                             any_skew.alias("__skew"))
    checks = [(pl.col("__overflow").is_not_null(),
               pl.format("в строке больше значений, чем столбцов в заголовке (лишнее: «{}»): вероятно, "
                         "разделитель внутри текста — исправьте строку в выгрузке", pl.col("__overflow")))]
    if det.table.refused:
        checks.insert(0, (pl.col("__refused").is_not_null(), pl.col("__refused")))
    if det.table.cut_row is not None:
        checks.insert(0, (pl.col("__row") == det.table.cut_row, pl.lit(
            "строка обрывается на середине: файл кончается внутри её текста (открытая кавычка не закрыта) — похоже, "
            "файл обрезан; выгрузите его заново")))
    for f in REQUIRED[p.target]:
        checks.append((t(f).is_null(), pl.lit(f"нет значения «{FIELD_LABELS[f]}»{_quote(cols[f].headers[0] if cols[f].headers else None)}")))
        if f == "external_id":
            checks += _id_checks(t(f), _quote(cols[f].headers[0] if cols[f].headers else None))
    for f, kind in p.fields.items():
        if f in cols and kind == "datetime":
            label = FIELD_LABELS[f]
            quote = _quote(cols[f].headers[0] if cols[f].headers else None)
            unread = t(f).is_not_null() & pl.col(f).is_null()
            if f in later:
                unread = unread & ~pl.col(f"__future_{f}")
            if p.target == "appeals" and f in SECONDARY_DATES:
                # «-», «нет», «0», «00.00.0000»: a placeholder for no date yet (an empty cell), not an unread date
                unread = unread & ~t(f).str.contains(_NO_DATE)
                df = df.with_columns(unread.fill_null(False).alias(f"__unread_{f}"))
                continue
            checks.append((unread, pl.when(early_year(t(f))).then(
                pl.format(f"{label} «{{}}» — год раньше {EARLIEST.year}, такой даты в выгрузке быть не может: "
                          f"исправьте дату{quote}", t(f))).otherwise(
                pl.format(f"{label} {_UNREAD.get(f, 'не распознана')}: «{{}}»{quote}", t(f)))))
            if f not in FUTURE_OK and f not in later:
                checks.append((pl.col(f) > now,
                               pl.format(f"{label} в будущем: {{}}", pl.col(f).dt.strftime("%d.%m.%Y %H:%M"))))
    if p.target == "appeals":
        for f in ("answered_at", "closed_at"):
            if f in cols:
                # Seconds are shown when the minutes agree: never «14:51 раньше 14:51».
                same = pl.col(f).dt.strftime("%d.%m.%Y %H:%M") == pl.col("received_at").dt.strftime("%d.%m.%Y %H:%M")
                shown = lambda c: (pl.when(same).then(pl.col(c).dt.strftime("%d.%m.%Y %H:%M:%S"))
                                   .otherwise(pl.col(c).dt.strftime("%d.%m.%Y %H:%M")))
                checks.append((pl.col(f) < pl.col("received_at"),
                               pl.format(f"{FIELD_LABELS[f]} ({{}}) раньше даты регистрации ({{}})",
                                         shown(f), shown("received_at"))))
    if p.target == "votes" and {"started_at", "ended_at"} <= cols.keys():
        checks.append((pl.col("ended_at") < pl.col("started_at"), pl.lit("дата окончания раньше даты начала")))
    if p.target == "votes":
        for f, (what, _, _) in COUNTS.items():
            if f in cols:
                checks.append((pl.col(f) < 0, pl.format(f"{what} {NEGATIVE[f]}: «{{}}»", t(f))))
    return df, checks


# Cells that stand for no number: an appeal under one of them is no appeal under a number, and several of them in
# a file are not one appeal. Read as an empty number is: the row is rejected with the reason.
NO_NUMBER = r"(?i)^\s*(?:б\s*[/\\.]?\s*н\.?|без номера|нет номера|нет|н/д|n/a|null|none|[-—–?]+|0+)\s*$"
# A long number Excel turned into a number with an exponent («1,23457E+11»): its last digits are gone.
EXPONENT = r"^\s*[+-]?\d(?:[.,]\d+)?[eE][+-]?\d+\s*$"


def _id_checks(text: pl.Expr, quote: str) -> list:
    return [(text.str.contains(EXPONENT), pl.format(
                f"номер испорчен Excel: «{{}}»{quote} — последние цифры номера потеряны; выгрузите файл из системы "
                "заново и не сохраняйте его в Excel (если его нужно открыть в Excel, задайте столбцу номера формат "
                "«Текстовый»)", text)),
            (text.str.contains(NO_NUMBER), pl.format(
                f"нет значения «{FIELD_LABELS['external_id']}»{quote}: «{{}}» — не номер; без номера строку не связать "
                "с её следующими выгрузками — впишите номер в выгрузке", text))]


def _date_order(det: Detection, df: pl.DataFrame, f: str, dates: dict) -> str:
    """Day-first or month-first for a field's slashed dates, decided for the whole column (a profile's
    date_formats decide it instead). A column no value of its own settles follows the file's other date
    columns; a column that stays ambiguous, or mixes both orders, refuses the file."""
    if det.profile.date_formats:
        return "day"
    if not dates:
        for g, kind in det.profile.fields.items():
            if kind == "datetime" and g in det.columns:
                dates[g] = slash_order(df[f"__t_{g}"])
    order, examples = dates[f]
    if order is None:
        return "day"   # no slashed dates: dotted and ISO dates need no decision
    if order in ("day", "month"):
        return order
    shown = ", ".join(f"«{v}»" for v in examples)
    col = det.columns[f].describe()
    if order == "mixed":
        raise FileRefused(
            f"В столбце {col} файла {det.file_name} даты записаны в двух порядках: {shown} — в одном день стоит "
            "первым, в другом месяц. Исправьте выгрузку или укажите формат в профиле (date_formats, docs/profiles.md).")
    settled = {o for o, _ in dates.values() if o in ("day", "month")}
    if len(settled) == 1:
        return settled.pop()
    raise FileRefused(
        f"В столбце {col} файла {det.file_name} нельзя понять, что стоит первым — день или месяц: например, "
        f"{shown} (ни в одной дате число не больше 12). Укажите формат в профиле: date_formats = "
        "[\"%m/%d/%Y %I:%M:%S %p\", \"%m/%d/%Y\"], если месяц первым, или [\"%d/%m/%Y %H:%M\", \"%d/%m/%Y\"], "
        "если день первым (docs/profiles.md).")


def _unread_ratings(det: Detection, df: pl.DataFrame) -> list[str]:
    """The report's word on ratings that are no score («6», «0»): the appeal loads without one, never rejected for
    it, and the curator learns how many and which."""
    if det.profile.fields.get("rating") != "rating" or "rating" not in det.columns:
        return []
    own = set(det.columns["rating"].headers)
    shared = any(own & set(r.headers) for f, r in det.columns.items() if f != "rating")
    # One column selected, not the frame filtered (a copy of every column); rejected rows are not loaded at all.
    # The cells that read as no score are few: the test runs on them only (1 M rows: 0,07 s over every row).
    cells = df.select("__t_rating", "rating", "__reason").filter(
        pl.col("__t_rating").is_not_null() & pl.col("rating").is_null() & pl.col("__reason").is_null())
    unread = cells.select(pl.col("__t_rating").filter(
        rating_unread(pl.col("__t_rating"), pl.col("rating"), shared))).to_series()
    if unread.is_empty():
        return []
    shown = ", ".join(f"«{_short(v, 40)}»" for v in unread.unique(maintain_order=True).head(3))   # masked, cut short
    return [f"оценка не распознана в {fmt.count(unread.len(), 'строке', 'строках', 'строках')} (например: {shown}): "
            "оценка ставится от 1 до 5 — цифрой, словом (от «отлично» до «очень плохо») или звёздами; эти обращения "
            "загружены без оценки"]


def _row_list(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:5])
    return f"строки {shown} и ещё {len(rows) - 5}" if len(rows) > 5 else f"строки {shown}"


def _one_key_conflicts(det: Detection, df: pl.DataFrame) -> pl.DataFrame:
    """Rows of one key that cannot be one item, rejected with the rows named: an appeal's number on different
    registration dates (different appeals under one number: none of them is «the» appeal, and none is a duplicate),
    a vote's option named twice with different counts (two options of one name: summing or keeping either would
    misstate the vote). Rows of one number and one registration are states of one appeal (_latest_state), and a
    repeated option with the same counts a duplicate."""
    if df["external_id"].n_unique() == df.height:   # the usual file: no key twice, nothing to compare
        return df
    votes = det.profile.target == "votes"
    key = ["external_id", "option"] if votes else ["external_id"]
    if not votes and det.profile.id_restarts == "year":   # «1-ОГ» of 2025 and of 2026 are two letters, no clash
        df = df.with_columns(_year_key())
        key = ["__idkey"]
    value = pl.struct(*(c for c in ("votes", "share") if c in df.columns)) if votes else pl.col("received_at")
    if votes and not {"votes", "share"} & set(df.columns):
        return df
    clash = (df.filter(pl.col("__reason").is_null()).group_by(key)
             .agg(value.n_unique().alias("__n"), pl.col("__row").sort(), pl.col("external_id").first().alias("__id"))
             .filter(pl.col("__n") > 1))
    if clash.is_empty():
        return df.drop("__idkey", strict=False)
    reasons = {}
    for r in clash.iter_rows(named=True):
        rows = r["__row"]
        if votes:
            times = "дважды" if len(rows) == 2 else fmt.count(len(rows), "раз", "раза", "раз")
            reasons[(r["external_id"], r["option"])] = (
                f"вариант «{r['option']}» стоит в голосовании «{r['external_id']}» {times} с разным числом голосов "
                f"({_row_list(rows)}) — голоса не сложены и не отброшены; переименуйте один из вариантов или удалите "
                "лишнюю строку в выгрузке")
        else:
            reasons[(r[key[0]],)] = (
                f"номер «{r['__id']}» стоит у строк с разными датами регистрации ({_row_list(rows)}): это "
                "разные обращения под одним номером — исправьте номера в выгрузке")
    sep = "\x1f"
    joined = pl.concat_str([pl.col(c) for c in key], separator=sep)
    reason = joined.replace_strict({sep.join(k): v for k, v in reasons.items()}, default=None, return_dtype=pl.String)
    return df.with_columns(pl.coalesce(pl.col("__reason"), reason).alias("__reason")).drop("__idkey", strict=False)


def _examples(cells: pl.Series) -> str:
    """Up to three of the cells, distinct, masked and cut short, in quotes: what a report's line shows."""
    distinct = cells.unique(maintain_order=True).head(3)
    return ", ".join(f"«{_short(v, 40)}»" for v in pl.select(mask_expr(pl.lit(distinct))).to_series())


def _future_dates(det: Detection, df: pl.DataFrame) -> list[str]:
    """The report's word on secondary dates in the future, dropped from rows that load (_typed)."""
    notes = []
    for f in det.profile.fields:
        if f"__future_{f}" not in df.columns:
            continue
        hit = df.select(pl.col(f"__t_{f}").filter(pl.col(f"__future_{f}") & pl.col("__reason").is_null()))
        if hit.height:
            col = det.columns[f]
            shown = _short(pl.select(mask_expr(pl.lit(hit.item(0, 0)))).item(), 40)
            notes.append(f"{FIELD_LABELS[f]} в будущем в {fmt.count(hit.height, 'строке', 'строках', 'строках')} "
                         f"(столбец «{(col.headers or col.parts)[0]}», например: {shown}) — дата не взята, строки "
                         "загружены без неё; проверьте даты в выгрузке")
    return notes


def _unread_dates(det: Detection, df: pl.DataFrame) -> list[str]:
    """The report's word on an appeal's later dates that read as no date (SECONDARY_DATES), dropped from rows that
    load (_typed); up to three of the cells shown, masked."""
    notes = []
    for f in det.profile.fields:
        if f"__unread_{f}" not in df.columns:
            continue
        cells = df.select(pl.col(f"__t_{f}").filter(pl.col(f"__unread_{f}") & pl.col("__reason").is_null())).to_series()
        if cells.is_empty():
            continue
        col = det.columns[f]
        shown = _examples(cells)
        # A year before EARLIEST reads but cannot be: said beside the unread ones (Excel's zero day, 1899-12-30).
        early = f" или с годом раньше {EARLIEST.year}" if pl.select(early_year(pl.lit(cells)).any()).item() else ""
        notes.append(f"{FIELD_LABELS[f]} {_UNREAD.get(f, 'не распознана')}{early} в "
                     f"{fmt.count(cells.len(), 'строке', 'строках', 'строках')} (столбец «{(col.headers or col.parts)[0]}»"
                     f", например: {shown}) — дата не взята, строки загружены без неё; исправьте даты в выгрузке")
    return notes


# Unread cells of a later date, none read, that make its column's format unknown rather than a few cells' slips.
UNREAD_COLUMN_MIN = 5
# What every appeal would look like, loaded without the column.
_WITHOUT = {"answered_at": "без ответа", "closed_at": "незакрытыми"}


def _refuse_unread_column(det: Detection, df: pl.DataFrame) -> None:
    """A later date read in no row of its column, UNREAD_COLUMN_MIN or more cells filled (Excel's zero day, a year
    before EARLIEST, is no unread cell): the column's format is unknown, not a slip of a cell. Loaded without it, every
    appeal would count as unanswered (and overdue): the file is refused."""
    for f in det.profile.fields:
        if f"__unread_{f}" not in df.columns:
            continue
        cells = df.select(pl.col(f"__t_{f}").filter(pl.col(f"__unread_{f}") & ~early_year(pl.col(f"__t_{f}"))))
        cells = cells.to_series()
        if cells.len() < UNREAD_COLUMN_MIN or df[f].drop_nulls().len():
            continue
        col = det.columns[f]
        shown = _examples(cells)
        raise FileRefused(
            f"Столбец «{(col.headers or col.parts)[0]}» не прочитан ни в одной строке (например: {shown}): даты в нём "
            f"записаны так, как загрузчик не понимает. Загрузка без них посчитала бы все обращения {_WITHOUT[f]}. База не "
            "изменена. Сохраните столбец в виде ДД.ММ.ГГГГ ЧЧ:ММ или укажите формат дат в профиле (date_formats) и "
            "загрузите файл заново.")


def _unread_counts(det: Detection, df: pl.DataFrame) -> list[str]:
    """The report's word on a vote's counts that are no number («много»): the row loads without it."""
    if det.profile.target != "votes":
        return []
    notes = []
    for f, (what, unread, pronoun) in COUNTS.items():
        if f not in det.columns:
            continue
        cells = df.select(pl.col(f"__t_{f}").filter(
            pl.col(f"__t_{f}").is_not_null() & pl.col(f).is_null() & pl.col("__reason").is_null()
            & ~pl.col(f"__t_{f}").str.contains(r"^\s*[-—–]\s*$"))).to_series()
        if cells.is_empty():
            continue
        shown = _examples(cells)
        note = (f"{what} {unread} в {fmt.count(cells.len(), 'строке', 'строках', 'строках')} (например: {shown}) "
                f"— нужно число цифрами; строки загружены без {pronoun}")
        if f == "votes":   # the vote's shares are not computed from its readable options (frames.votes_frames)
            note += _uncomputed_shares(det, df)
        notes.append(note)
    return notes


def _uncomputed_shares(det: Detection, df: pl.DataFrame) -> str:
    """«; доли вариантов голосования «V-20» не посчитаны»: the votes whose option has an unread count and no
    share in the file."""
    bad = pl.col("__t_votes").is_not_null() & pl.col("votes").is_null() & pl.col("__reason").is_null()
    if "share" in det.columns:
        bad = bad & pl.col("share").is_null()
    ids = df.filter(bad)["external_id"].drop_nulls().unique(maintain_order=True)
    if ids.is_empty():
        return ""
    shown = ", ".join(f"«{_short(v, 40)}»" for v in ids.head(3))
    more = f" и ещё {ids.len() - 3}" if ids.len() > 3 else ""
    word = "голосования" if ids.len() == 1 else "голосований"
    return f"; доли вариантов {word} {shown}{more} не посчитаны"


def _rejected_options(bad: pl.DataFrame, good: pl.DataFrame) -> list[str]:
    """The report's word on votes that load without some of their option rows (rejected): no shares, no winner."""
    ids = good.filter(pl.col("__options_rejected"))["external_id"].unique(maintain_order=True)
    if ids.is_empty():
        return []
    rows = bad.filter(pl.col("external_id").is_in(ids))["__row"].sort().to_list()
    shown = ", ".join(f"«{_short(v, 40)}»" for v in ids.head(3)) + (f" и ещё {ids.len() - 3}" if ids.len() > 3 else "")
    one_vote, one_row = ids.len() == 1, len(rows) == 1
    return [(f"в голосовании {shown}" if one_vote else f"в голосованиях {shown}")
            + (f" отклонена строка варианта (строка {rows[0]})" if one_row
               else f" отклонены строки вариантов ({_row_list(rows)})")
            + f" — доли вариантов {'этого голосования' if one_vote else 'этих голосований'} не посчитаны и победитель "
            "не назван: отклонённый вариант мог набрать больше; исправьте "
            + ("строку" if one_row else "строки") + " в выгрузке и загрузите файл заново"]


def coordinate_pair(df: pl.DataFrame) -> tuple[pl.Expr, pl.Expr]:
    """(lat, lon) of a typed frame: from «Широта» and «Долгота», or from one cell of exactly two numbers
    («53.13, 90.42», «53,13; 90,42»); kept only as a pair, latitude within ±90 and longitude within ±180. One usable
    number («ул. Мира 5, тел 8900…»: 5 and a phone), a third one (an address beside the pair) or «0, 0» is no place."""
    none = pl.lit(None, dtype=pl.Float64)
    lat = pl.col("lat") if "lat" in df.columns else none
    lon = pl.col("lon") if "lon" in df.columns else none
    if "coordinates" in df.columns:
        nums = pl.col("coordinates").str.extract_all(r"-?\d+(?:[.,]\d+)?")
        number = lambda i: (pl.when(nums.list.len() == 2).then(nums.list.get(i, null_on_oob=True))
                            .str.replace(",", ".").cast(pl.Float64, strict=False))
        lat, lon = pl.coalesce(lat, number(0)), pl.coalesce(lon, number(1))
    # («0, 0» is a system's empty pair, not a point in the Gulf of Guinea)
    ok = ((lat.abs() <= 90) & (lon.abs() <= 180) & ((lat != 0) | (lon != 0))).fill_null(False)
    return pl.when(ok).then(lat), pl.when(ok).then(lon)


def _unread_coordinates(det: Detection, df: pl.DataFrame) -> list[str]:
    """The report's word on coordinates that make no pair (coordinate_pair): the appeal loads without them."""
    given = [f for f in ("coordinates", "lat", "lon") if f in det.columns]
    if not given or det.profile.target != "appeals":
        return []
    lat, _ = coordinate_pair(df)
    cell = pl.concat_str([pl.col(f"__t_{f}") for f in given], separator="; ", ignore_nulls=True)
    cells = df.select(cell.filter(pl.any_horizontal(pl.col(f"__t_{f}").is_not_null() for f in given)
                                  & lat.is_null() & pl.col("__reason").is_null())).to_series()
    if cells.is_empty():
        return []
    shown = _examples(cells)
    return [f"координаты не распознаны в {fmt.count(cells.len(), 'строке', 'строках', 'строках')} (например: {shown}) "
            "— нужны широта (от −90 до 90) и долгота (от −180 до 180) двумя числами, например «53,13; 90,42»; строки "
            "загружены без координат"]


def _reason(checks) -> pl.Expr:
    expr = pl.lit(None, dtype=pl.String)
    for cond, reason in reversed(checks):
        expr = pl.when(cond.fill_null(False)).then(reason).otherwise(expr)
    return expr


def _raw_json(df: pl.DataFrame, columns: list[str], hide: set[str]) -> pl.Series:
    """Each rejected row's source cells as JSON, masked as a loaded row's text is (names, phones, e-mails,
    links, dates of birth, flat numbers), and every column about the applicant withheld (`hide`:
    Detection.withheld)."""
    masked = df.select([
        (withhold_expr(pl.col(c)) if c in hide else mask_expr(pl.col(c).cast(pl.String))).alias(c)
        for c in columns
    ])
    return pl.Series([json.dumps({k: v for k, v in r.items() if v is not None}, ensure_ascii=False)
                      for r in masked.iter_rows(named=True)], dtype=pl.String)


def stage(det: Detection) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """(valid rows typed and de-duplicated within the file, rejects, count of in-file repeats)."""
    df, checks = _typed(det)
    df = _one_key_conflicts(det, df.with_columns(_reason(checks).alias("__reason")))
    _refuse_unread_column(det, df)
    det.warnings += (_unread_ratings(det, df) + _future_dates(det, df) + _unread_dates(det, df)
                     + _unread_counts(det, df) + _unread_coordinates(det, df))
    if det.table.row_sheets:   # rows of several sheets: a row number alone does not say which row
        df = df.with_columns(pl.format("лист «{}»: {}", pl.Series(det.table.row_sheets, dtype=pl.String),
                                       pl.col("__reason")).alias("__reason"))
    # A reason quotes the bad cell («дата ответа не распознана: «ответил Смирнов О. П. 8 913 …»»): masked as a loaded
    # text is, once the rejected rows are known (the checks' quotes are built for every row).
    bad = df.filter(pl.col("__reason").is_not_null())
    bad = bad.with_columns(mask_expr(pl.col("__reason")).alias("__reason")) if bad.height else bad
    source_cols = list(det.table.df.columns)
    rejects = pl.DataFrame({
        "source_row": bad["__row"].cast(pl.Int32), "reason": bad["__reason"],
        "raw": _raw_json(bad, source_cols, det.withheld()) if bad.height else pl.Series([], dtype=pl.String),
    })
    # A filter copies every column, even when it keeps every row (1 M real texts: a second copy of the file's cells).
    good = df.filter(pl.col("__reason").is_null()) if bad.height else df
    if det.profile.target == "votes":
        # A vote with a rejected option row lacks that option's count: its other options' shares would name a false
        # winner (etl.frames.votes_frames leaves them empty, as for an unread count).
        if bad.height:
            partial = bad["external_id"].drop_nulls().unique()
            good = good.with_columns(pl.col("external_id").is_in(partial).alias("__options_rejected"))
            det.warnings += _rejected_options(bad, good)
        # An option twice in one export: the later row stands; earlier ones are duplicates.
        unique = good.unique(subset=["external_id", "option"], keep="last", maintain_order=True)
        return unique, rejects, good.height - unique.height
    key = "external_id"
    if det.profile.id_restarts == "year":   # numbered anew each year: «1-ОГ» of two years are two items
        good = good.with_columns(_year_key())
        key = "__idkey"
    repeats = good.height - good[key].n_unique()
    if repeats:
        det.warnings += _earlier_states(good, source_cols, repeats, key)
    latest = _latest_state(good, key)
    return (latest.drop("__idkey") if key == "__idkey" else latest), rejects, repeats


def _year_key() -> pl.Expr:
    """An item's key where the source numbers anew each year (profile id_restarts = "year"): year and number."""
    return pl.format("{}:{}", pl.col("received_at").dt.year(), pl.col("external_id")).alias("__idkey")


def _earlier_states(good: pl.DataFrame, source_cols: list[str], repeats: int, key: str = "external_id") -> list[str]:
    """The report's word on rows of an appeal the file has again in another state (one number, one registration):
    counted with the duplicates, though they are no copies of a row, so the curator learns the latest state stood."""
    many = good.filter(good[key].is_duplicated()).select(source_cols)
    states = repeats - (many.height - many.n_unique())
    if not states:
        return []
    return [f"строк с прежним состоянием обращения, которое есть в файле ещё раз (тот же номер и дата регистрации): "
            f"{fmt.num(states)} — взято последнее состояние, эти строки посчитаны в дубликатах"]


STATUS_RANK = {"new": 0, "in_progress": 1, "answered": 2, "closed": 3, "rejected": 3}


def _state_key(df: pl.DataFrame) -> list[pl.Expr]:
    """How far an item had got in a row: its latest own date, then its status — never the row's position."""
    dates = [pl.col(c) for c in ("received_at", "answered_at", "closed_at") if c in df.columns]
    rank = (pl.col("status").replace_strict(STATUS_RANK, default=-1, return_dtype=pl.Int8)
            if "status" in df.columns else pl.lit(-1, dtype=pl.Int8))
    return [pl.max_horizontal(dates), rank]


def _latest_state(good: pl.DataFrame, key: str = "external_id") -> pl.DataFrame:
    """One row per item (by `key`): the latest state by the item's own dates; a value it lacks is taken from the
    item's earlier rows (an empty cell never erases what another row of the file said)."""
    if good[key].n_unique() == good.height:   # a count of distinct ids: 1 M rows 0,02 s, the mask 0,13 s
        return good
    dup = good[key].is_duplicated()
    ts, rank = _state_key(good)
    many = good.filter(dup).with_columns(ts.alias("__ts"), rank.alias("__rank"))
    merged = (many.sort(["__ts", "__rank", "__row"], nulls_last=False)
              .group_by(key, maintain_order=True)
              .agg(pl.all().exclude(key, "__row").drop_nulls().last(), pl.col("__row").last())
              .drop("__ts", "__rank").select(good.columns))
    return pl.concat([good.filter(~dup), merged]).sort("__row")
