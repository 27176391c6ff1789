"""Matching an export's names to the reference (settlements, executors, themes), the Unmatched report of what
the reference did not know, and themes predicted from the text where the export gave none."""
import re
from dataclasses import dataclass, field

import polars as pl
from rapidfuzz import fuzz, process

from etl import classify, review
from etl.detect import Detection
from etl.normalise import NameMatcher, basic_key, settlement_key, unknown_result_qualifiers
from etl.privacy import mask_expr
from etl.profile import PROFILES_DIR, Profile, ProfileError, norm_header
from etl.read import FileRefused
from core import fmt
from core.reference import UNKNOWN_THEME


DIM_LABELS = {"settlement": "Населённый пункт", "executor": "Исполнитель", "theme": "Тема",
              "status": "Статус", "result": "Результат", "solvable": "Решаемый", "satisfied": "Удовлетворённость",
              "appeal_type": "Тип обращения", "kind": "Вид записи", "extended": "Продлено", "is_repeat": "Повторное"}


@dataclass
class Unmatched:
    """What the reference did not know: the report's rows, and the values that wait for the curator."""

    rows: list = field(default_factory=list)
    profile: Profile | None = None      # its own theme mapping comes first
    waiting: dict = field(default_factory=dict)      # dim -> {value: {"rows", "context", "suggestion"}}
    per_row: dict = field(default_factory=dict)      # dim -> the waiting value of each row (null: matched)
    suggesters: dict = field(default_factory=dict)   # dim -> value -> the nearest reference entry or None
    spelling_of: dict = field(default_factory=dict)  # (dim, value) -> the spelling it waits under (wait)

    def add(self, dim: str, value: str, count: int, outcome: str) -> None:
        self.rows.append({"что": DIM_LABELS.get(dim, dim), "значение": value, "строк": count, "итог": outcome})

    def take(self, dim: str, value: str, count: int) -> None:
        """`count` rows of a line are told about by other lines now: the line keeps the rest, or goes."""
        label = DIM_LABELS.get(dim, dim)
        for i, r in enumerate(self.rows):
            if (r["что"], r["значение"]) == (label, value):
                r["строк"] -= count
                if r["строк"] <= 0:
                    del self.rows[i]
                return

    def wait(self, dim: str, value: str, count: int, context=None, spelling: str | None = None) -> None:
        """`value` waits (under the `spelling` that stands for all of its variants in the review list)."""
        w = self.waiting.setdefault(dim, {}).setdefault(spelling or value, {"rows": 0, "context": context})
        w["rows"] += count
        w["context"] = w["context"] or context
        self.spelling_of[(dim, value)] = spelling or value
        self.add(dim, value, count, WAITING[dim])

    def settle(self, still: set) -> None:
        """After the write: a waiting line none of whose rows waits in the database ((dim, spelling) not in `still`:
        every row got its theme from the text, or kept a value the database knew) is told so, not «ждёт
        сопоставления» — the review list, which counts waiting rows, shows nothing for it."""
        for r in self.rows:
            dim = next((d for d, label in DIM_LABELS.items() if label == r["что"]), None)
            if dim in WAITING and r["итог"] == WAITING[dim] and (dim, self.spelling_of.get((dim, r["значение"]))) \
                    not in still:
                r["итог"] = SETTLED[dim]

    def suggest(self) -> None:
        """The nearest entry for each waiting value (after the plausibility check: fuzzy search costs)."""
        for dim, found in self.waiting.items():
            for value, w in found.items():
                w["suggestion"] = self.suggesters[dim](value)

    def frame(self) -> pl.DataFrame:
        if not self.rows:
            return pl.DataFrame(schema={"что": pl.String, "значение": pl.String, "строк": pl.Int64, "итог": pl.String})
        return pl.DataFrame(self.rows).sort(["что", "строк"], descending=[False, True])


# The kinds of values the review list on «Загрузка данных» maps (review.DIMS), by their labels in the report.
REVIEWED = {DIM_LABELS[d] for d in review.DIMS}

