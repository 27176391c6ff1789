"""Figures of the monitoring pages (Сроки, Удовлетворённость, Исполнители, growth factors).

Each builder takes a query's DataFrame and returns a plotly figure: no queries, no Streamlit.
"""
import plotly.graph_objects as go
import polars as pl

from mcu import fmt
from mcu.charts import RU_LAYOUT, opacity, plain

RED, AMBER, GREEN, BLUE, GREY = "#c0392b", "#e67e22", "#27ae60", "#1f77b4", "#95a5a6"


def _months(df: pl.DataFrame) -> list[str]:
    return [fmt.month(m) for m in df["month"]]


def aging_bars(df: pl.DataFrame) -> go.Figure:
    """Open appeals by age bucket (bucket, open, overdue_open), the overdue part stacked in red."""
    fig = go.Figure()
    fig.add_bar(x=plain(df["bucket"]), y=df["open"] - df["overdue_open"], name="срок не истёк", marker_color=BLUE,
                hovertemplate="%{x}: %{y:,}<extra>срок не истёк</extra>")
    fig.add_bar(x=plain(df["bucket"]), y=df["overdue_open"], name="просрочено", marker_color=RED,
                hovertemplate="%{x}: %{y:,}<extra>просрочено</extra>")
    fig.update_layout(barmode="stack", yaxis_title="открытых обращений", xaxis_title="возраст (календарные дни)",
                      height=340, **RU_LAYOUT)
    return fig


def breakdown_bars(df: pl.DataFrame, title: str) -> go.Figure:
    """Deadline breaches by group (grp, overdue_open, at_risk, answered_late), worst on top."""
    fig = go.Figure()
    for col, name, color in (("overdue_open", "просрочено без ответа", RED), ("at_risk", "под угрозой", AMBER),
                             ("answered_late", "ответ позже срока", GREY)):
        fig.add_bar(x=df[col], y=plain(df["grp"]), orientation="h", name=name, marker_color=color,
                    hovertemplate="%{y}: %{x:,}<extra>" + name + "</extra>")
    fig.update_layout(barmode="stack", title=title, yaxis=dict(autorange="reversed"),
                      height=120 + 26 * max(df.height, 1), **RU_LAYOUT)
    return fig


SHARE_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1]


def satisfaction_trend(df: pl.DataFrame, measure: str) -> go.Figure:
    """Monthly satisfied share or mean rating by group (month, grp, rated, scored, <measure>).

    The point size follows the number of ratings behind it and the hover says it, so a share of 3 ratings
    does not look like a share of 300; a single group also gets the counts as bars on a second axis.
    """
    share = measure == "satisfied_share"
    count_col = "rated" if share else "scored"
    fig = go.Figure()
    groups = df["grp"].unique(maintain_order=True).to_list()
    biggest = max(df[count_col].max() or 1, 1)
    single = len(groups) == 1
    if single:
        # Counts on the primary axis (right) so the share line, on the overlaying axis, is drawn above the bars.
        fig.add_bar(x=_months(df), y=df[count_col], name="оценок", marker_color="#d6e4f0", marker_opacity=opacity(df),
                    customdata=[fmt.count(n, "оценка", "оценки", "оценок") for n in df[count_col]],
                    hovertemplate="%{x}: %{customdata}<extra></extra>")
    for grp in groups:
        part = df.filter(pl.col("grp") == grp)
        # The value as the app writes it («61,5 %», «4,25»), not plotly's «61.5%».
        shown = [fmt.pct(v) if share else fmt.num(v, 2) for v in part[measure]]
        fig.add_scatter(
            x=_months(part), y=part[measure], name=plain(grp), mode="lines+markers", yaxis="y2",
            customdata=list(zip(part[count_col].to_list(), shown)),
            marker=dict(size=[6 + 18 * (n / biggest) ** 0.5 for n in part[count_col]], opacity=opacity(part)),
            hovertemplate="%{x}: %{customdata[1]} (оценок: %{customdata[0]:,})<extra>" + plain(grp) + "</extra>")
    fig.update_layout(
        # The count bars stop at 70 % of the height, well under the share axis's 100 % line.
        yaxis=dict(title="оценок", side="right", showgrid=False, tickformat=",d", visible=single,
                   range=[0, (df[count_col].max() or 1) / 0.7]),
        yaxis2=dict(title="доля довольных" if share else "средняя оценка", overlaying="y", side="left",
                    range=[0, 1.05] if share else [1, 5.1],
                    # «100 %» as the rest of the app writes it (plotly's «.0%» gives «100%»).
                    **(dict(tickmode="array", tickvals=SHARE_TICKS, ticktext=[fmt.pct(v, 0) for v in SHARE_TICKS])
                       if share else dict(tickmode="linear", tick0=1, dtick=1))),
        height=400, **RU_LAYOUT)
    return fig


