"""The meeting screen's slides: aggregates only (never an appeal's text, address or applicant), drawn as
plain HTML in large type for a big screen seen from across a room.

Every size is in `--u` units (1 % of the screen's height on a 16:9 screen), so a slide keeps its layout
at any resolution and never scrolls; at 1920×1080 no text is under 2,8u ≈ 30 px. The slides are a list
of named blocks (SLIDES): «Проблемные точки» and «Карта» come from mcu/blocks.py.
"""
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

import polars as pl

import streamlit as st

from mcu import blocks, fmt, maps
from mcu import problems as pp
from mcu.filters import chosen, database_meta
from mcu.periods import note_week, trend_params, week_filters, week_label
from mcu.ui import SMALL_BASE, change, q, small_base

NO_DATA = "За выбранный период и фильтры данных нет. Расширьте период или снимите фильтры."  # mcu.ui.empty_state's
GOOD, BAD, FLAT, LATE = "#4ade80", "#f87171", "#e5e7eb", "#fbbf24"
# Three problem points: each is a line of figures, and five of them do not fit a slide in large type.
HEAT_THEMES, HEAT_PLACES, EXECUTORS, POINTS = 8, 7, 6, 3
MIN_RATED = 5  # a month's share from fewer ratings is drawn pale
FULL_BAR = 44  # the height of a 100 % column, in --u: what the slide has left under its head and labels
DEFAULT_INTERVAL, MIN_INTERVAL, MAX_INTERVAL = 20, 5, 3600  # seconds a slide stays on screen

