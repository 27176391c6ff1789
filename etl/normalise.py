"""Turning export text into canonical values: dates, numbers, yes/no, and names matched to the reference.

Parsers work on whole columns (polars expressions); name matching works once per distinct value, so a
large export costs no per-row Python.
"""
import datetime as dt
import hashlib
import re

import polars as pl
from rapidfuzz import fuzz, process

from core.text import per_distinct
from etl.profile import norm_header

# Dotted dates are day-first (the Russian way); ISO dates are written by machines (and by our Excel reader
# for date cells) and cannot be misread. Slashed dates are the ambiguous ones: 01/05/2015 is 1 May in
# Moscow and 5 January in New York, so their order is decided for a whole column (slash_order).
DOTTED_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d.%m.%y %H:%M", "%d.%m.%y")
ISO_FORMATS = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S",
               "%Y-%m-%d %H:%M", "%Y-%m-%d")
_TIMES = ("%I:%M:%S %p", "%I:%M %p", "%H:%M:%S", "%H:%M")   # 02:15:30 PM, 14:15:30
SLASH_FORMATS = {"day": (*(f"%d/%m/%Y {t}" for t in _TIMES), "%d/%m/%Y"),
                 "month": (*(f"%m/%d/%Y {t}" for t in _TIMES), "%m/%d/%Y")}
EARLIEST = dt.datetime(1990, 1, 1)   # Excel time-only cells read as 1899-12-30/31: not a date
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
YES = {"да", "yes", "true", "1", "+", "y", "д", "истина", "продлено", "продлен", "повторное"}
NO = {"нет", "no", "false", "0", "-", "n", "н", "ложь", "не продлено"}
_SLASHED = r"^\s*(\d{1,2})/(\d{1,2})/(\d{2,4})\b"


def parse_datetime(expr: pl.Expr, formats=(), order: str = "day") -> pl.Expr:
    """Text → Datetime(us). With a profile's `formats`, only those (plus ISO text and Excel serials, which
    cannot be misread); otherwise dotted day-first, ISO, and slashed dates in the column's `order`
    ('day' | 'month', see slash_order)."""
    s = expr.str.replace(r"(?i)\s*г(ода|\.)?$", "")
    tried = (*formats, *ISO_FORMATS) if formats else (*DOTTED_FORMATS, *ISO_FORMATS, *SLASH_FORMATS[order])
    # The cut-off inside the function: an expression naming `out` twice runs the parsing twice (eager polars
    # does not share the common part: 1 M dates, 0,25 s more a column).
    read = (lambda col: _not_before(_first_format(col, tried))) if formats else (
        lambda col: _spoken_forms(col, _not_before(_first_format(col, tried))))
    return s.map_batches(read, return_dtype=pl.Datetime("us"), is_elementwise=True)


# Forms people write that no strptime format reads first: a two-digit year («05.09.26»: «%d.%m.%Y» reads it as the
# year 26, then cut off as before 1990) and the month in words («4 сентября 2026 г.», «12 дек. 2025»).
_TWO_DIGIT_YEAR = r"^\d{1,2}\.\d{1,2}\.\d{2}(?:\s|$)"
_SHORT_YEAR_FORMATS = ("%d.%m.%y %H:%M:%S", "%d.%m.%y %H:%M", "%d.%m.%y")
_MONTHS = {**{m: i for i, m in enumerate(("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
                                           "сентября", "октября", "ноября", "декабря"), 1)},
           **{m: i for i, m in enumerate(("янв", "фев", "мар", "апр", "мая", "июн", "июл", "авг", "сен", "окт", "ноя",
                                           "дек"), 1)},
           "февр": 2, "сент": 9, "нояб": 11}
# Forms a format reads once tidied: an ISO stamp with its zone («…T10:00:00Z», «+03:00»; the zone dropped, the time
# read as written, as the export's other dates are), a comma before the time («05.09.2026, 10:00»), dashes for dots
# with a four-digit year («05-09-2026»; «05-09-26» could be year first, and is left).
_TIDY = ((r"^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)(?:Z|[+-]\d\d:?\d\d)$", "$1"),
         (r"^(\d{1,2}\.\d{1,2}\.\d{2}(?:\d{2})?),\s*(\d{1,2}:\d\d)", "$1 $2"),
         (r"^(\d{1,2})-(\d{1,2})-(\d{4})(\s|$)", "$1.$2.$3$4"))
