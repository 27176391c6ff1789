"""AppTest for the foundation's pages: they run, filters change the figures, the URL restores a view."""
import datetime as dt

import polars as pl
import pytest
from conftest import APP, ROOT
from streamlit.testing.v1 import AppTest

from etl.build import new_database
from etl.demo import generate


@pytest.fixture
def app(demo_db, open_app):
    return lambda page=None, **query: open_app(demo_db, page, **query)


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_overview_runs_and_filters_change_kpis(app):
    at = app()
    assert at.title[0].value == "Обзор"
    total_quarter = metric(at, "Обращений")
    assert at.caption[0].value.startswith("Период: 27.08.2026–25.11.2026 (91 дн.)")
    at.segmented_control(key="f_period").set_value("month").run()
    assert not at.exception
    total_month = metric(at, "Обращений")
    assert int(total_month.replace("\u00a0", "")) < int(total_quarter.replace("\u00a0", ""))
    at.multiselect(key="f_source").set_value(["letters"]).run()
    letters = metric(at, "Обращений")
    assert int(letters.replace("\u00a0", "")) < int(total_month.replace("\u00a0", ""))
    assert at.query_params["period"] == "month" and at.query_params["source"] == "letters"


def test_overview_trend_axis_stays_readable_over_all_time(app):
    """25 months of the demo: slanted «сентябрь 2025» labels overlapped and were cut off. Short upright
    labels, every third month counted back from the last one, the whole name on hover."""
    import json

    at = app(period="all")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    axis = spec["layout"]["xaxis"]
    assert axis["tickangle"] == 0 and axis["automargin"] is True
    assert axis["ticktext"] == ["ноя 2024", "фев 2025", "май 2025", "авг 2025", "ноя 2025", "фев 2026", "май 2026",
                                "авг 2026", "ноя 2026"]
    assert axis["tickvals"] == axis["ticktext"]
    bars = spec["data"][0]
    assert bars["x"][:2] == ["ноя 2024", "дек 2024"] and bars["customdata"][:2] == ["ноябрь 2024", "декабрь 2024"]
    # A quarter: every month named.
    at.segmented_control(key="f_period").set_value("quarter").run()
    axis = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["xaxis"]
    assert axis["ticktext"] == ["авг 2026", "сен 2026", "окт 2026", "ноя 2026"]


@pytest.mark.parametrize("period, days", [("week", 7), ("month", 30)])
def test_overview_trend_shows_days_for_a_short_period(app, period, days):
    """«Неделя» and «Месяц» drew «Динамика по каналам» as one pale «ноя 2026» bar (a tester's finding): a short
    period is drawn by day, every day of it on the axis, the whole date on hover, the bars adding up to the
    period's count."""
    import json

    at = app(period=period)
    flt = at.session_state["filters"]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    period_days = [flt.date_from + dt.timedelta(days=k) for k in range(days)]
    assert spec["layout"]["xaxis"]["categoryarray"] == [d.strftime("%d.%m") for d in period_days]
    assert set(spec["data"][0]["customdata"]) <= {d.strftime("%d.%m.%Y") for d in period_days}
    total = sum(sum(bar["y"]) for bar in spec["data"])
    assert total == int(metric(at, "Обращений").replace("\u00a0", ""))
    assert "Бледные столбцы" not in " ".join(c.value for c in at.caption)


def test_url_restores_filters(app):
    at = app(period="custom", **{"from": "2026-01-01", "to": "2026-01-31"}, settlement="kyzlas", theme="ЖКХ")
    assert at.session_state["f_period"] == "custom"
    assert at.session_state["f_settlement"] == ["kyzlas"]
    assert at.session_state["f_theme"] == ["ЖКХ"]
    assert at.caption[0].value.startswith("Период: 01.01.2026–31.01.2026 (31 дн.)")


def test_url_range_outside_the_data_is_clamped(app):
    at = app(period="custom", **{"from": "2019-01-01", "to": "2026-02-10"})
    assert at.caption[0].value.startswith("Период: 26.11.2024–10.02.2026")


