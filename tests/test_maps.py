"""The map and the territory levels: the layer queries on hand-made appeals (exact rows), two districts with
a same-named village (figures per level), the bound on what reaches the browser at 1 M appeals, the page."""
import datetime as dt
import json
import math
import shutil

import duckdb
import pytest

from conftest import build_db
from mcu import blocks, fmt, maps
from mcu.query import run_query
from mcu.settings import DUCKDB_CONFIG

D = dt.date
CUR = dict(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31))
PREV = dict(prev_from=D(2026, 1, 29), prev_to=D(2026, 2, 28))
ALL = dict(sources=[], themes=[], settlements=[], executors=[], municipalities=[])
AS_OF = D(2026, 3, 31)

# Two districts, each with a village «Ивановка»; Район Б also has a village with no known population
# (Петрово) and one with no appeals (Сидорово). The reference's 14 settlements of Аскизский район (29 000
# residents in all) stay in the table.
SETTLEMENTS = [
    ("ivanovka_a", "Ивановка", "село", "Район А", 54.0, 90.0, 1000),
    ("ivanovka_b", "Ивановка", "село", "Район Б", 55.0, 91.0, 500),
    ("petrovo_b", "Петрово", "деревня", "Район Б", 55.2, 91.2, None),
    ("sidorovo_b", "Сидорово", "деревня", "Район Б", 55.1, 91.6, 1500),
]
TERRITORY_ROWS = [
    dict(settlement_id="ivanovka_a", received_at="2026-03-02 10:00"),
    dict(settlement_id="ivanovka_a", received_at="2026-03-03 10:00", satisfied=False, rating=1),
    dict(settlement_id="ivanovka_a", theme="Дороги", received_at="2026-03-04 10:00", due_at="2026-03-05 10:00"),
    dict(settlement_id="ivanovka_a", received_at="2026-02-10 10:00"),
    dict(settlement_id="ivanovka_b", received_at="2026-03-05 10:00"),
    dict(settlement_id="ivanovka_b", received_at="2026-03-06 10:00"),
    dict(settlement_id="petrovo_b", received_at="2026-03-07 10:00"),
    dict(settlement_id="askiz", theme="Дороги", received_at="2026-03-08 10:00"),
    dict(settlement_id=None, received_at="2026-03-09 10:00"),
]


def rows(df):
    return [tuple(r) for r in df.iter_rows()]


@pytest.fixture(scope="module")
def districts(tmp_path_factory):
    path = build_db(tmp_path_factory.mktemp("maps") / "districts.duckdb", TERRITORY_ROWS)
    with duckdb.connect(str(path), config=DUCKDB_CONFIG) as con:
        con.executemany("INSERT INTO settlements (settlement_id, name, kind, municipality, lat, lon, population) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)", SETTLEMENTS)
    return path


def test_same_named_villages_stay_apart_at_the_settlement_level(districts):
    matrix = run_query("heatmap_matrix", db=districts, **CUR, **PREV, **ALL, as_of=AS_OF, min_base=1, top=30,
                       measure="appeals")
    zhkh = matrix.filter(matrix["theme"] == "ЖКХ").select("settlement", "settlement_id", "appeals", "prev_appeals",
                                                           "per_1000")
    assert rows(zhkh) == [("Ивановка (Район А)", "ivanovka_a", 2, 1, 2.0),
                          ("Ивановка (Район Б)", "ivanovka_b", 2, 0, 4.0),
                          ("Не определён", "—", 1, 0, None),
                          ("Петрово", "petrovo_b", 1, 0, None)]
    options = run_query("filter_options", db=districts)
    assert rows(options.filter(options["dim"] == "municipality").drop("dim")) == [
        ("Аскизский район", "Аскизский район", 1), ("Район А", "Район А", 2), ("Район Б", "Район Б", 3)]
    labels = dict(rows(options.filter(options["dim"] == "settlement").select("value", "label")))
    assert (labels["ivanovka_a"], labels["ivanovka_b"], labels["askiz"]) == (
        "Ивановка (Район А)", "Ивановка (Район Б)", "Аскиз")
    top = run_query("top_settlements", db=districts, **CUR, **PREV, **ALL, limit=3)
    assert rows(top) == [("Ивановка (Район А)", 3, 1, 2, 3.0), ("Ивановка (Район Б)", 2, 0, 2, 4.0),
                         ("Аскиз", 1, 0, 1, 0.1)]