CSS = """
<style>
:root { --u: min(1vh, 0.5625vw); }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], [data-testid="stMainMenu"], footer { display: none !important; }
html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"] {
  background: #0b0f17 !important; color: #fff; overflow: hidden !important; }
[data-testid="stMainBlockContainer"] { max-width: 100% !important;
  padding: calc(2 * var(--u)) calc(3 * var(--u)) 0 !important; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: calc(1.5 * var(--u)); }
.mt-slide { height: calc(85 * var(--u)); display: flex; flex-direction: column; color: #fff;
  line-height: 1.2; overflow: hidden; }
.mt-slide * { font-size: calc(3 * var(--u)); }
.mt-head { display: flex; justify-content: space-between; align-items: baseline; gap: calc(3 * var(--u));
  border-bottom: 2px solid #475569; padding-bottom: calc(1 * var(--u)); margin-bottom: calc(2 * var(--u)); }
.mt-slide .mt-title { font-size: calc(6 * var(--u)); font-weight: 700; }
.mt-slide .mt-meta { color: #cbd5e1; text-align: right; }
.mt-nowrap { white-space: nowrap; }
.mt-map-legend { display: flex; flex-wrap: wrap; align-items: center; gap: 0 calc(2.4 * var(--u));
  font-size: calc(2.8 * var(--u)); color: #e2e8f0; }
.st-key-mt_map { height: calc(64 * var(--u)) !important; flex: 0 0 auto !important; flex-wrap: nowrap !important; }
.st-key-mt_map [data-testid="stElementContainer"]:has([data-testid="stDeckGlJsonChart"]) {
  flex: 1 1 0 !important; min-width: 0; height: 100% !important; }
.st-key-mt_map [data-testid="stDeckGlJsonChart"], .st-key-mt_map [data-testid="stFullScreenFrame"] {
  height: 100% !important; }
.st-key-mt_map [data-testid="stElementContainer"]:has(.mt-map-key) { flex: 0 0 calc(46 * var(--u)) !important; }
.mt-map-key, .mt-map-key * { color: #e2e8f0; font-size: calc(2.8 * var(--u)) !important; line-height: 1.25; }
.mt-map-key ol { list-style: none; margin: 0; padding: 0; }
.mt-map-key li { margin: 0; padding: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.mt-map-key b { display: inline-block; min-width: 1.6em; }
.mt-map-key .mt-map-more { color: #cbd5e1; }
.mt-map-legend i { display: inline-block; width: .8em; height: .8em; border-radius: 50%; border: 1px solid #94a3b8;
  margin-right: .35em; vertical-align: -.05em; }
.mt-slide .mt-demo { color: #fdba74; font-weight: 700; }
.mt-slide.mt-slide-head { height: auto; }
.mt-body { flex: 1; min-height: 0; display: flex; flex-direction: column; gap: calc(2 * var(--u)); }
.mt-slide .mt-note, .mt-slide .mt-note * { color: #cbd5e1; font-size: calc(2.8 * var(--u)); }
.mt-slide .mt-pending { font-size: calc(4 * var(--u)); color: #e2e8f0; margin: auto; max-width: 80%;
  text-align: center; }
.mt-kpis { flex: 1; display: grid; grid-template-columns: repeat(3, 1fr); grid-template-rows: 1fr 1fr;
  gap: calc(2 * var(--u)); }
.mt-card { border: 2px solid #475569; border-radius: calc(1 * var(--u)); padding: calc(2 * var(--u));
  display: flex; flex-direction: column; justify-content: space-between; background: #111827; }
.mt-slide .mt-label { font-size: calc(3.4 * var(--u)); color: #e2e8f0; }
.mt-slide .mt-value { font-size: calc(10 * var(--u)); font-weight: 700; line-height: 1; }
.mt-slide .mt-value.mt-few { font-size: calc(5 * var(--u)); line-height: 2; }
.mt-slide .mt-delta { font-size: calc(3.4 * var(--u)); font-weight: 700; }
.mt-slide .mt-sub { font-size: calc(2.8 * var(--u)); color: #cbd5e1; }
table.mt-heat { border-collapse: separate; border-spacing: calc(0.5 * var(--u)); width: 100%;
  table-layout: fixed; }
table.mt-heat th { color: #e2e8f0; font-weight: 600; text-align: center; vertical-align: bottom;
  padding: 0 calc(0.5 * var(--u)); overflow-wrap: anywhere; }
table.mt-heat th.mt-row { text-align: left; width: 22%; vertical-align: middle; }
table.mt-heat td { text-align: center; font-weight: 700; height: calc(6.4 * var(--u));
  border-radius: calc(0.5 * var(--u)); }
.mt-slide table.mt-heat td { font-size: calc(3.4 * var(--u)); }
.mt-rows { display: flex; flex-direction: column; gap: calc(3 * var(--u)); }
.mt-row3 { display: grid; grid-template-columns: 42% 1fr calc(18 * var(--u)); align-items: center;
  gap: calc(2 * var(--u)); }
.mt-slide .mt-row3 div { font-size: calc(3.6 * var(--u)); }
.mt-bar { display: flex; height: calc(6 * var(--u)); background: #1f2937; border-radius: calc(0.5 * var(--u)); }
.mt-bar span { display: block; height: 100%; }
.mt-slide .mt-num { text-align: right; font-weight: 700; white-space: nowrap; }
.mt-legend { display: flex; gap: calc(4 * var(--u)); }
.mt-key { display: inline-block; width: calc(3 * var(--u)); height: calc(3 * var(--u));
  vertical-align: middle; margin-right: calc(1 * var(--u)); border-radius: 3px; }
.mt-cols { flex: 1; min-height: 0; display: flex; align-items: flex-end; gap: calc(1.2 * var(--u)); }
.mt-col { flex: 1; display: flex; flex-direction: column; justify-content: flex-end; align-items: center; }
.mt-col .mt-fill { width: 100%; background: #38bdf8; border-radius: calc(0.5 * var(--u)) calc(0.5 * var(--u)) 0 0; }
.mt-slide .mt-col .mt-top { font-weight: 700; white-space: nowrap; }
.mt-slide .mt-col .mt-month { color: #e2e8f0; white-space: nowrap; }
.mt-slide .mt-col .mt-n { font-size: calc(2.8 * var(--u)); color: #94a3b8; white-space: nowrap; }
.mt-point { border-left: calc(0.8 * var(--u)) solid #f87171; padding-left: calc(2 * var(--u)); }
.mt-slide .mt-point b { font-size: calc(3.6 * var(--u)); }
.mt-slide .mt-point .mt-vote { color: #fdba74; margin-left: calc(1 * var(--u)); white-space: nowrap; }
.mt-slide .mt-point .mt-action { color: #fdba74; }
.st-key-mt_controls button { min-height: calc(7 * var(--u)); padding: 0 calc(3 * var(--u)) !important;
  background: #1f2937 !important; color: #fff !important; border: 2px solid #94a3b8 !important; }
.st-key-mt_controls button *, .st-key-mt_controls [data-testid="stMarkdownContainer"] p { font-size: calc(3 * var(--u)) !important; }
.st-key-mt_controls [data-testid="stMarkdownContainer"] p { color: #cbd5e1; margin: 0; }
.st-key-mt_controls kbd { display: none !important; }
</style>
"""


