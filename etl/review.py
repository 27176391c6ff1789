"""Values the reference does not know: the review list (DESIGN.md §3).

A settlement, executor or theme an export gives that the reference does not know never becomes a
reference entry by itself. The record is loaded and counted at once, with settlement_id / executor_id NULL
or theme «Не определено», and the value waits in `unmatched_values` (which records wait for it: in
`unmatched_rows`). The curator maps it on the «Загрузка данных» page: `apply_choices` writes the choice to
the reference files (so every later load knows the value) and to the records already loaded, through the
ETL's one write path (etl.build.update_database), in one join per kind of value.

A file that would add implausibly many unknown values is refused whole (`check_plausible`): that is what
columns of garbage, or a file read with the wrong profile, look like.
"""
import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import polars as pl

from etl.build import update_database
from etl.normalise import basic_key, new_id, settlement_key, settlement_kind
from etl.profile import Profile, ProfileError
from etl.read import FileRefused
from etl.reference import add_reference, limits
from core import fmt
from core.settings import db_path
from core.reference import UNKNOWN_THEME

NEW = "__new__"          # the curator's «Принять как новый»
LATER = "__later__"      # the curator leaves the value waiting
DIMS = ("settlement", "executor", "theme")
ALIASES = {"settlement": ("settlement_aliases", "settlement_id"), "executor": ("executor_aliases", "executor_id"),
           "theme": ("theme_aliases", "theme")}
# The records a value is applied to: table -> (key column, {dim: column}).
RECORDS = {"appeals": ("appeal_id", {"settlement": "settlement_id", "executor": "executor_id", "theme": "theme"}),
           "votes": ("vote_id", {"settlement": "settlement_id", "theme": "theme"})}
NOUNS = {"settlement": ("населённый пункт", "населённых пункта", "населённых пунктов"),
         "executor": ("исполнитель", "исполнителя", "исполнителей"),
         "theme": ("тема", "темы", "тем")}
FILES = {"settlement": "settlements.csv", "executor": "executors.csv", "theme": "theme_aliases.csv"}


def widget_key(dim: str, value: str) -> str:
    """The page's selectbox key for one value (stable across reruns and loads)."""
    return f"review_{dim}_{hashlib.sha1(value.encode()).hexdigest()[:12]}"


def accept_key(dim: str, value: str) -> str:
    """The page's «принять предложение» tick for one value."""
    return widget_key(dim, value) + "_accept"


def decide(picked: str, suggestion: str | None, accepted: bool) -> str:
    """What is saved for one value: the curator's choice in the list, else the suggestion when ticked, else nothing
    (LATER). A suggestion is never saved by itself: one «Сохранить» once merged five districts into another."""
    if picked != LATER:
        return picked
    return suggestion if accepted and suggestion else LATER


def read_choices(dim: str, values, suggested: dict, state) -> tuple[dict, list[str]]:
    """The review form's widgets (`state`: the page's session state) read as what is saved for each value (decide),
    and the values whose ticked suggestion a different choice in the list passed over (the page says so)."""
    choices, passed = {}, []
    for v in values:
        picked, ticked = state[widget_key(dim, v)], bool(state.get(accept_key(dim, v)))
        choices[(dim, v)] = decide(picked, suggested.get(v), ticked)
        if ticked and picked not in (LATER, suggested.get(v)):
            passed.append(v)
    return choices, passed


# --- a profile's own theme mapping ----------------------------------------------------------------------

