"""Тепловая карта МЦУ: page config, the shared sidebar filters, navigation. Nothing else lives here."""
import streamlit as st

from mcu import filters, periods, slides, ui
from mcu.settings import ROOT

# The favicon is a local file: a :material/…: icon (ours or a page's) is fetched from fonts.gstatic.com.
st.set_page_config(page_title="Тепловая карта МЦУ", page_icon=str(ROOT / "mcu" / "assets" / "favicon.png"), layout="wide")

PAGES = {
    "Аналитика": [
        st.Page("pages/overview.py", title="Обзор", icon=":material/dashboard:", default=True),
        st.Page("pages/heatmap.py", title="Тепловая карта", icon=":material/grid_on:"),
        st.Page("pages/deadlines.py", title="Сроки", icon=":material/schedule:"),
        st.Page("pages/satisfaction.py", title="Удовлетворённость", icon=":material/sentiment_satisfied:"),
        st.Page("pages/executors.py", title="Исполнители", icon=":material/groups:"),
        st.Page("pages/problems.py", title="Проблемные точки", icon=":material/crisis_alert:"),
    ],
    "Совещание": [
        st.Page("pages/meeting.py", title="Режим совещания", icon=":material/co_present:", url_path="meeting"),
        st.Page("pages/note.py", title="Аналитическая записка", icon=":material/description:", url_path="note"),
    ],
    "Данные": [
        st.Page("pages/upload.py", title="Загрузка данных", icon=":material/upload:"),
    ],
}

ui.russian_chrome()
nav = st.navigation(PAGES)
if nav.url_path == "meeting":
    slides.read_url()  # the meeting screen's own link settings, before the filters rewrite the URL
if nav.url_path == "note":
    periods.read_note_url()  # the note's period, the same way
filters.render()
nav.run()