@dataclass(frozen=True)
class Slide:
    key: str
    title: str
    body: Callable  # (Filters) -> HTML of the slide's body, or a chart object the page draws under the head


def _delta(text: str | None, good_when_up: bool | None) -> str:
    """A coloured change: green when it goes the good way, red the bad way, white when neutral or flat."""
    if text is None:
        return '<div class="mt-delta" style="color:#94a3b8">нет сравнения</div>'
    up, down = text.startswith("+"), text.startswith("-")
    color = FLAT
    if good_when_up is not None and (up or down):
        color = GOOD if up == good_when_up else BAD
    arrow = "▲ " if up else ("▼ " if down else "")
    return f'<div class="mt-delta" style="color:{color}">{arrow}{escape(fmt.minus(text))}</div>'


def _count_change(cur, prev, digits: int = 0) -> str | None:
    """A count's change; against a previous zero, the difference alone (no percent of nothing)."""
    if cur is not None and prev == 0:
        return fmt.signed(cur, digits)
    return change(cur, prev, digits)


def _share_card(label: str, cur: dict, prev: dict, share: str, base: str, good_when_up: bool, sub: str) -> str:
    """A share's card as «Обзор» shows it (mcu.ui.share_value): «мало данных (1)» and no change below SMALL_BASE
    items, in either period."""
    if cur[base] and cur[base] < SMALL_BASE:
        return _card(label, f"мало данных ({fmt.num(cur[base])})", _delta(None, good_when_up), sub, words=True)
    moved = None if small_base(cur[base], prev[base]) else change(cur[share], prev[share], share=True)
    return _card(label, fmt.pct(cur[share]), _delta(moved, good_when_up), sub)


def _card(label: str, value: str, delta: str, sub: str = "", words: bool = False) -> str:
    # Words in place of a figure («мало данных (1)») in half the figure's size: in its size they took two lines.
    few = " mt-few" if words else ""
    return (f'<div class="mt-card"><div class="mt-label">{escape(label)}</div><div class="mt-value{few}">{value}</div>'
            f'{delta}<div class="mt-sub">{escape(sub)}</div></div>')


def pending(text: str) -> str:
    return f'<div class="mt-pending">{escape(text)}</div>'


def kpis_body(flt) -> str:
    """Six cards: the period against the previous period of equal length (a week against the week before)."""
    kpis = q("overview_kpis", **flt.compare_params(), as_of=flt.as_of)
    cur, prev = kpis.row(0, named=True), kpis.row(1, named=True)
    dl = q("deadlines_kpis", **flt.compare_params(), as_of=flt.as_of)
    dcur, dprev = dl.row(0, named=True), dl.row(1, named=True)
    if not flt.has_previous:
        prev, dprev = dict.fromkeys(prev), dict.fromkeys(dprev)
    cards = [
        _card("Обращений", fmt.num(cur["total"]), _delta(_count_change(cur["total"], prev["total"]), None),
              f"было {fmt.num(prev['total'])}"),
        _share_card("Просрочено", cur, prev, "overdue_share", "with_deadline", False,
                    f"{fmt.num(cur['overdue'])} из {fmt.num(cur['with_deadline'])} со сроком"),
        _card("Без ответа после срока", fmt.num(dcur["overdue_open"]),
              _delta(_count_change(dcur["overdue_open"], dprev["overdue_open"]), False), "на конец периода"),
        _card("Медиана ответа", fmt.num(cur["median_response_days"], 1, " дн."),
              _delta(_count_change(cur["median_response_days"], prev["median_response_days"], 1), False),
              "календарные дни"),
        _share_card("Довольны", cur, prev, "satisfied_share", "rated", True, f"оценок: {fmt.num(cur['rated'])}"),
        _share_card("Решено", cur, prev, "solved_share", "solvable_answered", True,
                    f"из {fmt.num(cur['solvable_answered'])} решаемых с ответом"),
    ]
    return f'<div class="mt-kpis">{"".join(cards)}</div>'


