"""«Now» is the state of the data, not the last appeal (DESIGN.md §4); the demo lives only in the default
database and says «ДЕМО» on every page; any other new database starts empty, with an upload prompt."""
import datetime as dt
import subprocess
from pathlib import Path

import duckdb
import pytest

from etl.__main__ import main
from etl.load import load_file
from mcu.filters import state_day
from mcu.query import run_query
from tests.conftest import DEMO_END, ROOT, build_db

FIX = ROOT / "tests" / "fixtures" / "exports"
PAGES = ["pages/overview.py", "pages/heatmap.py", "pages/deadlines.py", "pages/satisfaction.py",
         "pages/executors.py", "pages/upload.py"]


@pytest.fixture(scope="module")
def city_db(tmp_path_factory):
    import os
    os.environ.setdefault("MCU_SALT", "test-salt")
    db = tmp_path_factory.mktemp("state") / "city.duckdb"
    assert load_file(FIX / "city311_requests.csv", profile=FIX / "city311.toml", db=db).ok
    return db


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def sidebar_text(at) -> str:
    return " ".join(m.value for m in at.sidebar.markdown) + " ".join(c.value for c in at.sidebar.caption)


def test_deadlines_page_open_count_is_the_files_own(city_db, open_app):
    """Answers come up to 12 days after the last request: «now» reaches them, so «Открыто» is the file's 7."""
    at = open_app(city_db, "pages/deadlines.py", period="all")
    assert metric(at, "Открыто") == "7"
    assert metric(at, "Просрочено без ответа") == "3"
    assert at.caption[0].value.startswith("Период: 25.09.2025–01.11.2025 (38 дн.)")
    assert "состояние на 01.11.2025 (последнее событие в данных)" in sidebar_text(at)
    assert "ДЕМО" not in sidebar_text(at)


def test_the_period_picker_reaches_the_state_date(city_db, open_app):
    at = open_app(city_db, "pages/deadlines.py", period="custom", **{"from": "2025-10-01", "to": "2025-11-01"})
    # A link's range is kept within the data: it reaches 01.11, twelve days past the last request.
    assert at.sidebar.date_input(key="f_range").value == (dt.date(2025, 10, 1), dt.date(2025, 11, 1))
    flt = at.session_state["filters"]
    assert (flt.date_to, flt.as_of) == (dt.date(2025, 11, 1), dt.date(2025, 11, 1))


def test_a_past_period_is_judged_as_of_its_own_end(city_db, open_app):
    at = open_app(city_db, "pages/deadlines.py", period="custom", **{"from": "2025-09-25", "to": "2025-10-20"})
    flt = at.session_state["filters"]
    assert (flt.date_to, flt.as_of) == (dt.date(2025, 10, 20), dt.date(2025, 10, 20))
    # As of 20.10 the closings of 24.10–01.11 have not happened yet: 14 open, as counted in test_city311.
    assert metric(at, "Открыто") == "14"


def test_state_day_prefers_the_databases_own_date():
    bounds = {"last_day": dt.date(2026, 11, 25), "state_day": dt.date(2026, 11, 27)}
    assert state_day(bounds, {}) == dt.date(2026, 11, 27)
    assert state_day(bounds, {"as_of": "2026-11-25"}) == dt.date(2026, 11, 25)
    # An export's date older than appeals loaded since no longer describes the data.
    assert state_day(bounds, {"as_of": "2026-11-24"}) == dt.date(2026, 11, 27)


def test_demo_is_marked_in_meta_and_every_page_says_demo(demo_db, open_app):
    assert run_query("database_meta", db=demo_db).rows() == [("as_of", DEMO_END.isoformat()), ("demo", "true")]
    for page in PAGES:
        at = open_app(demo_db, page)
        assert "ДЕМО" in sidebar_text(at), page
        assert "все обращения вымышлены" in sidebar_text(at), page


