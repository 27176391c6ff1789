"""Режим совещания: one slide at a time on the meeting-room screen, read-only, no sidebar or menus.

Opened by its own link with the filters of the link (…/meeting?period=week&interval=30; a week is the analytic
note's week, slides.meeting_filters); advances every
`interval` seconds, pauses and steps by click or keyboard (Space, ←, →); redraws itself after a new load.
"""
import time

import streamlit as st

from mcu import filters, fmt, slides
from mcu.query import db_version

st.html(slides.CSS)
flt = filters.current()
if flt is None:
    st.html('<div class="mt-slide"><div class="mt-pending">В базе пока нет обращений.</div></div>')
    st.stop()
flt = slides.meeting_filters(flt, st.session_state.get("f_period"))
filters.period_notice(flt)  # the link's period outside the data: said here as on every other page
filters.filter_notice()      # and its filter values the data has not

interval = st.session_state.get("mt_interval", slides.DEFAULT_INTERVAL)
if interval != slides.DEFAULT_INTERVAL:
    st.query_params["interval"] = str(interval)  # the filters rewrote the URL: keep the link's setting in it
st.session_state["mt_version"] = db_version()


def _click(step: int = 0, pause: bool = False) -> None:
    ss = st.session_state
    ss["mt_index"] = ss.get("mt_index", 0) + step
    if pause:
        ss["mt_paused"] = not ss.get("mt_paused", False)
    ss["mt_clicked"] = True


@st.fragment(run_every=interval)
def show() -> None:
    ss = st.session_state
    if db_version() != ss["mt_version"]:
        st.rerun()  # a new load: from the top, so the period follows the new data
    now = time.monotonic()
    clicked = ss.pop("mt_clicked", False)
    # A timer tick advances; one that comes right after a click does not skip the slide just chosen.
    tick = "mt_shown" in ss and not clicked and not ss.get("mt_paused") and now - ss["mt_shown"] >= interval / 2
    if tick:
        ss["mt_index"] = ss.get("mt_index", 0) + 1
    if tick or clicked or "mt_shown" not in ss:
        ss["mt_shown"] = now
    index = ss.get("mt_index", 0) % len(slides.SLIDES)
    slide = slides.SLIDES[index]

    html, chart = slides.slide_html(slide, flt, index + 1, len(slides.SLIDES))
    st.html(html)
    if chart is not None:
        deck, legends, key = chart
        # The map takes the screen's height (the container's, in the slide's units), its list beside it.
        with st.container(horizontal=True, key="mt_map", gap="small"):
            st.pydeck_chart(deck, height="stretch")
            st.html(key)
        st.html(slides.legend_html(legends))
    bar = st.container(horizontal=True, gap="medium", vertical_alignment="center", key="mt_controls")
    bar.button("Назад", key="mt_prev", shortcut="Left", on_click=_click, kwargs={"step": -1})
    bar.button("Продолжить" if ss.get("mt_paused") else "Пауза", key="mt_pause", shortcut="Space",
               on_click=_click, kwargs={"pause": True})
    bar.button("Далее", key="mt_next", shortcut="Right", on_click=_click, kwargs={"step": 1})
    state = "Пауза" if ss.get("mt_paused") else f"Смена слайда каждые {fmt.num(interval)} с"
    bar.markdown(f"{state} · клавиши: ← → и пробел · данные на {fmt.date(flt.as_of)}")


show()
