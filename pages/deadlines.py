"""Сроки: deadline breaches — KPIs vs the previous period, overdue and at-risk lists, breakdowns, aging,
response time by channel and theme (DESIGN.md §4–5)."""
import streamlit as st

from mcu import charts_monitoring as charts
from mcu import filters, fmt
from mcu.scoring import deadline_rules, workday
from mcu.ui import change, empty_state, kpi, kpi_row, period_rows, q, share_value, small_base, table

# The deadline lists: what to act on first (number, how late, whose), then the details.
LIST_HEAD = {"external_id": "Номер", "channel": "Канал"}
LIST_TAIL = {"due_at": "Срок", "received_at": "Поступило", "executor": "Исполнитель", "theme": "Тема",
             "subtheme": "Подтема", "settlement": "Населённый пункт", "extended": "Продлено"}
PCT = st.column_config.NumberColumn(format="percent")
# Long executor names and subthemes cut in the grid (whole in the files), so a list fits 1440 px.
LIST_WIDTHS = {"Исполнитель": st.column_config.Column(width=120), "Подтема": st.column_config.Column(width=100),
               "Тема": st.column_config.Column(width=95), "Населённый пункт": st.column_config.Column(width=95)}
# Overdue since the due day itself (0 whole working days): «< 1», not a «0» that reads as «not late».
OVERDUE_WORDS = {"Просрочка, раб. дн.": {0: "< 1"}}
DEC = st.column_config.NumberColumn(format="localized")  # the browser's locale: «3,5» in a Russian browser

flt = filters.page("Сроки", "Состояние на конец дня {as_of}; предыдущий период — на его последний день.")

kpis = q("deadlines_kpis", **flt.compare_params(), as_of=flt.as_of)
cur, prev = period_rows(kpis, flt)

c = kpi_row(5)
kpi(c[0], "Открыто", fmt.num(cur["open"]), change(cur["open"], prev["open"]), inverse=True,
    help="Обращения периода без ответа (кроме отклонённых модерацией)")
kpi(c[1], "Просрочено без ответа", fmt.num(cur["overdue_open"]), change(cur["overdue_open"], prev["overdue_open"]),
    inverse=True, help="Нет ответа, а срок уже истёк. «Просрочено» на «Обзоре» — доля всех просроченных: "
                       "и без ответа, и с ответом позже срока")
kpi(c[2], "Ответ позже срока", fmt.num(cur["answered_late"]),
    change(cur["answered_late"], prev["answered_late"]), inverse=True, help="Ответ дан позже срока")
kpi(c[3], "Под угрозой", fmt.num(cur["at_risk"]), change(cur["at_risk"], prev["at_risk"]), inverse=True,
    help="Нет ответа, срок истекает в ближайшие 2 рабочих дня")
kpi(c[4], "В срок", share_value(cur["on_time_share"], cur["decided"]),
    None if small_base(cur["decided"], prev["decided"]) else change(cur["on_time_share"], prev["on_time_share"], share=True),
    help=f"Ответ не позже срока среди обращений, по которым исход ясен (есть ответ или срок истёк): "
         f"{fmt.num(cur['on_time'])} из {fmt.num(cur['decided'])}")

if not cur["appeals"]:
    empty_state()
    st.stop()

with st.expander("Как считаются сроки"):
    st.markdown("Срок берётся из выгрузки, если он там указан; иначе — по правилам канала и производственному "
                "календарю (правила задаёт администратор в справочнике сроков):")
    st.markdown("\n".join(f"- {line}" for line in deadline_rules()))
    st.markdown("Просрочка и остаток считаются в рабочих днях; возраст открытых обращений — в календарных днях "
                "от поступления.")

lists, breakdown, aging, response = st.tabs(["Просроченные и под угрозой", "По исполнителям и темам",
                                             "Возраст открытых", "Время ответа"])
# list -> (heading, its own column and label, message when empty, file name)
LISTS = {
    "overdue_open": ("Просрочено без ответа", "overdue_work_days", "Просрочка, раб. дн.",
                     "Просроченных обращений без ответа нет.", "просрочено_без_ответа"),
    "at_risk": ("Под угрозой: срок в ближайшие 2 рабочих дня", "work_days_left", "Осталось раб. дн.",
                "Обращений со сроком в ближайшие 2 рабочих дня нет.", "под_угрозой"),
}
with lists:
    for kind, (heading, col, label, none, file_name) in LISTS.items():
        st.subheader(heading)
        items = q("deadlines_items", **flt.params(), as_of=flt.as_of, list=kind, executor=None)
        if items.is_empty():
            st.success(none, icon=":material/check_circle:")
        else:
            table(items.select(*LIST_HEAD, col, *LIST_TAIL).rename(LIST_HEAD | {col: label} | LIST_TAIL), file_name,
                  labels=OVERDUE_WORDS, column_config=LIST_WIDTHS)

with breakdown:
    dim = st.segmented_control("Разрез", ["executor", "theme"], key="dl_dim", default="executor",
                               format_func={"executor": "Исполнители", "theme": "Темы"}.get) or "executor"
    by = q("deadlines_breakdown", **flt.params(), as_of=flt.as_of, dim=dim)
    title = "Нарушения сроков по исполнителям" if dim == "executor" else "Нарушения сроков по темам"
    st.plotly_chart(charts.breakdown_bars(by, title), width="stretch")
    table(by.rename({"grp": "Исполнитель" if dim == "executor" else "Тема", "appeals": "Обращений",
                     "open": "Открыто", "overdue_open": "Просрочено без ответа", "at_risk": "Под угрозой",
                     "answered_late": "Ответ позже срока", "on_time_share": "В срок"}),
          "сроки_по_исполнителям" if dim == "executor" else "сроки_по_темам", column_config={"В срок": PCT})

with aging:
    ages = q("deadlines_aging", **flt.params(), as_of=flt.as_of)
    if not ages["open"].sum():
        st.success("Открытых обращений нет.", icon=":material/check_circle:")
    else:
        st.plotly_chart(charts.aging_bars(ages), width="stretch")
        table(ages.rename({"bucket": "Возраст", "open": "Открыто", "overdue_open": "Из них просрочено"}),
              "возраст_открытых")

with response:
    st.caption("Медиана и 90-й процентиль времени ответа: для Инцидент Менеджмента — в рабочих часах "
               "(первый ответ), для остальных каналов — в рабочих днях после дня поступления.")
    times = q("deadlines_response", **flt.params(), as_of=flt.as_of, **workday())
    if times.is_empty():
        empty_state("За период нет отвеченных обращений.")
    else:
        table(times.rename({"channel": "Канал", "theme": "Тема", "unit": "Единица", "answered": "Отвечено",
                            "median": "Медиана", "p90": "90-й процентиль"}), "время_ответа",
              column_config={"Медиана": DEC, "90-й процентиль": DEC})
