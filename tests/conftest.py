"""Shared test helpers: small real DuckDB databases built from hand-written rows."""
import contextlib
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import polars as pl
import pytest

from etl.build import new_database

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"

# Defaults for an appeals row; a test gives only what matters to it.
APPEAL_DEFAULTS = {
    "source": "pos", "kind": "сообщение", "appeal_type": None, "received_at": None, "due_at": None,
    "extended": False, "answered_at": None, "closed_at": None, "status": "in_progress", "theme": "ЖКХ",
    "subtheme": None, "settlement_id": "askiz", "address": None, "lat": None, "lon": None,
    "executor_id": "mup_zhkh", "result": None, "solvable": None, "rating": None, "satisfied": None,
    "is_repeat": False, "applicant_hash": None, "text": None, "source_file": "fixture", "source_row": None,
}
APPEAL_SCHEMA = {
    "source": pl.String, "kind": pl.String, "appeal_type": pl.String, "external_id": pl.String,
    "received_at": pl.Datetime("us"), "due_at": pl.Datetime("us"), "extended": pl.Boolean,
    "answered_at": pl.Datetime("us"), "closed_at": pl.Datetime("us"), "status": pl.String, "theme": pl.String,
    "subtheme": pl.String, "settlement_id": pl.String, "address": pl.String, "lat": pl.Float64,
    "lon": pl.Float64, "executor_id": pl.String, "result": pl.String, "solvable": pl.Boolean,
    "rating": pl.Int8, "satisfied": pl.Boolean, "is_repeat": pl.Boolean, "applicant_hash": pl.String,
    "text": pl.String, "source_file": pl.String, "source_row": pl.Int32,
}


def fetch(db, sql, params=None) -> list[tuple]:
    """The rows of one query on a database file, opened read-only as the app opens it."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def all_but_the_import_log(db) -> dict:
    """Every table's rows but the import log's: what a refused file leaves as it was (its attempt is logged)."""
    tables = [t for (t,) in fetch(db, "SELECT table_name FROM duckdb_tables() WHERE table_name <> 'import_log' ORDER BY 1")]
    return {t: sorted(map(repr, fetch(db, f"SELECT * FROM {t}"))) for t in tables}


def copy_reference(folder: Path) -> Path:
    """A private copy of data/reference in `folder`: the curator's choices and corrections are written there,
    never into the repo."""
    ref = folder / "reference"
    shutil.copytree(ROOT / "data" / "reference", ref)
    return ref


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(db: Path, **env: str):
    """The app served on `db` (and the extra environment) on a free local port, as `make run` starts it; yields
    its URL once it answers, stops it after."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mcu.serve", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=os.environ | {"MCU_DB": str(db), **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("Streamlit не запустился за 60 с:\n" + proc.stdout.read().decode(errors="replace")[-2000:])
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:   # a busy machine: the server had no time to stop; it must not outlive us
            proc.kill()
            proc.wait(timeout=30)


def ts(text: str) -> dt.datetime:
    """'2026-05-04 10:00' or '2026-05-04' → datetime."""
    return dt.datetime.fromisoformat(text)


def build_db(path: Path, appeals: list[dict]) -> Path:
    """A real database with the model, reference data, calendar and the given appeals.

    Rows give any appeals columns; received_at/due_at/answered_at may be ISO strings. `due_at` is left
    as given (None stays None) so tests control deadlines exactly.
    """
    rows = []
    for i, row in enumerate(appeals, 1):
        r = APPEAL_DEFAULTS | {"external_id": str(i), "source_row": i} | row
        for col in ("received_at", "due_at", "answered_at", "closed_at"):
            if isinstance(r[col], str):
                r[col] = ts(r[col])
        rows.append(r)
    df = pl.DataFrame(rows, schema=APPEAL_SCHEMA).with_columns(
        appeal_id=pl.format("{}:{}", "source", "external_id"), loaded_at=pl.lit(dt.datetime(2026, 1, 1))
    )
    with new_database(path) as con:
        if df.height:
            cols = ", ".join(df.columns)
            con.execute(f"INSERT INTO appeals ({cols}) SELECT {cols} FROM df")
    return path


DEMO_END = dt.date(2026, 11, 25)
APP = str(ROOT / "app.py")


def demo_appeals(end: dt.date = DEMO_END) -> pl.DataFrame:
    """Every appeal of the demo (seed 42, two years) counted without SQL: the generator's rows and the register of
    letters without themes the demo loads (registered at midnight of their day). Columns received_at, text."""
    from etl.demo import UNTHEMED_LETTERS, generate

    letters = pl.DataFrame({"received_at": [dt.datetime.combine(end - dt.timedelta(days=d), dt.time())
                                            for d, *_ in UNTHEMED_LETTERS],
                            "text": [t for *_, t in UNTHEMED_LETTERS]})
    return pl.concat([generate(seed=42, years=2, end=end).select("received_at", "text"),
                      letters.cast({"received_at": pl.Datetime("us")})])


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """The demo database (seed 42, fixed end date), built once per run; tests only read it."""
    from etl.demo import build_demo
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(path, seed=42, years=2, end=DEMO_END)
    return path


@pytest.fixture
def open_app(monkeypatch):
    """open_app(db, page=None, **url) → an AppTest of app.py on `db`, opened with the URL's query string
    and switched to `page`; it has run without an exception."""
    from streamlit.testing.v1 import AppTest

    def open_(db, page=None, **query):
        monkeypatch.setenv("MCU_DB", str(db))
        at = AppTest.from_file(APP, default_timeout=60)
        for k, v in query.items():
            at.query_params[k] = v
        at.run()
        if page:
            at.switch_page(page)
            at.run()
        assert not at.exception, at.exception
        return at
    return open_


@pytest.fixture
def make_db(tmp_path):
    """make_db(rows) → path of a fresh fixture database."""
    counter = iter(range(1000))
    return lambda rows, name=None: build_db(tmp_path / (name or f"fx{next(counter)}.duckdb"), rows)


@pytest.fixture(autouse=True)
def _clear_streamlit_cache():
    # st.cache_data survives between AppTest runs in one pytest process.
    import streamlit as st

    st.cache_data.clear()
    yield


@pytest.fixture(autouse=True)
def _apptest_navigation_with_pages_folder(monkeypatch):
    """AppTest resets Streamlit's "legacy pages/ folder" flag before every run, so with our (required)
    `pages/` folder each rerun after the first executes the page file alone, skipping app.py and its
    st.navigation. The real server sets the flag once and st.navigation clears it; do the same here."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import app_test

    class NavigationPagesManager(PagesManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    monkeypatch.setattr(app_test, "PagesManager", NavigationPagesManager)


# Property tests explore the same examples on every run, so CI never fails on a one-off draw.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("stable", derandomize=True)
_hypothesis_settings.load_profile("stable")