def profile_themes(profile: Profile | None) -> dict[str, str]:
    """Source category → canonical theme from the profile: `themes_file = "x.csv"` beside it (columns alias,
    theme), then the inline [themes] table (which wins on a clash). Keys are normalised (basic_key)."""
    if profile is None:
        return {}
    raw = profile.raw
    where = f"Профиль {profile.path.name}" if profile.path else "Профиль"
    out = {}
    if raw.get("themes_file"):
        if profile.path is None:
            raise ProfileError(f"{where}: themes_file = «{raw['themes_file']}» — профиль, загруженный через браузер, "
                               "не может ссылаться на соседний файл. Перенесите соответствия в раздел [themes].")
        path = profile.path.parent / raw["themes_file"]
        try:
            df = pl.read_csv(path, infer_schema_length=0)
        except (OSError, pl.exceptions.PolarsError) as e:
            raise ProfileError(f"{where}: не удалось прочитать themes_file {path.name} ({e}). Это CSV в UTF-8 со "
                               "столбцами alias,theme.") from None
        if not {"alias", "theme"} <= set(df.columns):
            raise ProfileError(f"{where}: в файле {path.name} нужны столбцы alias и theme, а найдены: "
                               f"{', '.join(df.columns)}.")
        out.update({basic_key(a): t for a, t in df.select("alias", "theme").iter_rows() if a and t})
    inline = raw.get("themes", {})
    if not isinstance(inline, dict) or not all(isinstance(v, str) for v in inline.values()):
        raise ProfileError(f"{where}: раздел [themes] — строки вида \"категория источника\" = \"Тема\".")
    out.update({basic_key(a): t for a, t in inline.items()})
    return out


def check_themes(own: dict[str, str], themes: set[str], profile: Profile | None) -> None:
    """Every theme a profile maps to must be a canonical one: a typo would silently invent a theme."""
    wrong = sorted({t for t in own.values() if t not in themes})
    if wrong:
        where = f"Профиль {profile.path.name}" if profile is not None and profile.path else "Профиль"
        raise FileRefused(f"{where}: в соответствиях тем есть темы, которых нет в справочнике: "
                          f"{', '.join('«' + t + '»' for t in wrong)}. Допустимы: "
                          f"{', '.join(sorted(themes - {UNKNOWN_THEME}))}. База не изменена.")


# --- at load ----------------------------------------------------------------------------------------------

def check_plausible(unmatched, rows: int, file_name: str, headers: dict[str, str]) -> None:
    """Refuse the whole file when, for any kind, the unknown values are both many and nearly one per row."""
    cfg = limits()["load"]
    counts = {d: len(unmatched.waiting.get(d, {})) for d in DIMS}
    too_many = [d for d, n in counts.items() if n > cfg["max_new_values"] and n > cfg["max_new_share"] * rows]
    if not too_many:
        return
    listed = [fmt.count(n, *NOUNS[d]) for d, n in counts.items() if n]
    said = ", ".join(listed[:-1]) + " и " + listed[-1] if len(listed) > 1 else listed[0]
    cols = ", ".join(f"«{headers[d]}»" for d in too_many if d in headers)
    examples = ", ".join(f"«{v[:40]}»" for v in list(unmatched.waiting[too_many[0]])[:3])
    raise FileRefused(
        f"В файле {file_name} слишком много значений, которых нет в справочниках: {said} (строк в файле "
        f"{fmt.num(rows)}; допустимо не больше {fmt.num(cfg['max_new_values'])} новых значений каждого вида или "
        f"не больше {fmt.num(cfg['max_new_share'] * 100)} % от числа строк). Похоже, столбцы {cols} содержат не то, "
        f"что ожидает профиль, например: {examples}. Проверьте, что выбран верный источник и профиль и что столбцы "
        "файла не сдвинуты. Если значения верные (например, первая загрузка по новому району), добавьте их в "
        f"справочники data/reference/{', '.join(FILES[d] for d in too_many)} или поднимите предел в "
        "data/reference/limits.toml. Файл не загружен, база не изменена.")