def test_municipality_level_figures(districts):
    # Район Б: 3 appeals, but only Ивановка's 2 have a population behind them; its residents are Ивановка's
    # 500 and Сидорово's 1 500 (no appeals, still residents), Петрово adds none: 2 per 1 000.
    matrix = run_query("heatmap_matrix_municipality", db=districts, **CUR, **PREV, **ALL, as_of=AS_OF, min_base=1)
    assert matrix.columns == ["theme", "municipality", "municipality_id", "appeals", "prev_appeals", "growth",
                              "per_1000", "overdue_pct", "dissatisfied_pct", "rated"]
    assert rows(matrix) == [
        ("ЖКХ", "Район Б", "Район Б", 3, 0, 3, 1.0, None, None, 0),
        ("ЖКХ", "Район А", "Район А", 2, 1, 1, 2.0, None, 100.0, 1),
        ("ЖКХ", "Не определён", "—", 1, 0, 1, None, None, None, 0),
        ("Дороги", "Аскизский район", "Аскизский район", 1, 0, 1, 0.03, None, None, 0),
        ("Дороги", "Район А", "Район А", 1, 0, 1, 1.0, 100.0, None, 0),
    ]
    top = run_query("top_municipalities", db=districts, **CUR, **PREV, **ALL, limit=10)
    assert rows(top) == [("Район А", 3, 1, 2, 3.0), ("Район Б", 3, 0, 3, 1.0), ("Аскизский район", 1, 0, 1, 0.0),
                         ("Не определён", 1, 0, 1, None)]
    # The settlement filter narrows the residents too: Ивановка of Район Б alone is 2 per 500 residents.
    one = run_query("top_municipalities", db=districts, **CUR, **PREV, **ALL | {"settlements": ["ivanovka_b"]},
                    limit=10)
    assert rows(one) == [("Район Б", 2, 0, 2, 4.0)]


def test_municipality_filter_reaches_every_query(districts):
    b = ALL | {"municipalities": ["Район Б"]}
    kpis = run_query("overview_kpis", db=districts, **CUR, **PREV, **b, as_of=AS_OF)
    assert kpis["total"].to_list() == [3, 0, 0]
    places = run_query("top_settlements", db=districts, **CUR, **PREV, **b, limit=10)
    assert rows(places.select("settlement", "appeals")) == [("Ивановка (Район Б)", 2), ("Петрово", 1)]
    both = ALL | {"municipalities": ["Район А", "Район Б"]}
    assert run_query("deadlines_kpis", db=districts, **CUR, **PREV, **both, as_of=AS_OF)["appeals"].to_list() == [6, 1]
    listed = run_query("appeals_list", db=districts, **CUR, **b, as_of=AS_OF, theme=None, subtheme=None, settlement=None, limit=50,
                       offset=0)
    assert sorted(listed["settlement"].to_list()) == ["Ивановка (Район Б)", "Ивановка (Район Б)", "Петрово"]


def test_map_territories_by_level(districts):
    args = dict(**CUR, **PREV, **ALL, as_of=AS_OF, min_base=1)
    places = run_query("map_territories", db=districts, **args, level="settlement")
    assert rows(places.drop("top_themes", "south", "north", "west", "east")) == [
        ("ivanovka_a", "Ивановка (Район А)", 54.0, 90.0, 1000, 3, 1, 2, 3.0, 100.0, 100.0, 1),
        ("ivanovka_b", "Ивановка (Район Б)", 55.0, 91.0, 500, 2, 0, 2, 4.0, None, None, 0),
        ("askiz", "Аскиз", 53.13, 90.42, 6800, 1, 0, 1, 0.15, None, None, 0),
        ("—", "Не определён", None, None, None, 1, 0, 1, None, None, None, 0),
        ("petrovo_b", "Петрово", 55.2, 91.2, None, 1, 0, 1, None, None, None, 0),
    ]
    assert places["top_themes"][0].to_list() == [{"theme": "ЖКХ", "appeals": 2}, {"theme": "Дороги", "appeals": 1}]
    districts_ = run_query("map_territories", db=districts, **args, level="municipality")
    b = districts_.row(1, named=True)
    # A municipality sits at the mean position of its settlements; its rate is as in the matrix.
    assert (b["territory"], b["appeals"], b["population"], b["per_1000"]) == ("Район Б", 3, 2000, 1.0)
    assert (b["lat"], b["lon"]) == (pytest.approx(55.1), pytest.approx((91.0 + 91.2 + 91.6) / 3))
    assert (b["south"], b["north"], b["west"], b["east"]) == (55.0, 55.2, 91.0, 91.6)
    assert districts_["territory"].to_list() == ["Район А", "Район Б", "Аскизский район", "Не определён"]
    assert districts_["appeals"].to_list() == [3, 3, 1, 1]