def test_a_link_outside_the_data_says_what_it_shows_instead(app):
    """A future link showed 25.11.2026 alone with no word (a tester's finding): the page says what the link asked,
    what is shown and why; a range wholly outside the data shows the usual quarter, one partly outside its part."""
    at = app(period="custom", **{"from": "2027-01-01", "to": "2027-01-31"})
    assert at.caption[0].value.startswith("Период: 27.08.2026–25.11.2026 (91 дн.)")
    assert [w.value for w in at.warning] == [
        "Ссылка просит период 01.01.2027–31.01.2027, а данные есть с 26.11.2024 по 25.11.2026; "
        "показан квартал: 27.08.2026–25.11.2026."]
    assert at.query_params["period"] == "quarter"
    part = app(period="custom", **{"from": "2019-01-01", "to": "2026-02-10"})
    assert [w.value for w in part.warning] == [
        "Ссылка просит период 01.01.2019–10.02.2026, а данные есть с 26.11.2024 по 25.11.2026; "
        "показана его часть в данных: 26.11.2024–10.02.2026."]
    odd = app(period="custom", **{"from": "вчера", "to": "2026-02-10"})
    assert [w.value for w in odd.warning] == [
        "Даты периода из ссылки не распознаны (from=вчера, to=2026-02-10; нужны ГГГГ-ММ-ДД); "
        "показан квартал: 27.08.2026–25.11.2026."]
    # Once another period is chosen, the notice has said its piece.
    odd.segmented_control(key="f_period").set_value("month").run()
    assert not odd.warning
    assert not app(period="custom", **{"from": "2026-01-01", "to": "2026-01-31"}).warning


def test_unknown_url_values_are_ignored(app):
    at = app(period="decade", settlement="atlantis")
    assert at.session_state["f_period"] == "quarter"
    assert at.session_state["f_settlement"] == []


def test_heatmap_runs_and_drills_down(app):
    at = app("pages/heatmap.py")
    assert at.title[0].value == "Тепловая карта"
    at.selectbox(key="hm_theme").set_value("ЖКХ")
    at.selectbox(key="hm_settlement").set_value("Кызлас").run()
    assert not at.exception
    found = next(m.value for m in at.markdown if m.value.startswith("Найдено"))
    # The planted water hot spot, Кызлас × ЖКХ in the last quarter, counted independently of SQL.
    demo = generate(seed=42, years=2, end=dt.date(2026, 11, 25))
    expected = demo.filter((pl.col("theme") == "ЖКХ") & (pl.col("settlement_id") == "kyzlas")
                           & (pl.col("received_at") >= dt.datetime(2026, 8, 27))).height
    assert expected > 60
    assert found.startswith(f"Найдено **{expected}**")
    for measure in ("per_1000", "growth", "overdue_pct", "dissatisfied_pct"):
        at.segmented_control(key="hm_measure").set_value(measure).run()
        assert not at.exception


