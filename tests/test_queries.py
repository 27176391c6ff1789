"""Every named query of the foundation on a small hand-built database, with exact rows."""
import datetime as dt
import re

import pytest

from mcu.query import QueryError, query_params, run_query
from mcu.settings import QUERIES_DIR

D = dt.date
CUR = dict(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31))
PREV = dict(prev_from=D(2026, 1, 29), prev_to=D(2026, 2, 28))
ALL = dict(sources=[], themes=[], settlements=[], executors=[], municipalities=[])
AS_OF = D(2026, 3, 31)

ROWS = [
    # current period, March 2026
    dict(source="pos", theme="ЖКХ", settlement_id="askiz", received_at="2026-03-02 10:00", due_at="2026-03-16 23:59:59",
         answered_at="2026-03-10 10:00", status="closed", solvable=True, result="решено", rating=5, satisfied=True),
    dict(source="pos", theme="ЖКХ", settlement_id="askiz", received_at="2026-03-05 10:00", due_at="2026-03-19 23:59:59",
         answered_at="2026-03-25 10:00", status="answered", solvable=True, result="разъяснено", rating=2,
         satisfied=False),
    dict(source="im", kind="инцидент", theme="Дороги", settlement_id="kyzlas", executor_id="dor_otdel",
         received_at="2026-03-10 12:00", due_at="2026-03-11 12:00"),
    dict(source="letters", kind="обращение", theme="Дороги", settlement_id="kyzlas", received_at="2026-03-20 10:00",
         due_at="2026-04-20 23:59:59"),
    dict(source="letters", kind="обращение", theme="ЖКХ", settlement_id="kyzlas", received_at="2026-03-31 09:00",
         due_at="2026-04-30 23:59:59", status="rejected"),
    # previous period
    dict(source="pos", theme="ЖКХ", settlement_id="askiz", received_at="2026-02-10 10:00", due_at="2026-02-24 23:59:59",
         answered_at="2026-02-20 10:00", status="closed", solvable=True, result="решено", rating=4, satisfied=True),
    dict(source="im", kind="инцидент", theme="ЖКХ", settlement_id="askiz", received_at="2026-02-15 10:00",
         due_at="2026-02-16 10:00", answered_at="2026-02-18 10:00", status="answered", solvable=False,
         result="разъяснено"),
    # before both periods
    dict(source="pos", theme="Транспорт", settlement_id="askiz", received_at="2025-12-01 10:00",
         answered_at="2025-12-02 10:00", status="answered"),
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from conftest import build_db
    return build_db(tmp_path_factory.mktemp("q") / "q.duckdb", ROWS)


def rows(df):
    return [tuple(r) for r in df.iter_rows()]


def test_data_bounds(db):
    assert rows(run_query("data_bounds", db=db)) == [(D(2025, 12, 1), D(2026, 3, 31), 8, D(2026, 3, 31))]


def test_filter_options(db):
    assert rows(run_query("filter_options", db=db)) == [
        ("executor", "mup_zhkh", "МУП «Аскизское ЖКХ»", 1),
        ("executor", "dor_otdel", "Отдел дорожного хозяйства и транспорта", 2),
        ("municipality", "Аскизский район", "Аскизский район", 1),
        ("settlement", "askiz", "Аскиз", 1),
        ("settlement", "kyzlas", "Кызлас", 2),
        ("source", "pos", "ПОС «Решаем вместе»", 1),
        ("source", "im", "Инцидент Менеджмент", 2),
        ("source", "letters", "Письменные обращения (59-ФЗ)", 3),
        ("theme", "ЖКХ", "ЖКХ", 1),
        ("theme", "Дороги", "Дороги", 3),
        ("theme", "Транспорт", "Транспорт", 4),
    ]


def test_overview_kpis(db):
    df = run_query("overview_kpis", db=db, **CUR, **PREV, **ALL, as_of=AS_OF)
    assert df.columns == ["period", "total", "with_deadline", "overdue", "overdue_share", "median_response_days",
                          "rated", "satisfied_share", "solvable_answered", "solved_share"]
    # Current: the rejected letter has no deadline; overdue = one late answer + one open past due.
    assert rows(df) == [("current", 5, 4, 2, 0.5, 14.0, 2, 0.5, 2, 0.5),
                        ("previous", 2, 2, 1, 0.5, 6.5, 1, 1.0, 1, 1.0),
                        ("year_ago", 0, 0, 0, None, None, 0, None, 0, None)]


def test_overview_kpis_follow_filters(db):
    kyzlas = run_query("overview_kpis", db=db, **CUR, **PREV, **ALL | {"settlements": ["kyzlas"]}, as_of=AS_OF)
    assert rows(kyzlas.select("period", "total", "overdue")) == [("current", 3, 1), ("previous", 0, 0),
                                                                 ("year_ago", 0, 0)]
    pos = run_query("overview_kpis", db=db, **CUR, **PREV, **ALL | {"sources": ["pos"]}, as_of=AS_OF)
    assert rows(pos.select("period", "total", "overdue")) == [("current", 2, 1), ("previous", 1, 0),
                                                              ("year_ago", 0, 0)]


def test_overview_kpis_a_year_earlier(make_db):
    """The same dates a year before, judged as of their own end: an answer after it is not yet known."""
    path = make_db([
        dict(received_at="2025-03-10 10:00", due_at="2025-03-20 23:59:59", answered_at="2025-04-02 10:00"),
        dict(received_at="2025-03-31 10:00", due_at="2025-04-14 23:59:59"),
        dict(received_at="2025-04-01 10:00"),
        dict(received_at="2026-03-05 10:00"),
    ])
    df = run_query("overview_kpis", db=path, **CUR, **PREV, **ALL, as_of=AS_OF)
    assert rows(df.select("period", "total", "with_deadline", "overdue", "median_response_days")) == [
        ("current", 1, 0, 0, None), ("previous", 0, 0, 0, None), ("year_ago", 2, 2, 1, None)]


def test_trend_by_source(db):
    df = run_query("trend_by_source", db=db, **CUR, **ALL)
    assert rows(df) == [(D(2026, 3, 1), "ПОС «Решаем вместе»", "#1f77b4", 2, False),
                        (D(2026, 3, 1), "Инцидент Менеджмент", "#ff7f0e", 1, False),
                        (D(2026, 3, 1), "Письменные обращения (59-ФЗ)", "#2ca02c", 2, False)]
    late = run_query("trend_by_source", db=db, date_from=D(2026, 2, 15), date_to=D(2026, 3, 31), **ALL)
    assert rows(late.select("month", "channel", "appeals", "partial")) == [
        (D(2026, 2, 1), "Инцидент Менеджмент", 1, True),
        (D(2026, 3, 1), "ПОС «Решаем вместе»", 2, False),
        (D(2026, 3, 1), "Инцидент Менеджмент", 1, False),
        (D(2026, 3, 1), "Письменные обращения (59-ФЗ)", 2, False)]
    # By day (the Обзор page's week and month): the same appeals, one bar a day and channel.
    days = run_query("trend_by_source_daily", db=db, **CUR, **ALL)
    assert rows(days.select("day", "channel", "appeals")) == [
        (D(2026, 3, 2), "ПОС «Решаем вместе»", 1), (D(2026, 3, 5), "ПОС «Решаем вместе»", 1),
        (D(2026, 3, 10), "Инцидент Менеджмент", 1), (D(2026, 3, 20), "Письменные обращения (59-ФЗ)", 1),
        (D(2026, 3, 31), "Письменные обращения (59-ФЗ)", 1)]


def test_top_themes(db):
    df = run_query("top_themes", db=db, **CUR, **PREV, **ALL, limit=10)
    assert rows(df) == [("ЖКХ", 3, 2, 1, 0.6), ("Дороги", 2, 0, 2, 0.4)]
    assert run_query("top_themes", db=db, **CUR, **PREV, **ALL, limit=1).height == 1


def test_top_settlements(db):
    df = run_query("top_settlements", db=db, **CUR, **PREV, **ALL, limit=10)
    assert rows(df) == [("Кызлас", 3, 0, 3, 2.1), ("Аскиз", 2, 2, 0, 0.3)]


def test_heatmap_matrix(db):
    df = run_query("heatmap_matrix", db=db, **CUR, **PREV, **ALL, as_of=AS_OF, min_base=1, top=30, measure="appeals")
    assert rows(df) == [
        ("ЖКХ", "Аскиз", "askiz", 2, 2, 0, 0.29, 50.0, 50.0, 2),
        ("ЖКХ", "Кызлас", "kyzlas", 1, 0, 1, 0.71, None, None, 0),
        ("Дороги", "Кызлас", "kyzlas", 2, 0, 2, 1.43, 50.0, None, 0),
    ]
    # Below the minimum base the shares are not shown; counts stay.
    few = run_query("heatmap_matrix", db=db, **CUR, **PREV, **ALL, as_of=AS_OF, min_base=3, top=30, measure="appeals")
    assert rows(few.select("appeals", "overdue_pct", "dissatisfied_pct")) == [(2, None, None), (1, None, None),
                                                                              (2, None, None)]


def test_appeals_list_cell_and_paging(db):
    args = dict(**CUR, **ALL, as_of=AS_OF, theme="Дороги", subtheme=None, settlement="kyzlas")
    page = run_query("appeals_list", db=db, **args, limit=50, offset=0)
    assert rows(page.select("number", "channel", "status", "overdue", "total")) == [
        ("4", "59-ФЗ", "в работе", False, 2), ("3", "ИМ", "в работе", True, 2)]
    second = run_query("appeals_list", db=db, **args, limit=1, offset=1)
    assert rows(second.select("number", "total")) == [("3", 2)]
    everything = run_query("appeals_list", db=db, **CUR, **ALL, as_of=AS_OF, theme=None, subtheme=None, settlement=None,
                           limit=50, offset=0)
    assert everything["number"].to_list() == ["5", "4", "3", "2", "1"]


def test_runner_checks_parameters_and_names_the_query(db):
    with pytest.raises(QueryError, match=r"«top_themes».*не переданы параметры: limit"):
        run_query("top_themes", db=db, **CUR, **PREV, **ALL)
    with pytest.raises(QueryError, match=r"«data_bounds».*лишние параметры: theme"):
        run_query("data_bounds", db=db, theme="ЖКХ")
    with pytest.raises(QueryError, match=r"Нет запроса «nope»"):
        run_query("nope", db=db)


def test_runner_binds_values_never_pastes_them(db):
    evil = "ЖКХ') OR true --"
    df = run_query("top_themes", db=db, **CUR, **PREV, **ALL | {"themes": [evil]}, limit=10)
    assert df.height == 0


def test_every_query_is_tested():
    """Each queries/*.sql is run by name in some test file (ours or a later issue's)."""
    tested = set()
    for path in (QUERIES_DIR.parent / "tests").glob("test_*.py"):
        tested |= set(re.findall(r"[\"'](\w+)[\"']", path.read_text(encoding="utf-8")))
    untested = sorted(p.stem for p in QUERIES_DIR.glob("*.sql") if p.stem not in tested)
    assert untested == []
    assert query_params("appeals_list") == {"date_from", "date_to", "sources", "themes", "settlements",
                                            "executors", "municipalities", "as_of", "theme", "settlement", "subtheme",
                                            "limit", "offset"}


def test_a_rebuilt_database_is_seen_without_restart(tmp_path):
    """The ETL swaps the file; the next query in the same process reads the new file."""
    from conftest import build_db
    path = build_db(tmp_path / "swap.duckdb", ROWS[:2])
    assert run_query("data_bounds", db=path)["appeals"].item() == 2
    before = path.stat().st_mtime_ns
    build_db(path, ROWS)
    assert path.stat().st_mtime_ns != before
    assert run_query("data_bounds", db=path)["appeals"].item() == 8


def test_heatmap_cell_only_in_the_previous_period_keeps_its_settlement(db):
    df = run_query("heatmap_matrix", db=db, date_from=D(2026, 3, 6), date_to=D(2026, 3, 31),
                   prev_from=D(2026, 2, 8), prev_to=D(2026, 3, 5), **ALL, as_of=AS_OF, min_base=1,
                   top=30, measure="appeals")
    assert rows(df.select("theme", "settlement_id", "appeals", "prev_appeals", "growth")) == [
        ("ЖКХ", "askiz", 0, 4, -4), ("ЖКХ", "kyzlas", 1, 0, 1), ("Дороги", "kyzlas", 2, 0, 2)]


def test_a_rejected_item_is_never_answered_late(make_db):
    late = dict(received_at="2026-03-02 10:00", due_at="2026-03-05 23:59:59", answered_at="2026-03-10 10:00")
    path = make_db([late | {"status": "answered"}, late | {"status": "rejected"}])
    df = run_query("deadlines_kpis", db=path, **CUR, **PREV, **ALL, as_of=AS_OF)
    assert df.filter(df["period"] == "current")["answered_late"].to_list() == [1]
