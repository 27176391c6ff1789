"""Problem points (issue 9): the scoring query on hand-made cells (exact Poisson tails computed here with math),
on the demo (the planted hot spots come out on top), the explanation text against its figures, the votes,
the information risks and the page."""
import datetime as dt
import math
import re

import duckdb
import polars as pl
import pytest

from etl.demo import DEMO_VOTES, PLANTED_HOT_SPOTS
from mcu import fmt
from mcu import problems as pp
from mcu.export import to_csv
from mcu.query import run_query
from tests.conftest import build_db

SETTINGS = pp.problem_settings()
MAY = {"date_from": dt.date(2026, 5, 1), "date_to": dt.date(2026, 5, 30), "sources": None, "themes": None,
       "settlements": None, "executors": None, "municipalities": None, "as_of": dt.date(2026, 5, 30)}
QUARTER = {"date_from": dt.date(2026, 8, 27), "date_to": dt.date(2026, 11, 25), "sources": None, "themes": None,
           "settlements": None, "executors": None, "municipalities": None, "as_of": dt.date(2026, 11, 25)}


def poisson_tail(k: int, lam: float) -> float:
    """P(X ≥ k) for X ~ Poisson(λ), exactly: one minus the terms below k, summed with fsum."""
    return 1 - math.fsum(math.exp(-lam) * lam ** i / math.factorial(i) for i in range(k))


def points(db, level="theme", **overrides):
    return run_query("problem_points", db=db, **MAY, **(SETTINGS.params(level) | overrides))


def set_population(db, populations: dict) -> None:
    """Only the listed settlements keep a population (the territory's rate is taken over them)."""
    con = duckdb.connect(str(db))
    con.execute("UPDATE settlements SET population = NULL")
    for sid, pop in populations.items():
        con.execute("UPDATE settlements SET population = ? WHERE settlement_id = ?", [pop, sid])
    con.close()


def cell(settlement: str, theme: str, n: int, start: dt.date, step_days: int = 1) -> list[dict]:
    return [{"settlement_id": settlement, "theme": theme,
             "received_at": dt.datetime.combine(start + dt.timedelta(days=i * step_days), dt.time(10))}
            for i in range(n)]


# --- hand-made cells: the territory's rate ------------------------------------------------------------------

@pytest.fixture(scope="module")
def territory_db(tmp_path_factory):
    """May 2026 only (no history, no previous period). 28 000 residents; ЖКХ: 42 appeals → 0,0015 a resident.
    A village of 300 with 6 (expected 0,45), a town of 6 000 with 20 (expected 9), the rest of the territory
    (20 100) with 16 — below its 30,15. Дороги: two villages of 800 with 5 each (a tie). Связь: 4 in the village
    of 300 (under the minimum count of 5)."""
    may = dt.date(2026, 5, 1)
    rows = (cell("neozhidanny", "ЖКХ", 6, may, 4) + cell("askiz", "ЖКХ", 20, may) + cell("askiz_pos", "ЖКХ", 16, may)
            + cell("ust_es", "Дороги", 5, may, 5) + cell("ust_chul", "Дороги", 5, may, 5)
            + cell("neozhidanny", "Связь", 4, may, 7))
    db = build_db(tmp_path_factory.mktemp("pp_territory") / "t.duckdb", rows)
    set_population(db, {"askiz": 6000, "neozhidanny": 300, "ust_es": 800, "ust_chul": 800, "askiz_pos": 20100})
    return db


def expected_score(p: float, streak: int = 1) -> float:
    """The score of a cell with only the excess, persistence and repeat (0) components: no previous period,
    no year ago, no ratings, no deadlines."""
    w = SETTINGS.weights
    excess = min(1, -math.log10(p) / SETTINGS.surprise_cap)
    return round(100 * (w["excess"] * excess + w["persistence"] * streak / SETTINGS.periods)
                 / (w["excess"] + w["persistence"] + w["repeat"]), 1)


