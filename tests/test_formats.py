"""Figures as the reader sees them on hover and in the grid: shares rounded with «%», changes signed with the
minus sign, «—» for empty, plural agreement (a tester's findings on the demo)."""
import datetime as dt
import json
import re

import polars as pl
import pytest
from test_problems import shown_text

from mcu import charts, charts_monitoring, fmt

NBSP, MINUS = "\u00a0", "\u2212"
SEPARATORS = (",", " ")  # RU_LAYOUT's separators: decimal comma, thousands space


def _d3(value, spec: str) -> str:
    """The few d3 number formats the charts use, as plotly writes them with RU_LAYOUT's separators."""
    decimal, thousands = SEPARATORS
    if spec in (",", ",d"):
        text = f"{int(value):,}" if float(value).is_integer() else f"{value:,.12g}"
    elif m := re.fullmatch(r"\.(\d)f", spec):
        text = f"{value:.{m[1]}f}"
    else:
        raise AssertionError(f"unexpected format {spec!r}")
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def hover(fig, trace: int, point: int) -> str:
    """A point's hover text as plotly writes it from the trace's hovertemplate: %{x}, %{y}, %{text},
    %{customdata[k]} with their formats; under barnorm="percent" %{y} is the bar's share of its stack."""
    t = fig.data[trace]
    y = t.y[point] if t.y is not None else None
    if fig.layout.barnorm == "percent":
        stack = sum(d.y[point] for d in fig.data if d.type == "bar" and d.y is not None)
        y = y / stack * 100
    values = {"x": t.x[point] if t.x is not None else None, "y": y,
              "text": t.text[point] if t.text is not None and not isinstance(t.text, str) else t.text,
              "fullData.name": t.name}

    def sub(m):
        name, index, spec = m[1], m[2], m[3]
        value = t.customdata[point] if name == "customdata" else values[name]
        if index is not None:
            value = value[int(index)]
        return _d3(value, spec) if spec else str(value)

    return re.sub(r"%\{([\w.]+)(?:\[(\d+)\])?(?::([^}]*))?\}", sub, t.hovertemplate)


def test_results_hover_writes_the_share_rounded_with_percent():
    """«Решено и разъяснено»: the hover read «сентябрь 2026: 67,0918367347 из 392» (plotly's normalised bar
    height, unrounded, no «%»); the table below says 67,1 %."""
    df = pl.DataFrame({"month": [dt.date(2026, 9, 1), dt.date(2026, 10, 1)], "solvable_answered": [392, 2002],
                       "solved": [263, 1500], "explained": [126, 500], "refused": [3, 2]})
    fig = charts_monitoring.results_trend(df)
    assert hover(fig, 0, 0) == f"сентябрь 2026: 67,1{NBSP}% (263 из 392)<extra>решено</extra>"
    assert hover(fig, 1, 1) == f"октябрь 2026: 25,0{NBSP}% (500 из 2{NBSP}002)<extra>разъяснено</extra>"
    assert hover(fig, 2, 0) == f"сентябрь 2026: 0,8{NBSP}% (3 из 392)<extra>отказано</extra>"


def test_satisfaction_count_bars_agree_in_number():
    """The single group's count bars read «222 оценок»: «222 оценки», «1 оценка», «5 оценок»."""
    df = pl.DataFrame({"month": [dt.date(2026, m, 1) for m in (8, 9, 10)], "grp": ["Все обращения"] * 3,
                       "rated": [1, 222, 2005], "scored": [1, 150, 1000], "satisfied_share": [1.0, 0.6081, 0.5]})
    fig = charts_monitoring.satisfaction_trend(df, "satisfied_share")
    assert [hover(fig, 0, i) for i in range(3)] == [
        "август 2026: 1 оценка<extra></extra>", "сентябрь 2026: 222 оценки<extra></extra>",
        f"октябрь 2026: 2{NBSP}005 оценок<extra></extra>"]
    assert hover(fig, 1, 1) == f"сентябрь 2026: 60,8{NBSP}% (оценок: 222)<extra>Все обращения</extra>"


def _matrix(measure, values):
    return pl.DataFrame({"theme": ["Связь"] * len(values), "settlement": [f"П{i}" for i in range(len(values))],
                         measure: values}, schema_overrides={measure: pl.Float64})


def test_heatmap_growth_carries_its_sign_with_the_minus_sign():
    """«Прирост» cells and hovers read «-5», «53»: a change is «−5», «+53», and no change «0»."""
    fig = charts.heatmap(_matrix("growth", [-5, 53, 0, 1234]), "growth", "Прирост к пред. периоду", diverging=True)
    assert [list(row) for row in fig.data[0].text] == [[f"{MINUS}5", "+53", "0", f"+1{NBSP}234"]]
    assert [hover(fig, 1, i) for i in range(4)] == [
        f"Связь · П{i}<br>Прирост к пред. периоду: {v}<extra></extra>"
        for i, v in enumerate([f"{MINUS}5", "+53", "0", f"+1{NBSP}234"])]