def test_heatmap_view_lives_in_the_url_and_across_pages(app):
    """The measure, the territory level, the drill-down theme and place were lost on a reload, a copied link and a
    page switch (a tester's finding): they live in the URL beside the sidebar filters, as those do."""
    at = app("pages/heatmap.py", period="month")
    at.segmented_control(key="hm_measure").set_value("overdue_pct").run()
    at.selectbox(key="hm_theme").set_value("ЖКХ")
    at.selectbox(key="hm_settlement").set_value("Кызлас").run()
    assert {k: at.query_params[k] for k in ("period", "metric", "cell_theme", "cell_settlement")} == {
        "period": "month", "metric": "overdue_pct", "cell_theme": "ЖКХ", "cell_settlement": "Кызлас"}
    found = next(m.value for m in at.markdown if m.value.startswith("Найдено"))
    # Another page has none of the heat map's keys; back on the heat map its view is as it was left.
    at.switch_page("pages/overview.py").run()
    assert at.query_params["period"] == "month" and "metric" not in at.query_params
    at.switch_page("pages/heatmap.py").run()
    assert at.segmented_control(key="hm_measure").value == "overdue_pct"
    assert (at.selectbox(key="hm_theme").value, at.selectbox(key="hm_settlement").value) == ("ЖКХ", "Кызлас")
    assert next(m.value for m in at.markdown if m.value.startswith("Найдено")) == found
    assert at.query_params["metric"] == "overdue_pct" and at.query_params["cell_theme"] == "ЖКХ"
    # The link opens the same view; one level up the place is a municipality; the default shows no key.
    link = app("pages/heatmap.py", period="month", metric="overdue_pct", territory="municipality",
               cell_theme="ЖКХ", cell_municipality="Аскизский район")
    assert link.segmented_control(key="hm_measure").value == "overdue_pct"
    assert link.segmented_control(key="hm_level").value == "municipality"
    assert link.selectbox(key="hm_municipality").value == "Аскизский район"
    assert link.query_params["territory"] == "municipality" and "cell_settlement" not in link.query_params
    link.segmented_control(key="hm_measure").set_value("appeals").run()
    assert "metric" not in link.query_params and link.query_params["cell_theme"] == "ЖКХ"
    # A link from other data: unknown values give the defaults.
    odd = app("pages/heatmap.py", metric="shoe_size", cell_theme="Нет такой")
    assert odd.segmented_control(key="hm_measure").value == "appeals" and odd.selectbox(key="hm_theme").value is None
    assert "metric" not in odd.query_params and "cell_theme" not in odd.query_params


def test_problem_points_level_lives_in_the_url(app):
    at = app("pages/problems.py", points="subtheme")
    assert at.segmented_control(key="pp_level").value == "subtheme"
    at.switch_page("pages/overview.py").run()
    at.switch_page("pages/problems.py").run()
    assert at.segmented_control(key="pp_level").value == "subtheme" and at.query_params["points"] == "subtheme"


def test_downloads_carry_the_period_and_filters(app):
    """A page's files name the period and filters they are for (filters.download_scope): in the file's name and on
    the XLSX's sheet «Условия»; the upload page's files are not narrowed by them and say nothing of them."""
    at = app("pages/heatmap.py", period="month", theme="ЖКХ", settlement="kyzlas")
    assert at.session_state["download_scope"] == {
        "suffix": "2026-10-27_2026-11-25_ЖКХ_Кызлас",
        "about": [("Период", "27.10.2026–25.11.2026 (30 дн.)"), ("Фильтры", "тема: ЖКХ; населённый пункт: Кызлас"),
                  ("Состояние на", "25.11.2026")]}
    at.switch_page("pages/upload.py").run()
    assert at.session_state["download_scope"] is None
    plain = app("pages/overview.py")
    assert plain.session_state["download_scope"]["suffix"] == "2026-08-27_2026-11-25"
    assert plain.session_state["download_scope"]["about"][1] == ("Фильтры", "все обращения")


def test_executor_names_fit_their_column(app):
    """Names were cut at 170 px even at 1920 px (a tester's finding): the column is as wide as the longest name
    («Комитет по управлению муниципальным имуществом», 46 letters), room made by leaving the overdue counts to the
    files and the drill-down."""
    import json

    at = app("pages/executors.py")
    grid = at.dataframe[0]
    assert list(grid.value.columns) == ["Место", "Изменение", "Исполнитель", "Балл", "Обращений", "В срок",
                                        "Медиана, раб. дн.", "Решено", "Довольны", "Повторные"]
    assert json.loads(grid.proto.columns)["Исполнитель"] == {"width": 328}
    assert any("в файлах CSV и Excel" in c.value for c in at.caption)


def test_pages_say_so_when_the_database_is_empty(tmp_path, monkeypatch):
    with new_database(tmp_path / "empty.duckdb"):
        pass
    monkeypatch.setenv("MCU_DB", str(tmp_path / "empty.duckdb"))
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert "В базе пока нет обращений" in at.info[0].value


@pytest.mark.parametrize("page", ["overview", "heatmap", "deadlines", "satisfaction", "executors", "problems",
                                  "note", "upload"])
