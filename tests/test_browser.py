"""A real browser: Playwright drives Debian's Chromium against the app on a free port."""
import datetime as dt
import re
from pathlib import Path

import pytest

from conftest import copy_reference, demo_appeals, running_app
from etl.demo import build_demo

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="нет /usr/bin/chromium (apt-get install -y chromium)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("browser") / "demo.duckdb"
    build_demo(db, seed=42, years=2, end=dt.date(2026, 11, 25))
    # The curator's choices made in these tests go to a copy of data/reference, never into the repo.
    reference = copy_reference(tmp_path_factory.mktemp("reference"))
    with running_app(db, MCU_REFERENCE=str(reference)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def open_page(browser, url):
    page = browser.new_page(viewport={"width": 1500, "height": 1100}, locale="ru-RU")
    page.goto(url)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    return page


def drawn_map(page):
    """The heat-map page's map once deck.gl has drawn it, scrolled into view."""
    chart = page.locator("[data-testid='stDeckGlJsonChart']")
    chart.locator("canvas").first.wait_for(timeout=30_000)
    chart.scroll_into_view_if_needed()
    page.get_by_text("Площадь круга пропорциональна числу обращений.").wait_for(timeout=30_000)
    page.wait_for_timeout(1500)  # deck.gl draws on the next animation frames; nothing else to wait on
    return chart


def test_heatmap_is_drawn_with_figures(server, browser):
    page = open_page(browser, f"{server}/heatmap?period=quarter&settlement=kyzlas")
    page.wait_for_selector(".js-plotly-plot g.heatmap-label text", state="attached", timeout=30_000)
    # The Кызлас × ЖКХ cell (the planted water hot spot) is written on the heat map.
    cells = page.locator(".js-plotly-plot g.heatmap-label text").all_text_contents()
    assert int(cells[0]) > 60  # the first row is ЖКХ, the only column Кызлас
    assert page.get_by_text("Тепловая карта", exact=True).first.is_visible()
    # Clicking the cell lists the appeals behind it.
    box = page.locator(".js-plotly-plot g.heatmap-label text").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.get_by_text(f"Найдено {cells[0]};").wait_for(timeout=30_000)
    # The list shows 50 a page; its CSV holds the whole list, Excel-ready. (The button is clicked once the
    # page has finished its run: a click during a rerun can be lost on a busy machine.)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    with page.expect_download(timeout=60_000) as download:
        page.locator(".st-key-csv_hm_list button").click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Поступило;Канал;Номер;Тема")
    assert len(lines) - 1 == int(cells[0])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "heatmap.png", full_page=True)
    page.close()


def test_overview_shows_kpis_and_url_keeps_filters(server, browser):
    page = open_page(browser, f"{server}/?period=month&source=letters")
    page.wait_for_selector("[data-testid='stMetric']", timeout=30_000)
    assert page.get_by_text("Период: 27.10.2026–25.11.2026 (30 дн.)", exact=False).is_visible()
    assert "source=letters" in page.url and "period=month" in page.url
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "overview.png", full_page=True)
    page.close()


@pytest.mark.parametrize("path, title", [
    ("deadlines", "Сроки"), ("satisfaction", "Удовлетворённость"), ("executors", "Исполнители"),
    ("upload", "Загрузка данных"),
])
def test_every_page_renders_without_error(server, browser, path, title):
    page = open_page(browser, f"{server}/{path}?period=quarter")
    page.get_by_role("heading", name=title).first.wait_for(timeout=30_000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{path}.png", full_page=True)
    page.close()


def test_problem_points_page_downloads_the_vote_draft(server, browser):
    page = open_page(browser, f"{server}/problems?period=quarter")
    page.get_by_role("heading", name="Проблемные точки").first.wait_for(timeout=30_000)
    page.get_by_text("Бирикчуль, ТКО (мусор): 35 обращений за квартал", exact=False).first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    # The points table's CSV is the draft of questions for a vote, one line a point.
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    page.get_by_text("Обращения точки за период").wait_for(timeout=30_000)
    with page.expect_download() as download:
        page.locator(".st-key-csv_pp_points button").click()
    assert download.value.suggested_filename == "проблемные_точки_вопросы_2026-08-27_2026-11-25.csv"
    lines = Path(download.value.path()).read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Место;Населённый пункт;Тема;Подтема;Вопрос для голосования;Обращений")
    assert lines[1].startswith("1;Бирикчуль;ТКО (мусор);—;Где в с. Бирикчуль нужна новая контейнерная площадка")
    assert {line.split(";")[1] for line in lines[1:4]} == {"Бирикчуль", "Кызлас", "Усть-Камышта"}
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "problems.png", full_page=True)
    # Streamlit scrolls its own container: bring the point's monthly history and its appeals into view.
    page.get_by_text("Точка подробно").scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "problems_point.png", full_page=True)
    page.get_by_role("tab", name="Голосования").click()
    road = page.locator("li", has_text="Какую улицу в Усть-Камыште отремонтировать первой?")
    road.wait_for(timeout=30_000)
    assert road.inner_text().endswith("стало меньше")
    page.screenshot(path=ARTIFACTS / "problems_votes.png", full_page=True)
    page.get_by_role("tab", name="Информационные риски").click()
    page.get_by_text("Клетки с наибольшим риском").wait_for(timeout=30_000)
    page.screenshot(path=ARTIFACTS / "problems_risks.png", full_page=True)


