"""The decision layer read as one (a tester's findings on the demo): the problem points' action, shares and counts,
the vote mark, the note's and the meeting screen's periods say the same thing on the page, in the files, in the
note and on the slides."""
import datetime as dt

import duckdb
import polars as pl
import pytest
from conftest import APP
from streamlit.testing.v1 import AppTest
from test_meeting import open_meeting, slide
from test_problems import QUARTER, SETTINGS, shown_text

from mcu import slides
from mcu import problems as pp
from mcu.periods import filters_for, iso_week, week_filters
from mcu.query import run_query
from report.note import build, count_change, share_change

YEAR = QUARTER | {"date_from": dt.date(2025, 11, 26)}


# --- 1. a point voted on recently: check the decision, everywhere ----------------------------------------------

RECHECK = "Не выносить вопрос на новое голосование (недавно голосовали 10.08.2026), а проверить, как выполняется его решение"


def test_the_roadmap_does_not_propose_a_vote_just_held(demo_db):
    """The roadmap proposed «Вынести на голосование вопрос «Какую проблему ЖКХ в с. Кызлас решить в первую очередь?»»
    for Кызлас — ЖКХ, voted on 10.08.2026, while the note said not to: one rule for the roadmap, note and slides."""
    pts = run_query("problem_points", db=demo_db, **QUARTER, **SETTINGS.params("theme"))
    plan = pp.roadmap(pts, 91, QUARTER["date_to"], SETTINGS)
    todo = dict(zip(plan["Населённый пункт"] + " — " + plan["Тема"], plan["Что сделать"]))
    assert todo["Кызлас — ЖКХ"] == RECHECK
    assert todo["Усть-Камышта — Дороги"] == RECHECK.replace("10.08.2026", "01.06.2026")
    # Voted on long ago (21.09.2025): a new vote is proposed.
    assert todo["Бирикчуль — ТКО (мусор)"] == (
        "Вынести на голосование вопрос «Где в с. Бирикчуль нужна новая контейнерная площадка или другой график вывоза "
        "мусора?» или включить работы в план")


def test_the_vote_draft_does_not_draft_a_question_just_voted_on(demo_db):
    """The downloaded draft of vote questions still proposed «Какую проблему ЖКХ в с. Кызлас решить в первую
    очередь?» for a point voted on 10.08.2026, while the page, the roadmap and the note said not to put it again."""
    pts = run_query("problem_points", db=demo_db, **QUARTER, **SETTINGS.params("theme"))
    draft = pp.vote_draft(pts, 91, SETTINGS)
    asked = dict(zip(draft["Населённый пункт"] + " — " + draft["Тема"], draft["Вопрос для голосования"]))
    assert asked["Кызлас — ЖКХ"] == RECHECK
    assert asked["Усть-Камышта — Дороги"] == RECHECK.replace("10.08.2026", "01.06.2026")
    assert asked["Бирикчуль — ТКО (мусор)"] == (
        "Где в с. Бирикчуль нужна новая контейнерная площадка или другой график вывоза мусора?")


def test_the_problems_slide_says_to_check_the_decision(demo_db, monkeypatch):
    at = open_meeting(demo_db, monkeypatch, period="quarter", interval="600")
    for _ in range(2):
        at.button(key="mt_next").click().run()
    key, text = slide(at)
    assert key == "problems"
    assert f"2. Кызлас · ЖКХ недавно голосовали 10.08.2026 " in text
    assert RECHECK + "." in text
    assert text.count("Не выносить вопрос") == 2   # Кызлас and Усть-Камышта; not Бирикчуль (21.09.2025)


# --- 2. one minimum of ratings for «Довольны» ------------------------------------------------------------------