@pytest.mark.parametrize("period", ["week", "quarter"])
def test_no_grid_cell_is_none_or_nan(app, page, period):
    """The grid draws an empty cell as «None» and a NaN as «NaN» (on a canvas the browser walk cannot read):
    every table of every page hands over «—» instead, whatever the period leaves empty."""
    at = app(f"pages/{page}.py", period=period)
    for i, frame in enumerate(at.dataframe):
        data = frame.value
        empty = [c for c in data.columns if data[c].map(lambda v: v is None or (isinstance(v, float) and v != v)).any()]
        assert empty == [], (page, i, empty)


def test_a_long_list_shows_its_head_and_says_the_files_hold_all(app, monkeypatch, demo_db):
    """At 10 M appeals the overdue list had 67 422 rows: past the grid styler's limit, the Сроки page failed. A
    grid shows at most GRID_ROWS rows and says so; the downloads keep every row."""
    from mcu import ui
    from mcu.query import run_query

    monkeypatch.setattr(ui, "GRID_ROWS", 5)
    at = app("pages/deadlines.py", period="quarter")
    flt = at.session_state["filters"]
    overdue = run_query("deadlines_items", db=demo_db, **flt.params(), as_of=flt.as_of, list="overdue_open",
                        executor=None)
    assert overdue.height > 5
    assert at.dataframe[0].value.shape[0] == 5
    assert f"Показаны первые 5 строк из {overdue.height}; в файлах CSV и Excel — все." in [c.value for c in at.caption]


EMPTY_WEEK = ("За выбранный период обращений не поступало; последнее поступило {}. Выберите период «Всё время» "
              "или другой в боковой панели.")


def test_overview_names_the_last_appeal_when_the_period_holds_none(make_db, open_app):
    """Every appeal came before the week that ends on the state date (an answer of 05.01.2026): the zero cards and
    «−100 %» get one line saying when the last appeal came, under the filters other than the period."""
    db = make_db([
        {"received_at": "2025-12-20 09:00", "source": "letters", "kind": "обращение"},
        {"received_at": "2025-12-24 20:06", "answered_at": "2026-01-05 08:16", "status": "answered"},
        {"received_at": "2025-12-24 21:37", "settlement_id": "kyzlas"},
    ])
    # The named query: the last day of receipt under the filters but the period, NULL when none passes them.
    from mcu.query import run_query
    scope = dict(sources=[], themes=[], settlements=[], executors=[], municipalities=[])
    assert run_query("last_received", db=db, **scope)["last_day"].to_list() == [dt.date(2025, 12, 24)]
    assert run_query("last_received", db=db, **scope | {"sources": ["letters"]})["last_day"].to_list() == [
        dt.date(2025, 12, 20)]
    assert run_query("last_received", db=db, **scope | {"sources": ["letters"], "settlements": ["kyzlas"]}
                     )["last_day"].to_list() == [None]
    at = open_app(db, period="week")
    assert at.caption[0].value.startswith("Период: 30.12.2025–05.01.2026 (7 дн.)")
    assert metric(at, "Обращений") == "0"
    assert [i.value for i in at.info] == [EMPTY_WEEK.format("24.12.2025")]
    # The channel filter narrows the last appeal too: the letter came on 20.12.2025.
    at.multiselect(key="f_source").set_value(["letters"]).run()
    assert [i.value for i in at.info] == [EMPTY_WEEK.format("20.12.2025")]
    # No appeal ever under the filters: the usual line, no date to name.
    at.multiselect(key="f_settlement").set_value(["kyzlas"]).run()
    assert [i.value for i in at.info] == ["За выбранный период и фильтры данных нет. Расширьте период или снимите "
                                          "фильтры."]
    # A period that holds appeals: no such line.
    at.multiselect(key="f_source").set_value([]).run()
    at.segmented_control(key="f_period").set_value("all").run()
    assert not at.exception and metric(at, "Обращений") == "1"
    assert not [i.value for i in at.info if i.value.startswith("За выбранный период")]


@pytest.mark.skipif(not (ROOT.parent / "shared" / "realdata" / "im_export_omsk_2025-12.xlsx").exists(),
                    reason="нет ../shared/realdata")