def upload(page, server, path: Path) -> list[str]:
    """Upload one file on «Загрузка данных» and load it; the report's five counts."""
    page.goto(f"{server}/upload")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    page.get_by_role("button", name="Загрузить в базу").wait_for(timeout=30_000)
    page.get_by_role("button", name="Загрузить в базу").click()
    page.get_by_text(f"Отчёт: {path.name}").wait_for(timeout=60_000)
    page.locator("[data-testid='stMetric']").nth(4).wait_for(timeout=60_000)
    return [" ".join(r.split()) for r in page.locator("[data-testid='stMetric']").all_inner_texts()[:5]]


def test_map_an_unknown_settlement_in_the_browser(server, browser, tmp_path):
    """Upload a file with a settlement the reference does not know, accept it on the page, see it on the heat
    map; the same file again keeps the choice."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    path = tmp_path / "pos_new_place.csv"
    path.write_text("№ сообщения;Дата создания;Категория;Подкатегория;Статус;Ответственный;Населенный пункт\n"
                    "900001;20.11.2026 10:00;Дороги;Ямы и выбоины на тротуарах;Новое;"
                    "Отдел дорожного хозяйства и транспорта;с. Новотроицкое\n"
                    "900002;21.11.2026 11:00;Дороги;Ямы и выбоины на тротуарах;Новое;"
                    "Отдел дорожного хозяйства и транспорта;с. Новотроицкое\n", encoding="utf-8")
    page = open_page(browser, f"{server}/upload")
    assert upload(page, server, path) == ["Прочитано 2", "Новых 2", "Обновлено 0", "Дубликатов 0", "Отклонено 0"]
    choice = page.get_by_role("combobox", name="«с. Новотроицкое» — обращений: 2 (ПОС «Решаем вместе»)")
    choice.wait_for(timeout=30_000)
    assert choice.input_value() == "— оставить несопоставленным —"   # no spelling near enough to suggest
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    # The select filters its options as one types; right after a rerun it may miss the first keystrokes.
    for _ in range(5):
        choice.fill("Принять")
        option = page.get_by_role("option", name="Принять как новый")
        try:
            option.click(timeout=5_000)
            break
        except PlaywrightTimeout:
            choice.fill("")
    assert choice.input_value() == "Принять как новый"
    # The review's own button: the demo's themes predicted from text have a «Сохранить» of their own below.
    page.locator(".st-key-review_save button").click()
    page.get_by_text("Сохранено в справочники значений: 1; обращений обновлено: 2.").wait_for(timeout=60_000)
    page.get_by_text("Все населённые пункты, исполнители и темы в базе сопоставлены со справочниками.").wait_for(
        timeout=30_000)
    page.screenshot(path=ARTIFACTS / "upload_review.png", full_page=True)
    page.goto(f"{server}/heatmap?period=quarter")
    place = page.locator(".js-plotly-plot .xtick text", has_text=re.compile("^Новотроицкое$"))
    place.wait_for(state="attached", timeout=30_000)
    # The same file again: nothing new, nothing waits, the settlement stays on the map.
    assert upload(page, server, path) == ["Прочитано 2", "Новых 0", "Обновлено 0", "Дубликатов 2", "Отклонено 0"]
    page.get_by_text("Все населённые пункты, исполнители и темы в базе сопоставлены со справочниками.").wait_for(
        timeout=30_000)
    page.goto(f"{server}/heatmap?period=quarter")
    page.locator(".js-plotly-plot .xtick text", has_text=re.compile("^Новотроицкое$")).wait_for(
        state="attached", timeout=30_000)


MEETING_SLIDES = ["kpis", "heatmap", "problems", "overdue", "satisfaction", "map"]
# Per slide: the page must not scroll, the slide must hold its content, and (at 1920×1080) the smallest
# font of any visible text on the slide or its controls.
SLIDE_CHECK = """() => {
  const slide = document.querySelector('.mt-slide'), bar = document.querySelector('.st-key-mt_controls');
  const texts = [...document.querySelectorAll('.mt-slide *, .st-key-mt_controls *')].filter(e =>
      e.offsetParent !== null && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()));
  // The slide hides what does not fit: every box must lie within its parent's (2 px for rounding; an inline
  // run of text reports its font's height, not its line's, so it is left out).
  const out = [...slide.querySelectorAll('*')].filter(e => getComputedStyle(e).display !== 'inline').filter(e => {
    const r = e.getBoundingClientRect(), p = e.parentElement.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && (r.top < p.top - 2 || r.bottom > p.bottom + 2 || r.left < p.left - 2 || r.right > p.right + 2);
  }).map(e => e.className || e.tagName);
  return {pageHeight: document.documentElement.scrollHeight, pageWidth: document.documentElement.scrollWidth, out,
          controlsBottom: bar.getBoundingClientRect().bottom,
          small: texts.map(e => [e.textContent.trim().slice(0, 30), parseFloat(getComputedStyle(e).fontSize)])
                      .filter(([, size]) => size < 28)};
}"""


@pytest.mark.parametrize("width, height", [(1920, 1080), (1280, 720)])
def test_meeting_slides_fit_the_screen_in_large_type_without_personal_data(server, browser, width, height):
    from etl.demo import generate
    demo = generate(seed=42, years=2, end=dt.date(2026, 11, 25))
    private = {c: set(demo[c].drop_nulls().to_list()) for c in ("text", "address", "external_id", "applicant_hash")}
    private["text"] |= set(demo_appeals()["text"].to_list())      # the demo's register of letters too
    page = browser.new_page(viewport={"width": width, "height": height}, locale="ru-RU")
    page.goto(f"{server}/meeting?period=quarter&interval=600")
    ARTIFACTS.mkdir(exist_ok=True)
    for i, key in enumerate(MEETING_SLIDES):
        page.wait_for_selector(f"[data-slide='{key}']", timeout=30_000)
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
        assert not page.locator("[data-testid='stSidebar']").is_visible()
        assert not page.locator("[data-testid='stHeader']").is_visible()
        check = page.evaluate(SLIDE_CHECK)
        assert check["pageHeight"] <= height and check["pageWidth"] <= width, (key, check)
        assert check["out"] == [], (key, check["out"])
        assert check["controlsBottom"] <= height, (key, check)
        if width == 1920:
            assert check["small"] == [], (key, check["small"])
        shown = page.locator("body").inner_text()
        for col, values in private.items():
            assert not [v for v in values if v in shown], (key, col)
        if key == "map":
            # The map slide draws the page's territories with deck.gl: its canvas, not a placeholder.
            page.wait_for_selector("[data-testid='stDeckGlJsonChart'] canvas", timeout=60_000)
            page.wait_for_timeout(1500)
        page.screenshot(path=ARTIFACTS / f"meeting_{width}x{height}_{i + 1}_{key}.png")
        # Next slide: by click on the big screen's laptop, by the arrow key on a presenter's remote.
        if width == 1920:
            page.locator(".st-key-mt_next button").click()
        else:
            page.keyboard.press("ArrowRight")
    page.wait_for_selector("[data-slide='kpis']", timeout=30_000)
    if width == 1280:
        # The timer advances on its own.
        page.goto(f"{server}/meeting?period=quarter&interval=5")
        page.wait_for_selector("[data-slide='kpis']", timeout=30_000)
        page.wait_for_selector("[data-slide='heatmap']", timeout=30_000)


def test_map_is_drawn_offline_and_a_click_sets_the_settlement(server, browser):
    from urllib.parse import urlsplit

    from PIL import Image
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    from mcu import maps

    page = browser.new_page(viewport={"width": 1500, "height": 1100}, locale="ru-RU")
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{server}/heatmap?period=quarter")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    chart = drawn_map(page)
    # The circles of the top class (dark red) are on the canvas: find one and point at its middle.
    shot = ARTIFACTS / "map.png"
    ARTIFACTS.mkdir(exist_ok=True)
    chart.screenshot(path=shot)
    image = Image.open(shot).convert("RGB")
    red = [(x, y) for x in range(0, image.width, 2) for y in range(0, image.height, 2)
           if (rgb := image.getpixel((x, y)))[0] > 150 and rgb[1] < 90 and rgb[2] < 110]
    assert len(red) > 20, "на карте нет кругов верхнего класса"
    near = [(x, y) for x, y in red if abs(x - red[0][0]) < 60 and abs(y - red[0][1]) < 60]
    box = chart.bounding_box()
    cx = box["x"] + sum(x for x, _ in near) / len(near)
    cy = box["y"] + sum(y for _, y in near) / len(near)
    page.mouse.move(cx, cy)
    tooltip = page.locator(".deck-tooltip")
    tooltip.wait_for(timeout=10_000)
    text = tooltip.inner_text()
    assert "Обращений:" in text and "Главные темы:" in text
    name = text.splitlines()[0]
    page.screenshot(path=ARTIFACTS / "heatmap_map.png")
    # A click on the circle sets the sidebar's settlement filter: the link, the matrix and the map follow.
    # The filter reaches the link by history.replaceState: no navigation to wait for, only the address. On a
    # loaded machine deck.gl may take a slow press for a drag and ignore it: press again (a missed press
    # changes nothing, and after a taken one the map shows that settlement alone, re-centred).
    for _attempt in range(3):
        page.mouse.click(cx, cy)
        try:
            page.wait_for_function("location.search.includes('settlement=')", timeout=20_000)
            break
        except PlaywrightTimeout:
            continue
    else:
        pytest.fail("щелчок по кругу не выбрал населённый пункт")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    chips = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelectTagsContainer'] [data-tag] span[title]")
    chips = chips.all_inner_texts()
    assert chips == [name]
    # The map now shows that settlement alone, in the middle: a click on it again takes the filter back.
    page.wait_for_timeout(1500)  # deck.gl draws the new data on the next animation frames
    box = chart.bounding_box()
    for _attempt in range(3):
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        try:
            page.wait_for_function("!location.search.includes('settlement=')", timeout=20_000)
            break
        except PlaywrightTimeout:
            continue
    else:
        pytest.fail("повторный щелчок по кругу не снял фильтр")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    assert page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelectTagsContainer'] [data-tag]").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0
    host = urlsplit(server).netloc
    outside = [u for u in requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")
               and urlsplit(u).netloc != host]
    assert outside == [], outside
    assert maps.basemap_style() is None
    page.close()


def test_map_names_keep_the_dots_of_yo(browser, tmp_path):
    """«Аскиз (посёлок)» read «Аскиз (поселок)» on the heat-map page's map (a user's finding): the name reached the
    browser whole, but in 13 px regular type deck.gl's SDF text blurred the two dots of «ё» into a faint grey line.
    The page's map is drawn twice, with the reference's name and with the same name spelt with «е»: the pixels that
    differ are the dots alone, and the darkest of them is at least 60 % as dark as the text (the ground is
    luminance 241, the text 40: at most 120; they were 130–195)."""
    import duckdb
    from PIL import Image, ImageChops

    from conftest import build_db
    from mcu.settings import DUCKDB_CONFIG

    rows = [dict(settlement_id=s, received_at="2026-03-02 10:00") for s in ("askiz_pos", "askiz", "kyzlas")]
    shots = []
    for i, name in enumerate(["Аскиз (посёлок)", "Аскиз (поселок)"]):
        db = build_db(tmp_path / f"yo{i}.duckdb", rows)
        with duckdb.connect(str(db), config=DUCKDB_CONFIG) as con:
            assert con.execute("SELECT name FROM settlements WHERE settlement_id = 'askiz_pos'").fetchall() == [
                ("Аскиз (посёлок)",)]
            con.execute("UPDATE settlements SET name = ? WHERE settlement_id = 'askiz_pos'", [name])
        with running_app(db) as url:
            page = open_page(browser, f"{url}/heatmap?period=all")
            chart = drawn_map(page)
            ARTIFACTS.mkdir(exist_ok=True)
            chart.screenshot(path=ARTIFACTS / f"map_yo_{i}.png")
            shots.append(Image.open(ARTIFACTS / f"map_yo_{i}.png").convert("L"))
            page.close()
    yo, ye = shots
    # One letter differs, nothing else (another atlas of glyphs may shift a pixel elsewhere by a level or two).
    box = ImageChops.difference(yo, ye).point(lambda v: 255 if v > 8 else 0).getbbox()
    assert box is not None and box[2] - box[0] < 20 and box[3] - box[1] < 20, box
    dots = [yo.getpixel((x, y)) for x in range(box[0], box[2]) for y in range(box[1], box[3])
            if ye.getpixel((x, y)) >= 235 and yo.getpixel((x, y)) != ye.getpixel((x, y))]
    assert dots and min(dots) <= 120, sorted(dots)


def test_roadmap_history_and_rejects_fit_1280_and_download_as_the_export(server, browser, tmp_path):
    """At 1280×800 the roadmap's «Обращений сейчас», «Цель», «Дата пересмотра», «Голосование» and the load history's
    «Итог» were only reached sideways (a tester): every grid fits. The rejected rows' CSV is named after its export and
    has the export's columns, not one JSON cell."""
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="ru-RU")
    page.goto(f"{server}/problems?period=quarter")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    page.get_by_role("tab", name="Дорожная карта").click()
    page.get_by_text("Пересмотреть — 25.12.2026.", exact=False).wait_for(timeout=30_000)
    page.wait_for_timeout(1_500)   # the grid draws after the script ends
    grids = page.evaluate(GRIDS)
    assert len(grids) == 1 and grids[0]["right"] <= 1280 and grids[0]["inner"] <= 2, grids
    page.screenshot(path=ARTIFACTS / "roadmap_1280.png")
    spoiled = tmp_path / "испорченная_выгрузка.csv"
    spoiled.write_text("Номер сообщения;Дата создания;Категория;Подкатегория;Статус;Ответственный\n"
                       "б/н;10.11.2026 10:00;Дороги;Ямы;Новое;Отдел\n"
                       "12;31.02.2026 25:61;Дороги;Ямы;Новое;\n", encoding="utf-8")
    page.goto(f"{server}/upload")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(spoiled))
    page.get_by_role("button", name="Загрузить в базу").click()
    page.get_by_text("Отклонённые строки").first.wait_for(timeout=60_000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    page.wait_for_timeout(1_500)
    for grid in page.evaluate(GRIDS)[-3:]:   # the rejects, the history, the rejects of a load in the history
        assert grid["right"] <= 1280 and grid["inner"] <= 2, grid
    with page.expect_download(timeout=60_000) as download:
        page.locator(".st-key-csv_rejects_report_0 button").click()
    assert download.value.suggested_filename == "отклонено_испорченная_выгрузка.csv"
    assert Path(download.value.path()).read_bytes().decode("utf-8-sig").splitlines() == [
        "Строка файла;Причина;Номер сообщения;Дата создания;Категория;Подкатегория;Статус;Ответственный",
        '2;"нет значения «номер» (столбец «Номер сообщения»): «б/н» — не номер; без номера строку не связать с её '
        'следующими выгрузками — впишите номер в выгрузке";б/н;10.11.2026 10:00;Дороги;Ямы;Новое;Отдел',
        "3;дата регистрации не распознана: «31.02.2026 25:61» (столбец «Дата создания»);12;31.02.2026 25:61;Дороги;Ямы;"
        'Новое;""']
    page.screenshot(path=ARTIFACTS / "upload_rejects_1280.png", full_page=True)
    page.close()


REAL_IM = ROOT.parent / "shared" / "realdata" / "im_export_omsk_2025-12.xlsx"


@pytest.mark.skipif(not REAL_IM.exists(), reason="нет ../shared/realdata")
def test_upload_a_real_export_in_the_browser(server, browser):
    """Runs last: it adds the real ИМ export (Омск, 39 incidents) to this module's database."""
    page = open_page(browser, f"{server}/upload")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(REAL_IM))
    page.get_by_role("button", name="Загрузить в базу").wait_for(timeout=30_000)
    page.get_by_role("button", name="Загрузить в базу").click()
    page.get_by_text("Отчёт: im_export_omsk_2025-12.xlsx").wait_for(timeout=60_000)
    page.locator("[data-testid='stMetric']").nth(4).wait_for(timeout=60_000)
    report = page.locator("[data-testid='stMetric']").all_inner_texts()
    assert [" ".join(r.split()) for r in report[:5]] == ["Прочитано 39", "Новых 39", "Обновлено 0",
                                                          "Дубликатов 0", "Отклонено 0"]
    page.screenshot(path=ARTIFACTS / "upload_report.png", full_page=True)
    # None of Омская область is in the (Аскизский район) reference: its places wait for the curator.
    page.get_by_role("combobox", name="«Омск» — обращений: 30 (Инцидент Менеджмент)").wait_for(timeout=30_000)
    page.close()


