"""Figure builders: each takes a DataFrame and returns a plotly figure (no queries, no Streamlit)."""
import datetime as dt
import html

import plotly.graph_objects as go
import polars as pl

from mcu import fmt

RU_LAYOUT = dict(separators=", ", margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h", y=-0.15),
                 font=dict(size=13))


def plain(values):
    """Strings from data as plotly text: plotly reads a subset of HTML in every label, tick, legend and hover
    (`<a href>` becomes a live link), so `&`, `<` and `>` are escaped; it shows the entities as the
    characters. Takes a string, a Series or a list; anything not a string passes unchanged."""
    if isinstance(values, str):
        return html.escape(values, quote=False)
    if isinstance(values, pl.Series):
        values = values.to_list()
    return [plain(v) if isinstance(v, str) else v for v in values]


def unplain(value):
    """A label plotly hands back (a clicked point's x / y) as the data value it was made from."""
    return html.unescape(value) if isinstance(value, str) else value


TREND_TICKS = 12  # month labels that fit upright across the page at 1440 px
PALE = 0.35  # a month the period covers only in part is drawn pale: its figure is not comparable with the others
PARTIAL_NOTE = "Бледные {} — месяцы, которые попали в период не целиком."


def with_partial(df: pl.DataFrame, date_from: dt.date, date_to: dt.date) -> pl.DataFrame:
    """A monthly frame (column month, the month's first day) with `partial`: the period covers only part of the
    month — the rule of queries/trend_by_source.sql, for the queries that do not say it themselves."""
    if "partial" in df.columns:
        return df
    last_day = pl.col("month").dt.offset_by("1mo").dt.offset_by("-1d")
    return df.with_columns(partial=(pl.col("month") < date_from) | (last_day > date_to))


def opacity(df: pl.DataFrame) -> list[float]:
    """Each month's opacity: PALE for a month the period covers in part (with_partial), whole otherwise."""
    return [PALE if p else 1.0 for p in df["partial"]] if "partial" in df.columns else [1.0] * df.height