def test_satisfied_share_needs_the_minimum_of_ratings_on_screen_and_in_the_roadmap(demo_db, open_app):
    """«Довольны» 100,0 % from 2 ratings on the screen while the files said «—» (min_base = 5 in
    problem_points.toml): the screen, the files and the roadmap take the one rule."""
    at = open_app(demo_db, "pages/problems.py", period="year")
    rows = {r["Населённый пункт"] + " — " + r["Тема"]: r for r in shown_text(at.dataframe[0])}
    assert rows["Полтаков — Культура"]["Довольны"] == "—"          # 2 ratings
    assert rows["Бискамжа — Экология"]["Довольны"] == "80,0\u00a0%"  # 5 ratings
    # 3. the roadmap's cut list says so, too
    assert any(m.value.startswith("Проект «дорожной карты» по первым 5 из 24 точек:") for m in at.markdown)
    pts = run_query("problem_points", db=demo_db, **YEAR, **SETTINGS.params("theme"))
    few = pts.filter((pl.col("settlement") == "Полтаков") & (pl.col("theme") == "Культура"))
    track = pp.roadmap(few, 365, YEAR["date_to"], SETTINGS)["Что отслеживать"][0]
    assert track == ("обращений за год: 8 (цель — не больше 2,0 обращений за год); повторных: 12\u00a0% из 8; "
                     "оценок: 2 — долю довольных считаем от 5; с нарушением срока: 0\u00a0% из 8 со сроком")


# --- 3. a cut list says so --------------------------------------------------------------------------------------

def test_a_cut_list_of_points_says_how_many_were_found(demo_db, monkeypatch):
    flt = filters_for(YEAR["date_from"], YEAR["date_to"], db=demo_db)
    note = build(flt, db=demo_db)
    section = next(s for s in note.sections if s.key == "problems")
    assert section.paragraphs == ["Сочетания населённого пункта и темы с нагрузкой выше ожидаемой — кандидаты для "
                                  "голосования. Найдено 24 точки; первые 5 (все — на странице «Проблемные точки»):"]
    assert len(section.table.rows) == 5
    at = open_meeting(demo_db, monkeypatch, period="quarter", interval="600")
    for _ in range(2):
        at.button(key="mt_next").click().run()
    assert "Найдено 5 точек; первые 3 (все — на странице «Проблемные точки»)" in slide(at)[1]


# --- 4. a week not yet over -------------------------------------------------------------------------------------

def test_a_running_week_is_cut_to_the_data_and_compared_with_the_same_days_a_week_before(demo_db):
    """W48 on the demo that ends on Wednesday 25.11: the note compared 23.11–29.11 (three days of data) with the
    whole of 16.11–22.11; then Monday–Wednesday with Friday–Sunday just before (a tester: a weekend's few appeals
    made a fall a rise). The period ends on the data's last day and is compared with the same weekdays a week
    before: Monday–Wednesday with Monday–Wednesday."""
    monday = iso_week("2026-W48")[0]
    flt = week_filters(filters_for(*iso_week("2026-W48"), db=demo_db), monday, dt.date(2026, 11, 25))
    assert (flt.date_from, flt.date_to, flt.as_of, flt.prev_from, flt.prev_to) == (
        dt.date(2026, 11, 23), dt.date(2026, 11, 25), dt.date(2026, 11, 25), dt.date(2026, 11, 16),
        dt.date(2026, 11, 18))
    assert (flt.compare_params()["prev_from"], flt.compare_params()["prev_to"]) == (flt.prev_from, flt.prev_to)
    note = build(flt, db=demo_db)
    assert note.lines[:2] == ["Период: неделя 2026-W48 не закончилась — данные по 25.11.2026: 23.11.2026–25.11.2026 "
                              "(3 дн.)", "Сравнение с теми же днями прошлой недели: 16.11.2026–18.11.2026"]
    kpis = run_query("overview_kpis", db=demo_db, **flt.compare_params(), as_of=flt.as_of)
    cur, prev = kpis["total"][0], kpis["total"][1]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        assert prev == con.execute("SELECT count(*) FROM appeals WHERE received_at >= '2026-11-16' "
                                   "AND received_at < '2026-11-19'").fetchone()[0]
    assert note.sections[0].paragraphs[0].startswith(
        f"Обращений за период: {cur}; за те же дни прошлой недели: {prev}, изменение ")
    # A whole week, and the sidebar's periods, keep the period just before.
    whole = week_filters(filters_for(*iso_week("2026-W47"), db=demo_db), iso_week("2026-W47")[0], dt.date(2026, 11, 25))
    assert (whole.prev_from, whole.prev_to) == (dt.date(2026, 11, 9), dt.date(2026, 11, 15))


