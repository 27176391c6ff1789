"""Facts the ETL stores beside the appeals (etl.build.refresh_derived) agree with their definitions in
schema.sql after every load, however little a load changes: only the rows that differ are written.
And what the queries read from them is what the calendar joins they replaced gave (issue 13), on the demo
data and on the monitoring fixture across the May and New Year holidays."""
import datetime as dt

import duckdb
import pytest

from etl.load import load_file
from tests import test_monitoring_queries as monitoring
from tests.conftest import DEMO_END, build_db
from tests.test_load_merge import FULL, HEADER, write_csv


@pytest.fixture(autouse=True)
def salt(monkeypatch):
    monkeypatch.setenv("MCU_SALT", "test-salt")


def repeats(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert stored_work_days_differ(con) == 0
        stored = con.execute("SELECT * FROM appeal_repeats ORDER BY appeal_id").fetchall()
        live = con.execute("SELECT * FROM appeal_repeats_live ORDER BY appeal_id").fetchall()
    finally:
        con.close()
    assert stored == live
    return {a: r for a, _, _, r in stored}


def test_stored_repeats_follow_every_load(tmp_path):
    db = tmp_path / "mcu.duckdb"
    load_file(write_csv(tmp_path / "a.csv", HEADER, FULL), db=db, source="pos")
    assert repeats(db) == {"pos:P-1": False, "pos:P-2": False, "pos:P-3": False}
    # The same pothole at the same address a month later: a repeat of P-1.
    again = [["P-4", "10.02.2025 09:00", *FULL[0][2:4], "В работе", "", "", "", "", *FULL[0][9:12], "", "", "Снова яма",
              "", "нет"]]
    load_file(write_csv(tmp_path / "b.csv", HEADER, again), db=db, source="pos")
    assert repeats(db) == {"pos:P-1": False, "pos:P-2": False, "pos:P-3": False, "pos:P-4": True}
    # A newer state of P-4 at another address: no longer the same problem.
    moved = [[*again[0][:4], "Ответ дан", "", "12.02.2025 10:00", "", "", *FULL[0][9:11], "ул. Ленина, 40", "", "",
              "Снова яма", "", "нет"]]
    load_file(write_csv(tmp_path / "c.csv", HEADER, moved), db=db, source="pos")
    assert repeats(db) == {"pos:P-1": False, "pos:P-2": False, "pos:P-3": False, "pos:P-4": False}


def stored_work_days_differ(con) -> int:
    """Appeals whose stored working-day indexes differ from their definition (appeal_work_days_live)."""
    return con.execute("""
        SELECT count(*) FROM appeals a JOIN appeal_work_days_live l USING (appeal_id)
        WHERE (a.received_widx, a.due_widx, a.answered_widx)
              IS DISTINCT FROM (l.received_widx, l.due_widx, l.answered_widx)""").fetchone()[0]


# The deadline figures as appeals_due / appeals_x computed them before issue 13, joining the calendar row by
# row (the masked answer of appeals_at included), beside what they give now from the stored facts.
BY_CALENDAR = """
SELECT count(*) AS appeals,
       count(*) FILTER (WHERE a.at_risk) AS at_risk,
       count(a.overdue_work_days) AS overdue,
       count(a.work_days_left) AS open_in_time,
       count(a.response_work_days) AS answered,
       count(*) FILTER (WHERE a.repeated) AS repeated,
       count(*) FILTER (WHERE
           a.at_risk IS DISTINCT FROM coalesce(a.is_open AND NOT a.overdue AND cd.work_idx <= cn.work_idx + 2, false)
           OR a.overdue_work_days IS DISTINCT FROM
              CASE WHEN a.overdue THEN greatest(coalesce(ca.work_idx, cn.work_idx) - cd.work_idx, 0) END
           OR a.work_days_left IS DISTINCT FROM CASE WHEN a.is_open AND NOT a.overdue THEN cd.work_idx - cn.work_idx END
           OR a.response_work_days IS DISTINCT FROM ca.work_idx - cr.work_idx
           OR a.repeated IS DISTINCT FROM r.repeated) AS differ
FROM appeals_due(DATE '2000-01-01', $as_of, NULL, NULL, NULL, NULL, NULL, $as_of) a
LEFT JOIN calendar cn ON cn.day = $as_of
LEFT JOIN calendar cd ON cd.day = CAST(a.due_at AS DATE)
LEFT JOIN calendar ca ON ca.day = CAST(a.answered_at AS DATE)
LEFT JOIN calendar cr ON cr.day = CAST(a.received_at AS DATE)
JOIN appeal_repeats_live r USING (appeal_id)
"""


def by_calendar(db, as_of: dt.date) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert stored_work_days_differ(con) == 0
        row = con.execute(BY_CALENDAR, {"as_of": as_of}).fetchone()
    finally:
        con.close()
    return dict(zip(["appeals", "at_risk", "overdue", "open_in_time", "answered", "repeated", "differ"], row))


@pytest.fixture(scope="module")
def holidays_db(tmp_path_factory):
    return build_db(tmp_path_factory.mktemp("derived") / "fx.duckdb", monitoring.rows())


@pytest.mark.parametrize("as_of, expected", [
    # Fri 08.05.2026, before the 09–11.05 holidays: due 12.05 / 13.05 are at risk, answers across 1–3.05.
    (dt.date(2026, 5, 8), {"appeals": 30, "at_risk": 3, "overdue": 5, "open_in_time": 5, "answered": 18,
                           "repeated": 4, "differ": 0}),
    # Sun 26.04.2026, a day off: as of it, later answers are not known yet.
    (dt.date(2026, 4, 26), {"appeals": 16, "at_risk": 1, "overdue": 1, "open_in_time": 2, "answered": 11,
                            "repeated": 0, "differ": 0}),
    # Tue 13.01.2026, after the New Year days off 31.12–11.01.
    (dt.date(2026, 1, 13), {"appeals": 7, "at_risk": 0, "overdue": 0, "open_in_time": 0, "answered": 7,
                            "repeated": 0, "differ": 0}),
])
def test_stored_facts_give_what_the_calendar_gave_across_holidays(holidays_db, as_of, expected):
    assert by_calendar(holidays_db, as_of) == expected


def test_stored_facts_give_what_the_calendar_gave_on_the_demo(demo_db):
    for as_of in (DEMO_END, dt.date(2026, 1, 11), dt.date(2025, 5, 10)):
        figures = by_calendar(demo_db, as_of)
        assert figures["differ"] == 0, as_of
        assert figures["at_risk"] and figures["overdue"] and figures["answered"] and figures["repeated"], figures


def test_an_older_appeal_changed_later_recomputes_the_ones_after_it(tmp_path):
    """The refresh recomputes repeats only from the earliest changed appeal on: a change to an appeal (its date,
    its address) must still reach the appeals after it, and one three years earlier is still no repeat's cause."""
    db = tmp_path / "mcu.duckdb"

    def pothole(ext, received, address="ул. Ленина, 5"):
        # an open pothole message at `address` in FULL[0]'s settlement and subtheme
        return [ext, received, *FULL[0][2:4], "В работе", "", "", "", "", *FULL[0][9:11], address, "", "", "Яма", "",
                "нет"]

    load_file(write_csv(tmp_path / "a.csv", HEADER, [pothole("P-0", "10.01.2022 09:00"),
                                                     pothole("P-1", "10.01.2025 09:15"),
                                                     pothole("P-4", "10.02.2025 09:00")]), db=db, source="pos")
    assert repeats(db) == {"pos:P-0": False, "pos:P-1": False, "pos:P-4": True}
    # P-1 is dated after P-4 (a load moves a date only forward): P-1 becomes the repeat and P-4 is not one any
    # more, though P-4 lies before P-1's new date (the recomputation starts from P-1's old one).
    load_file(write_csv(tmp_path / "b.csv", HEADER, [pothole("P-1", "20.02.2025 09:00")]), db=db, source="pos")
    assert repeats(db) == {"pos:P-0": False, "pos:P-1": True, "pos:P-4": False}
    # P-4 (10.02) moves to another address: P-1 after it has no earlier appeal at its address within 90 days.
    load_file(write_csv(tmp_path / "c.csv", HEADER, [pothole("P-4", "10.02.2025 09:00", "ул. Ленина, 40")]), db=db,
              source="pos")
    assert repeats(db) == {"pos:P-0": False, "pos:P-1": False, "pos:P-4": False}


def test_a_database_an_older_version_wrote_is_upgraded_once_before_the_app_reads_it(tmp_path):
    from etl.build import schema_version, upgrade

    db = tmp_path / "mcu.duckdb"
    load_file(write_csv(tmp_path / "a.csv", HEADER, FULL), db=db, source="pos")
    # As an older version left it: no schema mark, the stored facts not filled.
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM meta WHERE key = 'schema'")
    con.execute("UPDATE appeals SET received_widx = NULL, due_widx = NULL, answered_widx = NULL, same_problem = NULL, "
                "repeat_basis = NULL, repeat_received_at = NULL")
    con.close()
    assert upgrade(db) is True
    assert repeats(db) == {"pos:P-1": False, "pos:P-2": False, "pos:P-3": False}
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == (schema_version(),)
    assert con.execute("SELECT count(*) FROM appeals WHERE received_widx IS NULL").fetchone() == (0,)
    con.close()
    # A current database is left alone: not even rewritten.
    mtime = db.stat().st_mtime_ns
    assert upgrade(db) is False and db.stat().st_mtime_ns == mtime
    assert upgrade(tmp_path / "none.duckdb") is False and not (tmp_path / "none.duckdb").exists()


def test_upgrade_leaves_alone_what_it_cannot_open_and_upgrades_a_database_without_meta(tmp_path):
    from etl.build import upgrade

    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database at all" * 100)
    assert upgrade(junk) is False and junk.read_bytes() == b"not a database at all" * 100
    db = tmp_path / "mcu.duckdb"
    load_file(write_csv(tmp_path / "a.csv", HEADER, FULL), db=db, source="pos")
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE meta")
    con.close()
    assert upgrade(db) is True and upgrade(db) is False


def test_an_appeal_loaded_late_makes_the_ones_after_it_repeats_up_to_90_days_on(tmp_path):
    """The refresh recomputes repeats only up to 92 days after the latest changed appeal: an appeal that arrives in
    a later file but was received earlier is the predecessor of stored appeals after it, up to 90 days on."""
    db = tmp_path / "mcu.duckdb"

    def pothole(ext, received):
        return [ext, received, *FULL[0][2:4], "В работе", "", "", "", "", *FULL[0][9:11], "ул. Ленина, 7", "", "", "Яма",
                "", "нет"]

    load_file(write_csv(tmp_path / "a.csv", HEADER, [pothole("P-5", "01.05.2025 09:00"),
                                                     pothole("P-6", "20.08.2025 09:00"),
                                                     pothole("P-8", "15.12.2025 09:00")]), db=db, source="pos")
    assert repeats(db) == {"pos:P-5": False, "pos:P-6": False, "pos:P-8": False}
    # P-7 (10.06) lies between them: 40 days after P-5, and P-6 is 71 days after it; P-8 is 117 days after P-6.
    load_file(write_csv(tmp_path / "b.csv", HEADER, [pothole("P-7", "10.06.2025 09:00")]), db=db, source="pos")
    assert repeats(db) == {"pos:P-5": False, "pos:P-6": True, "pos:P-7": True, "pos:P-8": False}


def test_an_appeals_table_with_the_old_primary_key_is_copied_once_without_it(tmp_path):
    """Before issue 13 appeal_id was a primary key; DuckDB cannot drop one, so the schema's first application
    copies the table (rows, their order and stored facts kept) and every later load writes it without one."""
    from etl.build import apply_schema

    db = tmp_path / "mcu.duckdb"
    load_file(write_csv(tmp_path / "a.csv", HEADER, FULL), db=db, source="pos")
    con = duckdb.connect(str(db))
    before = con.execute("SELECT * FROM appeals ORDER BY rowid").fetchall()
    # The same table as an older version made it: with the key.
    ddl = con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'appeals'").fetchone()[0]
    assert "appeal_id VARCHAR NOT NULL," in ddl
    con.execute("ALTER TABLE appeals RENAME TO appeals_now")
    con.execute(ddl.replace("appeal_id VARCHAR NOT NULL,", "appeal_id VARCHAR PRIMARY KEY,"))
    con.execute("INSERT INTO appeals BY NAME SELECT * FROM appeals_now")
    con.execute("DROP TABLE appeals_now")
    key = "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'appeals' AND constraint_type = 'PRIMARY KEY'"
    assert con.execute(key).fetchone() == (1,)
    apply_schema(con)
    assert con.execute(key).fetchone() == (0,)
    assert con.execute("SELECT * FROM appeals ORDER BY rowid").fetchall() == before
    apply_schema(con)   # once: a table without the key is left as it is
    assert con.execute("SELECT * FROM appeals ORDER BY rowid").fetchall() == before
    con.close()
    again = [["P-4", "10.02.2025 09:00", *FULL[0][2:4], "В работе", "", "", "", "", *FULL[0][9:12], "", "", "Снова яма",
              "", "нет"]]
    load_file(write_csv(tmp_path / "b.csv", HEADER, again), db=db, source="pos")
    assert repeats(db) == {"pos:P-1": False, "pos:P-2": False, "pos:P-3": False, "pos:P-4": True}


def test_an_upgrade_recomputes_day_indexes_another_version_stored(tmp_path):
    # refresh_derived computes day indexes only for rows without one; a database another version wrote may hold
    # indexes by another definition (or a calendar since corrected): the upgrade empties them once, all recomputed.
    from etl.build import upgrade

    db = tmp_path / "mcu.duckdb"
    load_file(write_csv(tmp_path / "a.csv", HEADER, FULL), db=db, source="pos")
    con = duckdb.connect(str(db))
    right = con.execute("SELECT appeal_id, received_widx, due_widx, answered_widx FROM appeals ORDER BY 1").fetchall()
    con.execute("UPDATE meta SET value = 'older-version' WHERE key = 'schema'")
    con.execute("UPDATE appeals SET received_widx = received_widx + 7, due_widx = due_widx + 7")
    con.close()
    assert upgrade(db) is True
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT appeal_id, received_widx, due_widx, answered_widx FROM appeals ORDER BY 1").fetchall() == right
    con.close()


def test_the_inserts_calendar_lookup_is_the_calendar_join(tmp_path):
    """etl.write takes a new row's day indexes by work_idx_in (a lookup by the day's place in the calendar, which
    keeps the insert's order): for every moment from before the calendar's first day to after its last, at any
    time of day, and for none, it gives the calendar's own work_idx of that day (NULL outside the calendar)."""
    from etl.build import new_database
    from etl.write import _day_indexes
    db = tmp_path / "mcu.duckdb"
    with new_database(db) as con:
        select, params = _day_indexes(con, "m")
        differ, inside, outside = con.execute(f"""
            WITH m AS (SELECT d + INTERVAL 17 HOUR + INTERVAL 59 MINUTE AS received_at, d AS due_at,
                              CASE WHEN day(d) <> 13 THEN d END AS answered_at
                       FROM range(TIMESTAMP '2014-12-20', TIMESTAMP '2031-01-10', INTERVAL 1 DAY) t(d)),
                 got AS (SELECT m.*, [{select}] AS idx FROM m)
            SELECT count(*) FILTER (WHERE idx IS DISTINCT FROM [cr.work_idx, cd.work_idx, ca.work_idx]),
                   count(cr.work_idx), count(*) FILTER (WHERE idx[1] IS NULL)
            FROM got
            LEFT JOIN calendar cr ON cr.day = CAST(got.received_at AS DATE)
            LEFT JOIN calendar cd ON cd.day = CAST(got.due_at AS DATE)
            LEFT JOIN calendar ca ON ca.day = CAST(got.answered_at AS DATE)""", params).fetchone()
    assert (differ, inside, outside) == (0, 5844, 12 + 9)