def test_map_density_exact_cells(tmp_path):
    # Three points near Аскиз (53.13, 90.42), one in Moscow (another region: outside the view), one at 0, 0
    # (a geocoder's default), one without coordinates.
    db = build_db(tmp_path / "density.duckdb", [
        dict(received_at="2026-03-02 10:00", lat=53.105, lon=90.405),
        dict(received_at="2026-03-03 10:00", lat=53.106, lon=90.406),
        dict(received_at="2026-03-04 10:00", lat=53.155, lon=90.455),
        dict(received_at="2026-03-05 10:00", lat=55.75, lon=37.62),
        dict(received_at="2026-03-06 10:00", lat=0.0, lon=0.0),
        dict(received_at="2026-03-07 10:00"),
    ])
    df = run_query("map_density", db=db, **CUR, **ALL, grid=10)
    # The view is Аскиз ± 0.05°: cells of 0.01° of latitude, 0.01° / cos(53.13°) of longitude.
    k = math.cos(math.radians(53.13))
    assert df.columns == ["lat", "lon", "cell_lat", "cell_lon", "appeals", "points", "outside"]
    assert df.to_dicts() == [
        {"lat": pytest.approx(53.105), "lon": pytest.approx(90.37 + 2.5 * 0.01 / k), "cell_lat": pytest.approx(0.01),
         "cell_lon": pytest.approx(0.01 / k), "appeals": 2, "points": 5, "outside": 2},
        {"lat": pytest.approx(53.155), "lon": pytest.approx(90.37 + 5.5 * 0.01 / k), "cell_lat": pytest.approx(0.01),
         "cell_lon": pytest.approx(0.01 / k), "appeals": 1, "points": 5, "outside": 2},
    ]
    # No coordinates in the view at all: one row with the counts and no cell.
    none = run_query("map_density", db=db, **CUR, **ALL | {"sources": ["im"]}, grid=10)
    assert none.to_dicts() == [{"lat": None, "lon": None, "cell_lat": None, "cell_lon": None, "appeals": None,
                                "points": 0, "outside": 0}]


def test_browser_payload_is_bounded_at_a_million_appeals(tmp_path):
    db = build_db(tmp_path / "million.duckdb", [])
    with duckdb.connect(str(db), config=DUCKDB_CONFIG) as con:
        # Points spread over the district and far beyond it, deterministic (hash, not random()).
        con.execute("""
            INSERT INTO appeals (appeal_id, source, kind, external_id, received_at, status, theme, settlement_id,
                                 lat, lon, loaded_at)
            SELECT 'pos:' || i, 'pos', 'сообщение', i::VARCHAR, TIMESTAMP '2026-03-01' + to_seconds(i % 2592000),
                   'new', 'ЖКХ', 'askiz', 52.0 + (hash(i) % 1000003) / 1000003 * 2.5,
                   88.5 + (hash(i + 7) % 1000003) / 1000003 * 3.0, TIMESTAMP '2026-04-01'
            FROM range(1000000) t(i)""")
    density = run_query("map_density", db=db, **CUR, **ALL, grid=maps.GRID)
    assert density.height <= maps.GRID ** 2
    assert density["points"][0] == 1_000_000
    assert density["appeals"].sum() + density["outside"][0] == 1_000_000
    territories = run_query("map_territories", db=db, **CUR, **PREV, **ALL, as_of=AS_OF, min_base=5,
                            level="settlement")
    deck, _legends = maps.territory_deck(territories, "appeals", "Количество", density=density,
                                         layers=(maps.TERRITORIES, maps.DENSITY, maps.LABELS))
    sent = json.loads(deck.to_json())
    points = {layer["id"]: len(layer["data"]) for layer in sent["layers"]}
    assert points == {"ground": 1, maps.DENSITY: density.height, maps.TERRITORIES: 1, maps.LABELS: 1}
    assert sum(points.values()) <= maps.GRID ** 2 + 3
    assert len(deck.to_json()) < 2_000_000


