"""The canonical theme of an appeal from its text (issue 14): for exports with no theme, or one no list knows.

A linear model over TF-IDF features: word stems (Snowball Russian stemmer, PyStemmer) beside
character 2–4-grams within words (typos, fused words, endings the stemmer misses). A linear SVM with calibrated
margins gives a probability per theme; a prediction below the threshold (limits.toml, [classify] min_confidence) stays
«Не определено», its suggestion kept for the curator.

Trained by `python -m etl train-themes` on the real ПОС messages (their subthemes map to themes through
theme_aliases.csv), the demo generator's subthemes and the curator's corrections (theme_corrections.csv);
saved to data/model/themes.joblib (committed: a fresh clone classifies with no real data at hand).

Personal data never becomes a feature: texts are masked (etl.privacy) and the placeholders ([ФИО],
[телефон] …) removed before vectorising; a word must occur in at least two texts to be a feature at all.
"""
import csv
import datetime as dt
import functools
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from etl.normalise import basic_key
from etl.privacy import mask_expr
from etl.reference import limits, reference_dir
from core import text
from core.settings import ROOT
from core.reference import UNKNOWN_THEME
from core.text import stems

# scikit-learn, scipy and joblib are imported where they are used: a load whose every row has a theme (and the
# app's pages) never pays their import time.
MODEL_FILE = ROOT / "data" / "model" / "themes.joblib"
REAL_POS = ROOT.parent / "shared" / "realdata" / "pos_kursk_messages_2022.csv"
CORRECTIONS = "theme_corrections.csv"
CORRECTION_COLUMNS = ["appeal_id", "text", "theme", "suggested", "decided_at"]
SEED = 42
TEST_SHARE = 0.2
FORMAT = 1   # bump when the saved model's layout changes: an older file is then retrained, never misread

def model_path() -> Path:
    """data/model/themes.joblib, or $MCU_THEME_MODEL (tests train their own)."""
    return Path(os.environ.get("MCU_THEME_MODEL") or MODEL_FILE)


def clean(texts: pl.Series, masked: bool = True) -> pl.Series:
    """Lower-case letters only (core.text.clean), personal data masked first when it is not yet."""
    if not masked:
        texts = pl.select(mask_expr(pl.lit(text.strip_markup(texts)))).to_series()
    return text.clean(texts)


