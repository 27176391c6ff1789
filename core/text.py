"""Words of an appeal's text, for the theme classifier (etl.classify) and the grouping of similar texts
(mcu.new_problems): one cleaning and one stemmer for both, so a word means the same to each. And the one way a
column's texts are worked on once a distinct value (etl.frames, etl.privacy)."""
import functools

import polars as pl
import Stemmer

_TAG = r"<[^>]*>"
_ENTITY = r"&[a-zA-Z]+;|&#\d+;"
# A placeholder etl.privacy put in place of personal data: [ФИО], [телефон], [email], [ссылка], [пользователь].
PLACEHOLDER = r"\[[^\]\s]{1,20}\]"


@functools.cache
def stemmer():
    return Stemmer.Stemmer("russian")


def strip_markup(texts: pl.Series) -> pl.Series:
    """HTML tags and entities out (real ПОС texts carry <p> and &nbsp;)."""
    return texts.cast(pl.String).fill_null("").str.replace_all(_TAG, " ").str.replace_all(_ENTITY, " ")


def clean(texts: pl.Series) -> pl.Series:
    """Lower-case letters only, of texts already masked: markup and the placeholders of personal data gone."""
    return (strip_markup(texts).str.replace_all(PLACEHOLDER, " ").str.to_lowercase().str.replace_all("ё", "е")
            .str.replace_all(r"[^а-яa-z]+", " ").str.strip_chars())


def stems(cleaned: pl.Series) -> pl.Series:
    """Each word by its Snowball stem; every distinct word is stemmed once (a file repeats its words)."""
    words = cleaned.str.split(" ")
    vocab = words.explode().drop_nulls().unique()
    vocab = vocab.filter(vocab.str.len_chars() > 1)
    mapping = dict(zip(vocab.to_list(), stemmer().stemWords(vocab.to_list())))
    # return_dtype: a batch with no word of two letters has an empty mapping, whose replacement is not typed.
    return (words.list.eval(pl.element().replace_strict(mapping, default=None, return_dtype=pl.String))
            .list.drop_nulls().list.join(" "))


def per_distinct(s: pl.Series, fn, rows_part: int | None = None, on_part=None) -> pl.Series:
    """fn (distinct values → their results, in step) computed once a distinct value of `s` and put back on every
    row: an export repeats its templates, addresses and answers (the 1 M-row bench export has 6 986 distinct
    texts). With `rows_part`, a column of more distinct values than that goes `rows_part` rows at a time, so only
    one part's copies (values, results, the join back) are held at once. `on_part(done, total)` is told the rows
    done after each part, and 0 before the first (a regional export's texts take minutes: the upload page shows how
    far it is, and how many there are from the start)."""
    if on_part:
        on_part(0, len(s))
    if rows_part and len(s) > rows_part and s.n_unique() > rows_part:
        parts = []
        for offset in range(0, len(s), rows_part):
            parts.append(_per_distinct_once(s.slice(offset, rows_part), fn))
            if on_part:
                on_part(min(offset + rows_part, len(s)), len(s))
        return pl.concat(parts)
    out = _per_distinct_once(s, fn)
    if on_part:
        on_part(len(s), len(s))
    return out


def _per_distinct_once(s: pl.Series, fn) -> pl.Series:
    distinct = s.unique()
    done = pl.DataFrame({"v": distinct, "out": fn(distinct)})
    return (pl.DataFrame({"v": s}).join(done, on="v", how="left", nulls_equal=True, maintain_order="left")["out"]
            .alias(s.name))