_SPOKEN = (r"^(\d{1,2})\s+([а-яё]+)\.?\s+(\d{4})(?:\s*г(?:ода|\.)?)?(?:,?\s*(?:в\s+)?(\d{1,2}:\d\d(?::\d\d)?))?\s*$")


def _spoken_forms(s: pl.Series, out: pl.Series) -> pl.Series:
    """The values no format read (null in `out`) read once more as _TWO_DIGIT_YEAR and _SPOKEN dates. Only those:
    a value read before reads the same."""
    todo = (out.is_null() & s.is_not_null()).arg_true()
    if todo.is_empty():
        return out
    v = s.gather(todo).str.strip_chars()
    got = pl.Series(s.name, [None] * len(v), dtype=pl.Datetime("us"))
    tidy = v
    for pattern, to in _TIDY:
        tidy = tidy.str.replace(pattern, to)
    if (tidy != v).any():
        # (a two-digit year is read below: «%d.%m.%Y» would take it for the year 26)
        got = _first_format(tidy.set((tidy == v) | tidy.str.contains(_TWO_DIGIT_YEAR), None),
                            (*DOTTED_FORMATS, *ISO_FORMATS))
        v = tidy
    two = v.str.contains(_TWO_DIGIT_YEAR)
    if two.any():
        for f in _SHORT_YEAR_FORMATS:
            got = got.fill_null(v.str.to_datetime(f, strict=False, time_unit="us").set(~two, None))
    parts = v.str.to_lowercase().str.extract_groups(_SPOKEN)
    month = parts.struct.field("2").replace_strict(_MONTHS, default=None, return_dtype=pl.Int64)
    if month.is_not_null().any():
        text = pl.select(pl.format("{}.{}.{} {}", parts.struct.field("1"), month, parts.struct.field("3"),
                                   parts.struct.field("4").fill_null(""))).to_series().str.strip_chars()
        for f in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y"):
            got = got.fill_null(text.str.to_datetime(f, strict=False, time_unit="us"))
    ok = _not_before(got).is_not_null()
    return out.scatter(todo.filter(ok), got.filter(ok)) if ok.any() else out


def early_year(expr: pl.Expr) -> pl.Expr:
    """A date's text with a year before EARLIEST's («05.09.1926»): read, it would be no date of an export, and the
    reason for its row says so rather than «не распознана»."""
    return expr.str.contains(r"(?:^|\D)(?:1[0-8]\d\d|19[0-8]\d)(?:\D|$)")   # 1000–1989: EARLIEST is 1990


def _not_before(out: pl.Series) -> pl.Series:
    """Null where a moment is before EARLIEST."""
    return out.set((out < EARLIEST).fill_null(False), None)


def _first_format(s: pl.Series, tried) -> pl.Series:
    """Each value by the first of `tried` that reads it, else as an Excel serial day. Each format is tried only
    on the values no earlier one read: a column is read in two or three passes, not one per format (16)."""
    out = pl.Series(s.name, [None] * len(s), dtype=pl.Datetime("us"))
    todo = s.is_not_null().arg_true()
    # Every ':' of a format meets one in the value, so a value with fewer is not tried with it: «26.11.2024 15:34»
    # goes straight to «%d.%m.%Y %H:%M» (a format that fails costs three times one that reads: 1 M rows of
    # receipt dates 0,25 → 0,08 s). Which format reads a value is unchanged: the ones passed over could not.
    colons = s.str.count_matches(":", literal=True)
    for f in tried:
        if todo.is_empty():
            return out
        need = f.count(":")
        fits = colons.gather(todo) >= need if need else None
        tried_now = todo.filter(fits) if need else todo
        if tried_now.is_empty():
            continue
        got = s.gather(tried_now).str.to_datetime(f, strict=False, time_unit="us")
        ok = got.is_not_null()
        out = out.scatter(tried_now.filter(ok), got.filter(ok))
        todo = pl.concat([tried_now.filter(~ok), todo.filter(~fits)]) if need else tried_now.filter(~ok)
    # A date stored as a plain number in Excel is a serial day count from 1899-12-30.
    serial = s.gather(todo).str.replace(",", ".").cast(pl.Float64, strict=False)
    serial = serial.set(~serial.is_between(32874, 109574).fill_null(False), None)  # 1990-01-01 … 2199-12-31
    from_serial = (pl.select(pl.lit(EXCEL_EPOCH) + pl.duration(milliseconds=(pl.lit(serial) * 86_400_000).round(0)
                                                                .cast(pl.Int64))).to_series().cast(pl.Datetime("us")))
    ok = from_serial.is_not_null()
    return out.scatter(todo.filter(ok), from_serial.filter(ok))