def test_heatmap_hover_on_a_cell_without_a_value_says_dash():
    """«Просрочено, %» on a cell under the 5-item minimum hovered «Связь · Усть-Чуль Просрочено, %: » with
    nothing after it: empty reads «—»; the cell itself stays blank."""
    fig = charts.heatmap(_matrix("overdue_pct", [None, 12.34]), "overdue_pct", "Просрочено, %")
    assert [list(row) for row in fig.data[0].text] == [["", "12,3"]]
    assert hover(fig, 1, 0) == "Связь · П0<br>Просрочено, %: —<extra></extra>"
    assert hover(fig, 1, 1) == "Связь · П1<br>Просрочено, %: 12,3<extra></extra>"


def test_every_chart_hover_writes_russian_figures():
    """Each builder's hovers with figures over a thousand: «1 234» (thousands space), «12,3 %» with a
    no-break space, never a bare float."""
    months = [dt.date(2026, 9, 1), dt.date(2026, 10, 1)]
    figs = [
        charts.trend_by_source(pl.DataFrame({"month": months, "channel": ["ПОС"] * 2, "color": ["#000"] * 2,
                                             "appeals": [1234, 5], "partial": [False, True]})),
        charts.trend_by_day(pl.DataFrame({"day": months, "channel": ["ПОС"] * 2, "color": ["#000"] * 2,
                                          "appeals": [1234, 5]}), months[0], months[0] + dt.timedelta(days=31)),
        charts.ranked_bars(pl.DataFrame({"theme": ["ЖКХ"], "appeals": [1234]}), "theme", "appeals", "Темы"),
        charts_monitoring.aging_bars(pl.DataFrame({"bucket": ["0–5"], "open": [1500], "overdue_open": [1234]})),
        charts_monitoring.breakdown_bars(pl.DataFrame({"grp": ["МУП"], "overdue_open": [1234], "at_risk": [2],
                                                       "answered_late": [3]}), "Т"),
        charts_monitoring.repeat_trend(pl.DataFrame({"month": months, "appeals": [2000, 10], "repeats": [1234, 1],
                                                     "repeat_share": [0.617, 0.1]})),
        charts_monitoring.executor_scores(pl.DataFrame({"rank": [1], "executor": ["МУП"], "score": [87.26]})),
    ]
    texts = [hover(f, i, 0) for f in figs for i, t in enumerate(f.data) if t.hovertemplate]
    assert texts == [
        "сентябрь 2026: 1 234<extra>ПОС</extra>", "01.09.2026: 1 234<extra>ПОС</extra>", "ЖКХ: 1 234<extra></extra>",
        "0–5: 266<extra>срок не истёк</extra>", "0–5: 1 234<extra>просрочено</extra>",
        "МУП: 1 234<extra>просрочено без ответа</extra>", "МУП: 2<extra>под угрозой</extra>",
        "МУП: 3<extra>ответ позже срока</extra>",
        f"сентябрь 2026: 61,7{NBSP}% (1 234 из 2 000)<extra></extra>", "1. МУП: 87,3<extra></extra>"]


@pytest.fixture
def open_page(demo_db, open_app):
    return lambda page, **query: open_app(demo_db, page, **query)


def test_overview_tables_sign_each_change(open_page):
    """Обзор's «Изменение» read «-19» and «65»: «−19», «+65», as the note writes them; the values underneath stay
    numbers, so the column sorts as numbers."""
    at = open_page("pages/overview.py")
    grids = [d for d in at.dataframe if "Изменение" in d.value.columns]
    assert len(grids) == 3  # top themes, top settlements, «Факторы роста»
    for grid in grids:
        rows, numbers = shown_text(grid), grid.value["Изменение"].tolist()
        assert all(isinstance(v, int) for v in numbers)
        assert [r["Изменение"] for r in rows] == [fmt.minus(fmt.signed(v)) for v in numbers]
        assert any(v > 0 for v in numbers) and any(v < 0 for v in numbers)
    assert all(re.fullmatch(f"(\\+|{MINUS})[\\d{NBSP}]+|0", r["Изменение"]) for g in grids for r in shown_text(g))
    # «Факторы роста»: the growth, the contribution and the share of the gross change are changes in percent
    # («Прирост» is empty where the previous period had none, so it is handed over as text).
    factors = shown_text(grids[2])
    for column in ("Прирост", "Вклад в прирост", "Доля валового изменения"):
        texts = [r[column] for r in factors]
        assert all(re.fullmatch(f"(\\+|{MINUS})[\\d{NBSP}]+,\\d{NBSP}%|0,0{NBSP}%|—", t) for t in texts), texts
        assert any(t.startswith(MINUS) for t in texts) and any(t.startswith("+") for t in texts)