def record(con, table: str, ids: pl.Series, unmatched, source: str, now: dt.datetime) -> None:
    """After a write: which records of this file wait for which value, and the review list's figures.

    Judged by what the table now holds (an update may have kept an earlier value): a record whose column is
    resolved waits for nothing; one still unresolved waits for the value this file gave it."""
    key, columns = RECORDS[table]
    parts = [pl.DataFrame({"record_id": ids, "value": unmatched.per_row[d]}).with_columns(dim=pl.lit(d))
             for d in columns if d in unmatched.per_row]
    waiting = (pl.concat(parts).drop_nulls("value").unique(["record_id", "dim"], keep="last")
               if parts else pl.DataFrame(schema={"record_id": pl.String, "value": pl.String, "dim": pl.String}))
    con.register("review_waiting", waiting)
    unresolved = " OR ".join(f"(u.dim = '{d}' AND coalesce(t.{c}, '{UNKNOWN_THEME}') = '{UNKNOWN_THEME}')"
                             for d, c in columns.items())
    # Only this file's records can have been resolved by this write (nothing else writes these columns during a
    # load), and none of them waits when nothing of the table does: the whole table is joined to neither
    # (1 M appeals: ~1 s). The table side is narrowed to the same records before the join.
    before = con.execute("SELECT count(*) FROM unmatched_rows WHERE record_table = ?", [table]).fetchall()[0][0]
    if before:
        con.register("review_ids", pl.DataFrame({"record_id": ids}))
        con.execute(f"""
            DELETE FROM unmatched_rows u USING (
                SELECT * FROM {table} WHERE {key} IN (SELECT record_id FROM review_ids)) t
            WHERE u.record_table = ? AND u.record_id = t.{key} AND NOT ({unresolved})""", [table])
        con.unregister("review_ids")
    if waiting.height:
        # With nothing of the table waiting there is nothing to replace: a plain insert skips a key lookup a row.
        con.execute(f"""
            {'INSERT OR REPLACE' if before else 'INSERT'} INTO unmatched_rows (record_table, record_id, dim, value, source)
            SELECT ?, u.record_id, u.dim, u.value, ? FROM review_waiting u JOIN (
                SELECT * FROM {table} WHERE {key} IN (SELECT record_id FROM review_waiting)) t
                ON t.{key} = u.record_id
            WHERE {unresolved}""", [table, source])
    values = pl.DataFrame([{"dim": d, "value": v, "suggestion": w.get("suggestion"), "context": w.get("context")}
                           for d, found in unmatched.waiting.items() for v, w in found.items()],
                          schema={"dim": pl.String, "value": pl.String, "suggestion": pl.String, "context": pl.String})
    con.register("review_values", values)
    con.execute("""
        INSERT INTO unmatched_values (dim, value, first_seen, last_seen, status, suggestion, context)
        SELECT dim, value, $now, $now, 'pending', suggestion, context FROM review_values
        ON CONFLICT (dim, value) DO UPDATE SET last_seen = excluded.last_seen, status = 'pending',
            suggestion = excluded.suggestion, context = coalesce(excluded.context, unmatched_values.context),
            mapped_to = NULL""", {"now": now})
    con.unregister("review_waiting")
    con.unregister("review_values")
    _recount(con)


def _recount(con) -> None:
    con.execute("""
        UPDATE unmatched_values v SET rows = coalesce(c.n, 0), source = c.sources
        FROM (SELECT k.dim, k.value, n, sources FROM unmatched_values k LEFT JOIN (
                  SELECT dim, value, count(*) AS n, string_agg(DISTINCT source, ', ' ORDER BY source) AS sources
                  FROM unmatched_rows GROUP BY ALL) r USING (dim, value)) c
        WHERE v.dim = c.dim AND v.value = c.value""")


# --- the curator's choice ------------------------------------------------------------------------------

def _new_entry(dim: str, value: str, context: str | None) -> tuple[str, dict]:
    """«Принять как новый»: the reference row a value becomes (the same id the value would always get)."""
    if dim == "settlement":
        kind = settlement_kind(value)
        name = " ".join(value.split()[1:]) if kind else value
        sid = new_id(settlement_key(value) or basic_key(value))
        return sid, {"settlement_id": sid, "name": name, "kind": kind, "municipality": context}
    eid = new_id(value)
    return eid, {"executor_id": eid, "name": value, "parent": context if basic_key(context) != basic_key(value) else None}