OTHERS_ID = "*others*"   # heatmap_matrix.sql's «Прочие» column


def heat_cells(matrix: pl.DataFrame, themes: int = HEAT_THEMES, places: int = HEAT_PLACES):
    """The busiest themes (rows) × the busiest settlements (columns) of a heatmap_matrix frame, with the
    count in every cell (0 where there were none)."""
    # The matrix sums the settlements beyond its top into «Прочие»: a slide shows named places only.
    cur = matrix.filter((pl.col("appeals") > 0) & (pl.col("settlement_id") != OTHERS_ID))
    top = lambda col, n: (cur.group_by(col).agg(pl.col("appeals").sum())  # noqa: E731
                          .sort(["appeals", col], descending=[True, False]).head(n)[col].to_list())
    rows, cols = top("theme", themes), top("settlement", places)
    counts = {(t, s): n for t, s, n in cur.select("theme", "settlement", "appeals").iter_rows()}
    return rows, cols, [[counts.get((t, s), 0) for s in cols] for t in rows]


def _heat_color(value: int, biggest: int) -> str:
    # From slate to red: white figures stay readable on every step.
    share = value / biggest if biggest else 0
    lo, hi = (30, 41, 59), (220, 38, 38)
    r, g, b = (round(a + (z - a) * share) for a, z in zip(lo, hi))
    return f"rgb({r},{g},{b})"


def heatmap_body(flt) -> str:
    matrix = q("heatmap_matrix", **flt.compare_params(), as_of=flt.as_of, min_base=5, top=HEAT_PLACES,
               measure="appeals")
    rows, cols, cells = heat_cells(matrix)
    if not rows:
        return pending("За период обращений нет.")
    biggest = max(max(r) for r in cells)
    head = "".join(f"<th>{escape(s)}</th>" for s in cols)
    body = "".join(
        f'<tr><th class="mt-row">{escape(t)}</th>'
        + "".join(f'<td style="background:{_heat_color(v, biggest)}">{fmt.num(v) if v else "—"}</td>' for v in row)
        + "</tr>" for t, row in zip(rows, cells))
    return (f'<table class="mt-heat"><tr><th class="mt-row"></th>{head}</tr>{body}</table>'
            '<div class="mt-note">В клетке — обращений за период; строки и столбцы — темы и населённые пункты '
            'с наибольшим числом обращений.</div>')


def problems_body(flt) -> str:
    points = blocks.problem_points(flt, POINTS, run=q)
    if points.is_empty():
        return pending("Проблемных точек за период не найдено.")
    items = "".join(f'<div class="mt-point"><b>{i}. {escape(p["settlement"])} · {escape(p["theme"])}</b>'
                    + (f' <span class="mt-vote">{escape(p["vote"])}</span>' if p["vote"] else "")
                    + f'<div>{escape(p["explanation"])}</div>'
                    # The note's and the roadmap's rule: a vote running or just held is not proposed again.
                    + (f'<div class="mt-action">{escape(p["action"])}.</div>' if p["action"] else "")
                    + '</div>' for i, p in enumerate(points.iter_rows(named=True), 1))
    return (f'<div class="mt-rows">{items}</div>'
            f'<div class="mt-note">{escape(pp.cut_text(points["found"][0], points.height))}.</div>')


def overdue_rows(by_executor: pl.DataFrame, limit: int = EXECUTORS) -> pl.DataFrame:
    """Executors with deadline breaches (no answer after the deadline, or an answer after it), most first."""
    return (by_executor.with_columns(breaches=pl.col("overdue_open") + pl.col("answered_late"))
            .filter(pl.col("breaches") > 0)
            .sort(["breaches", "overdue_open", "grp"], descending=[True, True, False]).head(limit))