# Every page, as a curator opens it (issue 12). The meeting screen advances every 10 minutes here.
WALK = ["", "heatmap", "deadlines", "satisfaction", "executors", "problems", "meeting?interval=600", "note", "upload"]
# English that Streamlit or plotly draw themselves; none of it may show.
ENGLISH = ["Select all", "Upload", "Browse files", "Drag and drop", "per file", "Download", "Search", "Fullscreen",
           "Print", "Record", "Made with Streamlit", "Show/hide", "Deploy", "Rerun", "Settings", "Clear",
           "No results", "Running", "Zoom", "Autoscale", "Reset axes", "Download plot"]
VISIBLE_TEXT = """() => {
  // Visible text of the app without icon ligatures (the material icon font writes «download» as a word).
  const out = [];
  const walk = document.createTreeWalker(document.querySelector('[data-testid=stApp]'), NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const el = walk.currentNode.parentElement;
    if (!el || el.closest('[data-testid=stIconMaterial], .material-symbols-rounded, style, script')) continue;
    if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    out.push(walk.currentNode.textContent);
  }
  return out.join(' ');
}"""
GRIDS = """() => Array.from(document.querySelectorAll('[data-testid=stDataFrame]')).filter(e => e.offsetParent).map(e => {
  const s = e.querySelector('.dvn-scroller'); const r = e.getBoundingClientRect();
  return {right: Math.round(r.right), inner: s ? s.scrollWidth - s.clientWidth : 0};
})"""


