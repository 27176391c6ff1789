"""Facts the ETL stores beside the appeals (etl.build.refresh_derived) agree with their definitions in
schema.sql after every load, however little a load changes: the stored table is only patched."""
import duckdb
import pytest

from etl.load import load_file
from tests.test_load_merge import FULL, HEADER, write_csv


@pytest.fixture(autouse=True)
def salt(monkeypatch):
    monkeypatch.setenv("MCU_SALT", "test-salt")


def repeats(db):
    con = duckdb.connect(str(db), read_only=True)
    try:
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