def apply_choices(choices: dict[tuple[str, str], str], db: Path | None = None, on_wait=None) -> dict[str, int]:
    """Map waiting values: {(dim, value): id | theme | NEW}. Writes the aliases (and accepted new entries) to
    data/reference and the choice to the records already loaded. Returns {"values": values mapped,
    "records": records changed, <dim>: records changed of that kind}. Raises ValueError with what to do.
    `on_wait(waiting)`: as a load's (etl/build.py), so the page can say it waits for a load in progress.

    Themes take a canonical theme only: a new theme is a change of the theme list (themes.csv), not of one
    export's spelling."""
    choices = {k: v for k, v in choices.items() if v and v != LATER}
    if not choices:
        return {"values": 0, "records": 0}
    if any(d == "theme" and t == NEW for (d, _), t in choices.items()):
        raise ValueError("Тему нельзя принять как новую: выберите одну из тем справочника.")
    try:
        changed = _apply(choices, Path(db or db_path()), on_wait)
    except duckdb.Error as e:
        raise ValueError(f"Не удалось сохранить выбор в базу, база и справочники не изменены. Если идёт загрузка "
                         f"файла, дождитесь её окончания и повторите. Текст ошибки: {e}") from None
    return {"values": len(choices), "records": sum(changed.values()), **changed}


def _apply(choices: dict, path: Path, on_wait=None) -> dict[str, int]:
    changed = {}
    with update_database(path, on_wait=on_wait) as con:
        from etl.load import sync_reference   # the loader's own reference sync (a module-level import would cycle)

        sync_reference(con)
        context = {(d, v): c for d, v, c in con.execute("SELECT dim, value, context FROM unmatched_values").fetchall()}
        targets, entries = {}, {"settlement": [], "executor": []}
        for (dim, value), target in choices.items():
            if target == NEW:
                target, row = _new_entry(dim, value, context.get((dim, value)))
                entries[dim].append(row)
            targets[(dim, value)] = target
        for dim, rows in entries.items():
            if rows:
                table = f"{dim}s"
                df = pl.DataFrame(rows)
                con.execute(f"INSERT OR IGNORE INTO {table} ({', '.join(df.columns)}) SELECT * FROM df")
        chosen = pl.DataFrame([{"dim": d, "value": v, "target": t, "new": choices[(d, v)] == NEW}
                               for (d, v), t in targets.items()])
        known = _known(con)
        wrong = [f"{v} → {t}" for d, v, t in chosen.select("dim", "value", "target").iter_rows() if t not in known[d]]
        if wrong:
            raise ValueError("Нет такой записи в справочнике: " + "; ".join(wrong))
        for dim in DIMS:
            alias_table, col = ALIASES[dim]
            part = chosen.filter(pl.col("dim") == dim).select(pl.col("value").alias("alias"), pl.col("target").alias(col))
            if part.height:
                con.execute(f"INSERT OR REPLACE INTO {alias_table} SELECT * FROM part")
        for table, (key, columns) in RECORDS.items():
            for dim, col in columns.items():
                # A mapped theme is an alias from now on: its rows say so, as the file loaded afresh would.
                source = ", theme_source = 'alias'" if (table, dim) == ("appeals", "theme") else ""
                n = con.execute(f"""
                    UPDATE {table} t SET {col} = m.target{source}
                    FROM (SELECT u.record_id, c.target FROM unmatched_rows u JOIN chosen c USING (dim, value)
                          WHERE u.record_table = ? AND u.dim = ?) m
                    WHERE t.{key} = m.record_id""", [table, dim]).fetchone()[0]
                changed[dim] = changed.get(dim, 0) + n
        con.execute("DELETE FROM unmatched_rows u USING chosen c WHERE u.dim = c.dim AND u.value = c.value")
        con.execute("""UPDATE unmatched_values v SET status = CASE WHEN c.new THEN 'accepted' ELSE 'mapped' END,
                           mapped_to = c.target FROM chosen c WHERE v.dim = c.dim AND v.value = c.value""")
        _recount(con)
        # The files last: a failure above leaves both the database and data/reference as they were.
        for dim, rows in entries.items():
            add_reference(f"{dim}s", rows)
        for dim in DIMS:
            alias_table, col = ALIASES[dim]
            add_reference(alias_table, [{"alias": v, col: t} for (d, v), t in targets.items() if d == dim])
    return changed


def _known(con) -> dict[str, set]:
    return {"settlement": {r[0] for r in con.execute("SELECT settlement_id FROM settlements").fetchall()},
            "executor": {r[0] for r in con.execute("SELECT executor_id FROM executors").fetchall()},
            "theme": {r[0] for r in con.execute("SELECT theme FROM themes").fetchall()} - {UNKNOWN_THEME}}
