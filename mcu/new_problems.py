"""«Новые проблемы»: similar texts grouped, the groups that grew in the last weeks (issue 14).

An emerging problem has no name yet: no category in any list, no theme the classifier is sure of. Texts of the
recent window and the one before it are vectorised (TF-IDF of word stems, core.text) and grouped by
agglomerative clustering on cosine similarity (average linkage, cut at `similarity`); a group with at least
`min_group` recent appeals that grew against the window before is shown, with its top words and examples
(masked texts: personal data was replaced at load).
"""
import datetime as dt
from collections import Counter
from dataclasses import dataclass

import numpy as np
import polars as pl
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from core import text
from core.reference import UNKNOWN_THEME, limits

MAX_TEXTS = 3000     # pairwise similarities of n texts: n² numbers — a bounded, interactive cost
# Words of politeness and of asking, in every appeal: they would join unrelated texts.
STOP_STEMS = {"добр", "ден", "здравств", "здравствуйт", "прош", "просим", "уважа", "пожалуйст", "котор", "эт",
              "так", "как", "нас", "наш", "вс", "все", "очен", "год", "уже", "ещ", "нет", "не", "на", "по", "что",
              "для", "при", "мы", "вы", "он", "она", "они", "мен", "мне", "мо", "ваш", "был", "будет", "есть",
              "мож", "можн", "сдела", "помогит", "помоч", "спасиб", "ул", "улиц", "дом", "от", "из", "за", "до", "во",
              "со", "об", "же", "ли", "бы", "то", "или", "но", "это", "их", "его", "ее", "без", "под", "над"}


@dataclass(frozen=True)
class Settings:
    recent_weeks: int = 4
    min_group: int = 3
    similarity: float = 0.35

    @classmethod
    def load(cls) -> "Settings":
        cfg = limits().get("new_problems", {})
        return cls(int(cfg.get("recent_weeks", 4)), int(cfg.get("min_group", 3)), float(cfg.get("similarity", 0.35)))

    def windows(self, date_to: dt.date) -> tuple[dt.date, dt.date]:
        """(start of the window before, start of the recent window): each `recent_weeks` long, ending at date_to."""
        recent = date_to - dt.timedelta(weeks=self.recent_weeks) + dt.timedelta(days=1)
        return recent - dt.timedelta(weeks=self.recent_weeks), recent


def _words(texts: pl.Series, places: pl.Series | None = None) -> tuple[list[str], list[list[str]]]:
    """Each text's stems (stop words and the words of its own place out) and its cleaned words, in step.

    A text's place — its settlement and address — says where, not what: texts about different problems in one
    village or street are no group (the demo's texts, «what. village, street, house.», grouped by street)."""
    cleaned = text.clean(texts)
    words = [w.split() for w in cleaned.to_list()]
    stemmed = [s.split() for s in text.stems(cleaned).to_list()]
    if places is None:
        places = pl.Series([None] * len(texts), dtype=pl.String)
    place_stems = [set(s.split()) for s in text.stems(text.clean(places)).to_list()]
    return [" ".join(s for s in st if s not in STOP_STEMS and s not in own and len(s) > 1)
            for st, own in zip(stemmed, place_stems)], words


def groups(texts: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Groups of similar texts that grew: one row per group with `recent`, `previous` (appeals in each window),
    `words` (top words), `examples` (up to three masked texts, the most typical first), `settlements`,
    `suggestion` (the theme the classifier leans to, where it gave one). Largest growth first."""
    schema = {"recent": pl.Int64, "previous": pl.Int64, "words": pl.String, "examples": pl.List(pl.String),
              "settlements": pl.String, "suggestion": pl.String, "first": pl.Date, "last": pl.Date}
    texts = texts.head(MAX_TEXTS)
    if texts.height < settings.min_group:
        return pl.DataFrame(schema=schema)
    stems, words = _words(texts["text"], texts["place"] if "place" in texts.columns else None)
    try:
        # Within one theme, words found in over half of its texts are its usual business (a category that grows
        # every winter has a name already): they are cut. Among texts no theme was found for there is no usual
        # business: when a new problem is most of them, those words are its own, and nothing is cut.
        unplaced = "theme" in texts.columns and bool((texts["theme"] == UNKNOWN_THEME).all())
        vec = TfidfVectorizer(token_pattern=r"\S+", min_df=2, max_df=1.0 if unplaced else 0.5, sublinear_tf=True)
        x = vec.fit_transform(stems)
    except ValueError:      # no word occurs twice: nothing to group
        return pl.DataFrame(schema=schema)
    keep = np.asarray(x.getnnz(axis=1) > 0)
    if keep.sum() < settings.min_group:
        return pl.DataFrame(schema=schema)
    sim = cosine_similarity(x[keep])
    labels = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                     distance_threshold=1 - settings.similarity).fit_predict(1 - sim)
    idx = np.flatnonzero(keep)
    terms = np.array(vec.get_feature_names_out())
    rows = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        part = texts[idx[members]]
        recent = int(part["recent"].sum())
        previous = part.height - recent
        if recent < settings.min_group or recent <= previous:
            continue
        centre = np.asarray(x[idx[members]].mean(axis=0)).ravel()
        top = terms[np.argsort(-centre)[:6]]
        rows.append({
            "recent": recent, "previous": previous,
            "words": ", ".join(_word_for(stem, [words[i] for i in idx[members]]) for stem in top if centre[
                vec.vocabulary_[stem]] > 0),
            "examples": [t[:300] for t in part["text"].gather(np.argsort(-sim[np.ix_(members, members)].mean(axis=1))[:3])
                         .to_list()],
            "settlements": ", ".join(f"{s} ({n})" for s, n in Counter(part["settlement"].to_list()).most_common(3)),
            "suggestion": (part["suggestion"].drop_nulls().mode().sort().first() if part["suggestion"].null_count()
                           < part.height else None),
            "first": part["received"].min(), "last": part["received"].max(),
        })
    if not rows:
        return pl.DataFrame(schema=schema)
    out = pl.DataFrame(rows, schema=schema)
    return out.sort(pl.col("recent") - pl.col("previous"), "recent", descending=True)


def _word_for(stem: str, texts_words: list[list[str]]) -> str:
    """The commonest word behind a stem in the group's texts (a stem like «дорог» reads worse than «дороги»)."""
    forms = Counter(w for ws in texts_words for w in ws if text.stemmer().stemWord(w) == stem)
    return forms.most_common(1)[0][0] if forms else stem