def test_poisson_excess_is_exact_and_a_village_outranks_a_town(territory_db):
    df = points(territory_db)
    got = {(r["settlement_id"], r["theme"]): r for r in df.to_dicts()}
    assert list(got) == [("neozhidanny", "ЖКХ"), ("ust_es", "Дороги"), ("ust_chul", "Дороги"), ("askiz", "ЖКХ")]
    village, town = got["neozhidanny", "ЖКХ"], got["askiz", "ЖКХ"]
    assert village["expected_territory"] == pytest.approx(0.45) and town["expected_territory"] == pytest.approx(9.0)
    assert village["p_territory"] == pytest.approx(poisson_tail(6, 0.45), rel=1e-9)
    assert town["p_territory"] == pytest.approx(poisson_tail(20, 9.0), rel=1e-9)
    assert village["p_territory"] < 1e-5 and 1e-3 < town["p_territory"] < SETTINGS.p_value
    # No history in the data: the own baseline is not used, the growth and the year-ago are unknown.
    assert village["expected_history"] is None and village["prev_appeals"] is None and village["year_ago"] is None
    assert [village["rank"], town["rank"]] == [1, 4]
    assert village["score"] == expected_score(poisson_tail(6, 0.45))
    assert town["score"] == expected_score(poisson_tail(20, 9.0))
    # The rest of the territory, below its expectation, is no problem point.
    assert ("askiz_pos", "ЖКХ") not in got


def test_equal_cells_share_a_place(territory_db):
    df = points(territory_db)
    ties = df.filter(pl.col("theme") == "Дороги")
    assert ties["settlement"].to_list() == ["Усть-Есь", "Усть-Чуль"]
    assert ties["rank"].to_list() == [2, 2]
    assert ties["score"].n_unique() == 1
    lam = 800 * 10 / 28000
    assert ties["p_territory"].to_list() == pytest.approx([poisson_tail(5, lam)] * 2, rel=1e-9)


def test_minimum_count_keeps_small_cells_out(territory_db):
    assert "Связь" not in points(territory_db)["theme"].to_list()
    # 4 appeals where 0,04 were expected: listed once the minimum is 4, and then first.
    df = points(territory_db, min_count=4)
    first = df.row(0, named=True)
    assert (first["settlement_id"], first["theme"], first["appeals"], first["rank"]) == ("neozhidanny", "Связь", 4, 1)
    assert first["p_territory"] == pytest.approx(poisson_tail(4, 300 * 4 / 28000), rel=1e-9)


def test_appeals_without_a_theme_are_no_problem_point(make_db):
    # A register loaded without themes: the village of 300 gets 6 appeals the classifier could not place and
    # 6 of ЖКХ. The ЖКХ cell is a point; «Не определено» is no theme a vote could be put on.
    may = dt.date(2026, 5, 1)
    db = make_db(cell("neozhidanny", "Не определено", 6, may, 4) + cell("neozhidanny", "ЖКХ", 6, may, 4)
                 + cell("askiz", "ЖКХ", 30, may))
    set_population(db, {"neozhidanny": 300, "askiz": 6000})
    assert points(db).select("settlement_id", "theme").rows() == [("neozhidanny", "ЖКХ")]


def test_a_named_category_without_a_theme_is_a_point_at_the_subtheme_level(make_db):
    # An export's category no list maps to a theme yet («Бродячие собаки»): at the theme level it is «Не
    # определено» and left out, at the subtheme level it has a name a vote can be put on, and stays.
    may = dt.date(2026, 5, 1)
    dogs = [r | {"subtheme": "Бродячие собаки"} for r in cell("neozhidanny", "Не определено", 6, may, 4)]
    db = make_db(dogs + [r | {"subtheme": "Ремонт дороги"} for r in cell("askiz", "Дороги", 30, may)])
    set_population(db, {"neozhidanny": 300, "askiz": 6000})
    assert points(db).is_empty()
    assert points(db, "subtheme").select("settlement_id", "theme", "topic", "appeals").rows() == [
        ("neozhidanny", "Не определено", "Бродячие собаки", 6)]


