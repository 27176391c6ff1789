"""The note's charts as PNG images: matplotlib with the Agg backend (no browser, no network), DejaVu Sans
(matplotlib's own font, Cyrillic included), Russian number formats. Each takes a query's frame."""
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from mcu import fmt  # noqa: E402

RED, AMBER, GREEN, BLUE, GREY, PALE = "#c0392b", "#e67e22", "#27ae60", "#1f77b4", "#95a5a6", "#d5d8dc"
WIDTH = 6.3  # inches: the text width of an A4 page with 2 cm margins
plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9, "axes.spines.top": False,
                     "axes.spines.right": False, "axes.titlesize": 10})
COUNT = FuncFormatter(lambda v, _pos: fmt.num(v))
PERCENT = FuncFormatter(lambda v, _pos: fmt.pct(v, 0))


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _month(d) -> str:
    return f"{fmt.MONTHS_SHORT[d.month - 1]}\n{d.year}"


def ranked(df: pl.DataFrame, label: str, with_previous: bool) -> bytes:
    """Horizontal bars of `appeals` by `label`, biggest on top; the previous period as a pale bar beside."""
    names = df[label].to_list()[::-1]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.9 + 0.32 * len(names)))
    y = range(len(names))
    if with_previous:
        ax.barh([i - 0.2 for i in y], df["prev_appeals"].to_list()[::-1], height=0.4, color=PALE,
                label="предыдущий период")
        ax.barh([i + 0.2 for i in y], df["appeals"].to_list()[::-1], height=0.4, color=RED, label="за период")
        ax.legend(loc="lower right", frameon=False)
    else:
        ax.barh(list(y), df["appeals"].to_list()[::-1], color=RED)
    for i, v in zip(y, df["appeals"].to_list()[::-1]):
        ax.annotate(fmt.num(v), (v, i + (0.2 if with_previous else 0)), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.set_yticks(list(y), names)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(COUNT)
    ax.set_xlabel("обращений")
    return _png(fig)


def breaches(df: pl.DataFrame) -> bytes:
    """Deadline breaches by executor (grp, overdue_open, answered_late), most on top."""
    names = df["grp"].to_list()[::-1]
    opened, late = df["overdue_open"].to_list()[::-1], df["answered_late"].to_list()[::-1]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.9 + 0.35 * len(names)))
    ax.barh(names, opened, color=RED, label="нет ответа после срока")
    ax.barh(names, late, left=opened, color=AMBER, label="ответ позже срока")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(COUNT)
    ax.set_xlabel("обращений")
    ax.legend(loc="lower right", frameon=False)
    return _png(fig)


def satisfaction(df: pl.DataFrame) -> bytes:
    """The satisfied share by month (month, rated, satisfied_share), with the number of ratings under it."""
    months = [_month(m) for m in df["month"]]
    fig, ax = plt.subplots(figsize=(WIDTH, 2.8))
    ax.plot(months, df["satisfied_share"].to_list(), color=BLUE, marker="o")
    for x, share, n in zip(months, df["satisfied_share"], df["rated"]):
        if share is not None:
            ax.annotate(fmt.pct(share, 0), (x, share), xytext=(0, 6), textcoords="offset points", ha="center",
                        fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PERCENT)
    ax.set_xticks(range(len(months)), [f"{m}\n{fmt.num(n)}" for m, n in zip(months, df["rated"])], fontsize=7)
    ax.set_xlabel("месяц; под ним — число оценок", fontsize=8)
    ax.grid(axis="y", color="#eeeeee")
    return _png(fig)


def results(df: pl.DataFrame) -> bytes:
    """Solved / explained / refused among answered solvable appeals by month, stacked to 100 %."""
    months = [_month(m) for m in df["month"]]
    fig, ax = plt.subplots(figsize=(WIDTH, 2.8))
    bottom = [0.0] * df.height
    for col, name, color in (("solved", "решено", GREEN), ("explained", "разъяснено", AMBER),
                             ("refused", "отказано", GREY)):
        share = [v / t for v, t in zip(df[col], df["solvable_answered"])]
        ax.bar(months, share, bottom=bottom, color=color, label=name)
        bottom = [b + s for b, s in zip(bottom, share)]
    ax.yaxis.set_major_formatter(PERCENT)
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=3, frameon=False)
    return _png(fig)