@pytest.mark.parametrize("width, height", [(1440, 900), (1920, 1080)])
def test_walk_every_page_in_russian_offline_and_fitting(server, browser, width, height):
    """Every page at both sizes: no «None»/«NaN»/«nan», no English UI word, no request leaving the machine,
    no table wider than the page nor a grid scrolling sideways; a screenshot of
    the whole page each time, in tests/artifacts/walk_<page>_<width>.png."""
    from urllib.parse import urlsplit

    page = browser.new_page(viewport={"width": width, "height": height}, locale="ru-RU")
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    ARTIFACTS.mkdir(exist_ok=True)
    problems = []
    for path in WALK:
        name = path.split("?")[0] or "overview"
        page.goto(f"{server}/{path}{'&' if '?' in path else '?'}period=quarter")
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=90_000)
        page.wait_for_timeout(2_000)   # charts and grids draw after the script ends
        assert page.locator("[data-testid='stException']").count() == 0, name
        text = page.evaluate(VISIBLE_TEXT)
        problems += [(name, m[0]) for m in re.finditer(r"\b(None|NaN|nan)\b", text)]
        problems += [(name, w) for w in ENGLISH if re.search(rf"\b{re.escape(w)}\b", text)]
        for grid in page.evaluate(GRIDS):
            if grid["right"] > width or grid["inner"] > 2:
                problems.append((name, f"таблица шире страницы: {grid}"))
        # Streamlit scrolls its own container: a viewport as tall as the page shows all of it.
        full = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
        page.set_viewport_size({"width": width, "height": min(max(full, height), 8_000)})
        page.wait_for_timeout(1_000)
        page.screenshot(path=ARTIFACTS / f"walk_{name}_{width}.png")
        page.set_viewport_size({"width": width, "height": height})
    host = urlsplit(server).netloc
    outside = [u for u in requests if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).netloc != host]
    page.close()
    assert problems == [], problems
    assert outside == []


