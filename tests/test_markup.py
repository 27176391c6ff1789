"""Data is shown as text, never as markup (issue 7, item 9).

Plotly reads a subset of HTML in every label, tick, legend and hover, and Streamlit reads Markdown in
st.error / st.subheader / expander labels: a settlement named `<a href=…>` was a live link on the charts,
and a file name or column quoted in an error box fetched an outside image.
"""
import datetime as dt
import inspect
import json
import re
import urllib.parse
import urllib.request
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import pytest

from conftest import running_app
from etl.build import update_database
from mcu import charts, charts_monitoring
from mcu.ui import md

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = '<a href="http://example.com">x</a>'
ESCAPED = '&lt;a href="http://example.com"&gt;x&lt;/a&gt;'
BOLD = "<b>Исполнитель</b> & Co"
IMAGE_NAME = "![x](http://example.com/i.png).csv"
# Columns no profile knows: the refusal quotes them, and the file name, in the error box.
IMAGE_FILE = ("![y](http://example.com/j.png);[ссылка](http://example.com);:red[Дата];:material/delete: :smile: "
              "ivan@mail.ru\n1;2;3;4\n").encode()


def strings(node):
    """Every string in a figure's JSON (plotly's own JSON escapes `<` as \\u003c, so parse it first)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield k
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


def figure_strings(fig: go.Figure) -> list[str]:
    return list(strings(json.loads(fig.to_json())))


def months(n=2):
    return [dt.date(2026, m, 1) for m in range(1, n + 1)]


# One frame per builder, with data strings where a query puts names; a new builder must be added here.
FRAMES = {
    "trend_by_source": lambda f: f(pl.DataFrame({"month": months(), "channel": [HOSTILE] * 2, "color": ["#000"] * 2,
                                                 "appeals": [3, 4], "partial": [False, True]})),
    "trend_by_day": lambda f: f(pl.DataFrame({"day": months(), "channel": [HOSTILE] * 2, "color": ["#000"] * 2,
                                              "appeals": [3, 4]}), dt.date(2026, 1, 1), dt.date(2026, 2, 1)),
    "ranked_bars": lambda f: f(pl.DataFrame({"settlement": [HOSTILE, BOLD], "appeals": [5, 2]}),
                               "settlement", "appeals", "Населённые пункты"),
    "heatmap": lambda f: f(pl.DataFrame({"theme": [BOLD, BOLD], "settlement": [HOSTILE, "Аскиз"],
                                         "appeals": [7, 1]}), "appeals", "Количество"),
    "aging_bars": lambda f: f(pl.DataFrame({"bucket": [HOSTILE, "8+"], "open": [3, 2], "overdue_open": [1, 0]})),
    "breakdown_bars": lambda f: f(pl.DataFrame({"grp": [HOSTILE, BOLD], "overdue_open": [1, 2], "at_risk": [0, 1],
                                                "answered_late": [2, 0]}), "Нарушения"),
    "satisfaction_trend": lambda f: f(pl.DataFrame({"month": months() * 2, "grp": [HOSTILE] * 2 + [BOLD] * 2,
                                                    "rated": [3, 4, 5, 6], "scored": [3, 4, 5, 6],
                                                    "satisfied_share": [0.5, 0.25, 0.2, 1.0]}), "satisfied_share"),
    "results_trend": lambda f: f(pl.DataFrame({"month": months(), "solved": [1, 2], "explained": [1, 0],
                                               "refused": [0, 1], "solvable_answered": [2, 3]})),
    "repeat_trend": lambda f: f(pl.DataFrame({"month": months(), "repeats": [1, 2], "appeals": [5, 6],
                                              "repeat_share": [0.2, 0.33]})),
    "executor_scores": lambda f: f(pl.DataFrame({"rank": [1, 2], "executor": [HOSTILE, BOLD], "score": [80.0, 60.0]})),
    "growth_waterfall": lambda f: f(pl.DataFrame({"item": [HOSTILE, BOLD], "change": [5, -2], "total_prev": [10, 10],
                                                  "total": [13, 13]})),
}


def builders():
    for module in (charts, charts_monitoring):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and inspect.signature(fn).return_annotation is go.Figure:
                yield name, fn


def test_every_chart_builder_shows_data_strings_as_text():
    found = dict(builders())
    assert sorted(found) == sorted(FRAMES), "a chart builder without a markup test: add it to FRAMES"
    for name, fn in found.items():
        texts = figure_strings(FRAMES[name](fn))
        assert not any(HOSTILE in s or "<b>Исполнитель" in s for s in texts), name
        if name not in ("results_trend", "repeat_trend"):   # no data strings in these two
            assert any(ESCAPED in s or "&lt;b&gt;Исполнитель&lt;/b&gt; &amp; Co" in s for s in texts), name


def test_plain_round_trips_what_plotly_hands_back():
    for value in (HOSTILE, BOLD, "a &lt; b", "Аскиз", "x&amp;y"):
        assert charts.plain(value) != value or not set(value) & set("<>&")
        assert charts.unplain(charts.plain(value)) == value
    assert charts.plain([None, 3, "<i>"]) == [None, 3, "&lt;i&gt;"]


def test_md_leaves_no_markdown():
    wj = "\u2060"   # invisible: stops Streamlit's autolinks, emoji and icon shortcodes (see mcu.ui.md)
    assert md(IMAGE_NAME) == rf"!\[x\]({wj}http&#58;//example.com/i.png).csv"
    assert md(":red[Дата] **жирно** $x$ <b> `код` # a|b ~c~ &amp;") == \
        rf":{wj}red\[Дата\] \*\*жирно\*\* \$x\$ \<b\> \`код\` \# a\|b \~c\~ \&amp;"
    assert md("пишите на ivan@mail.ru, www.site.ru :smile: :material/block:") == \
        f"пишите на {wj}ivan&#64;mail.ru, {wj}www&#46;site.ru :{wj}smile: :{wj}material/block:"
    assert md("- список\n1. пункт\n> цитата") == "\\- список  \n1\\. пункт  \n\\> цитата"
    # Ordinary punctuation stays as it is: messages read (and are found by tests) as written.
    assert md("Найдены столбцы: «Дата», (а) 5.") == "Найдены столбцы: «Дата», (а) 5."


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    """The demo database with a settlement, an executor and a theme named as markup."""
    from etl.build import new_database
    from etl.demo import write_demo

    path = tmp_path_factory.mktemp("markup") / "hostile.duckdb"
    with new_database(path) as con:
        write_demo(con, seed=42, years=1, end=dt.date(2026, 11, 25))
    with update_database(path) as con:
        con.execute("UPDATE settlements SET name = ? WHERE settlement_id = 'kyzlas'", [HOSTILE])
        con.execute("UPDATE executors SET name = ? WHERE executor_id = 'mup_zhkh'", [BOLD])
    return path


def chart_strings(at) -> list[str]:
    return [s for c in at.get("plotly_chart") for s in strings(json.loads(c.proto.spec))]


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/heatmap.py", "pages/deadlines.py",
                                  "pages/executors.py"])
def test_pages_draw_hostile_names_as_text(open_app, hostile_db, page):
    at = open_app(hostile_db, page, period="year")
    texts = chart_strings(at)
    assert texts, "no chart drawn"
    assert not any(HOSTILE in s or "<b>Исполнитель" in s for s in texts)
    if page in ("pages/overview.py", "pages/heatmap.py"):   # Кызлас is among the top settlements
        assert any(ESCAPED in s for s in texts)
    if page in ("pages/deadlines.py", "pages/executors.py"):  # МУП ЖКХ is among the executors
        assert any("&lt;b&gt;Исполнитель&lt;/b&gt; &amp; Co" in s for s in texts)


def test_heatmap_click_on_a_hostile_settlement_selects_it(open_app, hostile_db):
    """The page turns the clicked (escaped) label back into the settlement it lists."""
    at = open_app(hostile_db, "pages/heatmap.py", period="year")
    at.session_state["hm_settlement"] = charts.unplain(ESCAPED)
    at.run()
    assert not at.exception
    assert at.selectbox(key="hm_settlement").value == HOSTILE
    assert at.main.markdown[-1].value.startswith("Найдено **")


def test_upload_error_quotes_the_file_as_text(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("MCU_DB", str(tmp_path / "mcu.duckdb"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_files").set_value([(IMAGE_NAME, IMAGE_FILE, "text/csv")]).run()
    assert not at.exception
    [error] = at.error
    assert "не подходит" in error.value
    # Every Markdown character of the quoted name and columns is escaped: no image, no link, no colour.
    assert "![" not in error.value and not re.search(r"(?<!\\)\]\(", error.value) and ":red[" not in error.value
    assert md(IMAGE_NAME) in error.value and md("![y](http://example.com/j.png)") in error.value
    assert md(":red[Дата]") in error.value
    assert at.expander[0].label == "Файл " + md(IMAGE_NAME) + " — не принят"
    assert at.warning[0].value.startswith(md(f"Принято к загрузке: 0 из 1; не приняты: {IMAGE_NAME}."))


# --- in a real browser: nothing from data becomes a link or an image, no request leaves the app --------

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(hostile_db):
    with running_app(hostile_db) as url:
        yield url


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="нет /usr/bin/chromium (apt-get install -y chromium)")
def test_browser_shows_data_as_text_and_asks_no_other_host(server):
    from playwright.sync_api import sync_playwright

    app_host = urllib.parse.urlsplit(server).netloc
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100}, locale="ru-RU")
        requests = []
        page.on("request", lambda r: requests.append(r.url))

        def settle():
            page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)

        page.goto(f"{server}/heatmap?period=year")
        settle()
        tick = page.locator(".js-plotly-plot .xtick text", has_text="example.com")
        tick.first.wait_for(state="attached", timeout=30_000)
        assert tick.first.text_content() == HOSTILE          # the name, character for character
        assert page.locator(".js-plotly-plot a").count() == 0

        page.goto(f"{server}/upload")
        settle()
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
            {"name": IMAGE_NAME, "mimeType": "text/csv", "buffer": IMAGE_FILE})
        alert = page.locator("[data-testid='stAlert']", has_text="не подходит")
        alert.wait_for(timeout=30_000)
        settle()
        shown = alert.inner_text().replace("\u2060", "")   # the invisible word joiner that stops autolinks
        # (the cells a message quotes are masked as stored texts are: the e-mail too)
        assert ("«![y](http://example.com/j.png)», «[ссылка](http://example.com)», «:red[Дата]», "
                "«:material/delete: :smile: [email]»") in shown
        assert "файла ![x](http://example.com/i.png).csv:" in shown
        assert alert.locator("a").count() == 0 and alert.locator("img").count() == 0
        assert page.locator("[data-testid='stExpander'] img").count() == 0
        assert page.locator("img[src*='example.com'], a[href*='example.com']").count() == 0
        browser.close()
    others = sorted({u for u in requests if urllib.parse.urlsplit(u).netloc != app_host
                     and not u.startswith(("data:", "blob:"))})
    assert others == []