def overdue_body(flt) -> str:
    rows = overdue_rows(q("deadlines_breakdown", **flt.params(), as_of=flt.as_of, dim="executor"))
    if rows.is_empty():
        return pending("Нарушений сроков за период нет.")
    biggest = rows["breaches"].max()
    lines = []
    for r in rows.iter_rows(named=True):
        bar = "".join(f'<span style="width:{100 * r[c] / biggest:.1f}%;background:{color}"></span>'
                      for c, color in (("overdue_open", BAD), ("answered_late", LATE)))
        lines.append(f'<div class="mt-row3"><div>{escape(r["grp"])}</div><div class="mt-bar">{bar}</div>'
                     f'<div class="mt-num"><span style="color:{BAD}">{fmt.num(r["overdue_open"])}</span> + '
                     f'<span style="color:{LATE}">{fmt.num(r["answered_late"])}</span></div></div>')
    legend = (f'<div class="mt-legend"><span><i class="mt-key" style="background:{BAD}"></i>нет ответа после срока</span>'
              f'<span><i class="mt-key" style="background:{LATE}"></i>ответ позже срока</span></div>')
    return f'{legend}<div class="mt-rows">{"".join(lines)}</div>'


def satisfaction_body(flt) -> str:
    kpis = q("satisfaction_kpis", **flt.compare_params(), as_of=flt.as_of)
    cur, prev = kpis.row(0, named=True), kpis.row(1, named=True)
    if not flt.has_previous:
        prev = dict.fromkeys(prev)
    trend = q("satisfaction_trend", **trend_params(flt), dim="all", top=None)
    if trend.is_empty() or not trend["rated"].sum():
        return pending("Оценок за последние 12 месяцев нет.")
    cols = []
    for r in trend.iter_rows(named=True):
        share, rated = r["satisfied_share"], r["rated"]
        height = 0 if share is None else share * FULL_BAR
        pale = "opacity:0.35;" if rated < MIN_RATED else ""
        cols.append(f'<div class="mt-col"><div class="mt-top">{fmt.pct(share, 0)}</div>'
                    f'<div class="mt-fill" style="height:calc({height:.2f} * var(--u));{pale}"></div>'
                    f'<div class="mt-month">{fmt.MONTHS_SHORT[r["month"].month - 1]} {r["month"]:%y}</div>'
                    f'<div class="mt-n">{fmt.num(rated)}</div></div>')
    moved = change(cur["satisfied_share"], prev["satisfied_share"], share=True)
    head = (f'<div style="display:flex;gap:calc(3*var(--u));align-items:baseline">'
            f'<div>Довольны за период: <b>{fmt.pct(cur["satisfied_share"])}</b> (оценок: {fmt.num(cur["rated"])})</div>'
            f'{_delta(moved, True)}</div>')
    return (f'{head}<div class="mt-cols">{"".join(cols)}</div>'
            f'<div class="mt-note">Доля довольных среди оценивших по месяцам поступления; под месяцем — число '
            f'оценок, бледный столбец — меньше {MIN_RATED} оценок.</div>')


def map_body(flt):
    """The map's deck, legends and the numbered list beside it (the page draws them under the slide's head), or a
    line saying there is nothing to map."""
    found = blocks.map_deck(flt, run=q)
    if found is None:
        return pending(blocks.MAP_PENDING)
    deck, legends = found
    return deck, legends, map_key(next(layer for layer in deck.layers if layer.id == maps.TERRITORIES).data)


def map_key(circles: list[dict]) -> str:
    """The list beside the map: the busiest territories by number, name and count, the numbers a circle carries when
    its name has no room on the map (the room cannot hover for a name)."""
    order = maps.ranked(circles)
    items = "".join(f"<li><b>{k}</b> {escape(circles[i]['territory'])} — {fmt.num(circles[i]['appeals'])}</li>"
                    for k, i in enumerate(order[:blocks.MAP_KEY], 1))
    more = (f'<div class="mt-map-more">и ещё {fmt.num(len(order) - blocks.MAP_KEY)} — на странице «Тепловая карта»'
            "</div>" if len(order) > blocks.MAP_KEY else "")
    return f'<div class="mt-map-key"><ol>{items}</ol>{more}</div>'


def legend_html(legends) -> str:
    """The map's legend for the room, one line under the map (the room cannot hover for it): the colours' classes
    and what a circle's size means, in the slide's type, light on its dark ground."""
    lg = legends[0]
    keys = "".join(f'<span><i style="background:rgb{tuple(color)}"></i>{escape(text)}</span>'
                   for color, text in lg.classes)
    return (f'<div class="mt-map-legend"><b>{escape(lg.title)}:</b>{keys}'
            '<span>площадь круга — число обращений</span></div>')