def test_overview_names_the_last_appeal_of_a_real_export(tmp_path, monkeypatch, open_app):
    """The real ИМ export: 39 incidents, all of 24.12.2025, closed up to 05.01.2026 (the state date): the default
    «Неделя» 30.12.2025–05.01.2026 holds none."""
    from etl.load import load_file

    monkeypatch.setenv("MCU_SALT", "test-salt")
    db = tmp_path / "im.duckdb"
    assert load_file(ROOT.parent / "shared" / "realdata" / "im_export_omsk_2025-12.xlsx", db=db).status == "loaded"
    at = open_app(db, period="week")
    assert at.caption[0].value.startswith("Период: 30.12.2025–05.01.2026 (7 дн.)")
    assert [i.value for i in at.info] == [EMPTY_WEEK.format("24.12.2025")]


def test_a_sparse_short_period_keeps_every_day_and_whole_appeals():
    # The tester's second pass: a week of one settlement and theme drew 20.11–23.11 of 20.11–26.11 (plotly leaves
    # out a category no trace has) and its axis read «0,2 / 0,4».
    from mcu import charts

    df = pl.DataFrame({"day": [dt.date(2026, 11, 20), dt.date(2026, 11, 23)], "channel": ["ПОС", "ПОС"],
                       "color": ["#c0392b"] * 2, "appeals": [1, 2]})
    fig = charts.trend_by_day(df, dt.date(2026, 11, 20), dt.date(2026, 11, 26))
    days = [f"{d:02d}.11" for d in range(20, 27)]
    assert {x for trace in fig.data for x in trace.x} == set(days)
    assert [sum(t.y[t.x.index(d)] for t in fig.data if d in t.x) for d in days] == [1, 0, 0, 2, 0, 0, 0]
    assert (fig.layout.yaxis.dtick, fig.layout.yaxis.tickformat) == (1, ",d")