WAITING = {"settlement": "не найден в справочнике — ждёт сопоставления",
           "executor": "не найден в справочнике — ждёт сопоставления",
           "theme": f"тема не сопоставлена — «{UNKNOWN_THEME}», ждёт сопоставления"}


SETTLED = {"settlement": "значение уже известно по прежним загрузкам — строки не ждут сопоставления",
           "executor": "значение уже известно по прежним загрузкам — строки не ждут сопоставления",
           "theme": "тема определена по тексту — строки не ждут сопоставления; категорию можно сопоставить, чтобы "
                    "следующие выгрузки не зависели от текста"}


SUGGEST_CUTOFF = 70   # below the matching cut-off: a hint for the curator, never applied by itself
TYPO_CUTOFF = 75      # a word differing from another by a typo or an ending (fuzz.ratio), not another word


def _words_agree(a: str, b: str) -> bool:
    """Whether two names that share words differ only by typos or by words one of them adds. A word of each put in
    place of the other («Администрация Курского района», «Администрация Аскизского района»: token_sort_ratio 87) is
    the word that tells two entries apart. Names with no word in common are left to the whole name's score (a
    one-word place: «Аскыз», «Аскиз»); words of one or two letters («г», «по», «и») say nothing."""
    wa, wb = [w for w in a.split() if len(w) > 2], [w for w in b.split() if len(w) > 2]
    only_a, only_b = [w for w in wa if w not in wb], [w for w in wb if w not in wa]
    if not set(wa) & set(wb) or not only_a or not only_b:
        return True
    fewer, more = sorted((only_a, only_b), key=len)
    return all(max(fuzz.ratio(w, o) for o in more) >= TYPO_CUTOFF for w in fewer)


def suggester(names: dict[str, str], aliases: dict[str, str], key, scorer, min_len: int):
    """value -> the reference entry to suggest for it, or None: the nearest spelling (above SUGGEST_CUTOFF) whose
    words agree with the value's (_words_agree). A suggestion is shown to the curator and saved only when accepted."""
    exact = NameMatcher(names, aliases, key=key, min_fuzzy_len=10**9)   # exact spellings only
    spellings = exact.loose
    choices = list(spellings)

    def suggest(value: str) -> str | None:
        found, _ = exact.match(value)
        k = key(value)
        if found is not None or len(k) < min_len or not choices:
            return found
        for hit, _, _ in process.extract(k, choices, scorer=scorer, score_cutoff=SUGGEST_CUTOFF, limit=10):
            if _words_agree(k, hit):
                return spellings[hit]
        return None
    return suggest


def _headers(det: Detection) -> dict[str, str]:
    """The file's column behind each kind of reference value, for messages."""
    return {d: (det.columns[d].headers or det.columns[d].parts)[0] for d in review.DIMS if d in det.columns}


def _values_report(det: Detection, df: pl.DataFrame, unmatched: Unmatched) -> None:
    """Source values a map did not know: listed, never silently turned into something else."""
    for f in DIM_LABELS:
        if f in det.columns and det.profile.fields.get(f) in ("map", "bool") and f in df.columns:
            odd = (df.filter(pl.col(f"__t_{f}").is_not_null() & pl.col(f).is_null())
                   .group_by(f"__t_{f}").len().sort("len", descending=True))
            known_unknown = det.profile.values.get(f, {})
            odd = odd.filter(~pl.col(f"__t_{f}").map_elements(norm_header, return_dtype=pl.String)
                             .is_in(list(known_unknown)))
            # Quoted masked: an export may put a person in any cell («решено — Смирнова А. И., +7 913 …»).
            for value, n in odd.with_columns(mask_expr(pl.col(f"__t_{f}"))).iter_rows():
                unmatched.add(f, value, n, UNKNOWN_VALUE.get(f, UNKNOWN_VALUE[None]))
    if "status" in det.columns and "result" in det.profile.values and "result" in df.columns:
        # «Закрыто (частично решено)»: a result the status says that the result map does not know (etl.normalise)
        # (where the result cell said nothing: an unknown one is told above)
        empty = pl.col("__t_result").is_null() if "__t_result" in df.columns else pl.lit(True)
        told = (df.filter(pl.col("result").is_null() & empty
                          & unknown_result_qualifiers(pl.col("__t_status"), det.profile.values["result"]))
                .group_by("__t_status").len().sort(["len", "__t_status"], descending=[True, False]))
        for value, n in told.with_columns(mask_expr(pl.col("__t_status"))).iter_rows():
            unmatched.add("result", value, n, UNKNOWN_RESULT_QUALIFIER)


