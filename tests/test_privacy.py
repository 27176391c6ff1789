"""Masking of personal data: a labelled set of hand-made sentences, the real ПОС texts, rejected rows."""
import difflib
import json
import re
import time
from collections import Counter
from pathlib import Path

import duckdb
import polars as pl
import pytest

from etl.load import load_file
from etl.normalise import clean_text
from etl.privacy import mask, mask_expr

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = ROOT / "tests" / "fixtures" / "pii" / "sentences.jsonl"
POS_KURSK = ROOT.parent / "shared" / "realdata" / "pos_kursk_messages_2022.csv"
TOKEN = re.compile(r"\w+")
# Kinds whose own words («кв.», «г.р.», «дата рождения») are not personal: only their digits must go.
DIGITS_ONLY = {"phone", "birth", "flat"}


def load_sentences() -> list[dict]:
    return [json.loads(line) for line in SENTENCES.read_text().splitlines() if line.strip()]


def removed_tokens(text: str, masked: str) -> tuple[list[tuple[int, int]], set[int]]:
    """The input's word tokens and the indices of those the masking removed (a token-level diff)."""
    spans = [m.span() for m in TOKEN.finditer(text)]
    a = [text[s:e] for s, e in spans]
    b = TOKEN.findall(masked)
    kept = set()
    for block in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks():
        kept.update(range(block.a, block.a + block.size))
    return spans, set(range(len(a))) - kept


def score(rows: list[dict]) -> dict:
    items, hit, keep_total, keep_ok = Counter(), Counter(), 0, 0
    removed_total = removed_pii = 0
    misses = []
    for row, masked in zip(rows, [mask(r["text"]) for r in rows]):
        text = row["text"]
        spans, removed = removed_tokens(text, masked)
        pii_tokens = set()
        pos = 0
        for item in row["pii"]:
            start = text.find(item["text"], pos)
            assert start >= 0, (item, text)
            stop = pos = start + len(item["text"])
            inside = [i for i, (s, e) in enumerate(spans) if s >= start and e <= stop]
            pii_tokens.update(inside)
            critical = [i for i in inside if item["kind"] not in DIGITS_ONLY or text[spans[i][0]:spans[i][1]].isdigit()]
            assert critical, item
            items[item["kind"]] += 1
            if all(i in removed for i in critical):
                hit[item["kind"]] += 1
            else:
                misses.append((item["kind"], item["text"], masked))
        removed_total += len(removed)
        removed_pii += len(removed & pii_tokens)
        for k in row["keep"]:
            keep_total += 1
            if k in masked:
                keep_ok += 1
            else:
                misses.append(("keep", k, masked))
    return {"recall": {k: hit[k] / items[k] for k in items}, "items": dict(items),
            "precision": removed_pii / removed_total, "kept": keep_ok / keep_total, "keep_total": keep_total,
            "misses": misses}


def test_labelled_sentences_recall_and_precision():
    rows = load_sentences()
    assert len(rows) >= 200
    kinds = Counter(item["kind"] for r in rows for item in r["pii"])
    assert set(kinds) == {"name", "phone", "email", "link", "handle", "birth", "flat"}
    started = time.perf_counter()
    s = score(rows)
    elapsed = time.perf_counter() - started
    print(f"\n{len(rows)} sentences, {sum(kinds.values())} personal items, {s['keep_total']} must-stay strings, "
          f"{elapsed:.1f} s")
    for kind, r in sorted(s["recall"].items()):
        print(f"  recall {kind:<7} {r:6.1%} of {s['items'][kind]}")
    print(f"  token precision {s['precision']:.1%}; must-stay strings kept {s['kept']:.1%}")
    for miss in s["misses"]:
        print("  miss:", miss)
    assert s["recall"]["name"] >= 0.98
    assert s["recall"]["phone"] == 1.0 and s["recall"]["email"] == 1.0
    assert s["recall"]["link"] == 1.0 and s["recall"]["handle"] == 1.0
    assert s["recall"]["birth"] == 1.0 and s["recall"]["flat"] == 1.0
    assert s["precision"] >= 0.95
    assert s["kept"] >= 0.97