SLIDES = [
    Slide("kpis", "Главное за период", kpis_body),
    Slide("heatmap", "Темы × населённые пункты", heatmap_body),
    Slide("problems", "Проблемные точки", problems_body),
    Slide("overdue", "Нарушения сроков по исполнителям", overdue_body),
    Slide("satisfaction", "Удовлетворённость по месяцам", satisfaction_body),
    Slide("map", "Карта", map_body),
]


def meeting_filters(flt, preset: str | None):
    """The filters the slides show. With period=week (the link's default) the week of the analytic note — the last
    whole ISO week (mcu.periods.note_week) against the week before it — so the head sees the same figures on the
    screen and on paper, not the last 7 days the sidebar's «7 дней» means; any other period as given."""
    if preset != "week":
        return flt
    bounds = q("data_bounds").row(0, named=True)
    return week_filters(flt, note_week(bounds["first_day"], bounds["last_day"]), bounds["last_day"])


def period_line(flt) -> str:
    """The period, the one it is compared with, and the link's filters, if any: the room must know what it sees."""
    # A date range never breaks at its dash («к 09.11.2026–⏎15.11.2026»): each is kept on one line.
    prev = (f' · <span class="mt-nowrap">к {fmt.date(flt.prev_from)}–{fmt.date(flt.prev_to)}</span>'
            if flt.has_previous else "")
    labels = {}
    if any(flt.scope_params().values()):  # the options' labels only when a filter is on
        opts = q("filter_options")
        labels = {(d, v): label for d, v, label in opts.select("dim", "value", "label").iter_rows()}
    parts = [", ".join(values) for _label, values in chosen(flt, labels)]
    where = f"<br>{escape('; '.join(parts))}" if parts else ""
    # A calendar week is named as the note names it, so the room never takes it for the sidebar's «7 дней».
    week = f"неделя {week_label(flt.date_from)}: " if flt.date_from.isoweekday() == 1 and flt.days == 7 else ""
    return f'<span class="mt-nowrap">{week}{fmt.date(flt.date_from)}–{fmt.date(flt.date_to)}</span>{prev}{where}'


def slide_html(slide: Slide, flt, position: int, total: int):
    """A whole slide as (HTML, chart): its head (title, period, place in the cycle) and body; `chart` is
    None, or a chart the page draws under the head (the map: its deck and legends), the HTML then holding the head
    only."""
    # Filters that leave no appeals: every slide says so, as the pages do — not «0 / —», «нет сравнения» or a map
    # «without coordinates» that hide the real reason.
    empty = not q("overview_kpis", **flt.compare_params(), as_of=flt.as_of)["total"][0]
    body = pending(NO_DATA) if empty else slide.body(flt)
    chart = None if isinstance(body, str) else body
    # The room must never take the demo's invented figures for the district's: the demo says so on every slide.
    demo = '<span class="mt-demo">ДЕМО</span> · ' if database_meta().get("demo") == "true" else ""
    head = (f'<div class="mt-head"><div class="mt-title">{escape(slide.title)}</div>'
            f'<div class="mt-meta">{period_line(flt)}<br>{demo}{position} / {total}</div></div>')
    if chart is not None:
        return f'<div class="mt-slide mt-slide-head" data-slide="{slide.key}">{head}</div>', chart
    return f'<div class="mt-slide" data-slide="{slide.key}">{head}<div class="mt-body">{body}</div></div>', None


def interval_from(text) -> int:
    """The link's `interval` (seconds per slide), kept within 5 s – 1 h; the default when absent or not a number."""
    try:
        return min(max(int(text), MIN_INTERVAL), MAX_INTERVAL)
    except (TypeError, ValueError):
        return DEFAULT_INTERVAL


def read_url() -> None:
    """The meeting screen's own link settings, read once per session before the sidebar filters rewrite the
    URL (they keep only their own keys): `interval`, and a week as the period when the link names none."""
    if "mt_interval" in st.session_state:
        return
    st.session_state["mt_interval"] = interval_from(st.query_params.get("interval"))
    if "period" not in st.query_params and "f_period" not in st.session_state:
        st.query_params["period"] = "week"
