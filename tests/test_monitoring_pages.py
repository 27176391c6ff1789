"""AppTest for the monitoring pages (Сроки, Удовлетворённость, Исполнители) and the growth-factors section.

Exact figures come from the hand-built fixture of test_monitoring_queries (period 27.04–08.05.2026, as of
08.05.2026); that filters change the figures is checked on the demo database (fixed end date).
"""
import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from mcu import fmt
from mcu.query import run_query
from tests.conftest import build_db
from tests.test_monitoring_queries import rows
MAY = {"period": "custom", "from": "2026-04-27", "to": "2026-05-08"}


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("monitoring_pages") / "fx.duckdb", rows())


@pytest.fixture
def open_page(open_app):
    return lambda db, page, **query: open_app(db, page, **query)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def delta(at: AppTest, label: str) -> str:
    return next(m.delta for m in at.metric if m.label == label)


def test_deadlines_page_shows_exact_figures(fixture_db, open_page):
    at = open_page(fixture_db, "pages/deadlines.py", **MAY)
    assert at.title[0].value == "Сроки"
    # As of 08.05 (previous period 15.04–26.04 as of 26.04): see test_deadlines_kpis.
    assert metric(at, "Открыто") == "8" and delta(at, "Открыто") == "+5 (+166,7 %)"
    assert metric(at, "Просрочено без ответа") == "2"
    assert metric(at, "Ответ позже срока") == "1"
    assert metric(at, "Под угрозой") == "3"
    # 7 decided items: the card names its base.
    assert metric(at, "В срок") == fmt.pct(4 / 7) + " (4 из 7)" and delta(at, "В срок") == "−22,9 п.п."
    overdue, risk = at.dataframe[0].value, at.dataframe[1].value
    assert overdue["Номер"].tolist() == ["c2", "c1"] and overdue["Просрочка, раб. дн."].tolist() == [5, 2]
    assert risk["Номер"].tolist() == ["c6", "c3", "c4"] and risk["Осталось раб. дн."].tolist() == [0, 1, 2]
    # A filter changes the figures: only Кызлас → c2 c4 c6 c9 c13.
    at.multiselect(key="f_settlement").set_value(["kyzlas"]).run()
    assert not at.exception
    assert metric(at, "Открыто") == "3" and metric(at, "Просрочено без ответа") == "1"
    assert at.dataframe[0].value["Номер"].tolist() == ["c2"]


def test_deadlines_page_filters_change_figures_on_demo(demo_db, open_page):
    at = open_page(demo_db, "pages/deadlines.py")
    shown = metric(at, "Просрочено без ответа")
    params = {"date_from": dt.date(2026, 8, 27), "date_to": dt.date(2026, 11, 25), "sources": [], "themes": [],
              "settlements": [], "executors": [], "municipalities": [], "prev_from": dt.date(2026, 5, 28), "prev_to": dt.date(2026, 8, 26)}
    expected = run_query("deadlines_kpis", db=demo_db, **params, as_of=dt.date(2026, 11, 25))
    assert shown == fmt.num(expected["overdue_open"][0])
    at.multiselect(key="f_executor").set_value(["upr_obr"]).run()
    assert not at.exception
    assert int(metric(at, "Просрочено без ответа").replace("\u00a0", "")) < int(shown.replace("\u00a0", ""))
    at.segmented_control(key="dl_dim").set_value("theme").run()
    assert not at.exception


def test_executors_page_ranks_and_drills_down(fixture_db, open_page):
    at = open_page(fixture_db, "pages/executors.py", **MAY)
    assert at.title[0].value == "Исполнители"
    # Shipped setting: minimum 10 appeals. Nobody in this small fixture reaches it, so there is no rating,
    # the page says so, and everyone is listed apart.
    assert any("рейтинг не строится" in i.value for i in at.info)
    apart = at.dataframe[0].value
    assert sorted(apart["Исполнитель"]) == sorted(["МУП «Аскизское ЖКХ»", "Отдел дорожного хозяйства и транспорта",
                                                    "Управление образования", "Региональный оператор по обращению с ТКО",
                                                    "Исполнитель не указан"])
    # Drill-down: exactly МУП's overdue items, the late answer c8 and the open c1.
    at.selectbox(key="ex_drill").set_value("mup_zhkh").run()
    assert not at.exception
    drill = at.dataframe[-1].value
    assert drill["Номер"].tolist() == ["c8", "c1"]
    assert drill["Просрочка, раб. дн."].tolist() == [1, 2]
    assert any("Просрочено: **2**, из них без ответа: **1**" in m.value for m in at.markdown)
    at.selectbox(key="ex_drill").set_value("upr_obr").run()
    assert any("нет просроченных" in s.value for s in at.success)