def test_heatmap_matrix_table_signs_the_growth(open_page):
    at = open_page("pages/heatmap.py")
    grid = next(d for d in at.dataframe if "Прирост" in d.value.columns)
    shown = [r["Прирост"] for r in shown_text(grid)]
    assert shown == [fmt.minus(fmt.signed(v)) for v in grid.value["Прирост"]]
    assert any(s.startswith(MINUS) for s in shown) and any(s.startswith("+") for s in shown)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    at.segmented_control(key="hm_measure").set_value("growth").run()
    cells = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["text"]
    assert spec and all(re.fullmatch(f"(\\+|{MINUS})[\\d{NBSP}]+|0|", c) for row in cells for c in row)


def test_overview_kpi_help_agrees_in_number(open_page):
    """The «Обращений» card's help read «2 002 обращений»: «… 2 002 обращения»."""
    at = open_page("pages/overview.py")
    card = next(m for m in at.metric if m.label == "Обращений")
    prev = int(re.search(r"([\d\u00a0]+) обращ", card.help)[1].replace(NBSP, ""))
    assert card.help == ("Изменение — к предыдущему периоду той же длины: "
                         + fmt.count(prev, "обращение", "обращения", "обращений"))
    assert fmt.count(2002, "обращение", "обращения", "обращений") == f"2{NBSP}002 обращения"


def test_heatmap_map_writes_growth_with_its_sign():
    """The map beside the heat map (measure «Прирост») wrote «-5» in its tooltip and «-20 … -10» in its legend."""
    from mcu import maps

    row = {"appeals": 10, "prev_appeals": 15, "growth": -5, "top_themes": []}
    assert maps._details(row, "growth", "Прирост к пред. периоду", 0, "").splitlines() == [
        "Обращений: 10 (пред. период: 15)", f"Прирост к пред. периоду: {MINUS}5"]
    assert maps._details(row | {"growth": 53}, "growth", "Прирост", 0, "").endswith("Прирост: +53")
    assert maps._details(row | {"growth": 0}, "growth", "Прирост", 0, "").endswith("Прирост: 0")
    assert maps._classes([-50, 10], True, 0, "")[1] == [
        f"{MINUS}50 … {MINUS}30", f"{MINUS}30 … {MINUS}10", f"{MINUS}10 … +10", "+10 … +30", "+30 … +50"]


def test_overview_tables_fit_half_a_laptop_screen(open_page):
    """At 1280 px each of Обзор's two tables gets ~440 px and cut its last column («Доля», «На 1 000 жит.») off: the
    previous period's count is in the files only (the change beside it says how it moved)."""
    at = open_page("pages/overview.py")
    heads = [list(d.value.columns) for d in at.dataframe if "Изменение" in d.value.columns][:2]
    assert heads == [["Тема", "Обращений", "Изменение", "Доля"],
                     ["Населённый пункт", "Обращений", "Изменение", "На 1 000 жит."]]


def test_the_votes_table_signs_the_change(open_page):
    """Проблемные точки, «Голосования»: «Изменение» read «186,7 %», «-46,2 %» after the sign fix elsewhere (a tester's
    third pass): «+186,7 %», «−46,2 %»."""
    from tests.test_problems import shown_text as shown_votes

    at = open_page("pages/problems.py", period="all")
    grid = next(d for d in at.dataframe if "Обращений после" in d.value.columns)
    texts = [r["Изменение"] for r in shown_votes(grid)]
    values = grid.value["Изменение"].tolist()
    assert texts == [fmt.minus(fmt.signed(v * 100, 1, NBSP + "%")) if v == v and v is not None else "—" for v in values]
    assert any(t.startswith("+") for t in texts) and any(t.startswith(MINUS) for t in texts), texts


def test_a_name_quoted_inside_a_quote_takes_the_inner_quotes():
    """«Заслушать исполнителя «МУП «Аскизское ЖКХ»»» (a tester's finding): a name with its own «…» quoted in a text
    writes them „…“, the Russian quote within a quote; a name without quotes is only put in «…»."""
    assert fmt.quoted("МУП «Аскизское ЖКХ»") == "«МУП „Аскизское ЖКХ“»"
    assert fmt.quoted("Филиал «Россети Сибирь» — «Хакасэнерго»") == "«Филиал „Россети Сибирь“ — „Хакасэнерго“»"
    assert fmt.quoted("Что сделать по теме «ЖКХ»?") == "«Что сделать по теме „ЖКХ“?»"
    assert fmt.quoted("ЖКХ") == "«ЖКХ»"