class Features:
    """TF-IDF of word stems and of character 2–4-grams within words, computed through each text's distinct words:
    a word is stemmed and cut into n-grams once per batch, and a text's features are the sum over its words (one
    sparse product). The same numbers as a per-text analyser, many times faster on 100 000 texts."""

    def __init__(self, max_stems: int = 20_000, max_chars: int = 30_000, min_df: int = 2):
        self.max_stems, self.max_chars, self.min_df = max_stems, max_chars, min_df

    @staticmethod
    def _counts(cleaned: pl.Series):
        """Texts × distinct words of the batch (a sparse matrix of counts), and those words."""
        from scipy import sparse

        tok = (pl.DataFrame({"w": cleaned.str.split(" ")}).with_row_index("i").explode("w")
               .filter(pl.col("w").str.len_chars() > 1))
        words = tok["w"].unique().sort()
        tok = tok.with_columns(j=pl.col("w").rank("dense").cast(pl.Int64) - 1)
        m = sparse.csr_matrix((np.ones(tok.height, dtype=np.float32), (tok["i"].to_numpy(), tok["j"].to_numpy())),
                              shape=(len(cleaned), len(words)))
        m.sum_duplicates()
        return m, words.to_list()

    @staticmethod
    def _grams(word: str) -> list[str]:
        w = f" {word} "
        return [w[i:i + n] for n in (2, 3, 4) for i in range(len(w) - n + 1)]

    def _maps(self, words: list[str]):
        """Batch words → stem features and → character n-gram features (sparse matrices of counts)."""
        from scipy import sparse

        stem_of = text.stemmer().stemWords(words)
        rows, cols = [], []
        for r, s in enumerate(stem_of):
            j = self.stem_index.get(s)
            if j is not None:
                rows.append(r)
                cols.append(j)
        w1 = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                               shape=(len(words), len(self.stem_index)))
        rows, cols = [], []
        for r, w in enumerate(words):
            for g in self._grams(w):
                j = self.char_index.get(g)
                if j is not None:
                    rows.append(r)
                    cols.append(j)
        w2 = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                               shape=(len(words), len(self.char_index)))
        return w1, w2

    def fit(self, cleaned: pl.Series) -> "Features":
        counts, words = self._counts(cleaned)
        present = (counts > 0).astype(np.float32)
        n = len(cleaned)
        stem_of = text.stemmer().stemWords(words)
        self.stem_index = {s: i for i, s in enumerate(sorted(set(stem_of)))}
        self.char_index = {g: i for i, g in enumerate(sorted({g for w in words for g in self._grams(w)}))}
        w1, w2 = self._maps(words)
        keep, idf = [], []
        for w, limit in ((w1, self.max_stems), (w2, self.max_chars)):
            df = np.asarray(((present @ w) > 0).sum(axis=0)).ravel()
            top = np.argsort(-df, kind="stable")[:limit]
            top = np.sort(top[df[top] >= self.min_df])
            keep.append(top)
            idf.append((np.log((1 + n) / (1 + df[top])) + 1).astype(np.float32))
        inv = lambda index: {i: k for k, i in index.items()}
        stems_inv, chars_inv = inv(self.stem_index), inv(self.char_index)
        self.stem_index = {stems_inv[i]: k for k, i in enumerate(keep[0])}
        self.char_index = {chars_inv[i]: k for k, i in enumerate(keep[1])}
        self.idf_stems, self.idf_chars = idf
        return self

    def transform(self, cleaned: pl.Series):
        from scipy import sparse

        counts, words = self._counts(cleaned)
        w1, w2 = self._maps(words)
        parts = []
        for w, idf in ((w1, self.idf_stems), (w2, self.idf_chars)):
            x = (counts @ w).tocsr()
            x.data = (1 + np.log(x.data)).astype(np.float32)      # sublinear tf
            x = x @ sparse.diags(idf)
            norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
            norms[norms == 0] = 1
            parts.append(sparse.diags(1 / norms) @ x)
        return sparse.hstack(parts).tocsr()

    def vocabulary(self) -> set[str]:
        return set(self.stem_index) | set(self.char_index)


@dataclass
class ThemeModel:
    features_: Features
    clf: object                # sklearn.calibration.CalibratedClassifierCV over a LinearSVC
    trained: dict              # what it was trained on: {"real": n, "demo": n, "corrections": n, "at": iso}
    format: int = FORMAT

    @property
    def themes(self) -> list[str]:
        return list(self.clf.classes_)

    def features(self, texts: pl.Series, masked: bool = True):
        return self.features_.transform(clean(texts, masked))

    def proba(self, texts: pl.Series, masked: bool = True) -> np.ndarray:
        return self.clf.predict_proba(self.features(texts, masked))

    def predict(self, texts: pl.Series, masked: bool = True) -> pl.DataFrame:
        """(theme, confidence) per text: the most probable theme and its probability; null for an empty text."""
        texts = pl.Series(texts, dtype=pl.String)
        empty = clean(texts, masked).str.len_chars() == 0
        p = self.proba(texts, masked)
        best = p.argmax(axis=1)
        return pl.DataFrame({
            "theme": pl.Series(np.array(self.themes, dtype=object)[best], dtype=pl.String),
            "confidence": pl.Series(p[np.arange(len(best)), best], dtype=pl.Float64),
        }).with_columns(pl.when(~empty).then(pl.all()).name.keep())