@pytest.mark.parametrize("path, key", [("heatmap?period=quarter&settlement=kyzlas", "hm_list"),
                                       ("problems?period=quarter", "pp_appeals")])
def test_the_appeal_card_opens_where_the_user_looks(server, browser, path, key):
    """A tester at 1280×720 ticked a row of the 50-row list and saw nothing: the card opened ~2 600 px down, under
    the grid. The card opens in view of the row that was ticked, and once closed stays closed on the next run."""
    page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="ru-RU")
    page.goto(f"{server}/{path}")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    page.get_by_text("Щёлкните строку", exact=False).wait_for(timeout=30_000)
    grid = page.locator(f"[class*='st-key-{key}_'] [data-testid='stDataFrame']")
    grid.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    box = grid.bounding_box()
    # The third row's selection box, at the grid's left edge (rows are 35 px, the header one row).
    page.mouse.click(box["x"] + 15, box["y"] + 35 * 3 + 17)
    text = page.get_by_text("Текст обращения")
    text.wait_for(timeout=30_000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    card = text.bounding_box()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"card_{path.split('?')[0]}_1280.png")
    assert 0 <= card["y"] and card["y"] + card["height"] <= 720, card
    # Closed, the card does not come back when the page runs again (Streamlit's «R» key reruns it as a widget does).
    page.keyboard.press("Escape")
    text.wait_for(state="detached", timeout=30_000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    page.keyboard.press("r")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='running']", timeout=10_000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    page.wait_for_timeout(1_000)
    assert page.get_by_text("Текст обращения").count() == 0
    page.close()


