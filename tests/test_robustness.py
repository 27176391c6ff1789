"""Nothing lost, nothing left behind, nothing exposed (issue 7, items 8, 10, 11 and the repeatable checks).

- Uploads, killed loads and replaced database files leave nothing on disk or open.
- A load killed with SIGKILL at any point, a full disk, and two or three loads at once leave the previous
  database byte for byte as it was (or add every row of every file), account for every row, and leave no
  temporary file once the next writer (or the server's start) has looked.
- The server listens on 127.0.0.1 unless asked, and imports what the pages need before it serves.
"""
import hashlib
import os
import resource
import signal
import subprocess
import sys
import textwrap
import threading
import time
import tomllib
import urllib.request
from pathlib import Path

import duckdb
import pytest

from conftest import free_port
from bench.__main__ import write_pos_export
from etl.build import remove_stale, update_database
from etl.load import load_file
from mcu import uploads
from mcu.query import run_query

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "exports"
ENV = os.environ | {"MCU_SALT": "test-salt", "PYTHONDONTWRITEBYTECODE": "1"}


@pytest.fixture(autouse=True)
def _salt(monkeypatch):
    monkeypatch.setenv("MCU_SALT", "test-salt")   # never create data/salt.key from a test


def export(path: Path, rows: int, prefix: str) -> Path:
    """A ПОС export (the benchmark's shape) whose message numbers start with `prefix`, so files don't overlap."""
    write_pos_export(path, rows)
    head, *body = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([head, *(prefix + line for line in body)]) + "\n", encoding="utf-8")
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(db: Path) -> list[str]:
    """Everything beside the database but the database and its writer lock."""
    return sorted(p.name for p in db.parent.iterdir() if p.name not in (db.name, f".{db.name}.lock"))


