"""Тепловая карта: the theme × settlement matrix with a switchable measure, and the appeals behind a cell."""
import streamlit as st

from mcu import charts, filters, fmt
from mcu.query import run_query
from mcu.ui import empty_state, q, table

PAGE_SIZE = 50
MIN_BASE = 5  # a cell's share is shown from this many items with a deadline / with a rating
COLUMNS = {"received": "Поступило", "channel": "Канал", "number": "Номер", "theme": "Тема", "subtheme": "Подтема",
           "settlement": "Населённый пункт", "address": "Адрес", "executor": "Исполнитель", "status": "Статус",
           "due": "Срок", "answered": "Ответ", "overdue": "Просрочено", "result": "Результат", "rating": "Оценка",
           "satisfied": "Доволен", "text": "Текст"}
# measure column -> (label, diverging colour scale)
MEASURES = {
    "appeals": ("Количество", False),
    "per_1000": ("На 1 000 жителей", False),
    "growth": ("Прирост к пред. периоду", True),
    "overdue_pct": ("Просрочено, %", False),
    "dissatisfied_pct": ("Недовольны, % оценивших", False),
}


def _pick_cell() -> None:
    """A clicked cell sets the theme and settlement selectors (runs before the rerun, so it may)."""
    points = st.session_state["hm_chart"].selection.get("points", [])
    if points:
        st.session_state["hm_theme"] = charts.unplain(points[0]["y"])
        st.session_state["hm_settlement"] = charts.unplain(points[0]["x"])
        st.session_state["hm_page"] = 1


flt = filters.page("Тепловая карта")

measure = st.segmented_control("Показатель", list(MEASURES), format_func=lambda m: MEASURES[m][0],
                               key="hm_measure", default="appeals") or "appeals"
label, diverging = MEASURES[measure]
matrix = q("heatmap_matrix", **flt.compare_params(), as_of=flt.as_of, min_base=MIN_BASE)
if matrix.filter(matrix["appeals"] > 0).is_empty():
    empty_state()
    st.stop()
if measure == "growth" and not flt.has_previous:
    st.warning("Для выбранного периода нет предыдущего периода в данных: прирост равен количеству.")

st.plotly_chart(charts.heatmap(matrix, measure, label, diverging), width="stretch", key="hm_chart",
                on_select=_pick_cell, selection_mode="points")
st.caption(f"Пустая клетка — обращений нет ни в этом, ни в предыдущем периоде; доли просрочки и недовольства "
           f"показаны, когда в клетке не меньше {MIN_BASE} обращений со сроком / с оценкой.")
with st.expander("Данные матрицы"):
    table(matrix.drop("settlement_id").rename({
        "theme": "Тема", "settlement": "Населённый пункт", "appeals": "Обращений", "prev_appeals": "Пред. период",
        "growth": "Прирост", "per_1000": "На 1 000 жит.", "overdue_pct": "Просрочено, %",
        "dissatisfied_pct": "Недовольны, %", "rated": "Оценок"}), "тепловая_карта")

st.subheader("Обращения")
st.caption("Выберите клетку на карте или тему и населённый пункт ниже.")
places = dict(zip(matrix["settlement"], matrix["settlement_id"]))
# Another view (filters, theme, settlement) starts its list from page 1.
view = (flt, st.session_state.get("hm_theme"), st.session_state.get("hm_settlement"))
if st.session_state.get("hm_view") != view:
    st.session_state["hm_view"], st.session_state["hm_page"] = view, 1
left, right, pager = st.columns([2, 2, 1])
theme = left.selectbox("Тема", sorted(matrix["theme"].unique()), index=None, key="hm_theme", placeholder="Все темы")
place = right.selectbox("Населённый пункт", sorted(places), index=None, key="hm_settlement",
                        placeholder="Все населённые пункты")
page = pager.number_input("Страница", min_value=1, step=1, key="hm_page")
cell = dict(**flt.params(), as_of=flt.as_of, theme=theme, settlement=places.get(place))
rows = q("appeals_list", **cell, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
total = rows["total"][0] if rows.height else 0
if not total and page > 1:
    st.info("На этой странице ничего нет: список короче. Вернитесь на страницу 1.")
    st.stop()
if not total:
    empty_state("Обращений с такой темой и населённым пунктом за период нет.")
    st.stop()
pages = -(-total // PAGE_SIZE)
st.markdown(f"Найдено **{fmt.num(total)}**; страница {fmt.num(page)} из {fmt.num(pages)}.")
# The page shows one page of the list; the files hold the whole list.
table(rows.drop("total").rename(COLUMNS), "обращения",
      download=lambda: run_query("appeals_list", **cell, limit=total, offset=0).drop("total").rename(COLUMNS))