def profile_value_notes(file_name: str, unmatched: pl.DataFrame, profile: Profile | None) -> list[str]:
    """The report's lines on values a profile's map did not know (a status, a result): the review list cannot map
    them, the profile can — each line says what the rows got and where to write the value."""
    notes = []
    for what, value, n, outcome in unmatched.filter(~pl.col("что").is_in(list(REVIEWED))).iter_rows():
        if what == DIM_LABELS["status"] and profile is not None:
            where = profile.path
            if where is not None:
                root = PROFILES_DIR.parents[1]
                where = where.resolve().relative_to(root) if where.resolve().is_relative_to(root) else where
            notes.append(f"{file_name}: статус «{value}» (строк {n}) не описан в профиле {profile.name} — выведен из "
                         "дат (нет даты ответа и закрытия — «в работе»); чтобы он читался верно, добавьте его в раздел "
                         f"[values.status] профиля ({f'{where}, ' if where is not None else ''}см. docs/profiles.md)")
        else:
            notes.append(f"{file_name}: {what.lower()} «{value}» (строк {n}) — {outcome}")
    return notes


# What a row with a value its profile does not know got (etl.frames._status for a status), and what to do.
UNKNOWN_VALUE = {None: "значение не описано в профиле — оставлено пустым",
                 "status": "статус не описан в профиле — выведен из дат (нет даты ответа и закрытия — «в работе»); "
                           "добавьте значение в [values.status] профиля"}
# (and a result only a status's qualifier says: «Закрыто (частично решено)»)
UNKNOWN_RESULT_QUALIFIER = ("итог в статусе не описан в профиле — оставлен пустым (в долю решённых не входит); если он "
                            "значит «решено», «разъяснено» или «отказано», добавьте его в [values.result] профиля")


class Spellings:
    """One review entry for the variants of a value («Омск» and «Омск г.о.»): the spelling already waiting in
    the database, else the file's most frequent one (values are offered most frequent first)."""

    def __init__(self, con, dim: str, key):
        self.key, self.spelling = key, {}
        for (v,) in con.execute("SELECT value FROM unmatched_values WHERE dim = ? AND status = 'pending'",
                                [dim]).fetchall():
            self.spelling.setdefault(key(v) or basic_key(v), v)
        self.of = {}

    def __call__(self, value: str) -> str:
        k = self.key(value) or basic_key(value)
        self.of[value] = self.spelling.setdefault(k, value)
        return self.of[value]

    def per_row(self, column: pl.Series) -> pl.Series:
        """Each row's waiting spelling (null where the value matched or was empty)."""
        return column.replace_strict(self.of, default=None, return_dtype=pl.String)


def _settlements(con, df: pl.DataFrame, unmatched: Unmatched) -> pl.Series:
    names = dict(con.execute("SELECT name, settlement_id FROM settlements").fetchall())
    aliases = dict(con.execute("SELECT alias, settlement_id FROM settlement_aliases").fetchall())
    labels = dict(con.execute("SELECT settlement_id, name FROM settlements").fetchall())
    matcher = NameMatcher(names, aliases, key=settlement_key, cutoff=90)
    unmatched.suggesters["settlement"] = suggester(names, aliases, key=settlement_key, scorer=fuzz.ratio, min_len=5)
    counts = df.group_by("settlement").agg(pl.len(), pl.col("municipality").drop_nulls().mode().first()
                                           if "municipality" in df.columns else pl.lit(None).alias("municipality"))
    spellings = Spellings(con, "settlement", settlement_key)
    mapping = _match_counts("settlement", counts, matcher, spellings, labels, unmatched)
    unmatched.per_row["settlement"] = spellings.per_row(df["settlement"])
    ids = df["settlement"].replace_strict(mapping, default=None, return_dtype=pl.String)
    return _within_municipality(con, df, ids, unmatched)