def counts(db: Path) -> tuple[int, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        appeals = con.execute("SELECT count(*) FROM appeals").fetchone()[0]
        log = con.execute("SELECT file_name, rows_read, loaded, updated, duplicate, rejected FROM import_log "
                          "ORDER BY import_id").fetchall()
    finally:
        con.close()
    return appeals, log


def accounted(log: list[tuple]) -> bool:
    return all(read == loaded + updated + dup + rejected for _, read, loaded, updated, dup, rejected in log)


@pytest.fixture
def base(tmp_path):
    """A database with one loaded file (300 rows, ids A…) and a second export (200 rows, ids B…) to load."""
    folder = tmp_path / "db"
    folder.mkdir()
    db = folder / "mcu.duckdb"
    report = load_file(export(tmp_path / "a.csv", 300, "A"), db=db)
    assert report.ok and report.loaded == 300
    return db, export(tmp_path / "b.csv", 200, "B")


# --- item 8: uploads, temp databases, open files -------------------------------------------------------

def test_upload_page_keeps_no_copy_of_the_file(tmp_path, monkeypatch):
    import tempfile

    from streamlit.testing.v1 import AppTest

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("MCU_DB", str(tmp_path / "mcu.duckdb"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/upload.py").run()
    data = (FIX / "pos_messages_cp1251.csv").read_bytes()
    at.file_uploader(key="upload_files").set_value([("pos_messages_cp1251.csv", data, "text/csv")]).run()
    assert not at.exception
    assert at.dataframe[0].value["Значение"].to_list()[0] == "pos_messages_cp1251.csv"   # detected
    assert list(scratch.iterdir()) == []
    at.button(key="upload_go").click().run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Новых"] == "4"
    assert list(scratch.iterdir()) == []


def test_upload_folders_of_a_dead_server_are_removed_and_live_ones_kept(tmp_path):
    stale = tmp_path / f"{uploads.PREFIX}dead"
    stale.mkdir()
    (stale / "upload.csv").write_text("Иванов;+79130000000", encoding="utf-8")
    with uploads.saved("выгрузка.CSV", b"a;b\n1;2\n", root=tmp_path) as live:
        assert live.read_bytes() == b"a;b\n1;2\n" and live.name == "upload.csv"
        assert oct(live.parent.stat().st_mode & 0o777) == "0o700"
        assert uploads.remove_stale(tmp_path) == [stale]
        assert live.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_no_temp_database(base):
    db, _ = base
    before = sha(db)
    with pytest.raises(RuntimeError):
        with update_database(db) as con:
            con.execute("DELETE FROM appeals")
            raise RuntimeError("сбой посреди загрузки")
    assert sha(db) == before and leftovers(db) == []


def test_temp_databases_of_a_killed_writer_go_at_start_but_not_while_a_writer_runs(base):
    db, _ = base
    orphans = [db.with_name(f".{db.name}.0123abcd.tmp"), db.with_name(f".{db.name}.0123abcd.tmp.wal")]
    for p in orphans:
        p.write_bytes(b"x" * 1000)
    # A writer holds the lock (another process): its files are not touched.
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import fcntl, sys, time
        f = open({str(db.with_name(f'.{db.name}.lock'))!r}, "w")
        fcntl.flock(f, fcntl.LOCK_EX)
        print("locked", flush=True)
        time.sleep(60)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert remove_stale(db) == [] and all(p.exists() for p in orphans)
    finally:
        holder.kill()
        holder.wait()
    assert remove_stale(db) == sorted(orphans)
    assert leftovers(db) == []


def deleted_open_files() -> list[str]:
    """Files this process holds open that were deleted (a replaced database still taking disk space)."""
    out = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.endswith(" (deleted)") and "duckdb" in target:
            out.append(target)
    return out


def test_replaced_database_files_are_closed(base, tmp_path):
    db, second = base
    assert run_query("import_history", db=db)["rows_read"].sum() == 300
    for i, rows in enumerate((20, 30, 40)):
        assert load_file(export(tmp_path / f"c{i}.csv", rows, f"C{i}-"), db=db).ok
        run_query("import_history", db=db)
    assert run_query("import_history", db=db)["rows_read"].sum() == 390
    assert deleted_open_files() == []


def test_queries_running_while_the_file_is_replaced_never_fail(base, tmp_path):
    db, _ = base
    errors, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            try:
                assert run_query("import_history", db=db).height >= 1
            except Exception as e:  # noqa: BLE001 — any failure is the finding
                errors.append(repr(e))

    threads = [threading.Thread(target=reader) for _ in range(6)]
    for t in threads:
        t.start()
    try:
        for i in range(4):
            assert load_file(export(tmp_path / f"d{i}.csv", 50, f"D{i}-"), db=db).ok
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert run_query("import_history", db=db).height == 5
    assert deleted_open_files() == []


# --- items 10 and 11: the server ------------------------------------------------------------------------

def test_default_config_binds_localhost(monkeypatch):
    from mcu.serve import listen_args

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    monkeypatch.delenv("MCU_LISTEN", raising=False)
    assert listen_args(["--server.port", "8501"]) == ["--server.address", "127.0.0.1"]
    monkeypatch.setenv("MCU_LISTEN", "0.0.0.0")
    assert listen_args([]) == ["--server.address", "0.0.0.0"]
    assert listen_args(["--server.address", "10.0.0.5"]) == []
    make = lambda **env: subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True,
                                        env={k: v for k, v in os.environ.items() if k != "MCU_LISTEN"} | env).stdout
    assert "-m mcu.serve --server.port 8501 --server.address 127.0.0.1" in make()
    assert "--server.address 0.0.0.0" in make(MCU_LISTEN="0.0.0.0")


def listening(port: int) -> list[str]:
    """Local addresses (hex, as /proc/net/tcp writes them) with a socket listening on `port`."""
    out = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                out.append(local.rsplit(":", 1)[0])
    return out


def test_server_start_listens_on_localhost_only_and_removes_what_a_crash_left(tmp_path, base):
    """Started from another folder (so .streamlit/config.toml is not read), with no address given."""
    db, _ = base
    scratch = tmp_path / "tmp"
    stale = [db.with_name(f".{db.name}.feedbeef.tmp"), scratch / f"{uploads.PREFIX}crashed" / "upload.csv"]
    for p in stale:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("Иванов Иван, +79130000000", encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "mcu.serve", "--server.port", str(port)], cwd=scratch,
                            env=ENV | {"MCU_DB": str(db), "PYTHONPATH": str(ROOT), "TMPDIR": str(scratch)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not listening(port) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=10).read() == b"ok"
        assert listening(port) == ["0100007F"]   # 127.0.0.1 only: no 0.0.0.0, no ::
        assert leftovers(db) == [] and list(scratch.iterdir()) == []
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_page_imports_are_done_before_serving():
    """In a fresh interpreter, preload() leaves nothing for a page's first run to import concurrently."""
    script = textwrap.dedent("""
        import sys
        from mcu.serve import page_modules, preload
        done = preload()
        need = ["pandas", "pyarrow", "plotly.express", "plotly.graph_objects", "pydeck", "polars", "duckdb",
                "mcu.charts", "mcu.charts_monitoring", "mcu.filters", "mcu.ui", "mcu.growth", "etl.load"]
        print(sorted(set(need + page_modules()) - set(sys.modules)))
        print(all(m in done for m in need))
        """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=ENV, capture_output=True, text=True,
                         timeout=120)
    assert out.stdout.splitlines()[-2:] == ["[]", "True"], out.stderr[-2000:]


# --- the repeatable checks: kill -9, loads at once, a full disk ------------------------------------------

# Runs the CLI loader, killing itself with SIGKILL at one point of the load: a real kill -9, placed exactly.
KILLER = textwrap.dedent("""
    import os, shutil, signal, sys
    import etl.build as build, etl.load as load
    from etl.__main__ import main

    point, export, db = sys.argv[1:4]
    die = lambda: os.kill(os.getpid(), signal.SIGKILL)

    def after(module, name):
        original = getattr(module, name)
        def wrapped(*a, **k):
            result = original(*a, **k)
            die()
        setattr(module, name, wrapped)

    if point == "copying":            # half the old database copied
        def half_copy(src, dst):
            with open(src, "rb") as s, open(dst, "wb") as d:
                d.write(s.read(os.path.getsize(src) // 2))
                d.flush()
            die()
        shutil.copyfile = half_copy
    elif point == "opened":           # the copy opened by DuckDB
        after(build.duckdb, "connect")
    elif point == "written":          # appeals upserted, nothing committed
        after(load, "_write_appeals")
    elif point == "derived":          # repeat appeals recomputed
        after(build, "refresh_derived")
    elif point == "before_swap":      # checkpointed and closed, not yet swapped in
        os.replace = lambda *a: die()
    elif point == "swapped":          # the new file in place
        after(build.os, "replace")
    sys.exit(main(["load", export, "--db", db]))
""")
KILL_POINTS = ["copying", "opened", "written", "derived", "before_swap", "swapped"]


@pytest.mark.slow
def test_kill_9_at_every_point_of_a_load(base, tmp_path):
    db, second = base
    for i, point in enumerate(KILL_POINTS):
        before, (appeals, log) = sha(db), counts(db)
        run = subprocess.run([sys.executable, "-c", KILLER, point, str(second), str(db)], cwd=ROOT, env=ENV,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == -signal.SIGKILL, (point, run.stderr[-2000:])
        if point == "swapped":      # killed after the swap: the load is complete, every row in
            new_appeals, new_log = counts(db)
            assert new_appeals == appeals + 200 and new_log[-1] == ("b.csv", 200, 200, 0, 0, 0)
        else:
            assert sha(db) == before, point
            assert leftovers(db), f"{point}: the kill left no temp file to clean (the point was not reached)"
        # The next start (every other time) or the next load cleans up.
        if i % 2 == 0:
            remove_stale(db)
            assert leftovers(db) == [], point
        third = export(tmp_path / f"after_{point}.csv", 30, f"K{i}-")
        report = load_file(third, db=db)
        assert report.ok and report.loaded == 30, (point, report.message)
        assert leftovers(db) == [], point
    appeals, log = counts(db)
    assert appeals == 300 + 200 + 30 * len(KILL_POINTS) and accounted(log)


def cli_load(export: Path, db: Path, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "etl", "load", str(export), "--db", str(db)], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


@pytest.mark.slow
@pytest.mark.parametrize("n", [2, 3])
def test_loads_at_once_all_land(base, tmp_path, n):
    db, _ = base
    files = [export(tmp_path / f"same_time_{k}.csv", 400, f"P{k}-") for k in range(n)]
    procs = [cli_load(f, db) for f in files]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0] * n, [o[1][-1000:] for o in outs]
    appeals, log = counts(db)
    assert appeals == 300 + 400 * n
    assert sorted(log[1:]) == [(f.name, 400, 400, 0, 0, 0) for f in files] and accounted(log)
    assert leftovers(db) == []


@pytest.mark.slow
def test_loads_of_the_same_items_at_once_store_each_once(base, tmp_path):
    """appeal_id has no key index (schema.sql): three loads of the same 400 items at once — one of them a newer
    state of the open ones — leave each item once, whichever lands first."""
    db, _ = base
    first = export(tmp_path / "same_0.csv", 400, "S-")
    again = tmp_path / "same_1.csv"
    again.write_text(first.read_text(encoding="utf-8"), encoding="utf-8")
    newer = tmp_path / "same_2.csv"
    newer.write_text(first.read_text(encoding="utf-8").replace(";В работе;", ";Ответ дан;"), encoding="utf-8")
    procs = [cli_load(f, db) for f in (first, again, newer)]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0] * 3, [o[1][-1000:] for o in outs]
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*), count(DISTINCT appeal_id) FROM appeals").fetchone() == (700, 700)
        open_now = con.execute("SELECT count(*) FROM appeals WHERE external_id LIKE 'S-%' AND status = 'in_progress'")
        assert open_now.fetchone() == (0,)
    finally:
        con.close()
    appeals, log = counts(db)
    assert sum(loaded for _, _, loaded, *_ in log[1:]) == 400 and accounted(log)


