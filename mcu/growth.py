"""Growth factors (seeds 000/004: "identify the causes and factors of growth"): which themes, settlements or
theme × settlement cells drove the change in the number of appeals against the previous period."""
import polars as pl
import streamlit as st

from mcu import charts_monitoring as charts
from mcu import fmt
from mcu.ui import empty_state, q, table

DIMS = {"theme": "Темы", "settlement": "Населённые пункты", "cell": "Тема × населённый пункт"}
FILE_WORDS = {"theme": "по_темам", "settlement": "по_пунктам", "cell": "по_темам_и_пунктам"}  # file names
ITEM_LABEL = {"theme": "Тема", "settlement": "Населённый пункт", "cell": "Тема · населённый пункт"}
CHART_ITEMS = 10


def gross_shares(full: pl.DataFrame) -> pl.DataFrame:
    """Each row's part of the gross change (the sum of the changes' absolute values) as `share_of_change`:
    within ±100 %, so a total change of +16 made of +74 and −58 reads as 56 % and −44 %, not as 462 % and
    −362 % of the net change."""
    gross = full["change"].abs().sum()
    return full.with_columns(share_of_change=pl.col("change") / gross if gross else pl.lit(None, pl.Float64))


def growth_section(flt) -> None:
    """Render the section for the current filters: a one-line answer, a waterfall and the full table."""
    if not flt.has_previous:
        empty_state("Предыдущего периода такой же длины в данных нет: факторы роста не с чем сравнить. "
                    "Выберите более поздний или более короткий период.")
        return
    dim = st.segmented_control("Разложить по", list(DIMS), format_func=DIMS.get, key="growth_dim",
                               default="theme") or "theme"
    top = q("growth_factors", **flt.compare_params(), dim=dim, top=CHART_ITEMS)
    if top.is_empty():
        empty_state()
        return
    total, prev = top["total"][0], top["total_prev"][0]
    diff = total - prev
    rate = f" ({fmt.minus(fmt.signed(diff / prev * 100, 1, ' %'))})" if prev else ""
    st.markdown(f"Обращений: **{fmt.num(total)}** против **{fmt.num(prev)}** в предыдущем периоде — "
                f"изменение **{fmt.minus(fmt.signed(diff)) or '0'}**{rate}.")
    st.plotly_chart(charts.growth_waterfall(top), width="stretch")
    st.caption(f"Крупнейшие по модулю изменения ({CHART_ITEMS}); остальные сложены в одну колонку. «Вклад» — "
               "изменение в процентах от числа обращений предыдущего периода: вклады складываются в общий "
               "прирост. «Доля валового изменения» — часть суммы всех изменений по модулю (рост и снижение "
               "вместе), приходящаяся на строку: доли по модулю складываются в 100 %. «Прирост» пуст, если в "
               "предыдущем периоде обращений не было.")
    full = q("growth_factors", **flt.compare_params(), dim=dim, top=None)
    full = gross_shares(full)
    table(full.drop("total_prev", "total").rename({
        "item": ITEM_LABEL[dim], "appeals": "Обращений", "prev_appeals": "Пред. период", "change": "Изменение",
        "growth": "Прирост", "contribution": "Вклад в прирост", "share_of_change": "Доля валового изменения"}),
        f"факторы_роста_{FILE_WORDS[dim]}",
        column_config={c: st.column_config.NumberColumn(format="percent")
                       for c in ("Прирост", "Вклад в прирост", "Доля валового изменения")},
        signed=["Изменение", "Прирост", "Вклад в прирост", "Доля валового изменения"], wrap=[ITEM_LABEL[dim]])
