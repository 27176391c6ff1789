"""Тепловая карта: the theme × settlement matrix with a switchable measure, the map of the same figures, and
the appeals behind a cell."""
import streamlit as st

from core.reference import limits
from mcu import blocks, charts, filters, fmt, maps
from mcu.appeals import COLUMNS, appeal_list
from mcu.query import run_query
from mcu.ui import empty_state, q, table

PAGE_SIZE = 50
# The map's width at a 1280 px window with the sidebar open (measured in Chromium): the view is fitted to it, so
# every circle and name is inside there; a wider window shows more ground around the same view.
MAP_WIDTH, MAP_HEIGHT = 900, 600
OTHERS = "Прочие ("   # the heat map's column summing the settlements beyond the top (heatmap_matrix.sql)
MIN_BASE = 5  # a cell's share is shown from this many items with a deadline / with a rating
# measure column -> (label, diverging colour scale)
MEASURES = {
    "appeals": ("Количество", False),
    "per_1000": ("На 1 000 жителей", False),
    "growth": ("Прирост к пред. периоду", True),
    "overdue_pct": ("Просрочено, %", False),
    "dissatisfied_pct": ("Недовольны, % оценивших", False),
}
# territory level (DESIGN.md §4) -> (switch label, the matrix query, the territory's column title)
LEVELS = {"settlement": ("Населённые пункты", "heatmap_matrix", "Населённый пункт"),
          "municipality": ("Муниципалитеты", "heatmap_matrix_municipality", "Муниципалитет")}


def _pick_cell() -> None:
    """A clicked cell sets the theme and settlement selectors (runs before the rerun, so it may)."""
    points = st.session_state["hm_chart"].selection.get("points", [])
    if points:
        st.session_state["hm_theme"] = charts.unplain(points[0]["y"])
        # «Прочие» is many settlements: its cell lists the theme in all of them.
        x = charts.unplain(points[0]["x"])
        st.session_state[_place_key()] = None if x.startswith(OTHERS) else x
        st.session_state["hm_page"] = 1


def _place_key() -> str:
    # One selector per level: a settlement's name is no choice among municipalities.
    return "hm_settlement" if st.session_state.get("hm_level", "settlement") == "settlement" else "hm_municipality"


def _pick_territory() -> None:
    """A clicked circle sets the sidebar's settlement (or municipality) filter, so the matrix and the list
    follow; unselecting it on the map (a click on it again, or beside it) takes back the filter it set."""
    picked = st.session_state["hm_map"].selection.get("objects", {}).get(maps.TERRITORIES, [])
    key = "f_settlement" if st.session_state.get("hm_level", "settlement") == "settlement" else "f_municipality"
    if picked:
        if picked[0]["territory_id"] != "—":  # «Не определён» is no choice in the filter
            st.session_state[key] = [picked[0]["territory_id"]]
            st.session_state["hm_map_pick"] = (key, picked[0]["territory_id"])
    elif (pick := st.session_state.pop("hm_map_pick", None)) and st.session_state.get(pick[0]) == [pick[1]]:
        st.session_state[pick[0]] = []


flt = filters.page("Тепловая карта")

# The view's choices live in the URL as the sidebar filters do (filters.view): a reload or a link keeps them.
filters.view("hm_measure", "metric", MEASURES, "appeals")
measure = st.segmented_control("Показатель", list(MEASURES), format_func=lambda m: MEASURES[m][0],
                               key="hm_measure") or "appeals"
label, diverging = MEASURES[measure]
filters.view("hm_level", "territory", LEVELS, "settlement")
level = st.segmented_control("Территории", list(LEVELS), format_func=lambda k: LEVELS[k][0],
                             key="hm_level") or "settlement"
level_title = LEVELS[level][2]
top = limits()["pages"]["heatmap_settlements"]
if level == "municipality":
    matrix = q(LEVELS[level][1], **flt.compare_params(), as_of=flt.as_of, min_base=MIN_BASE)
    # The chart and the list draw a territory in the «settlement» column; one level up it is the municipality.
    matrix = matrix.rename({"municipality": "settlement", "municipality_id": "settlement_id"})
else:
    matrix = q(LEVELS[level][1], **flt.compare_params(), as_of=flt.as_of, min_base=MIN_BASE, top=top,
               measure=measure)
if matrix.filter(matrix["appeals"] > 0).is_empty():
    empty_state()
    st.stop()
population_note = None
if measure == "per_1000":
    chart_matrix, population_note = charts.without_population(matrix)
else:
    chart_matrix = matrix
if measure == "growth" and not flt.has_previous:
    st.warning("Для выбранного периода нет предыдущего периода в данных: прирост равен количеству.")

if chart_matrix.is_empty():
    empty_state("Численность населения неизвестна ни для одной территории с обращениями: показатель на 1 000 "
                "жителей не посчитать. Выберите «Количество».")
else:
    st.plotly_chart(charts.heatmap(chart_matrix, measure, label, diverging), width="stretch", key="hm_chart",
                    on_select=_pick_cell, selection_mode="points")