def test_the_note_page_offers_the_running_week_as_unfinished(demo_db, open_app):
    at = open_app(demo_db, "pages/note.py")
    box = at.selectbox(key="note_week")
    assert box.options[:2] == ["2026-W48: 23.11.2026–25.11.2026 (неделя не закончилась)",
                               "2026-W47: 16.11.2026–22.11.2026"]
    assert box.value == dt.date(2026, 11, 16)


# --- 5. «Неделя» names one thing ---------------------------------------------------------------------------------

def test_the_sidebars_seven_days_and_the_meetings_week_are_told_apart(demo_db, monkeypatch, open_app):
    at = open_app(demo_db)
    assert at.sidebar.segmented_control(key="f_period").options[0] == "7 дней"
    key, text = slide(open_meeting(demo_db, monkeypatch, interval="30"))
    assert text.startswith("Главное за период неделя 2026-W47: 16.11.2026–22.11.2026 · к 09.11.2026–15.11.2026 ДЕМО")


# --- 6. the meeting with filters that leave nothing -------------------------------------------------------------

def test_meeting_slides_say_there_is_no_data_for_the_filters(demo_db, monkeypatch):
    at = open_meeting(demo_db, monkeypatch, period="month", theme="Дороги", executor="crb", interval="600")
    seen = []
    for _ in slides.SLIDES:
        key, text = slide(at)
        seen.append(key)
        assert text.endswith("За выбранный период и фильтры данных нет. Расширьте период или снимите фильтры."), key
        at.button(key="mt_next").click().run()
    assert seen == [s.key for s in slides.SLIDES]


# --- 7. the note's period in the URL ------------------------------------------------------------------------------