def fit(texts: pl.Series, labels: list[str], masked: bool = False, trained: dict | None = None) -> ThemeModel:
    """A model fitted on (text, theme) pairs."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    cleaned = clean(texts, masked)
    feats = Features().fit(cleaned)
    # A linear SVM, chosen by 5-fold cross-validation on the training 80 % (two shuffles), never on the held-out
    # part: 79,7 % accuracy and 0,59 macro-F1 against 78,3 % and 0,55 for the logistic regression it replaced
    # (C=20); C = 0,1…1 and the n-gram ranges moved the figure by less than the shuffles did. Balanced class
    # weights: the rare themes (Связь, Спорт: a handful of texts) are not drowned by Дороги. Its margins become
    # probabilities (the confidence that gates a prediction) through a sigmoid per theme fitted on 3-fold
    # out-of-sample margins; the saved model is the one SVM fitted on everything (ensemble=False: small, fast).
    x, y = feats.transform(cleaned), np.asarray(labels, dtype=object)
    # The calibration's 3 folds need 3 texts of each theme: a rarer theme's texts are repeated (under balanced
    # weights the SVM itself barely changes; only that theme's calibration is rougher).
    names, counts = np.unique(y, return_counts=True)
    pad = np.concatenate([np.flatnonzero(y == t).repeat(-(-3 // n))[:3 - n] for t, n in zip(names, counts) if n < 3]
                         + [np.arange(len(y))])
    clf = CalibratedClassifierCV(LinearSVC(C=0.3, class_weight="balanced", random_state=SEED), cv=3, ensemble=False)
    clf.fit(x[pad], y[pad])
    for c in clf.calibrated_classifiers_:
        c.estimator.coef_ = c.estimator.coef_.astype(np.float32)
    return ThemeModel(feats, clf, trained or {})


# --- training data ----------------------------------------------------------------------------------------

def alias_themes() -> dict[str, str]:
    """theme_aliases.csv (and the theme names themselves) by normalised key."""
    ref = reference_dir()
    out = {basic_key(t): t for t in pl.read_csv(ref / "themes.csv", infer_schema_length=0)["theme"]}
    out.update({basic_key(a): t for a, t in pl.read_csv(ref / "theme_aliases.csv", infer_schema_length=0)
               .select("alias", "theme").iter_rows()})
    return out


def real_pos(path: Path | None = None) -> pl.DataFrame:
    """The real ПОС messages (text, theme): their subthemes mapped to canonical themes by the alias list."""
    path = Path(path or REAL_POS)
    df = pl.read_csv(path, infer_schema_length=0)
    aliases = alias_themes()
    return (df.select(pl.col("Текст Сообщения").alias("text"),
                      pl.col("Тематика").map_elements(lambda v: aliases.get(basic_key(v)), return_dtype=pl.String)
                      .alias("theme"))
            .filter(pl.col("theme").is_not_null() & (pl.col("theme") != UNKNOWN_THEME)))


def demo_texts() -> pl.DataFrame:
    """The demo generator's subthemes (its texts are «subtheme. settlement, address.»)."""
    from etl.demo import SUBTHEMES

    return pl.DataFrame({"text": [s for _, s, *_ in SUBTHEMES], "theme": [t for t, *_ in SUBTHEMES]})


def alias_texts() -> pl.DataFrame:
    """The alias list's phrases and the theme names as short texts of their themes: what the reference already
    knows about words, so a rare theme (a handful of real texts) is not left to chance."""
    pairs = [(a, t) for a, t in alias_themes().items() if t != UNKNOWN_THEME and not re.match(r"^[\d.]+$", a)]
    return pl.DataFrame({"text": [a for a, _ in pairs], "theme": [t for _, t in pairs]})


def corrections() -> pl.DataFrame:
    """The curator's confirmed and corrected themes (masked texts), the newest per appeal."""
    path = reference_dir() / CORRECTIONS
    if not path.exists():
        return pl.DataFrame(schema=dict.fromkeys(CORRECTION_COLUMNS, pl.String))
    df = pl.read_csv(path, infer_schema_length=0)
    return df.unique("appeal_id", keep="last", maintain_order=True).filter(pl.col("theme") != UNKNOWN_THEME)