def _match_counts(dim: str, counts: pl.DataFrame, matcher, spellings, labels: dict, unmatched: Unmatched) -> dict:
    """Each distinct value of `dim` once (`counts`: value, rows, context), most rows first: matched, matched
    approximately (listed in the report), or waiting for the curator under its spelling. Value -> id or None."""
    mapping = {}
    for value, n, context in counts.sort("len", dim, descending=[True, False]).iter_rows():
        if value is None:
            continue
        found, how = matcher.match(value)
        if found is None:
            unmatched.wait(dim, value, n, context, spellings(value))
        elif how == "fuzzy":
            unmatched.add(dim, value, n, f"сопоставлен приблизительно: {labels.get(found, found)}")
        mapping[value] = found
    return mapping


def _within_municipality(con, df: pl.DataFrame, ids: pl.Series, unmatched: Unmatched) -> pl.Series:
    """Settlements of one name in several municipalities (DESIGN.md §4, territory levels): the export's
    municipality says which; without it the row keeps no settlement rather than a guessed one."""
    rows = con.execute("SELECT settlement_id, name, municipality FROM settlements").fetchall()
    keys: dict[str, list] = {}
    for sid, name, municipality in rows:
        keys.setdefault(settlement_key(name), []).append((sid, basic_key(municipality or "")))
    twins = {sid: key for key, places in keys.items() if len(places) > 1 for sid, _ in places}
    if not twins or not ids.is_in(list(twins)).any():
        return ids
    mun = df["municipality"] if "municipality" in df.columns else pl.Series([None] * df.height, dtype=pl.String)
    pairs = pl.DataFrame({"sid": ids, "mun": mun, "value": df["settlement"]})
    chosen = {}
    for sid, municipality, value, n in (pairs.filter(pl.col("sid").is_in(list(twins)))
                                        .group_by("sid", "mun", "value").len().iter_rows()):
        wanted = basic_key(municipality or "")
        hit = [s for s, m in keys[twins[sid]] if wanted and (m == wanted or wanted in m or m in wanted)]
        chosen[(sid, municipality)] = hit[0] if len(hit) == 1 else None
        if chosen[(sid, municipality)] is None:
            unmatched.add("settlement", value, n, "пункты с таким названием есть в нескольких муниципалитетах, а "
                          "муниципалитет в строке не указан или не найден — населённый пункт оставлен пустым")
    fix = pl.DataFrame([{"sid": k[0], "mun": k[1], "new": v} for k, v in chosen.items()],
                       schema={"sid": pl.String, "mun": pl.String, "new": pl.String})
    out = pairs.join(fix, on=["sid", "mun"], how="left", nulls_equal=True, maintain_order="left")
    return out.select(pl.when(pl.col("sid").is_in(list(twins))).then(pl.col("new")).otherwise(pl.col("sid"))
                      .alias("settlement_id")).to_series()


def _executors(con, df: pl.DataFrame, unmatched: Unmatched) -> pl.Series:
    names = dict(con.execute("SELECT name, executor_id FROM executors").fetchall())
    aliases = dict(con.execute("SELECT alias, executor_id FROM executor_aliases").fetchall())
    labels = {v: k for k, v in names.items()}
    matcher = NameMatcher(names, aliases, cutoff=92, scorer=fuzz.token_sort_ratio, min_fuzzy_len=8)
    unmatched.suggesters["executor"] = suggester(names, aliases, key=basic_key, scorer=fuzz.token_sort_ratio,
                                                 min_len=5)
    parent = pl.col("executor_parent") if "executor_parent" in df.columns else pl.lit(None, dtype=pl.String)
    counts = df.group_by("executor").agg(pl.len(), parent.drop_nulls().mode().first().alias("parent"))
    spellings = Spellings(con, "executor", basic_key)
    mapping = _match_counts("executor", counts, matcher, spellings, labels, unmatched)
    unmatched.per_row["executor"] = spellings.per_row(df["executor"])
    return df["executor"].replace_strict(mapping, default=None, return_dtype=pl.String)