def slash_order(values: pl.Series) -> tuple[str | None, list[str]]:
    """How a column writes slashed dates, judged on all its values at once, never cell by cell:
    ('day' | 'month', []) when some value settles it (13/05 can only be day-first, 05/13 month-first);
    (None, []) when the column has no slashed dates; ('ambiguous' | 'mixed', examples) otherwise."""
    text = values.drop_nulls().cast(pl.String)
    parts = text.str.extract_groups(_SLASHED)
    first, second = parts.struct.field("1").cast(pl.Int64), parts.struct.field("2").cast(pl.Int64)
    slashed = text.filter(first.is_not_null())
    if slashed.is_empty():
        return None, []
    day_first, month_first = text.filter(first > 12), text.filter(second > 12)
    if day_first.len() and month_first.len():
        return "mixed", [day_first[0], month_first[0]]
    if day_first.len():
        return "day", []
    if month_first.len():
        return "month", []
    return "ambiguous", slashed.unique(maintain_order=True).head(3).to_list()


def parse_time_of_day(expr: pl.Expr) -> pl.Expr:
    """A time part as a Duration: '10:30', '10:30:15', an Excel time read as '1899-12-31 10:30:00', or 0.4375."""
    hms = expr.str.extract_groups(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
    h, m = hms.struct.field("1").cast(pl.Int64), hms.struct.field("2").cast(pl.Int64)
    sec = hms.struct.field("3").cast(pl.Int64).fill_null(0)
    frac = expr.str.replace(",", ".").cast(pl.Float64, strict=False)
    from_frac = pl.when(frac.is_between(0, 1, closed="left")).then(
        pl.duration(milliseconds=(frac * 86_400_000).round(0).cast(pl.Int64)))
    from_text = pl.when(h.is_between(0, 23) & m.is_between(0, 59)).then(
        pl.duration(hours=h, minutes=m, seconds=sec))
    return pl.coalesce(from_text, from_frac)


def parse_float(expr: pl.Expr) -> pl.Expr:
    """'55,123' and '55.123' both; spaces as thousands separators ignored."""
    return expr.str.replace_all(r"[\s\u202f]", "").str.replace(",", ".").cast(pl.Float64, strict=False)


def parse_int(expr: pl.Expr) -> pl.Expr:
    return parse_float(expr).round(0).cast(pl.Int64, strict=False)


def parse_share(expr: pl.Expr) -> pl.Expr:
    """A share as a fraction 0..1: '45,2 %' → 0.452; a bare number above 1 is read as percent."""
    x = parse_float(expr.str.replace("%", ""))
    return pl.when(expr.str.contains("%") | (x > 1)).then(x / 100).otherwise(x)


# A score in words, as a survey's answers (or school marks) go, and what says there is no score.
RATING_WORDS = {"отлично": 5, "хорошо": 4, "удовлетворительно": 3, "неудовлетворительно": 2, "плохо": 2,
                "очень плохо": 1}
NO_RATING = {"-", "—", "нет", "нет оценки", "без оценки", "не оценено", "не оценен", "не оценивалось"}


def _rating_key(expr: pl.Expr) -> pl.Expr:
    return expr.str.to_lowercase().str.replace_all("ё", "е").str.replace_all(r"\s+", " ").str.strip_chars(" .!")


def parse_rating(expr: pl.Expr) -> pl.Expr:
    """A 1–5 score: '5', '5.0', '4 из 5', a word ('Отлично' … 'Очень плохо'), stars ('★★★★', '★★★☆☆' → 4);
    anything else → null (not a score; rating_unread tells which of those the report names)."""
    # Read once a distinct value: a rating column holds a handful of them (1 M rows: 0,1 → 0,02 s).
    return expr.map_batches(lambda s: per_distinct(s, _ratings), return_dtype=pl.Int64, is_elementwise=True)


def _ratings(values: pl.Series) -> pl.Series:
    e = pl.lit(values)
    d = e.str.extract(r"^\s*([1-5])(?:[.,]0+)?(?:\s*(?:из|/)\s*5)?\s*$").cast(pl.Int64)
    word = _rating_key(e).replace_strict(RATING_WORDS, default=None, return_dtype=pl.Int64)
    stars = e.str.count_matches("[★⭐]").cast(pl.Int64)
    star = pl.when(e.str.contains(r"^[\s★⭐☆]+$") & stars.is_between(1, 5)).then(stars)
    return pl.select(pl.coalesce(d, word, star)).to_series()


def rating_unread(text: pl.Expr, rating: pl.Expr, numbers_only: bool = False) -> pl.Expr:
    """A rating cell with a value that is no score and does not say «no score» either («6», «0», «супер»). With
    `numbers_only`, numbers only: the column feeds another field too, whose words are not scores (ЦУР's «Причина
    закрытия»: «Автор доволен» or the author's «5»)."""
    unread = text.is_not_null() & rating.is_null() & ~_rating_key(text).is_in(list(NO_RATING))
    return unread & text.str.contains(r"^\s*[+-]?\d+(?:[.,]\d+)?\s*$") if numbers_only else unread


def parse_bool(expr: pl.Expr) -> pl.Expr:
    k = expr.str.to_lowercase().str.replace_all("ё", "е").str.strip_chars(" .")
    return pl.when(k.is_in(list(YES))).then(True).when(k.is_in(list(NO))).then(False).otherwise(None)


# A qualifier after the value proper: «Закрыто (решено)», «Отклонено — спам», «Закрыто: решено».
_QUALIFIER = r"\s*(?:\(.*\)|[—–-]\s.*|:.*)$"


def map_values(expr: pl.Expr, mapping: dict, dtype, qualified: bool = False) -> pl.Expr:
    """A profile's value map over normalised source values; values not in the map → null. With `qualified` (a
    status), a value not in the map is looked up once more without its qualifier (_QUALIFIER: «Закрыто (решено)» is
    «Закрыто»). Not a result: «решено — не в срок» is not «решено»."""
    def lookup(s: pl.Series) -> pl.Series:
        # Once per distinct value (a status column has a handful in 1 M rows): a regular expression over every row
        # cost 0,12 s of 1 M rows, and a second pass over the normalised keys 0,05 s.
        distinct = s.drop_nulls().unique()
        found = []
        for v in distinct:
            k = norm_header(v)
            bare = re.sub(_QUALIFIER, "", k).strip() if qualified and k not in mapping else None
            found.append(mapping.get(k, mapping.get(bare) if bare else None))
        return s.replace_strict(distinct, pl.Series(found, dtype=dtype), default=None, return_dtype=dtype)
    return expr.map_batches(lookup, return_dtype=dtype, is_elementwise=True)


def _said_qualifier(value: str) -> str:
    """A status's qualifier (_QUALIFIER: «Закрыто (решено)» → «решено»), or "" where it has none."""
    m = re.search(_QUALIFIER, norm_header(value))
    return m.group().strip().strip("()—–-:").strip() if m else ""


def _per_distinct_status(expr: pl.Expr, fn, dtype, default=None) -> pl.Expr:
    """fn(value) for each distinct status, put back on every row."""
    def lookup(s: pl.Series) -> pl.Series:
        distinct = s.drop_nulls().unique()
        found = pl.Series([fn(v) for v in distinct], dtype=dtype)
        return s.replace_strict(distinct, found, default=default, return_dtype=dtype)
    return expr.map_batches(lookup, return_dtype=dtype, is_elementwise=True)


def qualifier_values(expr: pl.Expr, mapping: dict, dtype) -> pl.Expr:
    """A status's qualifier through a profile's value map (the result's); no qualifier, or one the map does not know
    («по просьбе заявителя»), → null. Once per distinct value."""
    return _per_distinct_status(expr, lambda v: mapping.get(_said_qualifier(v) or None), dtype)


# A qualifier that speaks of the result («частично решено», «отказано частично»), not of why the item closed («по просьбе
# заявителя», «спам»).
_RESULT_WORDS = re.compile(r"решен|разъясн|отказ|поддерж|меры\s+прин|удовлетвор|выполн|устран")


def unknown_result_qualifiers(expr: pl.Expr, mapping: dict) -> pl.Expr:
    """True where a status's qualifier reads as a result the profile's result map does not know («Закрыто (частично
    решено)»: DESIGN.md has no partial result): the result stays empty, and the load report tells it
    (etl.match._values_report) rather than losing it silently. Once per distinct value."""
    def unknown(v: str) -> bool:
        said = _said_qualifier(v)
        return bool(said) and said not in mapping and bool(_RESULT_WORDS.search(said))
    return _per_distinct_status(expr, unknown, pl.Boolean, default=False)


_TAGS = re.compile(r"<[^>]{0,200}>")
_ENTITIES = {"&nbsp;": " ", "&amp;": "&", "&quot;": '"', "&laquo;": "«", "&raquo;": "»", "&lt;": "<", "&gt;": ">",
             "&mdash;": "—", "&ndash;": "–", "&#39;": "'"}


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Free text without HTML markup (ПОС texts carry <p>, <br>, &nbsp;), spaces collapsed."""
    e = expr.str.replace_all(r"(?i)<br\s*/?>|</p>", " ").str.replace_all(_TAGS.pattern, "")
    for ent, ch in _ENTITIES.items():
        e = e.str.replace_all(ent, ch, literal=True)
    return e.str.replace_all(r"\s+", " ").str.strip_chars().replace("", None)


# --- names against the reference ------------------------------------------------------------------

_PUNCT = re.compile(r"[\"'«»“”„`()\[\].,;:!?/\\№-]+")
KIND_WORDS = {
    "г": "город", "город": "город", "гор": "город", "с": "село", "село": "село", "д": "деревня", "дер": "деревня",
    "деревня": "деревня", "п": "посёлок", "пос": "посёлок", "поселок": "посёлок", "рп": "посёлок",
    "пгт": "посёлок", "ст": "станица", "станица": "станица", "х": "хутор", "хутор": "хутор", "аал": "аал",
}
_SUFFIXES = ("муниципальный район", "муниципальный округ", "городской округ", "сельское поселение",
             "городское поселение", "сельсовет", "район", "г о", "го", "мр", "мо", "с с")


def basic_key(name) -> str:
    """Case, ё/е, quotes, punctuation and hyphens ignored."""
    s = str(name or "").lower().replace("ё", "е").replace("\xa0", " ")
    return " ".join(_PUNCT.sub(" ", s).split())


def _split_kind(name) -> tuple[list[str], str | None]:
    words = basic_key(name).split()
    if len(words) > 2 and words[0] == "р" and words[1] == "п":  # «р. п.» split by the dot
        return words[2:], "посёлок"
    if len(words) > 1 and words[0] in KIND_WORDS:
        return words[1:], KIND_WORDS[words[0]]
    return words, None


def settlement_key(name) -> str:
    """The name without its kind (с./д./пос./г.) and administrative suffix (район, г.о.)."""
    text = " ".join(_split_kind(name)[0])
    for suf in _SUFFIXES:
        if text.endswith(" " + suf) and len(text) > len(suf) + 2:
            return text[: -len(suf) - 1]
    return text


def settlement_kind(name) -> str | None:
    """The kind a spelling states: «село Желанное» → село."""
    return _split_kind(name)[1]


class NameMatcher:
    """Exact match on normalised spellings (aliases first), then fuzzy (rapidfuzz) above a cut-off."""

    def __init__(self, names: dict[str, str], aliases: dict[str, str], key=basic_key, cutoff: int = 90,
                 scorer=fuzz.ratio, min_fuzzy_len: int = 5):
        self.key, self.cutoff, self.scorer, self.min_len = key, cutoff, scorer, min_fuzzy_len
        self.exact: dict[str, str] = {}
        for spelling, target in list(names.items()) + list(aliases.items()):
            self.exact.setdefault(basic_key(spelling), target)
        for spelling, target in aliases.items():
            self.exact[basic_key(spelling)] = target  # an alias the curator wrote overrides a name
        self.loose: dict[str, str] = {}
        for spelling, target in list(names.items()) + list(aliases.items()):
            self.loose.setdefault(key(spelling), target)
        self._choices = list(self.loose)

    def match(self, value) -> tuple[str | None, str]:
        """(target, how): how is 'exact', 'fuzzy' or 'none'."""
        if value is None or not str(value).strip():
            return None, "none"
        b = basic_key(value)
        if b in self.exact:
            return self.exact[b], "exact"
        k = self.key(value)
        if k in self.loose:
            return self.loose[k], "exact"
        if len(k) >= self.min_len and self._choices:
            hit = process.extractOne(k, self._choices, scorer=self.scorer, score_cutoff=self.cutoff)
            if hit:
                return self.loose[hit[0]], "fuzzy"
        return None, "none"


def new_id(name: str) -> str:
    """A stable id for a settlement or executor first seen in an export (listed for the curator)."""
    return "new_" + hashlib.sha1(basic_key(name).encode()).hexdigest()[:10]