def test_download_file_names_are_russian(app, monkeypatch):
    """«удовлетворённость_all_…», «факторы_роста_theme_…», «обращения_askiz_…» (a tester's finding): every page's
    file names are Russian, whichever cut the page shows."""
    import re

    from streamlit.delta_generator import DeltaGenerator

    names = []
    button = DeltaGenerator.download_button

    def recorded(self, label, data, file_name=None, *args, **kwargs):
        names.append(file_name)
        return button(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", recorded)
    cuts = {"pages/overview.py": ("growth_dim", ["theme", "settlement", "cell"]),
            "pages/satisfaction.py": ("sat_dim", ["all", "theme", "executor", "source"]),
            "pages/deadlines.py": ("dl_dim", ["executor", "theme"])}
    for page in ("pages/overview.py", "pages/heatmap.py", "pages/problems.py", "pages/satisfaction.py",
                 "pages/deadlines.py", "pages/executors.py", "pages/note.py"):
        at = app(page, period="quarter")
        key, values = cuts.get(page, (None, []))
        for v in values:
            at.segmented_control(key=key).set_value(v).run()
            assert not at.exception, at.exception
    english = sorted({n for n in names if re.search(r"[A-Za-z]", n.rsplit(".", 1)[0])})
    assert english == []
    assert {"удовлетворённость_все_2026-08-27_2026-11-25.csv", "удовлетворённость_по_темам_2026-08-27_2026-11-25.csv",
            "удовлетворённость_по_исполнителям_2026-08-27_2026-11-25.csv",
            "удовлетворённость_по_каналам_2026-08-27_2026-11-25.csv",
            "факторы_роста_по_темам_2026-08-27_2026-11-25.xlsx"} <= set(names)


def test_heatmap_per_1000_leaves_out_places_of_unknown_population_and_says_so(make_db, open_app):
    """«На 1 000 жителей» drew empty columns for «Не определён» and a settlement added from review with no
    population, under a caption saying an empty cell has no appeals (a tester's finding): those columns are left
    out and the caption names them with their appeals."""
    import json

    import duckdb

    db = make_db([{"received_at": "2026-11-20 10:00", "settlement_id": "askiz"},
                  {"received_at": "2026-11-21 10:00", "settlement_id": "askiz", "theme": "Дороги"},
                  {"received_at": "2026-11-21 11:00", "settlement_id": None},
                  {"received_at": "2026-11-22 10:00", "settlement_id": "omsk"},
                  {"received_at": "2026-11-22 11:00", "settlement_id": "omsk", "theme": "Дороги"}])
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO settlements (settlement_id, name) VALUES ('omsk', 'Омск')")
    con.close()
    at = open_app(db, "pages/heatmap.py", period="week", metric="per_1000")
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["data"][0]["x"] == ["Аскиз"]
    captions = [c.value for c in at.caption]
    assert ("Численность населения неизвестна, столбцы не показаны: Не определён, Омск — обращений: 3."
            in captions)
    # The count keeps them: their columns are there, and no such line.
    at.segmented_control(key="hm_measure").set_value("appeals").run()
    assert json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["x"] == ["Аскиз", "Не определён", "Омск"]
    assert not [c.value for c in at.caption if c.value.startswith("Численность населения")]


def test_wrapped_columns_give_long_text_lines_not_a_cut():
    """A column whose text is the point gets the width its longest text needs in up to WRAP_LINES lines (never
    narrower than its header or its longest word), and every row the height of those lines."""
    from mcu.ui import wrapped_columns

    df = pl.DataFrame({"Что сделать": ["Вынести на голосование вопрос «Где в с. Бирикчуль нужна новая контейнерная "
                                       "площадка или другой график вывоза мусора?» или включить работы в план",
                                       "Не выносить"],
                       "Итог": ["загружено", None]})
    widths, row_height = wrapped_columns(df, ["Что сделать", "Итог"], {})
    # 144 letters × 6,8 px = 979 px in 6 lines of 164 px, but broken at spaces it takes 7: widened by 8 px steps to
    # 180 px (+ 20 px of padding), where it takes 6; «Итог» as wide as «загружено» (9 × 9 px + 20), its longest word.
    assert {c: w["width"] for c, w in widths.items()} == {"Что сделать": 200, "Итог": 101}
    assert row_height == 14 + 21 * 6
    from mcu.ui import _lines
    assert (_lines(df["Что сделать"][0], 164), _lines(df["Что сделать"][0], 180)) == (7, 6)
    # Text that fits one line keeps the grid's own row height; a page's own width stays.
    assert wrapped_columns(df.head(0), ["Итог"], {})[1] is None
    own, rows = wrapped_columns(df, ["Что сделать"], {"Что сделать": {"width": 480}})
    assert own["Что сделать"]["width"] == 480 and rows == 14 + 21 * 3  # 979 px in lines of 460


@pytest.mark.parametrize("page, columns", [
    ("pages/problems.py", ["Точка", "Ответственный исполнитель", "Что сделать", "Что отслеживать"]),
    ("pages/executors.py", ["Изменение", "Исполнитель"]),
    ("pages/satisfaction.py", ["Исполнитель", "Решено"]),
])
def test_text_that_is_the_point_wraps_whole_at_1280(app, page, columns):
    """The roadmap's «Ответственный», «Что сделать», «Что отслеживать», the executors' «Изменение» («не было в
    рейт…»), «По исполнителям» names were cut at 1280 px (a tester's finding): those columns wrap, rows tall enough for
    their longest text broken at spaces as the grid breaks it («Что отслеживать» was still cut mid-word, «(цел», «из
    6», with lines counted by length alone); the roadmap's columns, all of them, fit the 900 px a 1280 px window leaves
    beside the sidebar («Обращений сейчас», «Цель», «Дата пересмотра», «Голосование» were reached only sideways)."""
    import json

    from mcu.ui import PAD_PX, _lines

    at = app(page, period="quarter")
    grid = next(g for g in at.dataframe if set(columns) <= set(g.value.columns))
    columns = [c for c in columns if c != "Решено"]   # «Решено» only tells «По исполнителям» from the trend by executor
    widths = json.loads(grid.proto.columns)
    # No row height of its own: every text fits one line.
    lines = (grid.proto.row_height - 14) // 21 if grid.proto.row_height else 1
    for c in columns:
        assert max(_lines(v, widths[c]["width"] - PAD_PX) for v in grid.value[c].to_list()) <= lines, c
    if page == "pages/problems.py":
        assert grid.value.columns.tolist() == ["Место", *columns]
        assert sum(widths[c]["width"] for c in grid.value.columns) <= 900
        # What the grid leaves out is said: the review date above it, a vote beside what to do.
        assert [m.value for m in at.markdown if "Пересмотреть" in m.value] == [
            "Проект «дорожной карты» по первым 5 точкам: ответственный, что сделать и что отслеживать. Цель — вернуть "
            "число обращений к ожидаемому. Пересмотреть — 25.12.2026."]


def test_a_link_s_unknown_filter_values_are_said_not_dropped_silently(app):
    """`/?period=bogus&theme=Нет такой` explained the period and dropped the theme without a word (a tester's
    finding): the notice the period uses says which values of the link were not found and what became of the filter;
    a settlement written by its name, as the page shows it, is found."""
    at = app(period="bogus", theme="Нет такой", settlement="atlantis")
    assert [w.value for w in at.warning] == [
        "Период «bogus» из ссылки не распознан; показан квартал: 27.08.2026–25.11.2026.",
        "Тема «Нет такой» из ссылки не найдена — фильтр снят; населённый пункт «atlantis» из ссылки не найден — "
        "фильтр снят."]
    assert at.session_state["f_theme"] == [] and at.session_state["f_settlement"] == []
    # Once a filter is chosen, the notice has said its piece.
    at.multiselect(key="f_theme").set_value(["ЖКХ"]).run()
    assert not [w.value for w in at.warning if "из ссылки не найден" in w.value]
    by_name = app(settlement="Кызлас", executor="Никто")
    assert by_name.session_state["f_settlement"] == ["kyzlas"]
    assert [w.value for w in by_name.warning] == ["Исполнитель «Никто» из ссылки не найден — фильтр снят."]
    # A value found beside one not: the filter keeps the one found.
    both = app(theme=["ЖКХ", "Нет такой", "Тоже нет"])
    assert both.session_state["f_theme"] == ["ЖКХ"]
    assert [w.value for w in both.warning] == ["Темы «Нет такой», «Тоже нет» из ссылки не найдены — в фильтре "
                                               "остальные."]
    assert not app(settlement="kyzlas", theme="ЖКХ").warning


def test_satisfaction_fades_the_months_the_period_covers_in_part_as_the_overview_does(app):
    """«Обзор» draws the quarter's 27–31.08 and 1–25.11 pale, «Удовлетворённость» drew them as whole months (a
    tester's finding): every monthly chart there fades them the same way and says so under the chart."""
    import json

    at = app("pages/satisfaction.py", period="quarter")
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    pale = [0.35, 1.0, 1.0, 0.35]   # август 2026 … ноябрь 2026
    satisfaction, results, repeats = specs
    assert satisfaction["data"][0]["x"] == ["август 2026", "сентябрь 2026", "октябрь 2026", "ноябрь 2026"]
    assert [t["marker"]["opacity"] for t in satisfaction["data"]] == [pale, pale]   # the counts' bars and the line
    assert [t["marker"]["opacity"] for t in results["data"]] == [pale] * 3
    assert repeats["data"][0]["marker"]["opacity"] == pale
    assert [c.value for c in at.caption if c.value.startswith("Бледные")] == [
        f"Бледные {what} — месяцы, которые попали в период не целиком." for what in ("точки и столбцы", "столбцы",
                                                                                    "точки")]
    overview = app(period="quarter")
    bars = json.loads(overview.get("plotly_chart")[0].proto.spec)["data"][0]
    assert bars["marker"]["opacity"] == pale
    # A period of whole months: nothing pale, no such line.
    whole = app("pages/satisfaction.py", period="custom", **{"from": "2026-09-01", "to": "2026-10-31"})
    assert all(t["marker"]["opacity"] == [1.0, 1.0] for c in whole.get("plotly_chart")
               for t in json.loads(c.proto.spec)["data"])
    assert not [c.value for c in whole.caption if c.value.startswith("Бледные")]