def test_count_classes_name_the_whole_numbers_in_them():
    """A legend of counts with a maximum of 3 read «0 … 1, 1 … 1, 1 … 2, 2 … 2, 2 … 3» (a tester's finding): each class
    now names the whole numbers it holds, a class that holds none is left out of the legend, and every value
    still falls in a class of its own label."""
    edges, labels = maps._classes([0, 1, 2, 3], False, 0, "")
    assert labels == ["0", "1", None, "2", "3"]
    assert [labels[maps._class_of(v, edges)] for v in (0, 1, 2, 3)] == ["0", "1", "2", "3"]
    assert maps._classes([0, 7, 50], False, 0, " обр.")[1] == ["0 … 10 обр.", "11 … 20 обр.", "21 … 30 обр.",
                                                             "31 … 40 обр.", "41 … 50 обр."]
    assert maps._classes([None, None], False, 0, "")[1] == ["0", None, None, None, "1"]
    # fractions keep their bounds
    assert maps._classes([0, 4.0], False, 1, "")[1] == ["0,0 … 0,8", "0,8 … 1,6", "1,6 … 2,4", "2,4 … 3,2", "3,2 … 4,0"]


def test_names_do_not_print_over_each_other_or_a_neighbours_circle():
    """A tester saw «Неожиданный» printed over «Балыкса» and «Пуланколь» on the Усть-Камышта circle. At the map's first
    view a name goes under its circle, else above it, never over another name or circle; the territory with more
    appeals is placed first, a name with no room is left to the tooltip (the legend says so)."""
    import polars as pl

    def place(name, lat, lon, appeals):
        return {"territory": name, "lat": lat, "lon": lon, "appeals": appeals, "prev_appeals": 0, "per_1000": None,
                "population": None, "overdue_pct": None, "dissatisfied_pct": None, "top_themes": None,
                "south": lat, "north": lat, "west": lon, "east": lon}

    def names(rows):
        deck, legends = maps.territory_deck(pl.DataFrame(rows), "appeals", "Обращений")
        data = next(layer for layer in json.loads(deck.to_json())["layers"] if layer["id"] == maps.LABELS)["data"]
        return [(n["name"], n["offset"][1]) for n in data], legends[0].note

    far = [place("Аскиз", 53.13, 90.42, 40), place("Бискамжа", 53.45, 89.53, 10)]
    assert names(far) == ([("Аскиз", 42.0), ("Бискамжа", 22.0)], "Площадь круга пропорциональна числу обращений.")
    # Two villages a hundred metres from the biggest one: their circles lie on its circle, so no name of theirs
    # has room; the biggest keeps its own under its circle.
    close = [*far, place("Балыкса", 53.131, 90.421, 30), place("Неожиданный", 53.1305, 90.4215, 5)]
    assert names(close) == ([("Аскиз", 42.0), ("Бискамжа", 22.0)], "Площадь круга пропорциональна числу обращений. "
                            "Названия, которым нет места, — в подсказке при наведении.")
    # A village just north of the biggest: under its circle its name would lie on the biggest one's circle, so it
    # goes above its own (a negative offset: the name's height and 2 px over the circle).
    got = dict(names([*far, place("Вершина Теи", 53.15, 90.42, 30)])[0])
    assert got["Аскиз"] == 42.0 and got["Бискамжа"] == 22.0 and -60 < got["Вершина Теи"] < -40


