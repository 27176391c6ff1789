"""Аналитическая записка: the weekly note for the head — pick the week (or take the sidebar's period), read it
here with its charts, download it as DOCX (to edit) or PDF."""
import re

import streamlit as st

from mcu import filters
from mcu.periods import mondays, note_week, week_filters, week_label, week_notice, week_option
from mcu.query import db_version
from mcu.ui import empty_state, q
from report.documents import to_docx, to_pdf
from report.note import NoData, build

MODES = {"week": "Календарная неделя", "sidebar": "Период боковой панели"}
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>#|~$])")


def _md(text: str) -> str:
    """The note's plain text shown as such: markdown's special characters escaped."""
    return _MARKDOWN.sub(r"\\\1", text)


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    line = lambda cells: "| " + " | ".join(_md(str(c)).replace("\n", " ") for c in cells) + " |"
    return "\n".join([line(header), "|" + "---|" * len(header), *(line(r) for r in rows)])


@st.cache_data(show_spinner="Составляю записку…", max_entries=32)
def _note(flt, version: int):
    return build(flt)


st.title("Аналитическая записка")
flt = filters.current()
if flt is None:
    empty_state("В базе пока нет обращений. Загрузите выгрузку на странице «Загрузка данных».")
    st.stop()
bounds = q("data_bounds").row(0, named=True)
left, right = st.columns([5, 6])   # the two modes whole at 1280 px ([1, 2] cut «Период боковой панели»)
ss = st.session_state
# Defaults through the session state (the link's choice, read by periods.read_note_url, is there already).
ss.setdefault("note_mode", "week")
mode = left.segmented_control("Период записки", list(MODES), format_func=MODES.get, key="note_mode") or "week"
# The view in the URL, so a reload or a sent link opens the same note; the filters rewrote the URL this run.
st.query_params["note"] = mode
if mode == "week":
    weeks = mondays(bounds["first_day"], bounds["last_day"])
    # The week the meeting screen shows too (note_week); a week still running is offered but not chosen first.
    if ss.get("note_week") not in weeks:
        ss["note_week"] = note_week(bounds["first_day"], bounds["last_day"])
    if (asked := ss.pop("note_week_link", None)) is not None:
        # Said while the week shown is the one put in place of the link's.
        ss["note_week_notice"] = (week_notice(asked, weeks, bounds["first_day"], bounds["last_day"], ss["note_week"]),
                                  ss["note_week"])
    monday = right.selectbox("Неделя", weeks, key="note_week",
                             format_func=lambda w: week_option(w, bounds["last_day"], bounds["first_day"]))
    if (notice := ss.get("note_week_notice", (None, None)))[0] and notice[1] == monday:
        st.warning(notice[0], icon=":material/event_busy:")
    flt = week_filters(flt, monday, bounds["last_day"])
    name = f"записка_{monday:%G}_неделя_{monday:%V}"   # not the link's «2026-W47»: Russian
    # The filters too, as a table's file names them (filters.scope_words): the ЖКХ note was named as the whole one.
    name += "_" + words if (words := filters.scope_words(flt, ss.get("filter_labels", {}))) else ""
    st.query_params["week"] = week_label(monday)
else:
    right.caption("Период и фильтры — как на боковой панели.")
    filters.period_notice(flt)
    name = f"записка_{filters.download_scope(flt, ss.get('filter_labels', {}))['suffix']}"
    st.query_params.pop("week", None)
st.caption("Муниципалитет, канал, тема, населённый пункт и исполнитель берутся с боковой панели.")

try:
    note = _note(flt, db_version())
except NoData as e:
    empty_state(str(e))
    st.stop()

row = st.container(horizontal=True, gap="small")
row.download_button("Скачать DOCX", data=lambda: to_docx(note), file_name=f"{name}.docx", key="note_docx",
                    mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    icon=":material/download:", on_click="ignore")
row.download_button("Скачать PDF", data=lambda: to_pdf(note), file_name=f"{name}.pdf", key="note_pdf",
                    mime="application/pdf", icon=":material/download:", on_click="ignore")

with st.container(border=True):
    st.header(note.title)
    st.markdown("  \n".join(_md(line) for line in note.lines))
    for section in note.sections:
        st.subheader(section.title)
        for text in section.paragraphs:
            st.markdown(_md(text))
        if section.bullets:
            st.markdown("\n".join(f"- {_md(text)}" for text in section.bullets))
        if section.table:
            # A table of the document as the document shows it: cells wrap (a grid cut «Почему» at its edge).
            st.markdown(_md_table(section.table.header, section.table.rows))
        if section.chart:
            st.image(section.chart, caption=section.chart_title)