# --- hand-made cells: the cell's own history ----------------------------------------------------------------

@pytest.fixture(scope="module")
def history_db(tmp_path_factory):
    """No settlement has a population. Пуланколь, ЖКХ: one appeal on the 10th of every month from March 2025 to
    April 2026, then 12 in May 2026. Усть-Есь, Связь: 5 in May 2026 and never before."""
    rows = [{"settlement_id": "pulankol", "theme": "ЖКХ", "received_at": dt.datetime(2025 + (m > 12), (m - 1) % 12 + 1, 10, 9)}
            for m in range(3, 17)]
    rows += cell("pulankol", "ЖКХ", 12, dt.date(2026, 5, 2), 2) + cell("ust_es", "Связь", 5, dt.date(2026, 5, 3), 5)
    db = build_db(tmp_path_factory.mktemp("pp_history") / "h.duckdb", rows)
    set_population(db, {})
    return db


def test_settlement_without_population_is_judged_by_its_history(history_db):
    df = points(history_db)
    got = {(r["settlement_id"], r["theme"]): r for r in df.to_dicts()}
    assert list(got) == [("pulankol", "ЖКХ"), ("ust_es", "Связь")]
    water = got["pulankol", "ЖКХ"]
    # Per capita is off; the history: 12 appeals in the 365 days before May → 12 × 30 / 365 = 0,99 a period,
    # one on the same dates a year earlier → λ = max(1, 0,99, 0,5) = 1.
    assert water["expected_territory"] is None and water["p_territory"] is None
    assert water["year_ago"] == 1 and water["expected_history"] == pytest.approx(1.0)
    assert water["p_history"] == pytest.approx(poisson_tail(12, 1.0), rel=1e-9)
    assert water["prev_appeals"] == 1 and water["streak"] == 1
    # Growth ×12 against April and against a year ago: beyond the cap, the full 1.
    assert water["c_growth"] == 1.0


def test_zero_baseline_counts_as_half_an_appeal(history_db):
    new = points(history_db).filter(pl.col("settlement_id") == "ust_es").row(0, named=True)
    assert (new["year_ago"], new["prev_appeals"]) == (0, 0)
    assert new["expected_history"] == SETTINGS.min_expected == 0.5
    assert new["p_history"] == pytest.approx(poisson_tail(5, 0.5), rel=1e-9)
    text = pp.explain_point(new, 30, SETTINGS.min_base)
    assert text == ("Усть-Есь, связь: 5 обращений за месяц при ожидаемых 0,5 по прошлым периодам (×10,0); "
                    "в прошлом месяце обращений не было; год назад обращений не было")


def test_subtheme_level(tmp_path):
    rows = (cell("kyzlas", "ЖКХ", 8, dt.date(2026, 5, 1)) + cell("kyzlas", "ЖКХ", 30, dt.date(2026, 5, 1))
            + cell("askiz", "ЖКХ", 30, dt.date(2026, 5, 1)))
    for r in rows[:8]:
        r["subtheme"] = "Качество питьевой воды"
    for r in rows[8:]:
        r["subtheme"] = "Отопление"
    db = build_db(tmp_path / "s.duckdb", rows)
    set_population(db, {"kyzlas": 1000, "askiz": 9000})
    df = points(db, "subtheme")
    # Water: 8 of 8 in the territory are in Кызлас, 10 % of the residents: expected 0,8.
    df = df.sort("topic")
    assert df.select("settlement_id", "theme", "topic", "appeals").rows() == [
        ("kyzlas", "ЖКХ", "Качество питьевой воды", 8), ("kyzlas", "ЖКХ", "Отопление", 30)]
    # Heating: the territory's 60, 10 % of them expected in Кызлас: 6.
    assert df["expected_territory"].to_list() == pytest.approx([0.8, 6.0])
    assert df["p_territory"].to_list() == pytest.approx([poisson_tail(8, 0.8), poisson_tail(30, 6.0)], rel=1e-9)