def results_trend(df: pl.DataFrame) -> go.Figure:
    """Solved / explained / refused among answered solvable appeals by month, as shares of 100 %."""
    fig = go.Figure()
    for col, name, color in (("solved", "решено", GREEN), ("explained", "разъяснено", AMBER),
                             ("refused", "отказано", GREY)):
        # The share as the table writes it («67,1 %»): under barnorm plotly's %{y} is the unrounded bar height.
        shown = [(fmt.pct(n / base if base else None), fmt.num(n), fmt.num(base))
                 for n, base in zip(df[col], df["solvable_answered"])]
        fig.add_bar(x=_months(df), y=df[col], name=name, marker_color=color, marker_opacity=opacity(df), customdata=shown,
                    hovertemplate="%{x}: %{customdata[0]} (%{customdata[1]} из %{customdata[2]})<extra>" + name
                                  + "</extra>")
    fig.update_layout(barmode="stack", barnorm="percent", yaxis=dict(title="% отвеченных решаемых", ticksuffix=" %"),
                      height=360, **RU_LAYOUT)
    return fig


def repeat_trend(df: pl.DataFrame) -> go.Figure:
    """Monthly repeat share (month, appeals, repeats, repeat_share)."""
    # In percent, with a no-break space before «%»: plotly's «.0%» writes «12%» without the space.
    fig = go.Figure(go.Scatter(
        x=_months(df), y=df["repeat_share"] * 100, mode="lines+markers", line_color=RED, marker_opacity=opacity(df),
        customdata=list(zip(df["repeats"], df["appeals"])),
        hovertemplate="%{x}: %{y:.1f}" + fmt.NBSP + "% (%{customdata[0]:,} из %{customdata[1]:,})<extra></extra>"))
    fig.update_layout(yaxis=dict(title="доля повторных", ticksuffix=fmt.NBSP + "%", rangemode="tozero"), height=320,
                      **RU_LAYOUT)
    return fig


def _score_colors(scores: pl.Series) -> list[str]:
    """By place, not by score: the top three green, the bottom three red, the rest grey — on a high-scoring
    day a colour scale on the score painted the last three green too."""
    n = scores.len()
    return [GREEN if i < min(3, n // 2) else RED if i >= n - min(3, n // 2) else GREY for i in range(n)]


def executor_scores(df: pl.DataFrame) -> go.Figure:
    """Ranked executors' scores (rank, executor, score), the best on top."""
    labels = plain([f"{r}. {name}" for r, name in zip(df["rank"], df["executor"])])
    fig = go.Figure(go.Bar(
        x=df["score"], y=labels, orientation="h", marker=dict(color=_score_colors(df["score"])),
        text=[fmt.num(s, 1) for s in df["score"]], textposition="outside",
        hovertemplate="%{y}: %{x:.1f}<extra></extra>"))
    fig.update_layout(xaxis=dict(title="балл (0–100)", range=[0, 110]), yaxis=dict(autorange="reversed"),
                      height=100 + 26 * max(df.height, 1), **RU_LAYOUT)
    return fig


def growth_waterfall(df: pl.DataFrame) -> go.Figure:
    """Previous total → each item's change → current total (item, change, total_prev, total)."""
    prev, cur = df["total_prev"][0], df["total"][0]
    fig = go.Figure(go.Waterfall(
        orientation="v", measure=["absolute"] + ["relative"] * df.height + ["total"],
        x=["Пред. период"] + plain(df["item"]) + ["Текущий период"],
        y=[prev] + df["change"].to_list() + [cur],
        text=[fmt.num(prev)] + [fmt.minus(fmt.signed(c)) or "0" for c in df["change"]] + [fmt.num(cur)],
        textposition="outside",
        increasing=dict(marker_color=RED), decreasing=dict(marker_color=GREEN), totals=dict(marker_color=BLUE),
        connector=dict(line=dict(color=GREY, width=1)),
        hovertemplate="%{x}: %{text}<extra></extra>"))
    # Zoom to the running totals: against a zero-based axis a change of 5 % is a sliver.
    running = [prev + c for c in df["change"].cum_sum()] + [prev, cur]
    lo, hi = min(running), max(running)
    pad = max((hi - lo) * 0.3, 1)
    fig.update_layout(yaxis=dict(title="обращений (ось не от нуля)", tickformat=",d",
                                 range=[max(0, lo - pad), hi + pad]),
                      xaxis=dict(tickangle=-30), height=460, showlegend=False, **RU_LAYOUT)
    return fig