# The map's ground (maps.territory_deck's paper colour): a strip of it along every edge means nothing is cut there.
GROUND = (243, 241, 235)


def edge_marks(image, inset: int = 4, corner: int = 16) -> list[tuple[int, int]]:
    """Pixels a few px inside the map's edges (its rounded corners left out) that are not the plain ground: a
    circle or a name running past the edge."""
    w, h = image.size
    strip = [(x, y) for y in range(corner, h - corner) for x in (inset, w - 1 - inset)]
    strip += [(x, y) for x in range(corner, w - corner) for y in (inset, h - 1 - inset)]
    return [(x, y) for x, y in strip if max(abs(a - b) for a, b in zip(image.getpixel((x, y)), GROUND)) > 12]


def test_heatmap_map_keeps_every_circle_and_name_inside_at_1280(server, browser):
    """At 1280 px Балыкса («ыкса») and Усть-Камышта («Усть-Ка»), a planted hot spot, were cut at the map's edges:
    the view was fitted for a 1 200 px map and the page gives it 900. Every circle and its name lie inside the map
    the page draws at 1280 px (no mark on its edges, no name left to the tooltip), and at 1920 px."""
    from PIL import Image

    for width, height in [(1280, 720), (1920, 1080)]:
        page = browser.new_page(viewport={"width": width, "height": height}, locale="ru-RU")
        page.goto(f"{server}/heatmap?period=quarter")
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
        chart = drawn_map(page)
        ARTIFACTS.mkdir(exist_ok=True)
        chart.screenshot(path=ARTIFACTS / f"map_{width}_hm.png")
        image = Image.open(ARTIFACTS / f"map_{width}_hm.png").convert("RGB")
        assert edge_marks(image) == [], width
        assert page.get_by_text("Названия, которым нет места", exact=False).count() == 0, width
        page.close()


@pytest.mark.parametrize("width, height", [(1920, 1080), (1280, 720)])
def test_meeting_map_takes_the_screen_and_keeps_its_circles_inside(server, browser, width, height):
    """At 1920×1080 the map slide's map filled the top half of the screen (460 px) and left its lower half empty. The
    map takes most of the screen's height at both sizes, every circle and name lie inside it, and its numbered list
    stands beside it (test_meeting_slides_fit_the_screen_… checks that the slide still fits)."""
    from PIL import Image

    page = browser.new_page(viewport={"width": width, "height": height}, locale="ru-RU")
    page.goto(f"{server}/meeting?period=quarter&interval=600")
    page.wait_for_selector("[data-slide='kpis']", timeout=30_000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    page.locator(".st-key-mt_prev button").click()  # back from the first slide is the map
    page.wait_for_selector("[data-slide='map']", timeout=30_000)
    chart = page.locator("[data-testid='stDeckGlJsonChart']")
    chart.locator("canvas").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # deck.gl draws on the next animation frames; nothing else to wait on
    box = chart.bounding_box()
    assert box["height"] >= 0.6 * height, box
    key = page.locator(".mt-map-key").bounding_box()
    assert key["x"] >= box["x"] + box["width"] and key["x"] + key["width"] <= width, (box, key)
    assert key["y"] + key["height"] <= box["y"] + box["height"], (box, key)
    # The list in the slides' large type (2,8u: 30 px at 1080), every line whole.
    sizes = page.locator(".mt-map-key li").evaluate_all(
        "els => els.map(e => [parseFloat(getComputedStyle(e).fontSize), e.scrollWidth <= e.clientWidth])")
    assert sizes and all(size >= 0.027 * height and whole for size, whole in sizes), sizes
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"meeting_map_{width}x{height}.png")
    chart.screenshot(path=ARTIFACTS / f"meeting_map_{width}x{height}_chart.png")
    image = Image.open(ARTIFACTS / f"meeting_map_{width}x{height}_chart.png").convert("RGB")
    assert edge_marks(image) == []
    page.close()