def trend_by_source(df: pl.DataFrame) -> go.Figure:
    """Stacked monthly bars by channel (columns month, channel, color, appeals, partial); months the period
    covers only in part are drawn pale."""
    fig = go.Figure()
    for channel in df["channel"].unique(maintain_order=True):
        part = df.filter(pl.col("channel") == channel)
        fig.add_bar(x=[fmt.month_short(m) for m in part["month"]], y=part["appeals"],
                    customdata=[fmt.month(m) for m in part["month"]],
                    name=plain(channel), marker_color=part["color"][0],
                    marker_opacity=opacity(part),
                    hovertemplate="%{customdata}: %{y:,}<extra>%{fullData.name}</extra>")
    # Two years of slanted month names overlapped and were cut off: short upright labels, at most
    # TREND_TICKS of them, counted back from the last month so the latest is always named.
    months = [fmt.month_short(m) for m in df["month"].unique().sort()]
    step = -(-len(months) // TREND_TICKS) or 1
    ticks = months[::-1][::step][::-1]
    fig.update_layout(barmode="stack", yaxis_title="обращений", xaxis_title=None,
                      xaxis=dict(tickangle=0, automargin=True, tickmode="array", tickvals=ticks, ticktext=ticks),
                      **RU_LAYOUT)
    return fig


def trend_by_day(df: pl.DataFrame, date_from, date_to) -> go.Figure:
    """Stacked daily bars by channel (columns day, channel, color, appeals) over every day from `date_from` to
    `date_to`, a day with no appeals an empty place: a short period's trend, which by month is a single bar."""
    days = [date_from + dt.timedelta(days=k) for k in range((date_to - date_from).days + 1)]
    labels = [d.strftime("%d.%m") for d in days]
    fig = go.Figure()
    for channel in df["channel"].unique(maintain_order=True):
        part = df.filter(pl.col("channel") == channel)
        fig.add_bar(x=[d.strftime("%d.%m") for d in part["day"]], y=part["appeals"].to_list(),
                    customdata=[fmt.date(d) for d in part["day"]], name=plain(channel),
                    marker_color=part["color"][0], hovertemplate="%{customdata}: %{y:,}<extra>%{fullData.name}</extra>")
    # Every day of the period has its place: plotly draws only the categories some trace has, so the quiet days at
    # the period's ends were left off the axis (a tester: 20.11–23.11 of a week to 26.11). An empty trace holds them.
    fig.add_bar(x=labels, y=[0] * len(labels), showlegend=False, hoverinfo="skip", marker_color="rgba(0,0,0,0)")
    # Upright labels, at most TREND_TICKS of them, counted back from the last day so the latest is always named.
    step = -(-len(labels) // TREND_TICKS) or 1
    ticks = labels[::-1][::step][::-1]
    # Whole appeals on the axis: a day's few appeals were read off «0,2 / 0,4».
    most = df.group_by("day").agg(pl.col("appeals").sum())["appeals"].max() if df.height else 0
    yaxis = dict(title="обращений", tickformat=",d", rangemode="tozero", **({"dtick": 1} if (most or 0) <= 5 else {}))
    fig.update_layout(barmode="stack", xaxis_title=None, yaxis=yaxis,
                      xaxis=dict(type="category", categoryorder="array", categoryarray=labels, tickangle=0,
                                 automargin=True, tickmode="array", tickvals=ticks, ticktext=ticks), **RU_LAYOUT)
    return fig


def ranked_bars(df: pl.DataFrame, label: str, value: str, title: str) -> go.Figure:
    """Horizontal bars, biggest on top."""
    fig = go.Figure(go.Bar(x=df[value], y=plain(df[label]), orientation="h", marker_color="#c0392b",
                           hovertemplate="%{y}: %{x:,}<extra></extra>"))
    fig.update_layout(title=title, yaxis=dict(autorange="reversed"), height=80 + 28 * df.height, **RU_LAYOUT)
    return fig


WIDE_LETTER_PX = 8.2  # a letter of a 15 px axis label, on the wide side


def heatmap(matrix: pl.DataFrame, measure: str, label: str, diverging: bool = False) -> go.Figure:
    """Theme × settlement matrix (long form: theme, settlement, <measure>) as a heat map."""
    themes = plain(matrix["theme"].unique(maintain_order=True))
    places = plain(matrix["settlement"].unique(maintain_order=True))
    wide = {(plain(t), plain(s)): v for t, s, v in matrix.select("theme", "settlement", measure).iter_rows()}
    z = [[wide.get((t, s)) for s in places] for t in themes]
    digits = 0 if measure in ("appeals", "growth") else 1
    # A change carries its sign, a fall the minus sign («+53», «−5»), as the note writes it.
    shown = (lambda v: fmt.minus(fmt.signed(v))) if measure == "growth" else (lambda v: fmt.num(v, digits))
    text = [[("" if v is None else shown(v)) for v in row] for row in z]
    # A blank cell (no appeals, or a share under the minimum base) hovers «—», not nothing after the colon.
    hover = "%{y} · %{x}<br>" + label + ": %{customdata}<extra></extra>"
    fig = go.Figure(go.Heatmap(
        z=z, x=places, y=themes, text=text, texttemplate="%{text}", colorscale="RdBu_r" if diverging else "YlOrRd",
        zmid=0 if diverging else None, colorbar=dict(title=label), xgap=1, ygap=1, hoverinfo="skip",
    ))
    # Streamlit cannot select heat map cells (plotly gives no points for them), so an invisible square
    # marker sits on every cell: clicking it selects the cell, and the selected one is outlined.
    cells = [(t, s, text[i][j]) for i, t in enumerate(themes) for j, s in enumerate(places)]
    fig.add_scatter(
        x=[c[1] for c in cells], y=[c[0] for c in cells], customdata=[c[2] or fmt.DASH for c in cells], mode="markers",
        marker=dict(symbol="square", size=24, color="rgba(0,0,0,0)", line=dict(width=0)),
        selected=dict(marker=dict(color="rgba(0,0,0,0.25)")), unselected=dict(marker=dict(opacity=1)),
        hovertemplate=hover, showlegend=False,
    )
    # Many columns (23+ settlements) stand their labels upright so neighbours do not overlap; the margins grow with
    # the longest label, as it is drawn on a wide screen (15 px, mcu.ui.CHROME_CSS): plotly measures it at 12 px.
    crowded = len(places) > 16
    longest = max((len(p) for p in places), default=0)
    top = 30 + int(longest * (8.5 if crowded else 5.5))
    left = 16 + int(max((len(t) for t in themes), default=0) * WIDE_LETTER_PX)
    fig.update_layout(height=max(320, top + 40 + 30 * len(themes)),
                      xaxis=dict(side="top", tickangle=-90 if crowded else -40, showgrid=False, automargin=True),
                      yaxis=dict(autorange="reversed", showgrid=False),
                      **{**RU_LAYOUT, "margin": dict(l=left, r=10, t=top, b=10)})
    return fig


def without_population(matrix: pl.DataFrame, names: int = 5) -> tuple[pl.DataFrame, str | None]:
    """The heat map's «На 1 000 жителей» matrix without the columns whose population is unknown (a settlement added
    from review, «Не определён», «Прочие» holding one): a figure per 1 000 cannot be had there, and an empty column
    would read as «no appeals». Returns the matrix left and the line naming what was left out (None when nothing
    was), as the map's coverage note names what it leaves out."""
    unknown = (matrix.group_by("settlement", maintain_order=True)
               .agg(pl.col("per_1000").is_null().all().alias("unknown"), pl.col("appeals").sum())
               .filter("unknown"))
    if unknown.is_empty():
        return matrix, None
    listed = ", ".join(unknown["settlement"].head(names).to_list())
    more = f" и ещё {fmt.num(unknown.height - names)}" if unknown.height > names else ""
    note = (f"Численность населения неизвестна, столбцы не показаны: {listed}{more} — обращений: "
            f"{fmt.num(unknown['appeals'].sum())}.")
    return matrix.filter(~pl.col("settlement").is_in(unknown["settlement"].to_list())), note