def test_settings_errors_say_what_to_fix(tmp_path):
    bad = tmp_path / "problem_points.toml"
    bad.write_text("[weights]\nexcess = -1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="неотрицательные веса"):
        pp.problem_settings(bad)
    text = "\n".join(SETTINGS.explain())
    assert "не меньше **5** обращений" in text and "меньше **1 %**" in text
    assert "доля повторных обращений — вес 15 %" in text


# --- the demo ------------------------------------------------------------------------------------------------

def test_planted_hot_spots_come_out_on_top_of_the_demo(demo_db):
    df = run_query("problem_points", db=demo_db, **QUARTER, **SETTINGS.params("theme"))
    top = {(r["settlement_id"], r["theme"]) for r in df.head(3).to_dicts()}
    assert top == {(s.settlement_id, s.theme) for s in PLANTED_HOT_SPOTS} == {
        ("kyzlas", "ЖКХ"), ("ust_kamyshta", "Дороги"), ("birikchul", "ТКО (мусор)")}
    # Аскиз, the biggest settlement, has the most appeals but at a normal rate: it is no problem point.
    assert "askiz" not in df["settlement_id"].to_list()
    counts = run_query("heatmap_matrix", db=demo_db, **QUARTER, prev_from=dt.date(2026, 5, 28),
                       prev_to=dt.date(2026, 8, 26), min_base=5, top=30, measure="appeals")
    biggest = counts.sort("appeals", descending=True).row(0, named=True)
    assert (biggest["settlement_id"], biggest["theme"]) == ("askiz", "ЖКХ")
    assert df["rank"].to_list() == sorted(df["rank"].to_list())
    # The Кызлас water surge sits in its subtheme too.
    sub = run_query("problem_points", db=demo_db, **QUARTER, **SETTINGS.params("subtheme"))
    assert ("kyzlas", "Отсутствие холодного водоснабжения") in sub.head(3).select("settlement_id", "topic").rows()


NUM = r"(\d[\d\u00a0]*(?:,\d+)?)"


def _n(text: str) -> float:
    return float(text.replace("\u00a0", "").replace(",", "."))


def test_explanation_matches_its_figures(demo_db):
    df = run_query("problem_points", db=demo_db, **QUARTER, **SETTINGS.params("theme"))
    assert df.height >= 3
    for r in df.to_dicts():
        text = pp.explain_point(r, 91, SETTINGS.min_base)
        m = re.match(rf"^{re.escape(r['settlement'])}, .+?: {NUM} обращени\w* за квартал при ожидаемых {NUM} "
                     rf"(по числу жителей|по прошлым периодам) \(×{NUM}\)", text)
        assert m, text
        name, lam = pp.basis(r)
        assert _n(m[1]) == r["appeals"]
        assert _n(m[2]) == round(lam, 1 if lam < 10 else 0)
        assert m[3] == pp.BASIS_WORDS[name]
        assert _n(m[4]) == round(r["appeals"] / lam, 1)
        if g := re.search(rf"рост в {NUM} раза к прошлому кварталу", text):
            assert _n(g[1]) == round(r["appeals"] / r["prev_appeals"], 1)
        if g := re.search(rf"в {NUM} раза больше, чем год назад", text):
            assert _n(g[1]) == round(r["appeals"] / r["year_ago"], 1)
        if g := re.search(rf"{NUM}\u00a0% повторных", text):
            assert _n(g[1]) == round(r["repeats"] / r["appeals"] * 100)
        if g := re.search(rf"довольны {NUM}\u00a0% \(из {NUM} оцен", text):
            assert _n(g[2]) == r["rated"] >= SETTINGS.min_base
            assert _n(g[1]) == round(r["satisfied"] / r["rated"] * 100)
        if g := re.search(rf"с нарушением срока {NUM}\u00a0% \(из {NUM} со сроком\)", text):
            assert _n(g[2]) == r["with_deadline"]
            assert _n(g[1]) == round(r["overdue"] / r["with_deadline"] * 100)
        if g := re.search(r"аномально много (\d+) квартал\w* подряд", text):
            assert int(g[1]) == r["streak"] >= 2
    kyzlas = df.filter(pl.col("settlement_id") == "kyzlas").row(0, named=True)
    assert pp.explain_point(kyzlas, 91, SETTINGS.min_base).startswith(
        f"Кызлас, ЖКХ: {kyzlas['appeals']} обращения за квартал при ожидаемых")


def test_votes_on_the_demo_eased_and_did_not(demo_db):
    votes = run_query("votes_effect", db=demo_db, sources=None, themes=None, settlements=None,
                      as_of=dt.date(2026, 11, 25), **SETTINGS.vote_params())
    assert sorted(votes["vote_id"]) == sorted(v.vote_id for v in DEMO_VOTES)
    got = {r["vote_id"]: r for r in votes.to_dicts()}
    road, water = got["ДЕМО-Г-1"], got["ДЕМО-Г-2"]
    assert (road["settlement_id"], road["theme"], road["participants"]) == ("ust_kamyshta", "Дороги", 530)
    assert (road["started_at"], road["ended_at"]) == (dt.date(2026, 6, 1), dt.date(2026, 6, 14))
    assert road["winner"] == "ул. Набережная" and road["winner_share"] == pytest.approx(312 / 530, abs=1e-3)
    assert road["verdict"] == "стало меньше" and water["verdict"] == "стало больше"
    # The before/after counts, checked against the appeals table itself.
    con = duckdb.connect(str(demo_db), read_only=True)
    before, after = con.execute("""
        SELECT count(*) FILTER (WHERE received_at::DATE BETWEEN DATE '2026-06-01' - 90 AND DATE '2026-05-31'),
               count(*) FILTER (WHERE received_at::DATE BETWEEN DATE '2026-06-15' AND DATE '2026-06-14' + 90)
        FROM appeals WHERE settlement_id = 'ust_kamyshta' AND theme = 'Дороги'""").fetchone()
    con.close()
    assert (road["appeals_before"], road["appeals_after"]) == (before, after)
    assert road["after_per_30"] <= 0.8 * road["before_per_30"]
    assert water["after_per_30"] >= 1.2 * water["before_per_30"]
    line = pp.vote_line(water)
    assert line.startswith("«Как решить проблему с водоснабжением в Кызласе?» (10.08.2026–23.08.2026, 410 участников); "
                           "победил вариант «Пробурить новую скважину» — 50\u00a0%; обращений в месяц до — ")
    assert line.endswith(f"после — {fmt.num(water['after_per_30'], 1)}: стало больше")
    # The points voted on are marked, not hidden: the water vote ended 94 days before the period's end.
    pts = run_query("problem_points", db=demo_db, **QUARTER, **SETTINGS.params("theme"))
    marks = {r["settlement_id"]: pp.vote_mark(r) for r in pts.head(3).to_dicts()}
    assert marks == {"kyzlas": "недавно голосовали 10.08.2026", "ust_kamyshta": "недавно голосовали 01.06.2026",
                     "birikchul": "голосовали 21.09.2025"}


def test_demo_votes_were_loaded_through_the_votes_profile(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    log = con.execute("SELECT file_name, source, rows_read, loaded, rejected FROM import_log ORDER BY import_id").fetchall()
    con.close()
    assert log == [("демо_голосования.tsv", "votes", 9, 9, 0),
                   ("демо_реестр_обращений_без_тем.csv", "letters", 30, 30, 0)]


def test_information_risks_on_the_demo(demo_db):
    risk = SETTINGS.risk_params()
    scope = {k: v for k, v in QUARTER.items() if k != "sources"}
    inc = run_query("info_risks", db=demo_db, **scope, **risk)
    assert inc.height == risk["top"]
    weights = {"нет ответа": risk["w_open"], "автор недоволен": risk["w_unsatisfied"], "ответ с опозданием": risk["w_late"]}
    for r in inc.to_dicts():
        reach = r["audience"] + risk["engagement_weight"] * r["engagement"]
        # The issue named is the heaviest of the incident's (no answer 1 > unhappy 0,8 > late 0,6).
        assert r["risk"] == round(reach * weights[r["issue"]])
    assert inc["risk"].to_list() == sorted(inc["risk"].to_list(), reverse=True)
    first = inc.row(0, named=True)
    text = pp.explain_incident(first)
    assert f"аудитория {fmt.num(first['audience'])}, вовлечённость {fmt.num(first['engagement'])}" in text
    cells = run_query("info_risks_cells", db=demo_db, **scope, **risk)
    assert cells["risk"].to_list() == sorted(cells["risk"].to_list(), reverse=True)
    # Only ИМ incidents carry reach: the demo's other channels have none.
    con = duckdb.connect(str(demo_db), read_only=True)
    assert con.execute("SELECT DISTINCT source FROM appeals WHERE audience IS NOT NULL").fetchall() == [("im",)]
    con.close()


def test_vote_draft_and_roadmap_downloads(demo_db):
    pts = run_query("problem_points", db=demo_db, **QUARTER, **SETTINGS.params("theme"))
    draft = pp.vote_draft(pts, 91, SETTINGS)
    lines = to_csv(draft).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Место;Населённый пункт;Тема;Подтема;Вопрос для голосования;Обращений;Ожидалось")
    assert len(lines) == pts.height + 1
    kyzlas = draft.filter(pl.col("Населённый пункт") == "Кызлас").row(0, named=True)
    # Voted on 10.08.2026: no new question (tests/test_decision_layer.py, the vote draft), and the draft says so.
    assert kyzlas["Вопрос для голосования"] == ("Не выносить вопрос на новое голосование (недавно голосовали "
                                                "10.08.2026), а проверить, как выполняется его решение")
    assert kyzlas["Голосование"] == "недавно голосовали 10.08.2026"
    assert kyzlas["Ответственный исполнитель"] == "МУП «Аскизское ЖКХ»"
    plan = pp.roadmap(pts, 91, dt.date(2026, 11, 25), SETTINGS)
    assert plan.height == min(SETTINGS.roadmap["top"], pts.height)
    assert plan["Дата пересмотра"].unique().to_list() == [dt.date(2026, 12, 25)]
    assert plan["Место"].to_list() == pts["rank"].head(plan.height).to_list()


def test_a_recent_vote_without_a_winner_is_no_decision_to_check(demo_db, tmp_path):
    """tester53: the note told to check how V-91's decision is carried out, a vote with no winner (an option row
    rejected, its shares unknown). A recent vote without a winner asks for its full results instead."""
    import shutil
    db = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, db)
    kyzlas = lambda d: run_query("problem_points", db=d, **QUARTER, **SETTINGS.params("theme")).filter(
        pl.col("settlement") == "Кызлас").row(0, named=True)
    assert kyzlas(demo_db)["vote_decided"] is True
    con = duckdb.connect(str(db))
    con.execute("UPDATE vote_options SET share = NULL WHERE vote_id = ?", [kyzlas(demo_db)["vote_id"]])
    con.close()
    row = kyzlas(db)
    assert row["vote_decided"] is False
    assert pp.vote_action(row) == ("Не выносить вопрос на новое голосование (недавно голосовали 10.08.2026), а "
                                   "загрузить полные итоги голосования: долей всех вариантов в выгрузке нет, "
                                   "победитель не назван")


# --- the page ------------------------------------------------------------------------------------------------

def test_problems_page(demo_db, open_app):
    at = open_app(demo_db, "pages/problems.py")
    assert at.title[0].value == "Проблемные точки"
    pts = run_query("problem_points", db=demo_db, **QUARTER, **SETTINGS.params("theme"))
    first = pts.row(0, named=True)
    listed = next(m.value for m in at.markdown if m.value.startswith("1. "))
    assert listed.splitlines()[0].startswith(f"1. {pp.explain_point(first, 91, SETTINGS.min_base)}")
    shown = at.dataframe[0].value
    assert shown["Место"].tolist() == pts["rank"].to_list()
    assert shown["Населённый пункт"].tolist() == pts["settlement"].to_list()
    # The appeals behind the first point: as many as it counts.
    assert any(m.value.startswith(f"Обращения точки за период: **{first['appeals']}**. ") for m in at.markdown)
    assert at.dataframe[1].value.shape[0] == first["appeals"]
    # Votes tab: every vote with its verdict.
    votes = at.dataframe[3].value
    assert sorted(votes["Номер"]) == sorted(v.vote_id for v in DEMO_VOTES)
    assert set(votes["Вывод"]) == {"стало меньше", "стало больше"}
    plan = at.dataframe[2].value
    assert plan["Место"].tolist() == [1, 2, 3, 4, 5]
    # The review date, one for every point, above the grid (it fits 1280 px with five columns; the files hold it).
    assert plan.columns.tolist() == ["Место", "Точка", "Ответственный исполнитель", "Что сделать", "Что отслеживать"]
    assert any(m.value.endswith("Пересмотреть — 25.12.2026.") for m in at.markdown)
    # Another point, the subtheme level, a theme filter: no errors, the figures follow.
    at.selectbox(key="pp_point").set_value(1).run()
    assert not at.exception
    second = pts.row(1, named=True)
    assert any(m.value.startswith(f"Обращения точки за период: **{second['appeals']}**") for m in at.markdown)
    at.segmented_control(key="pp_level").set_value("subtheme").run()
    assert not at.exception
    assert "Подтема" in at.dataframe[0].value.columns
    at.multiselect(key="f_theme").set_value(["Дороги"]).run()
    assert not at.exception
    assert set(at.dataframe[0].value["Подтема"]) <= {"Ремонт дороги", "Ямы на дорогах", "Очистка дорог от снега и наледи"}
    # Every period preset draws the page: a week, a year, all the data (no previous period).
    for preset in ("week", "year", "all"):
        at.segmented_control(key="f_period").set_value(preset).run()
        assert not at.exception, preset


def test_problems_page_with_no_points(make_db, open_app):
    db = make_db(cell("askiz", "ЖКХ", 3, dt.date(2026, 5, 1)))
    at = open_app(db, "pages/problems.py", period="custom", **{"from": "2026-05-01", "to": "2026-05-30"})
    assert any("нет клеток с аномально большим числом обращений" in i.value for i in at.info)
    assert any("Голосований в базе нет" in i.value for i in at.info)


def test_the_appeals_behind_a_point_are_exactly_its_count(demo_db):
    for level in ("theme", "subtheme"):
        pts = run_query("problem_points", db=demo_db, **QUARTER, **SETTINGS.params(level))
        for r in pts.head(3).to_dicts():
            # The heat map's list query, so a point's appeal card shows what the heat map's does (the source's own
            # columns were missing from the point's: a second query of the same columns had left them out).
            items = run_query("appeals_list", db=demo_db, **QUARTER, settlement=r["settlement_id"], theme=r["theme"],
                              subtheme=r["topic"] if level == "subtheme" else None, limit=10_000, offset=0)
            assert items.height == r["appeals"] == items["total"][0]
            assert "extra" in items.columns
            assert set(items["settlement"]) == {r["settlement"]}
            assert items["received"].to_list() == sorted(items["received"].to_list(), reverse=True)


def test_votes_tab_says_no_vote_matches_the_filters_when_the_database_has_votes(demo_db, open_app):
    assert run_query("votes_total", db=demo_db)["votes"].to_list() == [len(DEMO_VOTES)] == [3]
    at = open_app(demo_db, "pages/problems.py", theme="Культура")
    infos = [i.value for i in at.info]
    assert not any("Голосований в базе нет" in i for i in infos)
    assert (f"Ни одно из {fmt.count(len(DEMO_VOTES), 'голосования', 'голосований', 'голосований')} в базе не подходит "
            "под выбранные фильтры: голосования отбираются по теме и населённому пункту (не по периоду). "
            "Снимите фильтр «Тема» или «Населённый пункт».") in infos


def shown_text(frame) -> list[dict]:
    """A grid's rows as the screen shows them (the Styler's display text the page handed to st.dataframe)."""
    from streamlit import dataframe_util
    return dataframe_util.convert_arrow_bytes_to_pandas_df(frame.proto.arrow_data.styler.display_values).to_dict("records")


def test_information_risks_show_whole_numbers_without_a_decimal(demo_db, open_app):
    at = open_app(demo_db, "pages/problems.py")
    risk = SETTINGS.risk_params()
    scope = {k: v for k, v in QUARTER.items() if k != "sources"}
    cells = run_query("info_risks_cells", db=demo_db, **scope, **risk)
    incidents = run_query("info_risks", db=demo_db, **scope, **risk)
    grids = {tuple(d.value.columns): d for d in at.dataframe}
    cell_rows = shown_text(next(d for cols, d in grids.items() if "С проблемой" in cols))
    # Бирикчуль, ТКО: 132 064 readers, 3 799 reactions, risk 115 141 — no «,0» after a whole number.
    assert {k: cell_rows[0][k] for k in ("Аудитория", "Вовлечённость", "Риск")} == {
        "Аудитория": "132\u00a0064", "Вовлечённость": "3\u00a0799", "Риск": "115\u00a0141"}
    assert [r["Риск"] for r in cell_rows] == [fmt.num(v) for v in cells["risk"]]
    incident_rows = shown_text(next(d for cols, d in grids.items() if "Проблема" in cols))
    assert [r["Риск"] for r in incident_rows] == [fmt.num(v) for v in incidents["risk"]]
    assert incident_rows[0]["Риск"] == "47\u00a0616"


def test_an_incident_overdue_by_less_than_a_working_day():
    row = {"settlement": "Аскиз", "theme": "ЖКХ", "external_id": "ИМ-1", "received_at": dt.datetime(2026, 11, 20, 9),
           "audience": 78587, "engagement": 4158, "issue": "нет ответа", "overdue_open": True, "overdue_work_days": 0,
           "due_at": dt.datetime(2026, 11, 26, 17), "answered_at": None}
    assert pp.explain_incident(row) == ("Аскиз, ЖКХ: инцидент № ИМ-1 от 20.11.2026, аудитория 78\u00a0587, "
                                        "вовлечённость 4\u00a0158; ответа нет, срок истёк 26.11.2026, "
                                        "меньше рабочего дня назад")
    assert pp.explain_incident(row | {"overdue_work_days": 3}).endswith(", срок истёк 26.11.2026 (3 раб. дня назад)")


@pytest.mark.parametrize("found, line", [
    (1, "Найдена **1** точка:"), (2, "Найдено **2** точки:"), (4, "Найдено **4** точки:"),
    (5, "Найдено **5** точек:"), (10, "Найдено **10** точек:"), (11, "Найдено **11** точек; первые 10:"),
    (21, "Найдена **21** точка; первые 10:"), (22, "Найдено **22** точки; первые 10:"),
    (1234, "Найдено **1\u00a0234** точки; первые 10:")])
def test_points_heading_reads_naturally(found, line):
    """«Точек: 1. Первые 1:» (a tester's finding): the count agrees with its noun, and «первые 10» only when the
    list below holds fewer than were found."""
    assert pp.points_heading(found, 10) == line


def test_problem_points_page_heading(demo_db, open_app):
    at = open_app(demo_db, "pages/problems.py", period="week")
    assert "Найдена **1** точка:" in [m.value for m in at.markdown]
    at = open_app(demo_db, "pages/problems.py", period="quarter", settlement="kyzlas")
    assert "Найдено **2** точки:" in [m.value for m in at.markdown]