def test_deck_colours_legend_and_tooltips(districts):
    places = run_query("map_territories", db=districts, **CUR, **PREV, **ALL, as_of=AS_OF, min_base=1,
                       level="settlement")
    deck, legends = maps.territory_deck(places, "per_1000", "На 1 000 жителей")
    sent = json.loads(deck.to_json())
    assert "mapProvider" not in sent  # no basemap: nothing is asked of Carto or Mapbox
    circles = next(layer for layer in sent["layers"] if layer["id"] == maps.TERRITORIES)["data"]
    # The territory without coordinates is not drawn; classes of 0–4 per 1 000 in steps of 0,8.
    assert [c["territory"] for c in circles] == ["Ивановка (Район А)", "Ивановка (Район Б)", "Аскиз", "Петрово"]
    assert [c["color"][:3] for c in circles] == [list(maps.SEQUENTIAL[3]), list(maps.SEQUENTIAL[4]),
                                                 list(maps.SEQUENTIAL[0]), list(maps.NO_DATA)]
    assert [text for _color, text in legends[0].classes] == [
        "0,0 … 0,8", "0,8 … 1,6", "1,6 … 2,4", "2,4 … 3,2", "3,2 … 4,0",
        "не определён: нет численности жителей или мало обращений со сроком / с оценкой"]
    assert deck._tooltip["html"] == "<b>{territory}</b><br/>{details}"  # what st.pydeck_chart sends
    assert circles[0]["details"] == (
        "Обращений: 3 (пред. период: 1)\nЖителей: 1\u00a0000; на 1 000: 3,0\nПросрочено: 100,0\u00a0%"
        "\nНедовольны: 100,0\u00a0% (оценок: 1)\nГлавные темы:\n· ЖКХ — 2\n· Дороги — 1")
    assert maps.coverage_note(places, None) == "Без координат и не показаны на карте: Не определён — обращений: 1."
    # The meeting-room screen asks for a bigger map: circles and type grow with it.
    big, legends = maps.territory_deck(places, "appeals", "Количество", width_px=1920, height_px=1080, text_size=24)
    layers = {layer["id"]: layer for layer in json.loads(big.to_json())["layers"]}
    assert [c["radius"] for c in layers[maps.TERRITORIES]["data"]] == pytest.approx(
        [64, 64 * math.sqrt(2 / 3), 64 * math.sqrt(1 / 3), 64 * math.sqrt(1 / 3)])
    assert layers[maps.LABELS]["getSize"] == 24 and big._tooltip["style"]["fontSize"] == "24px"
    assert 'font-size:24px' in maps.legend_html(legends, text_size=24)


def test_boundaries_file(districts, tmp_path, monkeypatch):
    assert maps.load_boundaries(tmp_path / "none.geojson") == (None, None)
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json", encoding="utf-8")
    data, problem = maps.load_boundaries(bad)
    assert data is None and problem.startswith("Файл границ bad.geojson не прочитан")
    good = tmp_path / "good.geojson"
    good.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": "Район А"},
        "geometry": {"type": "Polygon", "coordinates": [[[89, 53], [91, 53], [91, 55], [89, 55], [89, 53]]]}}]}),
        encoding="utf-8")
    data, problem = maps.load_boundaries(good)
    assert problem is None and data["features"][0]["properties"]["name"] == "Район А"
    monkeypatch.setenv("MCU_BASEMAP", "light")
    places = run_query("map_territories", db=districts, **CUR, **PREV, **ALL, as_of=AS_OF, min_base=1,
                       level="municipality")
    deck, _ = maps.territory_deck(places, "appeals", "Количество", boundaries=data)
    sent = json.loads(deck.to_json())
    assert [layer["id"] for layer in sent["layers"]] == ["ground", maps.OUTLINES, maps.TERRITORIES, maps.LABELS]
    assert sent["mapProvider"] == "carto" and sent["mapStyle"] == maps.BASEMAPS["light"]


def drawn(at, layer: str) -> list[str]:
    """The names on the map's `layer` as sent to the browser."""
    sent = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    data = next((lay["data"] for lay in sent["layers"] if lay["id"] == layer), [])
    return [d.get("territory", d.get("name")) for d in data] if layer != maps.DENSITY else data


def test_heatmap_page_draws_the_map_at_both_levels(districts, open_app):
    at = open_app(districts, "pages/heatmap.py", period="custom", **{"from": "2026-03-01", "to": "2026-03-31"})
    assert drawn(at, maps.TERRITORIES) == ["Ивановка (Район А)", "Ивановка (Район Б)", "Аскиз", "Петрово"]
    assert drawn(at, maps.LABELS) == drawn(at, maps.TERRITORIES)
    captions = [c.value for c in at.caption]
    assert "Без координат и не показаны на карте: Не определён — обращений: 1." in captions
    assert "Количество" in at.get("html")[0].proto.body
    # One level up: the matrix, its table and the map by municipality.
    at.segmented_control(key="hm_level").set_value("municipality").run()
    assert not at.exception
    assert drawn(at, maps.TERRITORIES) == ["Район А", "Район Б", "Аскизский район"]
    assert at.dataframe[0].value["Муниципалитет"].tolist() == ["Район Б", "Район А", "Не определён",
                                                             "Аскизский район", "Район А"]
    # The density layer: none of these appeals carries its own point.
    at.pills(key="hm_layers").set_value([maps.TERRITORIES, maps.DENSITY]).run()
    assert not at.exception
    assert drawn(at, maps.DENSITY) == [] and drawn(at, maps.LABELS) == []
    assert ("Без координат и не показаны на карте: Не определён — обращений: 1. Своих координат нет ни у одного "
            "выбранного обращения: слой плотности пуст." in [c.value for c in at.caption])
    # The sidebar's municipality filter narrows the map and the matrix alike.
    at.multiselect(key="f_municipality").set_value(["Район Б"]).run()
    assert not at.exception
    assert drawn(at, maps.TERRITORIES) == ["Район Б"]
    assert at.dataframe[0].value["Обращений"].tolist() == [3]
    assert at.query_params["municipality"] == "Район Б"


