"""Режим совещания (AppTest): every slide with the queries' figures, the cycle (next, back, pause, the timer),
the link's settings, and no personal data on any slide."""
import datetime as dt
import html
import re
import time

import polars as pl
import pytest
from conftest import APP, DEMO_END, demo_appeals
from streamlit.testing.v1 import AppTest

from mcu import slides
from mcu.periods import filters_for, iso_week
from mcu.query import run_query
from mcu import blocks

KEYS = ["kpis", "heatmap", "problems", "overdue", "satisfaction", "map"]


def open_meeting(db, monkeypatch, **query) -> AppTest:
    """The app opened straight on the meeting page's link, as a kiosk browser opens it."""
    monkeypatch.setenv("MCU_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page("pages/meeting.py")
    at.run()
    assert not at.exception, at.exception
    return at


def slide(at) -> tuple[str, str]:
    """The slide shown: its key and its visible text (tags dropped, entities decoded)."""
    body = next(h.proto.body for h in at.get("html") if "data-slide=" in h.proto.body)
    key = re.search(r'data-slide="(\w+)"', body)[1]
    return key, " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.fixture
def meeting(demo_db, monkeypatch):
    return lambda **query: open_meeting(demo_db, monkeypatch, **query)


def test_link_settings_and_default_week(meeting):
    at = meeting(interval="45")
    assert at.session_state["mt_interval"] == 45
    assert at.query_params["period"] == "week" and at.query_params["interval"] == "45"
    key, text = slide(at)
    assert key == "kpis"
    # The note's week (W47, the demo's last whole week) against the week before, judged as of its Sunday.
    assert text.startswith("Главное за период неделя 2026-W47: 16.11.2026–22.11.2026 · к 09.11.2026–15.11.2026 ДЕМО · 1 / 6")
    assert "Смена слайда каждые 45 с · клавиши: ← → и пробел · данные на 22.11.2026" in [m.value for m in at.main.markdown]
    # The sidebar, header and toolbar are hidden on this page only (CSS injected by the page).
    assert any('[data-testid="stSidebar"]' in h.proto.body and "display: none" in h.proto.body for h in at.get("html"))


def test_link_period_and_filters_are_kept_and_bad_interval_falls_back(meeting):
    at = meeting(period="month", interval="soon", settlement="kyzlas", theme="ЖКХ")
    assert at.session_state["mt_interval"] == slides.DEFAULT_INTERVAL
    assert "interval" not in at.query_params
    assert slide(at)[1].startswith("Главное за период 27.10.2026–25.11.2026 · к 27.09.2026–26.10.2026 ЖКХ; Кызлас ДЕМО · 1 / 6")
    assert slides.interval_from("2") == slides.MIN_INTERVAL and slides.interval_from("99999") == slides.MAX_INTERVAL


def test_a_link_period_outside_the_data_is_told(meeting):
    """`/meeting?period=custom&from=2027-01-01&to=2027-01-31` silently showed the quarter, where other pages say so."""
    at = meeting(period="custom", **{"from": "2027-01-01", "to": "2027-01-31"})
    assert [w.value for w in at.warning] == [
        "Ссылка просит период 01.01.2027–31.01.2027, а данные есть с 26.11.2024 по 25.11.2026; показан квартал: "
        "27.08.2026–25.11.2026."]
    assert slide(at)[1].startswith("Главное за период 27.08.2026–25.11.2026")
    assert [w.value for w in meeting(period="month").warning] == []


def test_the_municipality_filter_shows_in_the_head(meeting):
    """A municipality narrows the slides' figures: the head names it as it names a theme (a tester saw the head
    without it)."""
    at = meeting(interval="30", municipality="Аскизский район")
    assert slide(at)[1].startswith("Главное за период неделя 2026-W47: 16.11.2026–22.11.2026 · к 09.11.2026–15.11.2026 "
                                   "Аскизский район ДЕМО · 1 / 6")
    at = meeting(period="month", interval="30", municipality="Аскизский район", theme="ЖКХ")
    assert slide(at)[1].startswith("Главное за период 27.10.2026–25.11.2026 · к 27.09.2026–26.10.2026 "
                                   "Аскизский район; ЖКХ ДЕМО · 1 / 6")


def test_a_date_range_in_the_head_never_breaks_at_its_dash(meeting):
    """The head wrapped «к 09.11.2026–⏎15.11.2026» (a tester's finding): each range is kept on one line."""
    for at in (meeting(interval="30"), meeting(period="month", interval="30", theme="ЖКХ")):
        body = next(h.proto.body for h in at.get("html") if "data-slide=" in h.proto.body)
        meta = re.search(r'<div class="mt-meta">(.*?)</div>', body)[1]
        ranges = re.findall(r"\d\d\.\d\d\.\d{4}–\d\d\.\d\d\.\d{4}", meta)
        kept = re.findall(r'<span class="mt-nowrap">([^<]*)</span>', meta)
        assert len(ranges) == 2 and [r for r in ranges if not any(r in k for k in kept)] == []
    assert kept == ["27.10.2026–25.11.2026", "к 27.09.2026–26.10.2026"]
    assert ".mt-nowrap { white-space: nowrap; }" in slides.CSS


def test_every_slide_shows_the_queries_figures(meeting, demo_db):
    at = meeting(interval="30")
    flt = filters_for(*iso_week("2026-W47"), db=demo_db)   # the note's week: 16.11–22.11.2026
    seen = []
    for _ in KEYS:
        key, text = slide(at)
        seen.append(key)
        if key == "kpis":
            k = run_query("overview_kpis", db=demo_db, **flt.compare_params(), as_of=flt.as_of)
            d = run_query("deadlines_kpis", db=demo_db, **flt.compare_params(), as_of=flt.as_of)
            cur, prev = k.row(0, named=True), k.row(1, named=True)
            # Counted without SQL: the generator's rows and the demo's register of letters, by day of receipt.
            days = demo_appeals()["received_at"].dt.date()
            week = lambda a, b: int(days.is_between(DEMO_END - dt.timedelta(days=a), DEMO_END - dt.timedelta(days=b)).sum())
            assert (cur["total"], prev["total"]) == (week(9, 3), week(16, 10)) == (181, 160)
            assert f"Обращений {cur['total']} ▲ +21 (+13,1 %) было {prev['total']}" in text
            assert f"Без ответа после срока {d['overdue_open'][0]} ▼" in text
        elif key == "heatmap":
            matrix = run_query("heatmap_matrix", db=demo_db, **flt.compare_params(), as_of=flt.as_of, min_base=5,
                               top=slides.HEAT_PLACES, measure="appeals")
            rows, cols, cells = slides.heat_cells(matrix)
            assert len(rows) == slides.HEAT_THEMES and len(cols) == slides.HEAT_PLACES
            assert rows[0] == "ЖКХ"
            first = matrix.filter((pl.col("theme") == rows[0]) & (pl.col("settlement") == cols[0]))["appeals"][0]
            assert cells[0][0] == first
            assert " ".join(cols) in text
            assert f"{rows[0]} " + " ".join(str(v) if v else "—" for v in cells[0]) in text
        elif key == "problems":
            points = blocks.problem_points(flt, slides.POINTS, run=lambda n, **p: run_query(n, db=demo_db, **p))
            # The demo's last whole week: ЖКХ in Балыкса and the Кызлас water surge.
            assert points["settlement"].to_list() == ["Балыкса", "Кызлас"]
            # The page's mark of a point voted on: Кызлас — ЖКХ, the water vote of 10.08–23.08.2026 (a tester found
            # the slide without it).
            marks = ["", " недавно голосовали 10.08.2026"]
            for i, (r, mark) in enumerate(zip(points.iter_rows(named=True), marks), 1):
                assert f"{i}. {r['settlement']} · {r['theme']}{mark} {r['explanation']}".replace("\xa0", " ") in text
        elif key == "overdue":
            by = run_query("deadlines_breakdown", db=demo_db, **flt.params(), as_of=flt.as_of, dim="executor")
            worst = slides.overdue_rows(by)
            assert worst["grp"].to_list() == ["МУП «Аскизское ЖКХ»", "Отдел дорожного хозяйства и транспорта",
                                              "Администрации сельских поселений",
                                              "Администрация Аскизского района"]
            r = worst.row(0, named=True)
            assert f"{r['grp']} {r['overdue_open']} + {r['answered_late']}" in text
        elif key == "satisfaction":
            assert "Довольны за период: 70,0 % (оценок: 20) ▲ +0,8 п.п." in text
            months = re.findall(r"(\d+ %) (\w{3} \d\d) (\d+)", text)
            assert [m[1] for m in months] == ["дек 25", "янв 26", "фев 26", "мар 26", "апр 26", "май 26", "июн 26",
                                              "июл 26", "авг 26", "сен 26", "окт 26", "ноя 26"]
        elif key == "map":
            # The page's territories, drawn as a deck under the slide's head: one circle a settlement with appeals.
            deck, legends = blocks.map_deck(flt, run=lambda n, **p: run_query(n, db=demo_db, **p))
            places = run_query("map_territories", db=demo_db, **flt.compare_params(), as_of=flt.as_of, min_base=5,
                               level="settlement").filter(pl.col("appeals") > 0)
            circles = next(layer for layer in deck.layers if layer.type == "ScatterplotLayer")
            assert len(circles.data) == places.height > 0
            assert len(at.get("deck_gl_json_chart")) == 1
            # and its legend, which the room cannot hover for (a tester found the map without one)
            shown = next(h.proto.body for h in at.get("html") if 'class="mt-map-legend"' in h.proto.body)
            assert all(html.escape(text) in shown for _color, text in legends[0].classes)
            assert "площадь круга — число обращений" in shown and legends[0].title == "Обращений"
        at.button(key="mt_next").click().run()
        assert not at.exception
    assert seen == KEYS
    assert slide(at)[0] == "kpis"  # the cycle starts over


def test_back_pause_and_the_timer(meeting):
    at = meeting(interval="30")
    at.button(key="mt_prev").click().run()
    assert slide(at)[0] == "map"  # back from the first slide is the last
    # A timer tick (the fragment rerun after the interval) advances...
    at.session_state["mt_shown"] = time.monotonic() - 31
    at.run()
    assert slide(at)[0] == "kpis"
    # ...but not right after a click, and not while paused.
    at.run()
    assert slide(at)[0] == "kpis"
    at.button(key="mt_pause").click().run()
    assert at.button(key="mt_pause").label == "Продолжить"
    assert at.main.markdown[-1].value.startswith("Пауза")
    at.session_state["mt_shown"] = time.monotonic() - 300
    at.run()
    assert slide(at)[0] == "kpis"
    at.button(key="mt_pause").click().run()
    assert at.button(key="mt_pause").label == "Пауза"
    at.button(key="mt_next").click().run()
    assert slide(at)[0] == "heatmap"


def test_no_personal_data_on_any_slide(meeting):
    """Aggregates only: no appeal text, address, number or applicant on any slide (texts from the generator and
    the demo's register of letters)."""
    from etl.demo import generate

    demo = demo_appeals()
    at = meeting(period="all", interval="30")
    shown = []
    for _ in KEYS:
        shown.append(slide(at)[1])
        at.button(key="mt_next").click().run()
    everything = " ".join(shown) + " ".join(m.value for m in at.markdown)
    generated = generate(seed=42, years=2, end=DEMO_END)
    for col in ("text", "address", "external_id", "applicant_hash"):
        values = set((demo if col == "text" else generated)[col].drop_nulls().to_list())
        assert not [v for v in values if v in everything], col
    assert "ул." not in everything


def test_meeting_says_so_without_data(tmp_path, monkeypatch):
    from etl.build import new_database
    with new_database(tmp_path / "empty.duckdb"):
        pass
    at = open_meeting(tmp_path / "empty.duckdb", monkeypatch)
    assert any("В базе пока нет обращений." in h.proto.body for h in at.get("html"))


def test_a_new_load_shows_without_a_restart(make_db, monkeypatch):
    """The screen is left on all day: after the ETL swaps in a new database, the next rerun shows it."""
    from conftest import build_db
    db = make_db([{"received_at": "2026-11-20 10:00"}], name="live.duckdb")
    at = open_meeting(db, monkeypatch, period="all", interval="30")
    assert "Обращений 1 " in slide(at)[1]
    assert "ДЕМО" not in slide(at)[1]   # a district's own data: no demo mark (the demo's slides say «ДЕМО»)
    time.sleep(0.01)  # a new file, a new modification time: the version the cache is keyed by
    build_db(db, [{"received_at": "2026-11-20 10:00"}, {"received_at": "2026-11-21 10:00"},
                  {"received_at": "2026-11-24 10:00"}])
    at.run()
    assert not at.exception
    assert "Обращений 3 " in slide(at)[1]


def test_change_against_an_empty_previous_week(make_db, monkeypatch):
    """A week after an empty one: the count's change is the difference, not «нет сравнения»."""
    db = make_db([{"received_at": "2026-11-01 10:00"}, {"received_at": "2026-11-20 10:00"},
                  {"received_at": "2026-11-22 10:00"}])
    at = open_meeting(db, monkeypatch, period="week", interval="30")
    assert "Обращений 2 ▲ +2 было 0" in slide(at)[1]


def test_meeting_week_is_the_notes_week(meeting, demo_db, open_app):
    """The head sees one set of figures on the screen and on paper: the meeting screen's week (its default link,
    and period=week) is the week the note is written for — the last whole ISO week, W47 16.11–22.11 on the demo
    that ends on Wednesday 25.11 — compared with the week before it, not the last 7 days (19.11–25.11, 173)."""
    note = open_app(demo_db, "pages/note.py")
    assert any(m.value.startswith("Обращений за период: 181;") for m in note.markdown)
    assert any("Период: неделя 2026-W47, 16.11.2026–22.11.2026 (7 дн.)" in m.value for m in note.markdown)
    assert any("Сравнение с предыдущим периодом: 09.11.2026–15.11.2026" in m.value for m in note.markdown)
    for link in ({}, {"period": "week"}):
        key, text = slide(meeting(interval="30", **link))
        assert key == "kpis"
        assert text.startswith("Главное за период неделя 2026-W47: 16.11.2026–22.11.2026 · к 09.11.2026–15.11.2026 ДЕМО · 1 / 6")
        assert "Обращений 181 ▲ +21 (+13,1 %) было 160" in text


@pytest.mark.parametrize("period", ["quarter", "all"])
def test_every_territory_on_the_map_slide_is_named_or_numbered(meeting, period):
    """A tester found Аскиз (посёлок) (the second-largest circle), Полтаков and Усть-Есь with no name on the map
    slide, and Неожиданный hidden inside Балыкса's circle (same coordinates): the room cannot hover. Every circle
    carries its name or its number, and the list beside the map gives each number's name and count, busiest first;
    places at one point share one label."""
    import json

    from mcu import maps

    at = meeting(period=period, interval="600")
    at.button(key="mt_prev").click().run()  # back from the first slide is the map
    assert slide(at)[0] == "map"
    sent = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    circles, labels = (next(layer for layer in sent["layers"] if layer["id"] == key)["data"]
                       for key in (maps.TERRITORIES, maps.LABELS))
    order = sorted(circles, key=lambda c: (-c["appeals"], c["territory"]))
    number = {c["territory"]: str(k) for k, c in enumerate(order, 1)}
    shown = [part for label in labels for part in label["name"].split(", ")]
    missing = [c["territory"] for c in circles if c["territory"] not in shown and number[c["territory"]] not in shown]
    assert missing == []
    ids = [{number.get(part, part) for part in label["name"].split(", ")} for label in labels]
    assert {number["Балыкса"], number["Неожиданный"]} in ids
    key = next(h.proto.body for h in at.get("html") if 'class="mt-map-key"' in h.proto.body)
    items = re.findall(r"<li><b>(\d+)</b> ([^<]+) — ([\d\s\u00a0]+)</li>", key)
    assert [(n, name) for n, name, _count in items] == [(str(k), c["territory"]) for k, c in enumerate(order, 1)]
    assert [int(re.sub(r"\D", "", count)) for _n, _name, count in items] == [c["appeals"] for c in order]


def test_a_share_of_too_few_reads_as_on_the_overview(make_db, monkeypatch, open_app):
    """A week with one appeal with a deadline: the slide said «Просрочено 0,0 % · 0 из 1 со сроком» where «Обзор» said
    «мало данных (1)» for the same week (a tester's finding): the slide takes the overview's minimum (SMALL_BASE) and
    shows no change for a share of so few."""
    db = make_db([{"received_at": "2026-11-10 10:00", "due_at": "2026-11-13 10:00", "answered_at": "2026-11-11 10:00",
                   "status": "answered", "satisfied": True, "solvable": True, "result": "решено"},
                  {"received_at": "2026-11-18 10:00", "due_at": "2026-11-21 10:00", "answered_at": "2026-11-19 10:00",
                   "status": "answered", "satisfied": True, "solvable": True, "result": "решено"},
                  {"received_at": "2026-11-19 10:00"}])
    text = slide(open_meeting(db, monkeypatch, period="week", interval="30"))[1]
    assert "Просрочено мало данных (1) нет сравнения 0 из 1 со сроком" in text
    assert "Довольны мало данных (1) нет сравнения оценок: 1" in text
    assert "Решено мало данных (1) нет сравнения из 1 решаемых с ответом" in text
    assert "0,0 %" not in text and "100,0 %" not in text
    overview = open_app(db, period="week")
    assert {m.label: m.value for m in overview.metric}["Просрочено"] == "мало данных (1)"


def test_a_meeting_link_s_unknown_filter_value_is_told(meeting):
    """The meeting screen says what other pages say of a link's theme the data has not."""
    at = meeting(period="month", interval="30", theme="Нет такой")
    assert [w.value for w in at.warning] == ["Тема «Нет такой» из ссылки не найдена — фильтр снят."]
