"""The pattern masks' time (etl.privacy.mask_patterns, no names) on real texts: `python -m bench.masks [ROWS]` masks
ROWS texts drawn from the real ПОС messages (bench.real_texts, each its own, as in a regional export) and prints the
seconds of each pattern and of all of them, the slowest first. A pattern far slower than the others is worth a look
(a Unicode \\b on Cyrillic text cost ten times: etl.privacy._B)."""
import sys
import time

import polars as pl

from bench.__main__ import real_texts
from etl.normalise import clean_text
from etl.privacy import MASKS, mask_patterns


def main(rows: int = 50_000) -> None:
    texts = pl.DataFrame({"t": real_texts(rows)}).select(clean_text(pl.col("t")))["t"]
    timed = []
    for pattern, repl in MASKS:
        start = time.perf_counter()
        texts.str.replace_all(pattern, repl)
        timed.append((time.perf_counter() - start, pattern))
    start = time.perf_counter()
    mask_patterns(texts)
    total = time.perf_counter() - start
    for seconds, pattern in sorted(timed, reverse=True):
        print(f"{seconds:7.3f} с  {pattern[:90]}")
    print(f"{total:7.3f} с  все шаблоны на {rows} текстах")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
