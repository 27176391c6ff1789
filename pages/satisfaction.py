"""Удовлетворённость: satisfied share and mean rating by month (overall, by theme / executor / channel) with
the number of ratings behind each point, solved vs explained among solvable appeals, repeat appeals."""
import streamlit as st

from mcu import charts_monitoring as charts
from mcu import filters, fmt
from mcu.charts import PARTIAL_NOTE, with_partial
from mcu.ui import change, empty_state, kpi, kpi_row, period_rows, q, share_value, small_base, table

PCT = st.column_config.NumberColumn(format="percent")
DEC = st.column_config.NumberColumn(format="localized")
MONTH = st.column_config.DateColumn(format="MM.YYYY")
DIMS = {"all": "Все обращения", "theme": "Темы", "executor": "Исполнители", "source": "Каналы"}
FILE_WORDS = {"all": "все", "theme": "по_темам", "executor": "по_исполнителям", "source": "по_каналам"}  # file names
CHART_GROUPS = 8

flt = filters.page("Удовлетворённость", "Месяц — по дате поступления обращения.")


def monthly_chart(figure, df, *args, pale: str) -> None:
    """A monthly chart whose months the period covers in part are drawn pale, and the line saying so (as «Обзор»)."""
    df = with_partial(df, flt.date_from, flt.date_to)
    st.plotly_chart(figure(df, *args), width="stretch")
    if df["partial"].any():
        st.caption(PARTIAL_NOTE.format(pale))


kpis = q("satisfaction_kpis", **flt.compare_params(), as_of=flt.as_of)
cur, prev = period_rows(kpis, flt)

c = kpi_row(5)
kpi(c[0], "Довольны", share_value(cur["satisfied_share"], cur["rated"]),
    None if small_base(cur["rated"], prev["rated"]) else change(cur["satisfied_share"], prev["satisfied_share"], share=True),
    help=f"Доля довольных среди оценивших; оценок: {fmt.num(cur['rated'])}")
kpi(c[1], "Средняя оценка", share_value(None, cur["scored"], text=fmt.num(cur["mean_rating"], 2)),
    fmt.signed(cur["mean_rating"] - prev["mean_rating"], 2)
    if cur["mean_rating"] and prev["mean_rating"] and not small_base(cur["scored"], prev["scored"]) else None,
    help=f"По шкале 1–5; оценок: {fmt.num(cur['scored'])} (Инцидент Менеджмент даёт «доволен / не доволен» без балла)")
kpi(c[2], "Решено", share_value(cur["solved_share"], cur["solvable_answered"]),
    None if small_base(cur["solvable_answered"], prev["solvable_answered"])
    else change(cur["solved_share"], prev["solved_share"], share=True),
    help=f"«Решено» среди отвеченных решаемых: {fmt.num(cur['solvable_answered'])}")
kpi(c[3], "Разъяснено", share_value(cur["explained_share"], cur["solvable_answered"]),
    None if small_base(cur["solvable_answered"], prev["solvable_answered"])
    else change(cur["explained_share"], prev["explained_share"], share=True), inverse=True,
    help="«Разъяснено» среди отвеченных решаемых: решаемый вопрос закрыт разъяснением, а не решением")
kpi(c[4], "Повторные", share_value(cur["repeat_share"], cur["appeals"]),
    None if small_base(cur["appeals"], prev["appeals"]) else change(cur["repeat_share"], prev["repeat_share"], share=True),
    inverse=True, help=f"Повторных обращений: {fmt.num(cur['repeats'])} из {fmt.num(cur['appeals'])}")

if not cur["appeals"]:
    empty_state()
    st.stop()

st.subheader("Удовлетворённость по месяцам")
left, right = st.columns(2)
dim = left.segmented_control("Разрез", list(DIMS), format_func=DIMS.get, key="sat_dim", default="all") or "all"
measure = right.segmented_control("Показатель", ["satisfied_share", "mean_rating"], key="sat_measure",
                                  default="satisfied_share",
                                  format_func={"satisfied_share": "Доля довольных",
                                               "mean_rating": "Средняя оценка"}.get) or "satisfied_share"
if not cur["rated"]:
    empty_state("За период нет ни одной оценки.")
else:
    trend = q("satisfaction_trend", **flt.params(), as_of=flt.as_of, dim=dim,
              top=None if dim == "all" else CHART_GROUPS)
    monthly_chart(charts.satisfaction_trend, trend, measure,
                  pale="точки и столбцы" if trend["grp"].n_unique() == 1 else "точки")
    st.caption("Размер точки — число оценок за месяц: доля по трём оценкам не то же, что по трёмстам."
               + ("" if dim == "all" else f" На графике — {CHART_GROUPS} групп с наибольшим числом оценок, "
                                          "в таблице — все."))
    full = trend if dim == "all" else q("satisfaction_trend", **flt.params(), as_of=flt.as_of, dim=dim, top=None)
    table(full.rename({"month": "Месяц", "grp": DIMS[dim], "appeals": "Обращений", "rated": "Оценок",
                       "satisfied": "Довольны", "satisfied_share": "Доля довольных", "scored": "Оценок 1–5",
                       "mean_rating": "Средняя оценка"}), f"удовлетворённость_{FILE_WORDS[dim]}",
          column_config={"Месяц": MONTH, "Доля довольных": PCT, "Средняя оценка": DEC},
          digits={"Средняя оценка": 2})  # as the card: 3,73

st.subheader("Решено и разъяснено")
st.caption("Среди отвеченных решаемых обращений: решён ли вопрос по существу или дано разъяснение.")
results = q("satisfaction_results_trend", **flt.params(), as_of=flt.as_of)
if results.is_empty():
    empty_state("За период нет отвеченных решаемых обращений.")
else:
    result_cols = {"solvable_answered": "Отвечено решаемых", "solved": "Решено", "explained": "Разъяснено",
                   "refused": "Отказано", "solved_share": "Доля решено", "explained_share": "Доля разъяснено"}
    result_formats = {"Месяц": MONTH, "Доля решено": PCT, "Доля разъяснено": PCT}
    monthly_chart(charts.results_trend, results, pale="столбцы")
    table(results.rename({"month": "Месяц"} | result_cols), "решено_разъяснено_по_месяцам",
          column_config=result_formats)
    st.markdown("**По исполнителям** (сначала — с наименьшей долей «решено»)")
    by_exec = q("satisfaction_results_by_executor", **flt.params(), as_of=flt.as_of)
    table(by_exec.rename({"executor": "Исполнитель"} | result_cols), "решено_разъяснено_по_исполнителям",
          column_config=result_formats, wrap=["Исполнитель"])

st.subheader("Повторные обращения")
st.caption("Повторное — отмечено источником как повторное, или по тому же населённому пункту и подтеме (и адресу, "
           "если он указан) уже было обращение за предыдущие 90 дней.")
repeats = q("satisfaction_repeat_trend", **flt.params())
monthly_chart(charts.repeat_trend, repeats, pale="точки")
table(repeats.rename({"month": "Месяц", "appeals": "Обращений", "flagged": "Отмечено источником",
                      "same_problem": "Та же проблема за 90 дней", "repeats": "Повторных",
                      "repeat_share": "Доля повторных"}), "повторные_обращения",
      column_config={"Месяц": MONTH, "Доля повторных": PCT})
