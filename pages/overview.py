"""Обзор: the period's KPIs against the previous period, the monthly trend, top themes and settlements."""
import streamlit as st

from mcu import charts, filters, fmt
from mcu.growth import growth_section
from mcu.ui import change, downloads, empty_state, kpi, kpi_row, period_rows, q, share_value, small_base, table

# territory level -> (query, chart title, column title, download name)
LEVELS = {"settlement": ("top_settlements", "Населённые пункты", "Населённый пункт", "топ_населённых_пунктов"),
          "municipality": ("top_municipalities", "Муниципалитеты", "Муниципалитет", "топ_муниципалитетов")}

# Up to a month («Неделя», «Месяц») the trend is drawn by day: by month it was one pale bar.
DAILY_TREND_DAYS = 31

flt = filters.page("Обзор")

kpis = q("overview_kpis", **flt.compare_params(), as_of=flt.as_of)
cur, prev, year_ago = period_rows(kpis, flt)
if not flt.has_year_ago:
    year_ago = dict.fromkeys(year_ago)

c = kpi_row(6)
kpi(c[0], "Обращений", fmt.num(cur["total"]), change(cur["total"], prev["total"]), neutral=True,
    help="Изменение — к предыдущему периоду той же длины: "
         + (fmt.DASH if prev["total"] is None else fmt.count(prev["total"], "обращение", "обращения", "обращений")))
kpi(c[1], "Просрочено", share_value(cur["overdue_share"], cur["with_deadline"]),
    None if small_base(cur["with_deadline"], prev["with_deadline"]) else change(cur["overdue_share"], prev["overdue_share"], share=True),
    help=f"Ответ позже срока или нет ответа после срока: {fmt.num(cur['overdue'])} из {fmt.num(cur['with_deadline'])}",
    inverse=True)
kpi(c[2], "Медиана ответа", fmt.num(cur["median_response_days"], 1, " дн."),
    change(cur["median_response_days"], prev["median_response_days"], 1) if prev["median_response_days"] else None,
    help="Календарные дни от поступления до ответа по существу (для ИМ — до первого ответа)", inverse=True)
kpi(c[3], "Довольны", share_value(cur["satisfied_share"], cur["rated"]),
    None if small_base(cur["rated"], prev["rated"]) else change(cur["satisfied_share"], prev["satisfied_share"], share=True),
    help=f"Доля довольных среди оценивших: оценок {fmt.num(cur['rated'])}")
kpi(c[4], "Решено", share_value(cur["solved_share"], cur["solvable_answered"]),
    None if small_base(cur["solvable_answered"], prev["solvable_answered"])
    else change(cur["solved_share"], prev["solved_share"], share=True),
    help=f"«Решено» среди отвеченных решаемых: {fmt.num(cur['solvable_answered'])}")
kpi(c[5], "Год назад", fmt.num(year_ago["total"]), change(cur["total"], year_ago["total"]), neutral=True,
    help="Те же даты годом раньше; изменение — текущего периода к ним")

if not cur["total"]:
    # An export whose appeals all came before the period (the default week after a late answer): say when.
    last = q("last_received", **flt.scope_params())["last_day"][0]
    if last:
        empty_state(f"За выбранный период обращений не поступало; последнее поступило {fmt.date(last)}. "
                    "Выберите период «Всё время» или другой в боковой панели.")
    else:
        empty_state()
    st.stop()

summary, factors = st.tabs(["Динамика и лидеры", "Факторы роста"])
with factors:
    growth_section(flt)

with summary:
    st.subheader("Динамика по каналам")
    if flt.days <= DAILY_TREND_DAYS:
        trend = q("trend_by_source_daily", **flt.params())
        st.plotly_chart(charts.trend_by_day(trend, flt.date_from, flt.date_to), width="stretch")
        downloads(trend.drop("color").rename({"day": "День", "channel": "Канал", "appeals": "Обращений"}),
                  "динамика_по_каналам")
    else:
        trend = q("trend_by_source", **flt.params())
        st.plotly_chart(charts.trend_by_source(trend), width="stretch")
        if trend["partial"].any():
            st.caption(charts.PARTIAL_NOTE.format("столбцы"))
        # The month as the tables write it, «08.2026», not its first day.
        downloads(trend.drop("color", "partial").rename({"month": "Месяц", "channel": "Канал", "appeals": "Обращений"}),
                  "динамика_по_каналам", dates={"Месяц": "%m.%Y"})

    # Without a previous period in the data there is nothing to compare with: no «+3 349» against zero.
    no_previous = [] if flt.has_previous else ["prev_appeals", "change"]
    left, right = st.columns(2)
    with left:
        themes = q("top_themes", **flt.compare_params(), limit=10).drop(*no_previous)
        st.plotly_chart(charts.ranked_bars(themes, "theme", "appeals", "Темы"), width="stretch")
        shown_themes = themes.rename({"theme": "Тема", "appeals": "Обращений", "prev_appeals": "Пред. период",
                                      "change": "Изменение", "share": "Доля"}, strict=False)
        # The previous period's count is in the files only: with it, half of a 1280-px screen cut the last column off.
        table(shown_themes.drop("Пред. период", strict=False), "топ_тем", download=shown_themes,
              column_config={"Доля": st.column_config.NumberColumn(format="percent")}, signed=["Изменение"])
    with right:
        # The leaders by settlement or one territory level up, by municipality (DESIGN.md §4).
        level = st.segmented_control("Территории", list(LEVELS), format_func=lambda k: LEVELS[k][1], key="ov_level",
                                     default="settlement") or "settlement"
        query, title, column, file = LEVELS[level]
        places = q(query, **flt.compare_params(), limit=10).drop(*no_previous)
        st.plotly_chart(charts.ranked_bars(places, level, "appeals", title), width="stretch")
        shown_places = places.rename({level: column, "appeals": "Обращений", "prev_appeals": "Пред. период",
                                      "change": "Изменение", "per_1000": "На 1 000 жит."}, strict=False)
        table(shown_places.drop("Пред. период", strict=False), file, download=shown_places, signed=["Изменение"])