class ThemeMatcher:
    """Source category/subtheme → canonical theme: the profile's own mapping, aliases (exact), ТОТК code
    prefixes, then fuzzy."""

    CODE = r"^\s*(\d{4}(?:\.\d{4})*)"

    def __init__(self, themes: list[str], aliases: dict[str, str], own: dict[str, str] | None = None,
                 cutoff: int = 90):
        self.themes = set(themes)
        self.own = {basic_key(a): t for a, t in (own or {}).items()}
        self.exact = {basic_key(t): t for t in themes}
        self.exact.update({basic_key(a): t for a, t in aliases.items()})
        self._choices = list(self.exact)
        self.cutoff = cutoff

    def match(self, category, subtheme) -> tuple[str | None, str]:
        return self.match_many([(category, subtheme)])[0]

    def _exact(self, category, subtheme) -> tuple[str | None, str]:
        keys = [basic_key(v) for v in (subtheme, category) if v]
        for how, table in (("own", self.own), ("exact", self.exact)):
            for k in keys:
                if k in table:
                    return table[k], how
        for v in (subtheme, category):
            m = re.match(self.CODE, str(v or ""))
            if m:
                parts = m.group(1).split(".")
                for k in range(len(parts), 0, -1):
                    key = basic_key(".".join(parts[:k]))
                    if key in self.exact:
                        return self.exact[key], "code"
                rest = str(v)[m.end():]
                if basic_key(rest) in self.exact:
                    return self.exact[basic_key(rest)], "exact"
        return None, "none"

    def match_many(self, pairs: list[tuple]) -> list[tuple[str | None, str]]:
        """match() for many (category, subtheme) pairs: the fuzzy step scores them all at once (rapidfuzz
        cdist), so a file of thousands of odd categories costs seconds, not minutes."""
        out = [self._exact(c, s) for c, s in pairs]
        # Subtheme before category, as in the exact steps: the earlier query of a pair wins.
        queries = [(i, k) for i, (c, s) in enumerate(pairs) if out[i][0] is None
                   for v in (s, c) if len(k := basic_key(re.sub(self.CODE, "", str(v or "")))) >= 6]
        for start in range(0, len(queries), 20_000):   # bounded memory: 20 000 × the alias list of scores
            chunk = queries[start:start + 20_000]
            scores = process.cdist([k for _, k in chunk], self._choices, scorer=fuzz.token_sort_ratio,
                                   score_cutoff=self.cutoff, dtype="uint8")
            # The best-scoring spelling whose words agree with the query's (_words_agree): «…в сфере культуры»
            # scores 90 with «…в сфере медицины», yet the word that differs is the one that tells them apart.
            for row in sorted(set(scores.nonzero()[0].tolist())):
                i, k = chunk[row]
                if out[i][0] is not None:
                    continue
                hits = sorted(scores[row].nonzero()[0].tolist(), key=lambda c: -int(scores[row, c]))
                agreed = next((c for c in hits if _words_agree(k, self._choices[c])), None)
                if agreed is not None:
                    out[i] = (self.exact[self._choices[agreed]], "fuzzy")
        return out


def theme_matcher(con, profile: Profile | None = None, cutoff: int = 90) -> ThemeMatcher:
    """The matcher for a profile's file: its own [themes] / themes_file first, checked against the theme list."""
    themes = [r[0] for r in con.execute("SELECT theme FROM themes").fetchall()]
    try:
        own = review.profile_themes(profile)
    except ProfileError as e:
        raise FileRefused(str(e)) from None
    review.check_themes(own, set(themes), profile)
    return ThemeMatcher(themes, dict(con.execute("SELECT alias, theme FROM theme_aliases").fetchall()), own, cutoff)


