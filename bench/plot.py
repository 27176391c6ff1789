"""The growth plot of the bench (issue 13): `python -m bench.plot [results.csv …]` → bench/results/growth.png.

Reads saved bench runs (bench/results/<date>*.csv, each a table from `python -m bench` with its `rows`), and
draws, against the number of appeals, each page query's seconds and the load's ratio to DuckDB's `read_csv`:
log scales both ways, so «grows with the data» is a straight line and a ratio that holds is a flat one.
matplotlib with the Agg backend, as the note's charts: no browser, no network.
"""
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

from mcu import fmt  # noqa: E402
from mcu.settings import ROOT  # noqa: E402

RESULTS = ROOT / "bench" / "results"
QUERY = "запрос "
LOAD = "наша загрузка"


def read_runs(files: list[Path]) -> pl.DataFrame:
    """The saved runs as one frame (what, seconds, ratio, rows, export rows); the latest run of a size wins."""
    frames = [pl.read_csv(f, infer_schema_length=None).select("что", "секунд", "отношение", "rows", "export_rows")
              .with_columns(pl.lit(i).alias("run")) for i, f in enumerate(files)]
    runs = pl.concat(frames, how="vertical_relaxed")
    return runs.sort("run").unique(["что", "rows"], keep="last").sort("rows", "что")


def plot(runs: pl.DataFrame, out: Path) -> Path:
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5), dpi=110)
    queries = runs.filter(pl.col("что").str.starts_with(QUERY))
    for (name,), part in queries.group_by("что", maintain_order=True):
        left.plot(part["rows"], part["секунд"], marker="o", label=name.removeprefix(QUERY))
    total = queries.group_by("rows").agg(pl.col("секунд").sum()).sort("rows")
    left.plot(total["rows"], total["секунд"], marker="s", color="black", linewidth=2.5, label="все вместе")
    left.axhline(1.0, color="#c0392b", linestyle="--", linewidth=1)
    left.text(total["rows"].min(), 1.05, "цель: 1 с", color="#c0392b")
    left.set_title("Запросы страниц, секунд")
    loads = runs.filter(pl.col("что").str.starts_with(LOAD)).sort("export_rows")
    right.plot(loads["export_rows"], loads["отношение"], marker="o", color="#2c3e50", label="наша загрузка / read_csv")
    right.axhline(3.0, color="#c0392b", linestyle="--", linewidth=1)
    right.text(loads["export_rows"].min() if loads.height else 1, 3.2, "цель: 3×", color="#c0392b")
    right.set_title("Загрузка выгрузки ПОС: во сколько раз дольше read_csv")
    number = FuncFormatter(lambda v, _: fmt.num(v, 0 if v >= 1 else 2))
    for ax, xlabel in ((left, "обращений в базе"), (right, "строк в выгрузке")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_formatter(number)
        ax.yaxis.set_major_formatter(number)
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.grid(True, which="major", alpha=0.3)
    right.set_yticks([2, 3, 5, 10, 20, 50, 100])
    left.legend(fontsize=7, loc="upper left")
    right.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out


def main(argv=None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    files = [Path(a) for a in args] or sorted(p for p in RESULTS.glob("20*.csv"))
    if not files:
        print("Нет сохранённых прогонов в bench/results/: запустите python -m bench и сохраните latest.csv.")
        return 1
    out = plot(read_runs(files), RESULTS / "growth.png")
    print(f"График: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