def test_a_database_built_before_the_meta_table_still_opens(tmp_path, open_app):
    db = build_db(tmp_path / "old.duckdb", [dict(received_at="2026-03-02 10:00")])
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE meta")
    con.close()
    at = open_app(db, "pages/overview.py")
    assert at.title[0].value == "Обзор" and "ДЕМО" not in sidebar_text(at)


def test_a_new_database_path_starts_empty_with_an_upload_prompt(tmp_path, open_app):
    missing = tmp_path / "district.duckdb"
    for page in PAGES:
        at = open_app(missing, page)
        assert not at.error, page
        shown = [i.value for i in at.info] + [i.value for i in at.sidebar.info]
        assert any("Загрузите выгрузку" in v or "загрузите первую выгрузку" in v for v in shown), (page, shown)
    assert not missing.exists()


def test_make_run_builds_the_demo_only_in_the_default_database(tmp_path):
    def plan(**env):
        # -n: print the commands only; -B: as if nothing were built yet (no venv, no database).
        out = subprocess.run(["make", "-n", "-B", "run"], cwd=ROOT, capture_output=True, text=True,
                             env={"PATH": "/usr/bin:/bin", **env})
        return out.stdout
    elsewhere = plan(MCU_DB=str(tmp_path / "district.duckdb"))
    assert "etl demo" not in elsewhere and f"MCU_DB={tmp_path / 'district.duckdb'}" in elsewhere
    assert "etl demo --db data/mcu.duckdb" in plan()
    assert f"etl demo --db {ROOT / 'data' / 'mcu.duckdb'}" in plan(MCU_DB=str(ROOT / "data" / "mcu.duckdb"))


def test_etl_demo_never_replaces_a_database_with_loaded_exports(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MCU_SALT", "test-salt")
    db = tmp_path / "district.duckdb"
    assert load_file(FIX / "city311_requests.csv", profile=FIX / "city311.toml", db=db).ok
    before = db.read_bytes()
    assert main(["demo", "--db", str(db), "--years", "1", "--end", "2026-11-25"]) == 1
    assert "есть загруженные выгрузки" in capsys.readouterr().err
    assert db.read_bytes() == before


def test_etl_demo_goes_to_the_default_path_not_mcu_db(tmp_path, monkeypatch):
    import etl.__main__ as cli
    target = tmp_path / "default.duckdb"
    monkeypatch.setattr(cli, "DEFAULT_DB", target)
    monkeypatch.setenv("MCU_DB", str(tmp_path / "district.duckdb"))
    assert main(["demo", "--years", "1", "--end", "2026-11-25"]) == 0
    assert target.exists() and not (tmp_path / "district.duckdb").exists()
    # Rebuilding the demo over the demo is allowed.
    assert main(["demo", "--years", "1", "--end", "2026-11-25"]) == 0


def test_the_load_may_state_the_exports_own_date(tmp_path, monkeypatch, open_app):
    monkeypatch.setenv("MCU_SALT", "test-salt")
    db = tmp_path / "city.duckdb"
    args = [str(FIX / "city311_requests.csv"), "--profile", str(FIX / "city311.toml"), "--db", str(db)]
    assert main(["load", *args, "--as-of", "2025-10-25"]) == 0
    assert run_query("database_meta", db=db).rows() == [("as_of", "2025-10-25")]
    # As of the export's own day 25.10 the closings of 27.10–01.11 are not in it yet: SR-0014, 28, 30, 31,
    # 32 and 39 are still open — 13 — although the file's rows carry them.
    at = open_app(db, "pages/deadlines.py", period="all")
    assert at.session_state["filters"].as_of == dt.date(2025, 10, 25) and metric(at, "Открыто") == "13"
    assert "состояние на 25.10.2025 (дата выгрузки)" in sidebar_text(at)
    # An older stated date never moves the state back.
    assert main(["load", *args, "--as-of", "2025-10-21"]) == 0
    assert run_query("database_meta", db=db).rows() == [("as_of", "2025-10-25")]