def test_satisfaction_downloads_write_months_as_the_table_shows_them(server, browser):
    """The satisfaction table shows «08.2026» and its CSV wrote «01.08.2026» (a tester's finding): the files write a
    month as the screen does, the CSV as text «08.2026», the Excel file as a date formatted «mm.yyyy»."""
    import io
    import zipfile

    import polars as pl

    page = open_page(browser, f"{server}/satisfaction?period=quarter")
    page.get_by_role("heading", name="Удовлетворённость").first.wait_for(timeout=30_000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    # The table's key «удовлетворённость_все» reaches the page's classes with its Cyrillic letters as dashes.
    with page.expect_download(timeout=60_000) as download:
        page.locator(".st-key-csv_-----------------_--- button").click()
    lines = Path(download.value.path()).read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Месяц;")
    assert [line.split(";")[0] for line in lines[1:]] == ["08.2026", "09.2026", "10.2026", "11.2026"]
    with page.expect_download(timeout=60_000) as download:
        page.locator(".st-key-xlsx_-----------------_--- button").click()
    data = Path(download.value.path()).read_bytes()
    assert pl.read_excel(io.BytesIO(data))["Месяц"].to_list()[:1] == [dt.date(2026, 8, 1)]  # a date, not text
    assert 'formatCode="mm.yyyy"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml").decode()
    page.close()


def test_overview_trend_file_names_its_period_and_writes_months_as_tables_do(server, browser):
    """The trend's CSV wrote the month «01.08.2026» where tables write «08.2026», and no file named its period or
    filters (a tester's finding)."""
    page = open_page(browser, f"{server}/?period=quarter&theme=ЖКХ")
    page.get_by_text("Динамика по каналам").wait_for(timeout=30_000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    with page.expect_download(timeout=60_000) as download:
        page.locator(".st-key-csv_--------_--_------- button").click()
    assert download.value.suggested_filename == "динамика_по_каналам_2026-08-27_2026-11-25_ЖКХ.csv"
    lines = Path(download.value.path()).read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0] == "Месяц;Канал;Обращений"
    assert sorted({line.split(";")[0] for line in lines[1:]}) == ["08.2026", "09.2026", "10.2026", "11.2026"]
    page.close()


@pytest.mark.parametrize("query", ["period=year", "period=custom&from=2026-11-24&to=2026-11-24", "period=quarter"])
def test_kpi_cards_fill_equal_rows_at_1280(server, browser, query):
    """At 1280 px «Год» and a one-day period put the sixth card alone on a full-width row (a tester's finding): the
    cards are a grid of equal cells, three a row at 1280 px, all six in one row at 1920 px."""
    for width, rows in ((1280, 2), (1920, 1)):
        page = browser.new_page(viewport={"width": width, "height": 900}, locale="ru-RU")
        page.goto(f"{server}/?{query}")
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
        page.locator("[data-testid='stMetric']").nth(5).wait_for(timeout=60_000)
        page.wait_for_timeout(1000)   # the cards settle into the grid on the next frames
        boxes = [page.locator("[data-testid='stMetric']").nth(i).bounding_box() for i in range(6)]
        tops = sorted({round(b["y"]) for b in boxes})
        assert len(tops) == rows, (width, query, boxes)
        assert max(b["width"] for b in boxes) - min(b["width"] for b in boxes) < 2, (width, query, boxes)
        if width == 1280:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=ARTIFACTS / f"kpis_{query.split('&')[0].split('=')[1]}_{width}.png")
        page.close()


def test_a_second_click_during_a_load_does_not_load_the_files_again(tmp_path, browser):
    """A second click during a load loaded the files again after it (the tester's second pass: «обновлено 60000»,
    then «дубликатов 60000», the first report lost). A file whose masking takes seconds, into a database of its own."""
    import duckdb

    from bench.__main__ import real_texts, write_pos_export

    export = tmp_path / "pos_real.csv"
    write_pos_export(export, 6000, real_texts(6000))
    with running_app(tmp_path / "own.duckdb") as url:
        page = open_page(browser, f"{url}/upload")
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(export))
        go = page.get_by_role("button", name="Загрузить в базу: 1 файл")
        go.wait_for(timeout=60_000)
        go.click()
        page.locator("[data-testid='stProgress']").wait_for(timeout=30_000)   # the load runs
        go.click()   # Streamlit starts the page anew at once: the new run shows the same load's bar
        page.locator("[data-testid='stProgress']").wait_for(timeout=30_000)
        page.get_by_text("Отчёт: pos_real.csv").wait_for(timeout=120_000)
        page.locator("[data-testid='stMetric']").nth(4).wait_for(timeout=60_000)
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
        counts = [" ".join(t.split()) for t in page.locator("[data-testid='stMetric']").all_inner_texts()[:5]]
        assert counts == ["Прочитано 6 000", "Новых 6 000", "Обновлено 0", "Дубликатов 0", "Отклонено 0"]
        page.close()
    with duckdb.connect(str(tmp_path / "own.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM import_log").fetchone() == (1,)


def test_upload_waiting_and_stopped_in_the_browser(browser, tmp_path):
    """A load waiting for another load into the same database says so on its bar; after Streamlit's «Stop» the load
    goes on (it is atomic), and the note under the bar, sent with it, says so on the stopped page. The next action
    on the page shows the report."""
    import fcntl
    import time

    import duckdb

    db = tmp_path / "own.duckdb"
    other = open(db.with_name(f".{db.name}.lock"), "w")   # another load holds the database
    fcntl.flock(other, fcntl.LOCK_EX)
    try:
        with running_app(db, MCU_REFERENCE=str(copy_reference(tmp_path))) as url:
            page = open_page(browser, f"{url}/upload")
            page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
                str(ROOT / "tests" / "fixtures" / "exports" / "pos_messages_cp1251.csv"))
            go = page.get_by_role("button", name="Загрузить в базу: 1 файл")
            go.wait_for(timeout=60_000)
            go.click()
            page.get_by_text("pos_messages_cp1251.csv: ожидание: идёт другая загрузка в эту базу…").wait_for(
                timeout=30_000)
            note = page.get_by_text("Загрузка идёт в фоне; остановить её нельзя — файл загрузится целиком или не "
                                    "загрузится вовсе.")
            assert note.is_visible()
            page.locator("[data-testid='stStatusWidget'] button", has_text="Stop").click()
            page.wait_for_timeout(1000)   # the stop reaches the server while the load still waits
            fcntl.flock(other, fcntl.LOCK_UN)
            for _ in range(300):   # the load goes on without the page
                if db.exists():
                    with duckdb.connect(str(db), read_only=True) as con:
                        if con.execute("SELECT count(*) FROM import_log").fetchone() == (1,):
                            break
                time.sleep(0.2)
            else:
                pytest.fail("загрузка не закончилась после «Stop»")
            assert note.is_visible()   # the stopped page still tells what goes on
            page.screenshot(path=ARTIFACTS / "upload_stopped.png", full_page=True)
            go.click()
            page.get_by_text("Отчёт: pos_messages_cp1251.csv").wait_for(timeout=60_000)
            page.locator("[data-testid='stMetric']").nth(4).wait_for(timeout=60_000)
            counts = [" ".join(t.split()) for t in page.locator("[data-testid='stMetric']").all_inner_texts()[:5]]
            assert counts == ["Прочитано 9", "Новых 4", "Обновлено 0", "Дубликатов 1", "Отклонено 4"]
            page.close()
    finally:
        other.close()