def open_note(db, monkeypatch, **query) -> AppTest:
    """The app opened straight on the note's link, as a reload or a sent link opens it."""
    monkeypatch.setenv("MCU_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page("pages/note.py")
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("week, notice", [
    ("2027-W05", "Неделя 2027-W05 из ссылки вне данных: данные есть с 26.11.2024 по 25.11.2026"),
    ("2026-W99", "Неделя «2026-W99» из ссылки не распознана (нужна ГГГГ-Wнн, например 2026-W47)"),
])
def test_a_notes_week_outside_the_data_says_what_it_shows(demo_db, monkeypatch, week, notice):
    """Future or invalid weeks silently showed W47 (a tester's finding)."""
    at = open_note(demo_db, monkeypatch, note="week", week=week)
    assert at.selectbox(key="note_week").value == dt.date(2026, 11, 16)
    assert [w.value for w in at.warning] == [f"{notice}; показана неделя 2026-W47: 16.11.2026–22.11.2026."]
    at.selectbox(key="note_week").set_value(dt.date(2026, 11, 9)).run()
    assert not at.warning
    assert not open_note(demo_db, monkeypatch, note="week", week="2026-W45").warning


def test_the_datas_first_week_counts_the_days_it_has(demo_db, monkeypatch):
    """The demo starts on Tuesday 26.11.2024: its week 2024-W48 said «(7 дн.)» from Monday 25.11."""
    at = open_note(demo_db, monkeypatch, note="week", week="2024-W48")
    assert at.selectbox(key="note_week").value == dt.date(2024, 11, 25)
    assert "2024-W48: 26.11.2024–01.12.2024" in at.selectbox(key="note_week").options
    assert any("Период: неделя 2024-W48, 26.11.2024–01.12.2024 (6 дн.)" in m.value for m in at.markdown)
    assert not at.warning


def test_the_notes_period_is_kept_in_the_url(demo_db, monkeypatch):
    at = open_note(demo_db, monkeypatch, note="week", week="2026-W46")
    assert at.selectbox(key="note_week").value == dt.date(2026, 11, 9)
    assert any("Период: неделя 2026-W46, 09.11.2026–15.11.2026 (7 дн.)" in m.value for m in at.markdown)
    at.selectbox(key="note_week").set_value(dt.date(2026, 11, 2)).run()
    assert (at.query_params["note"], at.query_params["week"]) == ("week", "2026-W45")
    at.segmented_control(key="note_mode").set_value("sidebar").run()
    assert at.query_params["note"] == "sidebar" and "week" not in at.query_params
    again = open_note(demo_db, monkeypatch, note="sidebar", period="month")
    assert again.segmented_control(key="note_mode").value == "sidebar"


# --- 8. one form of the vote mark ----------------------------------------------------------------------------------

def test_the_vote_mark_has_one_form():
    row = {"vote_id": "Г-1", "vote_started": dt.date(2026, 8, 10), "vote_ended": dt.date(2026, 8, 23),
           "vote_running": False}
    assert pp.vote_mark(row | {"vote_recent": True}) == "недавно голосовали 10.08.2026"
    assert pp.vote_mark(row | {"vote_recent": False}) == "голосовали 10.08.2026"
    assert pp.vote_mark(row | {"vote_recent": True, "vote_running": True}) == "идёт голосование до 23.08.2026"


# --- 9. a year's growth said once --------------------------------------------------------------------------------

def test_a_years_growth_is_said_once(demo_db):
    pts = run_query("problem_points", db=demo_db, **YEAR, **SETTINGS.params("theme"))
    r = pts.filter((pl.col("settlement") == "Кызлас") & (pl.col("theme") == "Безопасность")).row(0, named=True)
    assert pp.explain_point(r, 365, SETTINGS.min_base) == (
        "Кызлас, безопасность: 27 обращений за год при ожидаемых 13 по числу жителей (×2,1); рост в 1,8 раза к "
        "прошлому году; 11\u00a0% повторных; довольны 54\u00a0% (из 13 оценок); с нарушением срока 4\u00a0% "
        "(из 27 со сроком)")


# --- 10. a change from the figures shown -------------------------------------------------------------------------

def test_a_change_is_taken_from_the_figures_shown():
    """Once «6,7 | 6,7 | +0,1 дн.» read as a misprint and the note took the change from the rounded figures; then it
    disagreed with «Обзор» and the meeting screen («−2,1 п.п.» beside their «−2,0»). The change is taken once, from
    the unrounded figures, as every page takes it (mcu.ui.change)."""
    assert count_change(6.74, 6.66, 1) == "+0,1 (+1,2 %)"
    assert count_change(6.76, 6.64, 1) == "+0,1 (+1,8 %)"
    assert share_change(0.70049, 0.69951) == "+0,1 п.п."   # 70,0 % and 70,0 %, as «Обзор» shows it
    assert share_change(0.70001, 0.69999) == "0,0 п.п."
    assert share_change(0.1234, 0.1) == "+2,3 п.п."
    assert share_change(0.17036, 0.19081) == "−2,0 п.п."   # 17,0 % against 19,1 %


# --- 11. a vote still running is not a vote held ------------------------------------------------------------------

RUNNING_VOTE = (
    "ID голосования\tНазвание\tТема\tНаселенный пункт\tДата начала\tДата окончания\tУчастников\tВариант ответа\t"
    "Голосов\tДоля\n"
    "Т37-1\tКакие меры безопасности в Кызласе принять первыми?\tБезопасность\tКызлас\t20.11.2026\t04.12.2026\t50\t"
    "Освещение улиц\t30\t60,0 %\n"
    "Т37-1\tКакие меры безопасности в Кызласе принять первыми?\tБезопасность\tКызлас\t20.11.2026\t04.12.2026\t50\t"
    "Камеры\t20\t40,0 %\n")
WAIT = "Дождаться итогов голосования (до 04.12.2026)"


@pytest.fixture(scope="module")
def running_vote_db(demo_db, tmp_path_factory):
    """The demo (data to 25.11.2026) with a vote on Кызлас — Безопасность held 20.11–04.12.2026: still running."""
    import shutil

    from etl.load import load_files
    folder = tmp_path_factory.mktemp("running_vote")
    db = shutil.copy(demo_db, folder / "demo.duckdb")
    (folder / "votes.tsv").write_text(RUNNING_VOTE, encoding="utf-8")
    report, = load_files([folder / "votes.tsv"], source="votes", db=db)
    assert report.rejected == 0
    return db


def test_a_running_vote_is_marked_as_running_and_waited_for(running_vote_db):
    """A tester loaded a vote ending 04.12.2026 into data ending 25.11.2026: the point read «недавно голосовали
    20.11.2026» and the roadmap said to check how its decision is carried out. The vote is not over: wait for it."""
    pts = run_query("problem_points", db=running_vote_db, **QUARTER, **SETTINGS.params("theme"))
    row = pts.filter((pl.col("settlement") == "Кызлас") & (pl.col("theme") == "Безопасность")).row(0, named=True)
    assert pp.vote_mark(row) == "идёт голосование до 04.12.2026"
    assert pp.vote_action(row) == WAIT
    assert pp.vote_action(row, "«Кызлас — Безопасность»") == \
        "Дождаться итогов голосования по вопросу «Кызлас — Безопасность» (до 04.12.2026)"
    plan = pp.roadmap(pts, 91, QUARTER["date_to"], SETTINGS)
    todo = dict(zip(plan["Населённый пункт"] + " — " + plan["Тема"], plan["Что сделать"]))
    assert todo["Кызлас — Безопасность"] == WAIT
    assert todo["Кызлас — ЖКХ"] == RECHECK   # held 10.08–23.08.2026: over
    draft = pp.vote_draft(pts, 91, SETTINGS)
    asked = dict(zip(draft["Населённый пункт"] + " — " + draft["Тема"], draft["Вопрос для голосования"]))
    marks = dict(zip(draft["Населённый пункт"] + " — " + draft["Тема"], draft["Голосование"]))
    assert (asked["Кызлас — Безопасность"], marks["Кызлас — Безопасность"]) == (WAIT, "идёт голосование до 04.12.2026")
    # A week that ended inside the vote is judged as of its own end: the vote was running then, too.
    week = QUARTER | {"date_from": dt.date(2026, 11, 16), "date_to": dt.date(2026, 11, 22), "as_of": dt.date(2026, 11, 22)}
    votes = run_query("votes_effect", db=running_vote_db, sources=None, themes=None, settlements=None,
                      as_of=week["as_of"], **SETTINGS.vote_params())
    assert votes.filter(pl.col("vote_id") == "Т37-1")["running"].to_list() == [True]


def test_a_running_vote_has_a_leader_not_a_winner(running_vote_db):
    votes = run_query("votes_effect", db=running_vote_db, **SETTINGS.votes_query(
        filters_for(QUARTER["date_from"], QUARTER["date_to"], db=running_vote_db)))
    running = votes.filter(pl.col("vote_id") == "Т37-1").row(0, named=True)
    assert pp.vote_line(running) == ("«Какие меры безопасности в Кызласе принять первыми?» (20.11.2026–04.12.2026, "
                                     "50 участников); идёт голосование до 04.12.2026, лидирует вариант «Освещение "
                                     "улиц» — 60\u00a0%")
    over = votes.filter(pl.col("vote_id") == "ДЕМО-Г-2").row(0, named=True)
    assert "победил вариант" in pp.vote_line(over) and not over["running"]
    # tester53: a vote with no winner (an option's share unknown) said nothing of why there was none
    unknown = over | {"winner": None, "winner_share": None}
    assert "; победитель не назван: долей всех вариантов в выгрузке нет; " in pp.vote_line(unknown)


def test_a_running_vote_has_no_appeals_after_it_yet(running_vote_db):
    """The votes' file showed «Обращений после» 0 for a vote still running, where nothing followed it yet: «—»."""
    votes = run_query("votes_effect", db=running_vote_db, **SETTINGS.votes_query(
        filters_for(QUARTER["date_from"], QUARTER["date_to"], db=running_vote_db)))
    rows = {r["vote_id"]: r for r in votes.iter_rows(named=True)}
    running = rows["Т37-1"]
    assert (running["appeals_after"], running["after_per_30"], running["change"], running["verdict"]) == (
        None, None, None, "голосование идёт")
    assert rows["ДЕМО-Г-2"]["appeals_after"] is not None   # an ended vote keeps its count, 0 included


def test_the_note_and_the_slide_wait_for_a_running_vote(running_vote_db, monkeypatch):
    flt = filters_for(QUARTER["date_from"], QUARTER["date_to"], db=running_vote_db)
    note = build(flt, db=running_vote_db)
    section = next(s for s in note.sections if s.key == "problems")
    assert [r[4] for r in section.table.rows if r[1:3] == ["Кызлас", "Безопасность"]] == \
        ["идёт голосование до 04.12.2026"]
    bullets = next(s for s in note.sections if s.key == "recommendations").bullets
    kyzlas = [b for b in bullets if "«Кызлас — Безопасность»" in b]
    assert kyzlas == ["Дождаться итогов голосования по вопросу «Кызлас — Безопасность» (до 04.12.2026). Голосование "
                      "«Какие меры безопасности в Кызласе принять первыми?» (20.11.2026–04.12.2026, 50 участников); "
                      "идёт голосование до 04.12.2026, лидирует вариант «Освещение улиц» — 60\u00a0%."]
    at = open_meeting(running_vote_db, monkeypatch, period="quarter", theme="Безопасность", interval="600")
    for _ in range(2):
        at.button(key="mt_next").click().run()
    key, text = slide(at)
    assert key == "problems"
    assert "1. Кызлас · Безопасность идёт голосование до 04.12.2026 " in text
    assert WAIT + "." in text and "Не выносить" not in text


# --- 12. the executor filter narrows the list, not the ranking ----------------------------------------------------

def test_an_executor_filter_keeps_the_place_among_all_executors(demo_db, open_app):
    """`/note?note=sidebar&period=quarter&executor=mup_zhkh` made the note say «Заслушать исполнителя «МУП «Аскизское
    ЖКХ»» (место в рейтинге исполнителей: 1 из 1)», 16 of 17 without the filter; the Исполнители page showed «1.»
    beside a score of 62,8."""
    from mcu.scoring import score_settings

    quarter = filters_for(QUARTER["date_from"], QUARTER["date_to"], db=demo_db)
    params = dict(**quarter.compare_params(), as_of=quarter.as_of, **score_settings().params())
    everyone = run_query("executors_rating", db=demo_db, **params)
    mup = everyone.filter(pl.col("executor_id") == "mup_zhkh").row(0, named=True)
    assert (mup["rank"], everyone["rank"].drop_nulls().len(), mup["ranked_of"], mup["score"]) == (16, 17, 17, 62.8)
    one = run_query("executors_rating", db=demo_db, **params | {"executors": ["mup_zhkh"]})
    assert one.select("executor_id", "rank", "prev_rank", "score", "ranked_of").rows() == [
        ("mup_zhkh", 16, mup["prev_rank"], 62.8, 17)]
    narrowed = filters_for(QUARTER["date_from"], QUARTER["date_to"], db=demo_db, executors=["mup_zhkh"])
    bullets = next(s for s in build(narrowed, db=demo_db).sections if s.key == "recommendations").bullets
    assert bullets[0].startswith("Заслушать исполнителя «МУП „Аскизское ЖКХ“» (место в рейтинге исполнителей: 16 из 17)")
    # A week: 7 of 7 (was «1 из 1»).
    week = week_filters(filters_for(*iso_week("2026-W47"), db=demo_db, executors=["mup_zhkh"]),
                        iso_week("2026-W47")[0], dt.date(2026, 11, 25))
    bullets = next(s for s in build(week, db=demo_db).sections if s.key == "recommendations").bullets
    assert bullets[0].startswith("Заслушать исполнителя «МУП „Аскизское ЖКХ“» (место в рейтинге исполнителей: 7 из 7)")
    at = open_app(demo_db, "pages/executors.py", period="quarter", executor="mup_zhkh")
    grid = at.dataframe[0].value
    assert (grid["Место"].tolist(), grid["Балл"].tolist()) == ([16], [62.8])
    assert any("Место — среди всех 17 исполнителей рейтинга" in c.value for c in at.caption)


# --- 13. growth against the previous period and a year ago ----------------------------------------------------------

def test_growth_advice_checks_the_year_ago_count_too(demo_db):
    """The quarter's note advised «Разобрать рост … «Энергетика»: +72 к предыдущему периоду» — the heating season:
    the same dates a year ago had 58; W47 advised «Благоустройство» +5 (13 → 18), 18 a year ago as well. Growth is
    judged against both (DESIGN.md §4) and the advice says both."""
    quarter = filters_for(QUARTER["date_from"], QUARTER["date_to"], db=demo_db)
    growth = run_query("theme_growth", db=demo_db, **quarter.compare_params())
    rows = {r[0]: r[1:] for r in growth.rows()}
    assert (rows["Энергетика"], rows["Образование"], rows["Имущество и земля"]) == ((72, 0, 58), (101, 48, 89),
                                                                                   (51, 33, 37))
    bullets = next(s for s in build(quarter, db=demo_db).sections if s.key == "recommendations").bullets
    assert [b for b in bullets if b.startswith("Разобрать рост")] == [
        "Разобрать рост обращений по теме «Имущество и земля»: +18 (+54,5 %) к предыдущему периоду, +14 (+37,8 %) к "
        "тем же датам прошлого года."]
    w47 = week_filters(filters_for(*iso_week("2026-W47"), db=demo_db), iso_week("2026-W47")[0], dt.date(2026, 11, 25))
    rows = {r[0]: r[1:] for r in run_query("theme_growth", db=demo_db, **w47.compare_params()).rows()}
    assert rows["Благоустройство"] == (18, 13, 18)
    bullets = next(s for s in build(w47, db=demo_db).sections if s.key == "recommendations").bullets
    assert [b for b in bullets if b.startswith("Разобрать рост")] == [
        "Разобрать рост обращений по теме «Социальная защита»: +5 (+100,0 %) к предыдущему периоду, +8 (+400,0 %) к "
        "тем же датам прошлого года."]


def test_growth_advice_without_a_year_of_data_uses_the_previous_period():
    import types

    from report.note import recommendations
    growth = pl.DataFrame({"theme": ["ЖКХ", "Дороги"], "appeals": [20, 9], "prev_appeals": [10, 8],
                           "year_ago": [0, 0]})
    f = types.SimpleNamespace(by_executor=pl.DataFrame(schema={"grp": pl.String, "overdue_open": pl.Int64,
                                                               "answered_late": pl.Int64}),
                              rating=pl.DataFrame({"executor_id": [], "executor": [], "rank": [], "ranked_of": []}),
                              problem_points=pl.DataFrame(), theme_growth=growth,
                              flt=types.SimpleNamespace(has_previous=True, has_year_ago=False),
                              satisfaction=({"rated": 0, "satisfied_share": None}, {"satisfied_share": None}))
    assert recommendations(f).bullets == [
        "Разобрать рост обращений по теме «ЖКХ»: +10 (+100,0 %) к предыдущему периоду."]


# --- 14. one minimum for the mean rating; parts that overlap; one name for a late answer; bases said -------------

def test_the_notes_mean_rating_takes_the_pages_minimum(demo_db):
    """Удовлетворённость for 16–22.11 showed «Средняя оценка: мало данных (3)», the note «Средняя оценка — 4,33 …
    (оценок в баллах: 3)»: one minimum (mcu.ui.SMALL_BASE) for both."""
    from mcu.ui import SMALL_BASE

    w47 = week_filters(filters_for(*iso_week("2026-W47"), db=demo_db), iso_week("2026-W47")[0], dt.date(2026, 11, 25))
    section = next(s for s in build(w47, db=demo_db).sections if s.key == "satisfaction")
    assert SMALL_BASE == 5
    assert section.paragraphs == [
        "Довольны ответом 70,0\u00a0% оценивших (оценок: 20; изменение +0,8 п.п.). Средняя оценка по шкале 1–5 — мало "
        "данных (оценок в баллах: 3, нужно не меньше 5)."]
    quarter = filters_for(QUARTER["date_from"], QUARTER["date_to"], db=demo_db)
    section = next(s for s in build(quarter, db=demo_db).sections if s.key == "satisfaction")
    assert "Средняя оценка — " in section.paragraphs[0] and "мало данных" not in section.paragraphs[0]


def test_an_information_risk_says_its_parts_overlap():
    cell = {"settlement": "Аскиз", "theme": "ЖКХ", "risky": 11, "incidents": 15, "audience": 1200, "engagement": 40,
            "open": 1, "unsatisfied": 4, "late": 9}
    assert pp.explain_risk_cell(cell) == (
        "Аскиз, ЖКХ: 11 из 15 инцидентов с проблемой ответа, аудитория 1\u00a0200, вовлечённость 40 (без ответа 1, "
        "автор недоволен 4, ответ с опозданием 9; один инцидент может попасть в несколько)")
    assert pp.explain_risk_cell(cell | {"risky": 14}).endswith("(без ответа 1, автор недоволен 4, ответ с опозданием 9)")


def test_a_late_answer_has_one_name_and_the_notes_shares_say_their_bases(demo_db, open_app):
    at = open_app(demo_db, "pages/deadlines.py", period="quarter")
    columns = [c for d in at.dataframe for c in d.value.columns]
    assert "Ответ позже срока" in columns and "Ответ с нарушением" not in columns
    quarter = filters_for(QUARTER["date_from"], QUARTER["date_to"], db=demo_db)
    note = build(quarter, db=demo_db)
    summary = note.sections[0].table.rows
    assert summary[1][:2] == ["Просрочено, доля обращений со сроком", "17,1\u00a0%"]
    deadlines = next(s for s in note.sections if s.key == "deadlines").paragraphs[0]
    assert "из них срок истёк: 89; ответов позже срока: 260;" in deadlines   # 349 overdue
    assert deadlines.endswith(
        "Просрочено 349 из 2\u00a0043 обращений со сроком (17,1\u00a0%): ответ позже срока или нет ответа после срока. "
        "Доля ответов в срок — среди 1\u00a0820 из них, исход которых ясен (есть ответ или срок истёк): 80,8\u00a0% "
        "(1\u00a0471 из 1\u00a0820; изменение +2,1 п.п.).")


def test_the_votes_table_names_no_result_of_a_running_vote(running_vote_db, open_app):
    """The «Голосования» tab's table put the running vote's leader under «Итог»: a vote not over has no result yet
    (its shares so far are under «Варианты», its «Вывод» says it is running)."""
    at = open_app(running_vote_db, "pages/problems.py", period="quarter")
    votes = next(d.value for d in at.dataframe if "Итог" in d.value.columns)
    row = votes[votes["Номер"] == "Т37-1"].iloc[0]
    assert (row["Итог"], row["Вывод"], row["Варианты"]) == ("—", "голосование идёт",
                                                            "Освещение улиц — 60\u00a0% (30); Камеры — 40\u00a0% (20)")
    assert votes[votes["Номер"] == "ДЕМО-Г-2"].iloc[0]["Итог"] == "Пробурить новую скважину"