def split(real: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The fixed evaluation split: 20 % held out, stratified by theme, seed 42."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(real.height)
    train, test = train_test_split(idx, test_size=TEST_SHARE, random_state=SEED, stratify=real["theme"].to_numpy())
    return real[np.sort(train)], real[np.sort(test)]


def train(real: pl.DataFrame | None = None, extra: pl.DataFrame | None = None) -> ThemeModel:
    """Fitted on `real` (default: all real ПОС texts, when the file is there), the demo texts, the corrections
    and `extra`."""
    if real is None:
        real = real_pos() if REAL_POS.exists() else pl.DataFrame(schema={"text": pl.String, "theme": pl.String})
    fixes = corrections().select("text", "theme")
    parts = [real.select("text", "theme"), demo_texts(), alias_texts(), fixes] + ([extra.select("text", "theme")] if extra is not None else [])
    data = pl.concat(parts).drop_nulls()
    info = {"real": real.height, "demo": demo_texts().height, "aliases": alias_texts().height, "corrections": fixes.height,
            "at": dt.datetime.now().replace(microsecond=0).isoformat()}
    # Corrections are masked already; masking again is harmless (placeholders are left as they are).
    return fit(data["text"], data["theme"].to_list(), masked=False, trained=info)


def save(model: ThemeModel, path: Path | None = None) -> Path:
    import joblib

    path = Path(path or model_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    joblib.dump(model, tmp, compress=3)
    os.replace(tmp, path)
    load_model.cache_clear()
    return path


@functools.cache
def _load(path: str, mtime: int) -> ThemeModel | None:
    import joblib

    model = joblib.load(path)
    return model if getattr(model, "format", None) == FORMAT else None


def load_model(path: Path | None = None) -> ThemeModel | None:
    """The saved model, loaded once per file version; None when there is none (themes then stay unknown)."""
    path = Path(path or model_path())
    if not path.exists():
        return None
    return _load(str(path), path.stat().st_mtime_ns)


load_model.cache_clear = _load.cache_clear


def min_confidence() -> float:
    return float(limits().get("classify", {}).get("min_confidence", 0.5))


# --- evaluation -------------------------------------------------------------------------------------------

class KeywordBaseline:
    """The simple rule a classifier must beat: each alias list entry's word stems vote for its theme; the theme
    with the most distinct stems found in the text wins (ties: the more frequent theme in training)."""

    def __init__(self, aliases: dict[str, str], prior: list[str]):
        self.rank = {t: i for i, t in enumerate(prior)}
        self.vote: dict[str, set[str]] = {}
        names = list(aliases)
        for alias_stems, theme in zip(stems(clean(pl.Series(names))).to_list(), aliases.values()):
            if theme == UNKNOWN_THEME:
                continue
            for s in alias_stems.split():
                if len(s) >= 3:
                    self.vote.setdefault(s, set()).add(theme)
        self.default = prior[0]

    def predict(self, texts: pl.Series) -> list[str]:
        out = []
        for words in stems(clean(texts, masked=False)).to_list():
            score: dict[str, int] = {}
            for s in set(words.split()):
                for t in self.vote.get(s, ()):
                    score[t] = score.get(t, 0) + 1
            out.append(min(score, key=lambda t: (-score[t], self.rank.get(t, 99))) if score else self.default)
        return out


@dataclass
class Evaluation:
    n_train: int
    n_test: int
    accuracy: float
    macro_f1: float
    base_accuracy: float
    base_macro_f1: float
    threshold: float
    coverage: float            # share of held-out texts predicted at or above the threshold
    confident_accuracy: float  # accuracy among those
    seconds_per_100k: float | None = None

    def lines(self) -> list[str]:
        pct = lambda v: f"{v * 100:.1f}".replace(".", ",") + " %"
        rows = [f"Отложенная выборка: {self.n_test} реальных сообщений ПОС (20 %, стратифицировано по теме, seed {SEED}); "
                f"обучение: {self.n_train} реальных + тексты демо-генератора + фразы справочника синонимов + исправления "
                "куратора.",
                f"{'':28}{'точность':>10}{'macro-F1':>10}",
                f"{'классификатор':28}{pct(self.accuracy):>10}{pct(self.macro_f1):>10}",
                f"{'ключевые слова (алиасы)':28}{pct(self.base_accuracy):>10}{pct(self.base_macro_f1):>10}"]
        rows.append(f"При пороге уверенности {self.threshold:.2f}".replace(".", ",") + f": тема назначена "
                    f"{pct(self.coverage)} текстов, из них верно {pct(self.confident_accuracy)}; остальные — "
                    f"«{UNKNOWN_THEME}» с подсказкой для куратора.")
        if self.seconds_per_100k is not None:
            rows.append(f"Классификация 100 000 текстов: {self.seconds_per_100k:.1f}".replace(".", ",") + " с")
        return rows


def evaluate(real: pl.DataFrame | None = None) -> tuple[Evaluation, ThemeModel]:
    """Fit on the fixed 80 % (plus demo texts and corrections), measure on the held-out 20 % beside the baseline."""
    from sklearn.metrics import accuracy_score, f1_score

    real = real_pos() if real is None else real
    train_part, test = split(real)
    model = train(train_part)
    found = model.predict(test["text"], masked=False)
    predicted = found["theme"].fill_null(UNKNOWN_THEME).to_list()
    truth = test["theme"].to_list()
    threshold = min_confidence()
    sure = (found["confidence"].fill_null(0) >= threshold).to_numpy()
    prior = train_part["theme"].value_counts(sort=True)["theme"].to_list()
    base = KeywordBaseline(alias_themes(), prior).predict(test["text"])
    labels = sorted(set(truth))
    return Evaluation(
        train_part.height, test.height, accuracy_score(truth, predicted),
        f1_score(truth, predicted, labels=labels, average="macro", zero_division=0),
        accuracy_score(truth, base), f1_score(truth, base, labels=labels, average="macro", zero_division=0),
        threshold, float(sure.mean()),
        accuracy_score(np.array(truth)[sure], np.array(predicted)[sure]) if sure.any() else 0.0), model


def time_100k(model: ThemeModel, texts: pl.Series) -> float:
    """Seconds to classify 100 000 texts (the given ones repeated), masked as at load."""
    many = pl.concat([texts] * (100_000 // len(texts) + 1)).head(100_000)
    started = time.perf_counter()
    model.predict(many)
    return time.perf_counter() - started


# --- the curator's corrections ------------------------------------------------------------------------------

def add_corrections(rows: list[dict]) -> None:
    """Append confirmed/corrected themes (masked text) to theme_corrections.csv, used by the next training."""
    if not rows:
        return
    path = reference_dir() / CORRECTIONS
    new = not path.exists()
    with open(path, "a", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CORRECTION_COLUMNS)
        if new:
            w.writeheader()
        w.writerows({c: r.get(c) for c in CORRECTION_COLUMNS} for r in rows)


def apply_themes(choices: dict[str, str], db: Path | None = None, on_wait=None) -> int:
    """The curator's decisions on predicted themes: {appeal_id: theme} (the suggestion confirmed or another theme
    chosen). The appeals take the theme with theme_source 'curator' (a later load never replaces it with a
    prediction); each decision is appended to theme_corrections.csv for the next training. Returns the appeals
    changed. Raises ValueError with what to do. `on_wait`: etl.build.update_database's."""
    import duckdb

    from etl.build import update_database
    from etl.review import _recount
    from core.settings import db_path

    choices = {k: v for k, v in choices.items() if v}
    if not choices:
        return 0
    chosen = pl.DataFrame({"appeal_id": list(choices), "theme": list(choices.values())})
    try:
        with update_database(Path(db or db_path()), on_wait=on_wait) as con:
            known = {r[0] for r in con.execute("SELECT theme FROM themes").fetchall()} - {UNKNOWN_THEME}
            wrong = sorted(set(chosen["theme"]) - known)
            if wrong:
                raise ValueError(f"Нет такой темы в справочнике: {', '.join(wrong)}. Выберите тему из списка.")
            rows = con.execute("""
                SELECT a.appeal_id, a.text, c.theme, a.theme_suggestion FROM appeals a JOIN chosen c USING (appeal_id)
                ORDER BY a.appeal_id""").fetchall()
            con.execute("""UPDATE appeals a SET theme = c.theme, theme_source = 'curator' FROM chosen c
                           WHERE a.appeal_id = c.appeal_id""")
            # The appeal no longer waits for its category's mapping: the curator gave it a theme.
            con.execute("""DELETE FROM unmatched_rows u USING chosen c
                           WHERE u.record_table = 'appeals' AND u.dim = 'theme' AND u.record_id = c.appeal_id""")
            _recount(con)
            now = dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")
            add_corrections([{"appeal_id": a, "text": t, "theme": th, "suggested": s, "decided_at": now}
                             for a, t, th, s in rows if t])
    except duckdb.Error as e:
        raise ValueError(f"Не удалось сохранить темы в базу, база не изменена. Если идёт загрузка файла, дождитесь её "
                         f"окончания и повторите. Текст ошибки: {e}") from None
    return len(rows)
