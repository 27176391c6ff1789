"""The model's DDL and the demo generator."""
import datetime as dt

import duckdb
import polars as pl
import pytest

from etl.build import new_database
from etl.demo import PLANTED_HOT_SPOTS, generate
from etl.reference import REFERENCE_TABLES, read_reference

END = dt.date(2026, 11, 25)
MODEL_TABLES = {"appeals", "settlements", "settlement_aliases", "executors", "themes", "theme_aliases", "votes",
                "vote_options", "calendar", "import_log", "import_rejects"}


@pytest.fixture(scope="module")
def demo():
    return generate(seed=42, years=2, end=END)


def test_ddl_creates_every_table_of_the_model(tmp_path):
    with new_database(tmp_path / "m.duckdb") as con:
        pass
    con = duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True)
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert MODEL_TABLES <= tables
    for table in REFERENCE_TABLES:
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == read_reference(table).height
    assert con.execute("SELECT count(*) FROM themes").fetchone()[0] == 18
    assert con.execute("SELECT count(*) FROM settlements WHERE population > 0").fetchone()[0] == 14
    assert con.execute("SELECT min(day), max(day) FROM calendar").fetchone() == (dt.date(2015, 1, 1),
                                                                                  dt.date(2030, 12, 31))


def test_failed_build_leaves_existing_file_untouched(tmp_path):
    path = tmp_path / "m.duckdb"
    path.write_bytes(b"previous")
    with pytest.raises(RuntimeError):
        with new_database(path) as con:
            con.execute("SELECT 1")
            raise RuntimeError("boom")
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_concurrent_updates_both_land(tmp_path):
    """Two loads at once (two browser sessions) must not drop each other's rows."""
    import threading

    from etl.build import update_database
    path = tmp_path / "m.duckdb"
    with new_database(path):
        pass

    def add(code):
        with update_database(path) as con:
            con.execute("INSERT INTO executors VALUES (?, ?, NULL)", [code, code])

    threads = [threading.Thread(target=add, args=(f"x{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    con = duckdb.connect(str(path), read_only=True)
    assert sorted(r[0] for r in con.execute("SELECT executor_id FROM executors WHERE executor_id LIKE 'x%'").fetchall()) \
        == ["x0", "x1", "x2", "x3"]


def test_demo_is_deterministic_for_seed_and_end(demo):
    again = generate(seed=42, years=2, end=END)
    assert demo.equals(again)
    other = generate(seed=7, years=2, end=END)
    assert not demo.equals(other)
    assert demo.height != other.height or demo["received_at"].to_list() != other["received_at"].to_list()


def test_demo_built_today_holds_no_appeal_received_later_today():
    # A demo built at 16:50 showed appeals received at 23:59 the same day: it ends yesterday when not told.
    today = dt.date.today()
    latest = generate(seed=42, years=1).select(pl.col("received_at").max()).item()
    assert latest < dt.datetime.combine(today, dt.time()), latest
    assert latest.date() == today - dt.timedelta(days=1)


def test_demo_holds_no_event_after_its_state_date(demo):
    # A tester found closures up to 28.11 in a demo whose state date was 26.11: an appeal is answered and closed by
    # the end of the demo's last day, or it is still open.
    state = dt.datetime.combine(END + dt.timedelta(days=1), dt.time())
    for col in ("received_at", "answered_at", "closed_at"):
        assert demo.filter(pl.col(col) >= state).height == 0, col
    assert set(demo.filter(pl.col("closed_at").is_not_null())["status"]) == {"closed", "rejected"}


def test_demo_shape(demo):
    assert 14_000 <= demo.height <= 16_500
    assert demo["appeal_id"].n_unique() == demo.height
    assert set(demo["source"].unique()) == {"pos", "im", "letters"}
    assert demo["received_at"].min() >= dt.datetime(2024, 11, 26)
    assert demo["received_at"].max() < dt.datetime(2026, 11, 26)
    # Only ПОС carries coordinates; every answered item has an answer after receipt.
    assert demo.filter(pl.col("lat").is_not_null())["source"].unique().to_list() == ["pos"]
    assert demo.filter(pl.col("answered_at") < pl.col("received_at")).height == 0
    assert set(demo["status"].unique()) == {"new", "in_progress", "answered", "closed", "rejected"}


def test_demo_seasonality(demo):
    by_month = demo.filter(pl.col("subtheme") == "Очистка дорог от снега и наледи").group_by(
        pl.col("received_at").dt.month().alias("m")).len()
    counts = dict(by_month.iter_rows())
    assert counts.get(1, 0) > 10 * counts.get(7, 0)


def test_demo_late_answers_concentrate_in_few_executors(demo):
    late = (demo.filter(pl.col("answered_at").is_not_null())
            .group_by("executor_id").agg(late=(pl.col("answered_at") > pl.col("due_at")).mean())
            .sort("late", descending=True))
    assert set(late["executor_id"][:3]) == {"mup_zhkh", "dor_otdel", "tko_operator"}
    assert late["late"][3] < 0.12


def test_planted_hot_spots_are_in_the_data(demo):
    for spot in PLANTED_HOT_SPOTS:
        rows = demo.filter(pl.col("spot") == spot.key)
        assert rows.height == spot.count
        assert rows["settlement_id"].unique().to_list() == [spot.settlement_id]
        assert rows["subtheme"].unique().to_list() == [spot.subtheme]
        assert rows["received_at"].min().date() >= END - dt.timedelta(days=spot.days_before_end)


def test_water_hot_spot_is_a_sharp_rise(demo):
    spot = PLANTED_HOT_SPOTS[0]
    cell = demo.filter((pl.col("settlement_id") == spot.settlement_id) & (pl.col("subtheme") == spot.subtheme))
    last_q = cell.filter(pl.col("received_at") >= dt.datetime(2026, 8, 28)).height
    prev_q = cell.filter(pl.col("received_at").is_between(dt.datetime(2026, 5, 29), dt.datetime(2026, 8, 28),
                                                          closed="left")).height
    assert last_q >= 3 * prev_q


def test_road_hot_spot_repeats_and_dissatisfaction(demo):
    spot = next(s for s in PLANTED_HOT_SPOTS if s.key == "road_ust_kamyshta")
    rows = demo.filter(pl.col("spot") == spot.key)
    assert rows["is_repeat"].mean() > 0.5
    assert rows["satisfied"].drop_nulls().mean() < 0.3
    assert rows["address"].unique().to_list() == ["ул. Набережная"]


def test_schema_upgrades_an_older_database(tmp_path):
    """A load into a database built before a table existed adds it, keeping every row."""
    from etl.build import update_database
    from etl.load import sync_reference
    path = tmp_path / "old.duckdb"
    with new_database(path) as con:
        con.execute("INSERT INTO executors VALUES ('keep', 'Старый исполнитель', NULL)")
        con.execute("DROP TABLE sources")
    with update_database(path) as con:
        sync_reference(con)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT count(*) FROM sources").fetchone()[0] == 4
    assert con.execute("SELECT name FROM executors WHERE executor_id = 'keep'").fetchone() == ("Старый исполнитель",)
    assert con.execute("SELECT source_label('im')").fetchone() == ("Инцидент Менеджмент",)