def numeric_theme_codes(con, det: Detection, df: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """A theme column of bare numbers (the real ПОС sample's «Категория»: group codes 0–16) names no theme: taken for
    one, each code waited for the curator and the subtheme beside it was never looked at. When none of its numbers
    is a theme the profile or the alias list knows (ТОТК codes are: «0005»), the file gives no theme there: the
    column leaves the theme's mapping (its cells stay among the row's extra columns), the subtheme or the text
    decides, and the load says so once. (df without the column, the load's warnings.)"""
    if "theme" not in det.columns or "theme" not in df.columns:
        return df, []
    values = df["theme"].drop_nulls().unique()
    if values.is_empty() or not values.str.contains(r"^\d+$").all():
        return df, []
    if any(theme for theme, _ in theme_matcher(con, det.profile).match_many([(v, None) for v in values])):
        return df, []
    numbers = values.cast(pl.Int64, strict=False)
    lo, hi = numbers.min(), numbers.max()
    column = det.columns.pop("theme").describe()
    sub = det.columns["subtheme"].describe() if "subtheme" in det.columns else None
    by_text = "text" in det.columns
    then = (f"Тема взята из подтемы ({sub})" + (", а где её нет, определяется по тексту сообщения" if by_text else "")
            if sub else "Тема определяется по тексту сообщения" if by_text else f"Тема — «{UNKNOWN_THEME}»")
    note = (f"столбец {column} не принят за тему: в нём только числа ({f'от {lo} до {hi}' if lo != hi else lo}), а не "
            f"названия тем. {then}. Числа сохранены среди прочих столбцов записи")
    return df.drop("theme", "__t_theme", strict=False), [note]


def _themes(con, df: pl.DataFrame, unmatched: Unmatched, with_source: bool = False) -> pl.Series | pl.DataFrame:
    """Each row's canonical theme («Не определено» where nothing matched); `with_source`: a frame of theme and
    theme_source — 'export' (a theme's own name, or the profile's mapping), 'alias' (the alias list: exact,
    ТОТК code or fuzzy), null (not matched)."""
    matcher = theme_matcher(con, unmatched.profile)
    near = theme_matcher(con, unmatched.profile, cutoff=SUGGEST_CUTOFF)
    # A waiting theme is named by its category (the coarser value: one choice covers its subthemes), else
    # by the subtheme; the suggestion is searched for on the same pair.
    pair_of = {}
    unmatched.suggesters["theme"] = lambda v: near.match(*pair_of.get(v, (v, None)))[0]
    cat = pl.col("theme") if "theme" in df.columns else pl.lit(None, dtype=pl.String)
    sub = pl.col("subtheme") if "subtheme" in df.columns else pl.lit(None, dtype=pl.String)
    # Beside a real column the literals broadcast: a file with neither column still gets one pair per row.
    keys = df.select(cat.alias("c"), sub.alias("s"), pl.col("__row")).drop("__row")
    pairs = keys.group_by("c", "s").len().sort("len", "c", "s", descending=[True, False, False], nulls_last=True)
    found, waiting, spellings = [], {}, Spellings(con, "theme", basic_key)
    matched = matcher.match_many(pairs.select("c", "s").rows())
    for (c, s, n), (theme, how) in zip(pairs.iter_rows(), matched):
        shown = " / ".join(v for v in (c, s) if v) or "(пусто)"
        value = c or s
        spelling = None
        if theme is None:
            theme = UNKNOWN_THEME
            if value is None:
                unmatched.add("theme", shown, n, f"тема не указана — «{UNKNOWN_THEME}»")
            else:
                spelling = spellings(value)
                waiting.setdefault(spelling, {})[value] = waiting.get(spelling, {}).get(value, 0) + n
                pair_of.setdefault(spelling, (c, s))
        elif how == "fuzzy":
            unmatched.add("theme", shown, n, f"сопоставлена приблизительно: {theme}")
        given = how == "own" or (how == "exact" and basic_key(theme) in (basic_key(c), basic_key(s)))
        source = None if spelling or value is None else "export" if given else "alias"
        found.append({"c": c, "s": s, "theme": theme, "waiting": spelling, "source": source})
    for spelling, values in waiting.items():
        for value, n in values.items():
            unmatched.wait("theme", value, n, spelling=spelling)
    # One join, not a Python loop over the rows: an export may have millions.
    joined = keys.join(pl.DataFrame(found, schema={"c": pl.String, "s": pl.String, "theme": pl.String,
                                                   "waiting": pl.String, "source": pl.String}),
                       on=["c", "s"], how="left", nulls_equal=True, maintain_order="left")
    unmatched.per_row["theme"] = joined["waiting"]
    if with_source:
        return joined.select("theme", pl.col("source").alias("theme_source"))
    return joined["theme"]


def _predict_themes(out: pl.DataFrame, unmatched: Unmatched) -> pl.DataFrame:
    """Rows the export left without a matched theme get one from their (masked) text (etl/classify.py): set when
    the model is sure enough, otherwise kept as the suggestion beside «Не определено». Never on a row whose
    theme the export (or the alias list) gave."""
    out = out.with_columns(theme_confidence=pl.lit(None, dtype=pl.Float64),
                           theme_suggestion=pl.lit(None, dtype=pl.String))
    need = (pl.col("theme") == UNKNOWN_THEME) & pl.col("theme_source").is_null() & pl.col("text").is_not_null()
    idx = out.with_row_index("__i").filter(need)["__i"]
    model = classify.load_model() if len(idx) else None
    if model is None:
        return out
    found = model.predict(out["text"].gather(idx))
    sure = found["confidence"] >= classify.min_confidence()
    guess = pl.DataFrame({"__i": idx}).hstack(found).with_columns(sure=sure.fill_null(False))
    full = out.with_row_index("__i").join(guess, on="__i", how="left", maintain_order="left")
    out = full.select(
        *[c for c in out.columns if c not in ("theme", "theme_source", "theme_confidence", "theme_suggestion")],
        pl.when(pl.col("sure")).then(pl.col("theme_right")).otherwise(pl.col("theme")).alias("theme"),
        pl.when(pl.col("sure")).then(pl.lit("predicted")).otherwise(pl.col("theme_source")).alias("theme_source"),
        pl.col("confidence").alias("theme_confidence"),
        pl.col("theme_right").alias("theme_suggestion"),
    ).select(out.columns)
    level = fmt.num(classify.min_confidence() * 100) + " %"
    # Each row is told about once: a row that had no theme at all moves from «(пусто)» to its prediction's line;
    # a row whose category waits for the curator stays on that category's line (its text's theme is the
    # suggestion in the review list, below).
    per_row = unmatched.per_row.get("theme")
    blank = guess.drop_nulls("theme")
    if per_row is not None:
        blank = blank.filter(per_row.gather(blank["__i"]).is_null())
    unmatched.take("theme", "(пусто)", blank.height)
    for theme, ok, n in blank.group_by("theme", "sure").len().sort("len", "theme", descending=[True, False]).iter_rows():
        unmatched.add("theme", f"по тексту: {theme}", n,
                      f"тема определена по тексту (уверенность не ниже {level})" if ok else
                      f"«{UNKNOWN_THEME}»: по тексту похоже на «{theme}», но уверенность ниже {level} — ждёт куратора")
    # A waiting category the spelling search found nothing for is suggested the theme its texts point to.
    if per_row is not None and "theme" in unmatched.suggesters:
        votes = (pl.DataFrame({"value": per_row.gather(idx), "theme": found["theme"]}).drop_nulls()
                 .group_by("value", "theme").len().sort("len", "theme", descending=[True, False])
                 .unique("value", keep="first"))
        by_text = dict(votes.select("value", "theme").iter_rows())
        near = unmatched.suggesters["theme"]
        unmatched.suggesters["theme"] = lambda v: near(v) or by_text.get(v)
    return out