SKIP_LINK = """() => {
  const a = document.activeElement, after = getComputedStyle(a, '::after'), r = a.getBoundingClientRect();
  return {testid: a.dataset.testid, size: getComputedStyle(a).fontSize, after: after.content,
          afterSize: after.fontSize, width: Math.round(r.width), height: Math.round(r.height)};
}"""


def test_tab_brings_up_the_skip_link_in_russian(server, browser):
    """Tab on any page showed Streamlit's «Skip to main content»: the link reads «Перейти к содержимому» (the
    English text drawn at size 0); a screenshot in tests/artifacts/skip_link.png."""
    page = open_page(browser, f"{server}/satisfaction")
    # The script state reads «notRunning» before the first run too: wait for the run's CSS layer itself.
    page.wait_for_function("() => [...document.querySelectorAll('style')].some(s => s.textContent.includes("
                           "'stSkipToContent'))", timeout=60_000)
    page.keyboard.press("Tab")
    link = page.evaluate(SKIP_LINK)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "skip_link.png", clip={"x": 0, "y": 0, "width": 500, "height": 120})
    assert link["testid"] == "stSkipToContent"
    assert (link["size"], link["after"], link["afterSize"]) == ("0px", '"Перейти к содержимому"', "14px")
    assert link["width"] > 150 and link["height"] > 20  # drawn, with its padding, at the page's top left
    page.close()


def test_the_running_page_offers_to_stop_in_russian(server, browser):
    """While a page runs, Streamlit's status widget (top right) read «Stop» (a tester's finding): it reads
    «Остановить» (the English text drawn at size 0); a screenshot in tests/artifacts/stop_button.png."""
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="ru-RU")
    # The analytic note over all time for one channel runs for seconds: the widget shows its button after 0,5 s.
    page.goto(f"{server}/note?period=all&source=letters")
    button = page.wait_for_selector("[data-testid='stStatusWidget'] button", timeout=60_000)
    shown = page.evaluate("b => [getComputedStyle(b).fontSize, getComputedStyle(b, '::after').content, "
                          "getComputedStyle(b, '::after').fontSize]", button)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "stop_button.png", clip={"x": 880, "y": 0, "width": 400, "height": 70})
    assert shown == ["0px", '"Остановить"', "14px"]
    page.close()


HEATMAP_TEXT = """() => {
  const svg = document.querySelector('.st-key-hm_chart .main-svg').getBoundingClientRect();
  const size = s => [...new Set([...document.querySelectorAll('.st-key-hm_chart ' + s)].map(
    e => parseFloat(getComputedStyle(e).fontSize)))];
  const boxes = [...document.querySelectorAll('.st-key-hm_chart .xtick text, .st-key-hm_chart .ytick text')].map(
    e => e.getBoundingClientRect());
  return {x: size('.xtick text'), y: size('.ytick text'), cells: size('.heatmap-label text'),
          inside: boxes.every(b => b.left >= svg.left - 0.5 && b.top >= svg.top - 0.5 && b.right <= svg.right + 0.5)};
}"""


@pytest.mark.parametrize("width, height, least, most", [(1920, 1080, 14, 16), (1280, 800, 12, 13)])
def test_heatmap_labels_grow_on_a_meeting_room_screen(server, browser, width, height, least, most):
    """At 1920 px the heat map's axis and cell labels were about 11–13 px on a wall screen (a tester's finding):
    from 1700 px they are 15 px, every label inside the chart; at 1280 px they stay as they were. Screenshots in
    tests/artifacts/heatmap_labels_<width>.png."""
    page = browser.new_page(viewport={"width": width, "height": height}, locale="ru-RU")
    page.goto(f"{server}/heatmap?period=quarter")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)
    page.locator(".st-key-hm_chart .heatmap-label text").first.wait_for(timeout=30_000)
    page.locator(".st-key-hm_chart").scroll_into_view_if_needed()
    shown = page.evaluate(HEATMAP_TEXT)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"heatmap_labels_{width}.png")
    assert all(least <= s <= most for s in shown["x"] + shown["y"] + shown["cells"]), shown
    assert shown["inside"]
    page.close()