st.caption(f"Пустая клетка — обращений нет ни в этом, ни в предыдущем периоде; доли просрочки и недовольства "
           f"показаны, когда в клетке не меньше {MIN_BASE} обращений со сроком / с оценкой."
           + (f" Показаны населённые пункты с наибольшим значением показателя (не больше {top}); остальные "
              "сложены в столбец «Прочие»." if (matrix["settlement_id"] == "*others*").any() else ""))
if population_note:
    st.caption(population_note)
with st.expander("Данные матрицы"):
    table(matrix.drop("settlement_id").rename({
        "theme": "Тема", "settlement": level_title, "appeals": "Обращений", "prev_appeals": "Пред. период",
        "growth": "Прирост", "per_1000": "На 1 000 жит.", "overdue_pct": "Просрочено, %",
        "dissatisfied_pct": "Недовольны, %", "rated": "Оценок"}), "тепловая_карта", signed=["Прирост"])

st.subheader("Карта")
# «Границы» is offered when there is a boundaries file (README: where to get one).
layers = [k for k in maps.LAYERS if k != maps.OUTLINES or maps.BOUNDARIES.exists()]
shown = st.pills("Слои", layers, format_func=maps.LAYERS.get, selection_mode="multi", key="hm_layers",
                 default=[k for k in (maps.TERRITORIES, maps.LABELS, maps.OUTLINES) if k in layers],
                 help="Щелчок по кругу выбирает территорию в фильтре слева, повторный — снимает выбор. "
                      "Границы появляются, когда есть файл data/reference/boundaries.geojson (см. README).") or []
territories = q("map_territories", **flt.compare_params(), as_of=flt.as_of, min_base=MIN_BASE, level=level)
density = q("map_density", **flt.params(), grid=maps.GRID) if maps.DENSITY in shown else None
boundaries, problem = maps.load_boundaries() if maps.OUTLINES in shown else (None, None)
if problem:
    st.warning(problem)
if maps.nothing_placed(territories, density):
    empty_state(blocks.MAP_PENDING)
else:
    deck, legends = maps.territory_deck(territories, measure, label, diverging, density, boundaries, tuple(shown),
                                        width_px=MAP_WIDTH, height_px=MAP_HEIGHT)
    st.pydeck_chart(deck, height=MAP_HEIGHT, key="hm_map", on_select=_pick_territory, selection_mode="single-object")
    st.html(maps.legend_html(legends))
if note := maps.coverage_note(territories, density):
    st.caption(note)
if level == "municipality":
    st.caption("На 1 000 жителей для муниципалитета: жители — сумма численности его населённых пунктов, для "
               "которых она известна; в расчёт идут только обращения из этих пунктов.")

st.subheader("Обращения")
st.caption("Выберите клетку матрицы или тему и территорию ниже.")
places = dict(zip(matrix["settlement"], matrix["settlement_id"]))
places.pop(next((p for p in places if p.startswith(OTHERS)), None), None)
filters.view("hm_theme", "cell_theme", set(matrix["theme"]))
filters.view(_place_key(), "cell_" + level, places)
# Another view (filters, theme, settlement) starts its list from page 1.
view = (flt, level, st.session_state.get("hm_theme"), st.session_state.get(_place_key()))
if st.session_state.get("hm_view") != view:
    st.session_state["hm_view"], st.session_state["hm_page"] = view, 1
left, right, pager = st.columns([2, 2, 1])
theme = left.selectbox("Тема", sorted(matrix["theme"].unique()), index=None, key="hm_theme", placeholder="Все темы")
place = right.selectbox(level_title, sorted(places), index=None, key=_place_key(),
                        placeholder="Все населённые пункты" if level == "settlement" else "Все муниципалитеты")
page = st.session_state.get("hm_page") or 1
cell = dict(**flt.params(), as_of=flt.as_of, theme=theme, subtheme=None, settlement=places.get(place))
if level == "municipality" and place is not None and places[place] != "—":
    # A municipality's appeals: its settlements, within the sidebar's filters.
    cell |= {"settlement": None, "municipalities": [places[place]]}
rows = q("appeals_list", **cell, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
total = rows["total"][0] if rows.height else 0
if not total and page > 1:
    # A page past the end (the list got shorter): the last page instead; the pager stops there.
    total = q("appeals_list", **cell, limit=1, offset=0)["total"].first() or 0
    page = st.session_state["hm_page"] = max(1, -(-total // PAGE_SIZE))
    rows = q("appeals_list", **cell, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
pages = max(1, -(-total // PAGE_SIZE))
pager.number_input("Страница", min_value=1, max_value=pages, step=1, key="hm_page")
if not total:
    empty_state("Обращений с такой темой и населённым пунктом за период нет.")
    st.stop()
st.markdown(f"Найдено **{fmt.num(total)}**; страница {fmt.num(page)} из {fmt.num(pages)}. "
            "Щёлкните строку — откроется карточка обращения с полным текстом.")
# The page shows one page of the list (mcu.appeals); the files hold the whole list.
appeal_list(rows.drop("total"), "обращения", "hm_list",
            download=lambda: run_query("appeals_list", **cell, limit=total, offset=0).drop("total").rename(COLUMNS))