def test_heatmap_page_density_on_demo(demo_db, open_app):
    at = open_app(demo_db, "pages/heatmap.py", period="quarter")
    at.pills(key="hm_layers").set_value([maps.TERRITORIES, maps.DENSITY]).run()
    assert not at.exception
    args = dict(date_from=D(2026, 8, 27), date_to=D(2026, 11, 25), **ALL)
    density = run_query("map_density", db=demo_db, **args, grid=maps.GRID)
    cells = drawn(at, maps.DENSITY)
    assert len(cells) == density.height and 0 < len(cells) <= maps.GRID ** 2
    assert sum(int(c["details"].rsplit(" ", 1)[1]) for c in cells) == density["appeals"].sum()
    total = run_query("overview_kpis", db=demo_db, **args, prev_from=D(2026, 5, 28), prev_to=D(2026, 8, 26),
                      as_of=D(2026, 11, 25))["total"][0]
    assert (f"Слой плотности: обращений со своими координатами — {fmt.num(density['points'][0])} из {fmt.num(total)}."
            in [c.value for c in at.caption])
    assert density["outside"][0] == 0


def test_overview_leaders_by_municipality(districts, open_app):
    at = open_app(districts, period="custom", **{"from": "2026-03-01", "to": "2026-03-31"})
    leaders = next(df.value for df in at.dataframe if "Населённый пункт" in df.value.columns)
    assert leaders["Населённый пункт"].tolist()[:2] == ["Ивановка (Район А)", "Ивановка (Район Б)"]
    at.segmented_control(key="ov_level").set_value("municipality").run()
    assert not at.exception
    leaders = next(df.value for df in at.dataframe if "Муниципалитет" in df.value.columns)
    assert leaders[["Муниципалитет", "Обращений"]].values.tolist() == [
        ["Район А", 3], ["Район Б", 3], ["Аскизский район", 1], ["Не определён", 1]]


def test_municipality_filter_comes_from_the_link(districts, open_app):
    at = open_app(districts, period="custom", municipality="Район Б", **{"from": "2026-03-01", "to": "2026-03-31"})
    assert at.multiselect(key="f_municipality").value == ["Район Б"]
    leaders = next(df.value for df in at.dataframe if "Населённый пункт" in df.value.columns)
    assert leaders[["Населённый пункт", "Обращений"]].values.tolist() == [["Ивановка (Район Б)", 2], ["Петрово", 1]]


def test_a_load_matches_a_twin_settlement_within_its_municipality(districts, tmp_path, monkeypatch):
    """The export names the municipality: «Ивановка» of Район Б is Район Б's; without one it is left empty."""
    from etl.load import load_file

    monkeypatch.setenv("MCU_SALT", "test-salt")
    path = tmp_path / "twins.csv"
    path.write_text("№ сообщения;Дата создания;Категория;Статус;Населенный пункт;Муниципалитет\n"
                    "T-1;01.03.2026 10:00;ЖКХ;Новое;Ивановка;Район Б\n"
                    "T-2;01.03.2026 11:00;ЖКХ;Новое;с. Ивановка;Район А\n"
                    "T-3;01.03.2026 12:00;ЖКХ;Новое;Ивановка;\n", encoding="utf-8")
    db = tmp_path / "districts.duckdb"
    shutil.copyfile(districts, db)   # the module's fixture stays as the other tests expect it
    r = load_file(path, db=db, source="pos")
    assert (r.rows_read, r.loaded, r.rejected) == (3, 3, 0)
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute("SELECT external_id, settlement_id FROM appeals WHERE source_file = 'twins.csv' "
                          "ORDER BY 1").fetchall()
    assert got == [("T-1", "ivanovka_b"), ("T-2", "ivanovka_a"), ("T-3", None)]
    assert "в нескольких муниципалитетах" in r.unmatched.filter(r.unmatched["значение"] == "Ивановка")["итог"][0]


