"""Исполнители: the executor rating — components, composite score, rank and its change, executors under
the minimum listed apart, and the drill-down from an executor to their overdue appeals (DESIGN.md §4)."""
import streamlit as st

from mcu import charts_monitoring as charts
from mcu import filters, fmt
from mcu.scoring import score_settings
from mcu.ui import empty_state, md, q, table

PCT = st.column_config.NumberColumn(format="percent")
DEC = st.column_config.NumberColumn(format="localized")
COLUMNS = {"executor": "Исполнитель", "score": "Балл", "appeals": "Обращений", "on_time_share": "В срок",
           "median_response": "Медиана, раб. дн.", "solved_share": "Решено", "satisfied_share": "Довольны",
           "repeat_share": "Повторные", "overdue": "Просрочено", "overdue_open": "Без ответа"}
FORMATS = {"В срок": PCT, "Решено": PCT, "Довольны": PCT, "Повторные": PCT, "Балл": DEC,
           "Медиана, раб. дн.": DEC}
# The grid shows the score and what it is made of; the overdue counts are in the files and in the drill-down below:
# with them the names were cut at 170 px even at 1920 px (the grid gives every column an equal share of a wide
# screen). Without them the longest name fits at 1440 px.
IN_FILES_ONLY = ["Просрочено", "Без ответа"]


def _name_width(names) -> dict:
    longest = max((len(n) for n in names if n), default=0)
    return {"Исполнитель": st.column_config.Column(width=max(170, min(340, round(longest * 6.6) + 24)))}

flt = filters.page("Исполнители", "Состояние на конец дня {as_of}; место в прошлом периоде — "
           "по рейтингу на его последний день.")
try:
    settings = score_settings()
except ValueError as e:
    st.error(str(e))
    st.stop()

rating = q("executors_rating", **flt.compare_params(), as_of=flt.as_of, **settings.params())
if rating.is_empty():
    empty_state()
    st.stop()

with st.expander("Как считается балл", expanded=False):
    st.markdown("Балл от 0 до 100 — взвешенное среднее составляющих (каждая от 0 до 1):")
    st.markdown("\n".join(f"- {line}" for line in settings.explain()))
    st.markdown(f"Если у исполнителя нет данных по составляющей (например, ни одной оценки), она не учитывается, "
                f"а её вес делится между остальными. В рейтинг входят исполнители, у которых за период не меньше "
                f"**{fmt.num(settings.min_items)}** обращений; остальные показаны отдельно, без места. "
                f"Веса и порог задаёт администратор в справочнике оценки исполнителей.")

ranked = rating.filter(rating["ranked"])
apart = rating.filter(~rating["ranked"])

st.subheader("Рейтинг")
if ranked.is_empty():
    empty_state(f"Ни у одного исполнителя нет {fmt.num(settings.min_items)} обращений за период: рейтинг не "
                "строится. Расширьте период или снимите фильтры.")
else:
    if flt.executors:
        st.caption(f"Место — среди всех {fmt.num(ranked['ranked_of'][0])} исполнителей рейтинга: фильтр "
                   "«Исполнитель» сужает список, а не рейтинг.")
    st.plotly_chart(charts.executor_scores(ranked), width="stretch")
    shown = ranked.select("rank", "rank_move", *COLUMNS).rename({"rank": "Место", "rank_move": "Изменение"} | COLUMNS)
    table(shown.drop(IN_FILES_ONLY), "рейтинг_исполнителей", download=shown,
          column_config=FORMATS | _name_width(shown["Исполнитель"]), wrap=["Изменение", "Исполнитель"])
    st.caption("Число просроченных и просроченных без ответа — в файлах CSV и Excel и в списке исполнителя ниже.")

if not apart.is_empty():
    st.subheader("Вне рейтинга")
    st.caption(f"Меньше {fmt.num(settings.min_items)} обращений за период (или исполнитель не указан): "
               "показатели по малому числу обращений ненадёжны.")
    shown = apart.select(*COLUMNS).rename(COLUMNS)
    table(shown.drop(IN_FILES_ONLY), "исполнители_вне_рейтинга", download=shown,
          column_config=FORMATS | _name_width(shown["Исполнитель"]), wrap=["Исполнитель"])

st.subheader("Просроченные обращения исполнителя")
names = dict(zip(rating["executor_id"], rating["executor"]))
names.pop(None, None)
# One executor newly chosen in the sidebar is the natural one to drill into.
chosen = flt.executors[0] if len(flt.executors) == 1 and flt.executors[0] in names else None
if chosen and st.session_state.get("ex_drill_sidebar") != chosen:
    st.session_state["ex_drill"] = chosen
st.session_state["ex_drill_sidebar"] = chosen
executor = st.selectbox("Исполнитель", list(names), format_func=names.get, key="ex_drill", index=None,
                        placeholder="Выберите исполнителя")
if executor is None:
    st.caption("Выберите исполнителя, чтобы увидеть его обращения с нарушением срока.")
    st.stop()
items = q("deadlines_items", **flt.params(), as_of=flt.as_of, list="overdue", executor=executor)
if items.is_empty():
    st.success(f"У исполнителя {md(fmt.quoted(names[executor]))} нет просроченных обращений за период.",
               icon=":material/check_circle:")
    st.stop()
open_count = items["answered_at"].null_count()
st.markdown(f"Просрочено: **{fmt.num(items.height)}**, из них без ответа: **{fmt.num(open_count)}**.")
table(items.select("external_id", "channel", "overdue_work_days", "due_at", "answered_at", "received_at", "theme",
                   "subtheme", "settlement", "extended").rename({
    "external_id": "Номер", "channel": "Канал", "received_at": "Поступило", "due_at": "Срок", "extended": "Продлено",
    "answered_at": "Ответ", "overdue_work_days": "Просрочка, раб. дн.", "theme": "Тема", "subtheme": "Подтема",
    "settlement": "Населённый пункт"}), f"просрочено_{executor}",
    labels={"Просрочка, раб. дн.": {0: "< 1"}})  # overdue since the due day itself, not «0» (not late)