def test_executors_page_rating_on_demo(demo_db, open_page):
    at = open_page(demo_db, "pages/executors.py")
    ranked = at.dataframe[0].value
    assert ranked["Место"].tolist()[:3] == [1, 2, 3]
    # The executors with bad habits are at the bottom of the demo's rating.
    assert set(ranked["Исполнитель"].tolist()[-3:]) == {"МУП «Аскизское ЖКХ»", "Отдел дорожного хозяйства и транспорта",
                                                        "Региональный оператор по обращению с ТКО"}
    assert any("доля ответов в срок — вес 35 %" in m.value for m in at.markdown)
    at.multiselect(key="f_theme").set_value(["ЖКХ"]).run()
    assert not at.exception
    assert at.dataframe[0].value["Исполнитель"].tolist() != ranked["Исполнитель"].tolist()
    # One executor chosen in the sidebar opens their drill-down: exactly their overdue appeals.
    at.multiselect(key="f_theme").set_value([])
    at.multiselect(key="f_executor").set_value(["dor_otdel"]).run()
    assert not at.exception
    params = {"date_from": dt.date(2026, 8, 27), "date_to": dt.date(2026, 11, 25), "sources": [], "themes": [],
              "settlements": [], "executors": ["dor_otdel"], "municipalities": []}
    expected = run_query("deadlines_items", db=demo_db, **params, as_of=dt.date(2026, 11, 25), list="overdue",
                         executor="dor_otdel")
    assert expected.height > 50
    assert at.dataframe[-1].value["Номер"].tolist() == expected["external_id"].to_list()


def test_satisfaction_page(fixture_db, open_page):
    at = open_page(fixture_db, "pages/satisfaction.py", **MAY)
    assert at.title[0].value == "Удовлетворённость"
    # See test_satisfaction_kpis: 3 of 4 rated satisfied (previous 1 of 2), mean 11/3, solved 3 of 4,
    # repeats 4 of 14.
    # Below 5 items a share is «мало данных» with its base and no change (issue 12); 14 items name the base.
    assert metric(at, "Довольны") == "мало данных (4)" and not delta(at, "Довольны")
    assert metric(at, "Средняя оценка") == "мало данных (3)"
    assert metric(at, "Решено") == "мало данных (4)"
    assert metric(at, "Повторные") == fmt.pct(4 / 14) + " (4 из 14)"
    trend = at.dataframe[0].value
    assert trend["Оценок"].tolist() == [2, 2]
    at.segmented_control(key="sat_dim").set_value("executor").run()
    assert not at.exception
    assert set(at.dataframe[0].value["Исполнители"]) == {"МУП «Аскизское ЖКХ»", "Управление образования",
                                                         "Региональный оператор по обращению с ТКО",
                                                         "Отдел дорожного хозяйства и транспорта",
                                                         "Исполнитель не указан"}
    at.segmented_control(key="sat_measure").set_value("mean_rating").run()
    assert not at.exception
    at.multiselect(key="f_source").set_value(["im"]).run()
    assert not at.exception
    assert metric(at, "Довольны") == "мало данных (1)"   # one rating: no «100,0 %»


def _growth_app():
    import datetime as dt

    from mcu.filters import Filters
    from mcu.growth import growth_section

    growth_section(Filters(dt.date(2026, 4, 27), dt.date(2026, 5, 8), (), (), (), (), as_of=dt.date(2026, 5, 8),
                           first_day=dt.date(2025, 12, 29)))


def test_growth_section(fixture_db, monkeypatch):
    monkeypatch.setenv("MCU_DB", str(fixture_db))
    at = AppTest.from_function(_growth_app, default_timeout=60).run()
    assert not at.exception, at.exception
    assert "Обращений: **14** против **7** в предыдущем периоде — изменение **+7** (+100,0 %)" in at.markdown[0].value
    table = at.dataframe[0].value
    assert table["Тема"].tolist() == ["Образование", "ЖКХ", "Прочее", "ТКО (мусор)", "Дороги"]
    assert table["Изменение"].tolist() == [3, 2, 1, 1, 0]
    at.segmented_control(key="growth_dim").set_value("settlement").run()
    assert at.dataframe[0].value["Населённый пункт"].tolist() == ["Аскиз", "Кызлас"]


