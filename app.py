"""Тепловая карта МЦУ: page config, the shared sidebar filters, navigation. Nothing else lives here."""
import streamlit as st

from mcu import filters
from mcu.settings import ROOT

# A local image: a :material/…: icon made Chromium fetch the favicon from fonts.gstatic.com (offline: an error).
st.set_page_config(page_title="Тепловая карта МЦУ", page_icon=str(ROOT / "mcu" / "icon.png"), layout="wide")

PAGES = {
    "Аналитика": [
        st.Page("pages/overview.py", title="Обзор", icon=":material/dashboard:", default=True),
        st.Page("pages/heatmap.py", title="Тепловая карта", icon=":material/grid_on:"),
        st.Page("pages/deadlines.py", title="Сроки", icon=":material/schedule:"),
        st.Page("pages/satisfaction.py", title="Удовлетворённость", icon=":material/sentiment_satisfied:"),
        st.Page("pages/executors.py", title="Исполнители", icon=":material/groups:"),
    ],
    "Данные": [
        st.Page("pages/upload.py", title="Загрузка данных", icon=":material/upload:"),
    ],
}

nav = st.navigation(PAGES)
filters.render()
nav.run()