def limited(max_bytes: int):
    """preexec_fn: files this process writes may not grow past `max_bytes` (EFBIG, like a full disk)."""
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))
    return apply


@pytest.mark.slow
def test_full_disk_refuses_the_load_and_keeps_the_database(base, tmp_path):
    db, _ = base
    big = export(tmp_path / "big.csv", 20000, "F")
    size = db.stat().st_size
    for limit in (size // 2, size + 300_000):   # the copy fails; DuckDB's writes fail
        before, (appeals, log) = sha(db), counts(db)
        proc = cli_load(big, db, preexec_fn=limited(limit))
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 1, (limit, err[-2000:])
        assert "не загружен" in err and "База не изменена" in err.replace("база не изменена", "База не изменена")
        assert "на диске нет места" in err and "Внутренняя ошибка" not in err, (limit, err[-2000:])
        assert sha(db) == before and counts(db) == (appeals, log)
        assert leftovers(db) == [], limit
    report = load_file(big, db=db)
    assert report.ok and report.loaded == 20000
    assert leftovers(db) == []


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="нет /usr/bin/chromium (apt-get install -y chromium)")
def test_four_sessions_click_through_every_page_while_loads_run():
    """The small version of `python -m bench.sessions`: a fresh server, four sessions opening it at once."""
    from bench.sessions import KIOSK, report, run

    r = run(sessions=4, rounds=1, export_rows=2000, years=1)
    assert (r.exceptions, r.errors, r.failures) == (0, 0, []), report(r)
    # Each session: the first open, then every page of the navigation but the kiosk (meeting) screen once.
    pages = 9 - len(KIOSK)
    assert r.visits == 4 * (1 + pages) and r.loads >= 1 and r.load_failures == 0, report(r)
