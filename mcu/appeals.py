"""The list of appeals as every page shows it: one set of column names, a grid narrow enough for 1440 px with
every row of its page visible, and the card of the appeal a curator clicks (the whole masked text, dates,
status, executor, result, rating, the source's own columns), in a dialog over the page."""
import hashlib
import json
from collections.abc import Callable

import polars as pl
import streamlit as st

from mcu import fmt
from mcu.ui import md, shown_date, table

COLUMNS = {"received": "Поступило", "channel": "Канал", "number": "Номер", "theme": "Тема", "subtheme": "Подтема",
           "settlement": "Населённый пункт", "address": "Адрес", "executor": "Исполнитель", "status": "Статус",
           "due": "Срок", "answered": "Ответ", "overdue": "Просрочено", "result": "Результат", "rating": "Оценка",
           "satisfied": "Доволен", "text": "Текст", "extra": "Прочие столбцы выгрузки"}
# The grid's columns, narrow enough to fit 1440 px; address, answer date, result and «доволен» are on the card
# (a click on the row) and in the files.
GRID_HIDDEN = ("address", "answered", "result", "satisfied")
LIST_WIDTHS = {
    "Поступило": st.column_config.Column(width=118), "Канал": st.column_config.Column(width=60),
    "Номер": st.column_config.Column(width=85), "Тема": st.column_config.Column(width=85),
    "Подтема": st.column_config.Column(width=100), "Населённый пункт": st.column_config.Column(width=100),
    "Исполнитель": st.column_config.Column(width=95), "Статус": st.column_config.Column(width=75),
    "Срок": st.column_config.Column(width=118), "Просрочено": st.column_config.Column(width=50),
    "Оценка": st.column_config.Column(width=50), "Текст": st.column_config.Column(width=80),
}


def appeal_card(row: dict) -> None:
    """The appeal a curator clicked in the list: the whole (masked) text, dates, status, executor, result,
    rating and the source's own columns."""
    with st.container(border=True):
        st.markdown(f"**Обращение {md(row['number'] or '—')}** · {md(row['channel'])} · {md(row['status'] or '—')}")
        facts = {
            "Поступило": fmt.date(row["received"]) + (row["received"].strftime(" %H:%M") if row["received"] else ""),
            "Срок": fmt.date(row["due"]), "Ответ": fmt.date(row["answered"]),
            "Просрочено": {True: "да", False: "нет"}.get(row["overdue"], fmt.DASH),
            "Тема": row["theme"], "Подтема": row["subtheme"], "Населённый пункт": row["settlement"],
            "Адрес": row["address"], "Исполнитель": row["executor"], "Результат": row["result"],
            "Оценка": fmt.num(row["rating"]) if row["rating"] is not None else None,
            "Доволен": {True: "да", False: "нет"}.get(row["satisfied"]),
        }
        st.markdown("  \n".join(f"{k}: **{md(v if v not in (None, '') else fmt.DASH)}**" for k, v in facts.items()))
        st.markdown("**Текст обращения**")
        st.markdown(md(row["text"] or fmt.DASH))
        extra = json.loads(row["extra"]) if row.get("extra") else {}
        if extra:
            st.markdown("**Прочие столбцы выгрузки**")
            # The export's own dates came as ISO text («2025-12-25 14:59:52»): in the Russian format, as the facts above.
            st.markdown("  \n".join(f"{md(k)}: {md(fmt.DASH if v in (None, '') else shown_date(v))}"
                                     for k, v in extra.items()))


def appeal_list(rows: pl.DataFrame, name: str, key: str, download: pl.DataFrame | Callable | None = None) -> None:
    """The grid of `rows` (queries/appeals_list.sql's columns) with its downloads (`download`: the whole list
    when the grid is one page of it) and the card of the row clicked, in a dialog. Every row is shown, no inner
    scroll: a page of the list is short. The source's own unmapped columns (JSON) go to the files and the card
    only: too wide for the grid."""
    grid = rows.drop("extra", *GRID_HIDDEN, strict=False).rename(COLUMNS, strict=False)
    # The grid's selection is kept by its key whatever the data: a key of the rows shown, so a row picked in
    # one list (another point, page or filter) never opens the card of whatever row now has its place. A closed
    # card counts too: its row stays ticked otherwise, and the next run of the page would open it again.
    shown = hashlib.sha1("\x1f".join(map(str, rows["number"].to_list())).encode()).hexdigest()[:12]
    closed = st.session_state.get(f"{key}_closed", 0)
    picked = table(grid, name, download=rows.rename(COLUMNS, strict=False) if download is None else download,
                   column_config=LIST_WIDTHS, height=35 * (rows.height + 1) + 3, key=f"{key}_{shown}_{closed}",
                   download_key=key, on_select="rerun", selection_mode="single-row")
    chosen = [i for i in picked.selection.rows if i < rows.height]
    if chosen:
        # A dialog, not a block under the grid: under 50 rows the card opened some 2 600 px below the row
        # ticked, out of sight at 1280×720 (a tester's finding); the dialog opens in view wherever the grid is.
        def close() -> None:
            st.session_state[f"{key}_closed"] = closed + 1

        st.dialog("Карточка обращения", width="large", on_dismiss=close)(appeal_card)(rows.row(chosen[0], named=True))