def _growth_fall_app():
    import datetime as dt

    from mcu.filters import Filters
    from mcu.growth import growth_section

    growth_section(Filters(dt.date(2026, 5, 9), dt.date(2026, 5, 20), (), (), (), (), as_of=dt.date(2026, 5, 20),
                           first_day=dt.date(2025, 12, 29)))


def test_growth_line_writes_a_fall_with_the_minus_sign(fixture_db, monkeypatch):
    """The line over the waterfall wrote a fall «-14 (-100,0 %)» with hyphens, as the waterfall did."""
    monkeypatch.setenv("MCU_DB", str(fixture_db))
    at = AppTest.from_function(_growth_fall_app, default_timeout=60).run()
    assert not at.exception, at.exception
    assert at.markdown[0].value == ("Обращений: **0** против **14** в предыдущем периоде — изменение **\u221214** "
                                    "(\u2212100,0 %).")


def test_growth_waterfall_writes_the_minus_sign():
    """The waterfall's labels read «-204» with a hyphen (a tester's finding): a fall is written «−204», as the KPI
    cards and the note write it."""
    import polars as pl

    from mcu import charts_monitoring

    fig = charts_monitoring.growth_waterfall(pl.DataFrame({
        "item": ["ЖКХ", "Дороги", "Прочее"], "change": [-204, 15, 0], "total_prev": [1000] * 3, "total": [811] * 3}))
    assert list(fig.data[0].text) == ["1\u00a0000", "\u2212204", "+15", "0", "811"]


def test_kpi_deltas_write_the_minus_sign_and_keep_their_arrow_and_colour(demo_db, open_page):
    """A falling figure reads «−6 (−6,3 %)» with the typographic minus, as the note writes it (it was «-6 (-6,3 %)»),
    and still gets its down arrow; the colour still says whether the fall is good."""
    from streamlit.proto.Metric_pb2 import Metric

    red, green, gray = Metric.MetricColor.RED, Metric.MetricColor.GREEN, Metric.MetricColor.GRAY
    down, up = Metric.MetricDirection.DOWN, Metric.MetricDirection.UP
    at = open_page(demo_db, "pages/deadlines.py")
    cards = {m.label: (m.delta, m.proto.color, m.proto.direction) for m in at.metric}
    assert cards == {"Открыто": ("+28 (+9,9 %)", red, up), "Просрочено без ответа": ("−6 (−6,3 %)", green, down),
                     "Ответ позже срока": ("−23 (−8,1 %)", green, down), "Под угрозой": ("−3 (−18,8 %)", green, down),
                     "В срок": ("+2,1 п.п.", green, up)}
    at = open_page(demo_db, "pages/overview.py")
    cards = {m.label: (m.delta, m.proto.color, m.proto.direction) for m in at.metric}
    assert cards["Обращений"] == ("+79 (+4,0 %)", gray, up)
    assert cards["Медиана ответа"] == ("−0,3 (−4,5 %)", green, down)
    at = open_page(demo_db, "pages/satisfaction.py")
    assert {m.label: (m.delta, m.proto.color) for m in at.metric}["Разъяснено"] == ("−1,2 п.п.", green)


def test_satisfaction_share_axis_writes_percent_with_a_space(demo_db, open_page):
    import json

    at = open_page(demo_db, "pages/satisfaction.py")
    charts = [json.loads(c.proto.spec)["layout"] for c in at.get("plotly_chart")]
    share = next(c["yaxis2"] for c in charts if c.get("yaxis2", {}).get("title", {}).get("text") == "доля довольных")
    assert share["ticktext"] == ["0\u00a0%", "20\u00a0%", "40\u00a0%", "60\u00a0%", "80\u00a0%", "100\u00a0%"]
    assert share["tickvals"] == [0, 0.2, 0.4, 0.6, 0.8, 1]
    repeat = next(c["yaxis"] for c in charts if c["yaxis"].get("title", {}).get("text") == "доля повторных")
    assert repeat["ticksuffix"] == "\u00a0%" and "tickformat" not in repeat
    # and the share on hover as the app writes it: «61,5 %», not plotly's «61.5%»
    line = next(t for c in at.get("plotly_chart") for t in json.loads(c.proto.spec)["data"]
                if t.get("yaxis") == "y2" and t.get("type") == "scatter" and "оценок" in t.get("hovertemplate", ""))
    assert line["hovertemplate"].startswith("%{x}: %{customdata[1]} (оценок: %{customdata[0]:,})")
    import re
    assert line["customdata"] and all(re.fullmatch(r"\d{1,3},\d\u00a0%", text) for _n, text in line["customdata"])