def test_a_points_appeals_name_the_village_with_its_district(districts):
    # The problem point's list showed «Ивановка» for both villages; it shows the label the heat map shows.
    items = run_query("appeals_list", db=districts, **CUR, **ALL, as_of=AS_OF, settlement="ivanovka_b",
                      theme="ЖКХ", subtheme=None, limit=50, offset=0)
    assert items["settlement"].to_list() == ["Ивановка (Район Б)", "Ивановка (Район Б)"]


def test_heatmap_page_with_no_appeal_on_the_map_says_so(make_db, open_app):
    """An «Инцидент Менеджмент» export alone: no settlement recognised, no coordinates. The map is not drawn
    (it was an empty grey box with a legend «0 … 0, 0 … 0, 0 … 1, 1 … 1, 1 … 1»): the meeting screen's words
    say why, and the note names what has no position."""
    from mcu.blocks import MAP_PENDING

    db = make_db([dict(source="im", settlement_id=None, received_at=f"2026-03-{d:02d} 10:00") for d in (2, 3, 4)])
    at = open_app(db, "pages/heatmap.py", period="custom", **{"from": "2026-03-01", "to": "2026-03-31"})
    assert at.get("deck_gl_json_chart") == []
    assert not any("…" in h.proto.body for h in at.get("html"))  # no legend
    assert MAP_PENDING in [i.value for i in at.info]
    assert "Без координат и не показаны на карте: Не определён — обращений: 3." in [c.value for c in at.caption]


def test_map_names_are_the_reference_names_as_written(demo_db, open_app):
    """«Аскиз (посёлок)» read «Аскиз (поселок)» on the map: the name the page sends for the circle's tooltip and for
    the label is the reference's, «ё» and all, on the page and on the meeting screen's map; both draw the names with
    the glyph edge that keeps the dots of «ё» (tests/test_browser.py::test_map_names_keep_the_dots_of_yo looks at
    the pixels)."""
    at = open_app(demo_db, "pages/heatmap.py", period="quarter")
    assert "Аскиз (посёлок)" in drawn(at, maps.TERRITORIES) and "Аскиз (посёлок)" in drawn(at, maps.LABELS)
    assert not [n for n in drawn(at, maps.LABELS) if "поселок" in n]
    sent = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert next(layer for layer in sent["layers"] if layer["id"] == maps.LABELS)["fontSettings"] == maps.LABEL_FONT
    flt = at.session_state["filters"]
    deck, _ = blocks.map_deck(flt, run=lambda n, **p: run_query(n, db=demo_db, **p))
    sent = json.loads(deck.to_json())
    circles, labels = (next(layer for layer in sent["layers"] if layer["id"] == key) for key in (maps.TERRITORIES, maps.LABELS))
    # In the meeting room's large type the name of a quarter has no room beside its neighbours': its circle has it.
    assert "Аскиз (посёлок)" in [c["territory"] for c in circles["data"]] and labels["fontSettings"] == maps.LABEL_FONT


def test_places_at_one_point_share_one_name_line():
    """Неожиданный has Балыкса's coordinates in the demo's reference: its circle lay inside Балыкса's with no name.
    The two are one name line under the larger circle, the busier first."""
    import polars as pl

    rows = [{"territory": name, "lat": lat, "lon": lon, "appeals": n, "prev_appeals": 0, "per_1000": None,
             "population": None, "overdue_pct": None, "dissatisfied_pct": None, "top_themes": None,
             "south": lat, "north": lat, "west": lon, "east": lon}
            for name, lat, lon, n in [("Аскиз", 53.13, 90.42, 40), ("Неожиданный", 53.0, 89.9, 5),
                                      ("Балыкса", 53.0, 89.9, 12)]]
    deck, legends = maps.territory_deck(pl.DataFrame(rows), "appeals", "Обращений", width_px=900)
    data = next(layer for layer in json.loads(deck.to_json())["layers"] if layer["id"] == maps.LABELS)["data"]
    assert [n["name"] for n in data] == ["Аскиз", "Балыкса, Неожиданный"]
    assert legends[0].note == "Площадь круга пропорциональна числу обращений."
