"""Benchmarks (DESIGN.md §9): `python -m bench [--rows N] [--export-rows M] [--repeat K]`.

Every figure is a ratio against a baseline measured in the same run on the same data, never an absolute
time to compare across machines:
- page queries: each named query a page runs (quarter, no filters) vs DuckDB's own full scan of `appeals`,
  and vs its **floor**: the same aggregate hand-written on the bare table (bench/floors/<query>.sql, no
  macros, no calendar joins), so a query that joins the calendar is judged against its own work;
- loading: our whole load of a ПОС export (detect, parse, normalise, mask, upsert, atomic swap) vs DuckDB's
  own `read_csv` of the same file into a table (and, for scale, into a database file), with the load's peak
  memory (run in a fresh process);
- a small daily export (1 000 rows) loaded into the large database, beside the copy of the whole file
  that build-and-swap makes (etl/build.py);
- the theme classifier on as many texts as the export has rows vs DuckDB's `lower()` over the same texts.
"""
import csv
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl

from etl.build import new_database
from etl.demo import generate
from mcu import fmt
from mcu.query import run_query
from mcu.settings import DUCKDB_CONFIG, ROOT
from core.cli import Parser

END = dt.date(2026, 11, 25)
RESULTS = ROOT / "bench" / "results"
FLOORS = ROOT / "bench" / "floors"
FILTERS = dict(date_from=END - dt.timedelta(days=90), date_to=END, sources=[], themes=[], settlements=[],
               executors=[], municipalities=[])
PREV = dict(prev_from=END - dt.timedelta(days=181), prev_to=END - dt.timedelta(days=91))
# query -> its parameters besides the filters (what the pages pass)
PAGE_QUERIES = {
    "overview_kpis": PREV | {"as_of": END},
    "trend_by_source": {},
    "top_themes": PREV | {"limit": 10},
    "heatmap_matrix": PREV | {"as_of": END, "min_base": 5, "top": 30, "measure": "appeals"},
    "appeals_list": {"as_of": END, "theme": "ЖКХ", "subtheme": None, "settlement": None, "limit": 50, "offset": 0},
    "deadlines_kpis": PREV | {"as_of": END},
    "satisfaction_kpis": PREV | {"as_of": END},
    "growth_factors": PREV | {"dim": "theme", "top": 10},
    "map_territories": PREV | {"as_of": END, "min_base": 5, "level": "municipality"},
    "map_density": {"grid": 60},
}


def timed(fn, repeat: int) -> float:
    """The median of `repeat` runs, in seconds."""
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def build_large(path: Path, rows: int) -> int:
    """The demo two years, copied with shifted ids until there are `rows` appeals (same dates and mix)."""
    demo = generate(seed=42, years=2, end=END).drop("spot")
    copies = -(-rows // demo.height)
    big = pl.concat([
        demo.with_columns(external_id=pl.format("{}-{}", "external_id", pl.lit(k)),
                          appeal_id=pl.format("{}-{}", "appeal_id", pl.lit(k)))
        for k in range(copies)]).head(rows)
    with new_database(path) as con:
        cols = ", ".join(big.columns)
        # In order of receipt, as the loader stores each file (etl.load._write_appeals) and as daily loads
        # accumulate: 30 concatenated copies of two years would be a layout no load produces.
        con.execute(f"INSERT INTO appeals ({cols}) SELECT {cols} FROM big ORDER BY received_at, appeal_id")
    return big.height


REAL_POS = ROOT.parent / "shared" / "realdata" / "pos_kursk_messages_2022.csv"


def real_texts(rows: int) -> list[str]:
    """`rows` texts of two to four sentences drawn (seed 7) from the real ПОС messages: every row its own text, as
    in a real export, where the demo's texts repeat a few thousand templates (and the mask reads each once)."""
    import random
    import re

    messages = pl.read_csv(REAL_POS, infer_schema_length=0)["Текст Сообщения"].drop_nulls().to_list()
    sentences = [x.strip() for m in messages for x in re.split(r"(?<=[.!?])\s+", m) if len(x.strip()) > 20]
    rnd = random.Random(7)
    return [" ".join(rnd.choices(sentences, k=rnd.randint(2, 4))) for _ in range(rows)]


def write_pos_export(path: Path, rows: int, texts: list[str] | None = None) -> None:
    """A ПОС cabinet export (UTF-8, `;`) with `rows` messages in the shape the pos profile reads; `texts` in place
    of the demo's when given."""
    demo = generate(seed=7, years=2, end=END).filter(pl.col("source") == "pos")
    names = dict(pl.read_csv(ROOT / "data" / "reference" / "settlements.csv").select("settlement_id", "name")
                 .iter_rows())
    # The responsible organisation by its name, as the cabinet exports it: its id (which no export has) left
    # every row of the bench waiting for the curator, a first load in an unknown district rather than a load.
    executors = dict(pl.read_csv(ROOT / "data" / "reference" / "executors.csv").select("executor_id", "name")
                     .iter_rows())
    header = ["№ сообщения", "Дата создания", "Категория", "Подкатегория", "Статус", "Срок ответа", "Дата ответа",
              "Ответственный", "Населенный пункт", "Адрес", "Оценка", "Текст сообщения"]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(header)
        recs = demo.iter_rows(named=True)
        for i in range(rows):
            r = next(recs, None)
            if r is None:
                recs = demo.iter_rows(named=True)
                r = next(recs)
            w.writerow([
                f"{i + 1}", r["received_at"].strftime("%d.%m.%Y %H:%M"), r["theme"], r["subtheme"],
                "Ответ дан" if r["answered_at"] else "В работе", r["due_at"].strftime("%d.%m.%Y"),
                r["answered_at"].strftime("%d.%m.%Y %H:%M") if r["answered_at"] else "", executors[r["executor_id"]],
                names[r["settlement_id"]], r["address"], r["rating"] or "", texts[i] if texts else r["text"],
            ])


def bench_queries(db: Path, repeat: int) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True, config=DUCKDB_CONFIG)
    scan = "SELECT count(*), count(answered_at), sum(rating), max(received_at) FROM appeals"
    base = timed(lambda: con.execute(scan).fetchall(), repeat)
    out = [{"что": "сырой проход DuckDB по appeals (база)", "секунд": base, "отношение": 1.0}]
    for name, extra in PAGE_QUERIES.items():
        run_query(name, db=db, **FILTERS, **extra)  # the first run opens the database and warms caches
        t = timed(lambda: run_query(name, db=db, **FILTERS, **extra), repeat)
        floor = floor_time(con, name, extra, repeat)
        out.append({"что": f"запрос {name}", "секунд": t, "отношение": t / base, "пол, с": floor,
                    "к полу": t / floor})
    con.close()
    return out


def floor_time(con, name: str, extra: dict, repeat: int) -> float:
    """The median time of the query's floor (bench/floors/<name>.sql) with the same parameters."""
    sql = (FLOORS / f"{name}.sql").read_text(encoding="utf-8")
    params = {k: v for k, v in (FILTERS | extra).items() if f"${k}" in sql}
    con.execute(sql, params).fetchall()
    return timed(lambda: con.execute(sql, params).fetchall(), repeat)


def bench_load(folder: Path, rows: int, repeat: int, real: bool = False) -> list[dict]:
    export = folder / "pos_export.csv"
    write_pos_export(export, rows, real_texts(rows) if real else None)
    kind = " (тексты из реальных предложений ПОС, все разные)" if real else ""

    def raw():
        con = duckdb.connect(":memory:", config=DUCKDB_CONFIG)
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{export}', delim=';', header=true)")
        con.close()

    def raw_to_file():
        # The same into a database file (written and checkpointed): what keeping the rows costs DuckDB itself.
        db = folder / "read_csv.duckdb"
        db.unlink(missing_ok=True)
        con = duckdb.connect(str(db), config=DUCKDB_CONFIG)
        con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{export}', delim=';', header=true)")
        con.execute("CHECKPOINT")
        con.close()
        db.unlink()

    base = timed(raw, repeat)
    to_file = timed(raw_to_file, repeat)
    runs = []
    for _ in range(repeat):
        db = folder / "load.duckdb"
        db.unlink(missing_ok=True)
        runs.append(load_in_child(export, db, rows))
    t = statistics.median(r["seconds"] for r in runs)
    peak = max(r["peak_mb"] for r in runs)
    return [{"что": f"read_csv DuckDB, {fmt.num(rows)} строк (база)", "секунд": base, "отношение": 1.0},
            {"что": "то же в файл базы DuckDB, с записью на диск", "секунд": to_file, "отношение": to_file / base},
            {"что": f"наша загрузка ПОС, {fmt.num(rows)} строк{kind}", "секунд": t, "отношение": t / base,
             "пик памяти, МБ": peak}]


def load_in_child(export: Path, db: Path, rows: int) -> dict:
    """One load in a fresh process: its time (without the interpreter's start) and its peak memory."""
    done = subprocess.run([sys.executable, "-m", "bench.load_child", str(export), str(db), str(rows)],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_daily(folder: Path, big: Path, rows: int) -> list[dict]:
    """A small daily export into the large database: the whole load, and the file copy build-and-swap makes."""
    export = folder / "daily.csv"
    write_pos_export(export, rows)
    db = folder / "daily.duckdb"
    shutil.copyfile(big, db)
    t = time.perf_counter()
    shutil.copyfile(db, folder / "copy.duckdb")
    copy = time.perf_counter() - t
    (folder / "copy.duckdb").unlink()
    run = load_in_child(export, db, rows)
    db.unlink()
    return [{"что": f"ежедневная выгрузка {fmt.num(rows)} строк в большую базу (база)", "секунд": run["seconds"],
             "отношение": 1.0, "пик памяти, МБ": run["peak_mb"]},
            {"что": f"из неё: копия файла базы ({fmt.num(big.stat().st_size / 2**20)} МБ)", "секунд": copy,
             "отношение": copy / run["seconds"]}]


def bench_classify(rows: int, repeat: int) -> list[dict]:
    """The theme classifier (etl/classify.py) on `rows` texts — real ПОС texts where the file is at hand, else
    the demo's — vs DuckDB lower-casing the same texts in one scan."""
    from etl import classify

    model = classify.load_model()
    if model is None:
        return []
    pool = classify.real_pos()["text"] if classify.REAL_POS.exists() else classify.demo_texts()["text"]
    texts = pl.concat([pool] * (rows // len(pool) + 1)).head(rows)
    frame = pl.DataFrame({"text": texts})
    con = duckdb.connect(":memory:", config=DUCKDB_CONFIG)
    con.execute("CREATE TABLE t AS SELECT * FROM frame")
    base = timed(lambda: con.execute("SELECT sum(length(lower(text))) FROM t").fetchall(), repeat)
    con.close()
    t = timed(lambda: model.predict(texts), repeat)
    return [{"что": f"lower() DuckDB, {fmt.num(rows)} текстов (база)", "секунд": base, "отношение": 1.0},
            {"что": f"классификатор тем, {fmt.num(rows)} текстов", "секунд": t, "отношение": t / base}]


def main(argv=None) -> int:
    parser = Parser(prog="python -m bench", description="Замеры скорости (отношения к базе)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="обращений в базе для запросов страниц")
    parser.add_argument("--export-rows", type=int, default=100_000, help="строк в выгрузке для замера загрузки")
    parser.add_argument("--repeat", type=int, default=3, help="повторов; берётся медиана")
    parser.add_argument("--daily-rows", type=int, default=1_000, help="строк в ежедневной выгрузке в большую базу")
    parser.add_argument("--real-texts", action="store_true",
                        help="тексты выгрузки — из предложений реальных сообщений ПОС (../shared/realdata), все разные")
    parser.add_argument("--only", choices=["queries", "load", "classify", "daily"], action="append",
                        help="только эти замеры (можно несколько раз); без него — все")
    args = parser.parse_args(argv)
    only = set(args.only or ["queries", "load", "classify", "daily"])
    with tempfile.TemporaryDirectory(prefix="mcu_bench_") as tmp:
        folder = Path(tmp)
        results, n = [], 0
        if only & {"queries", "daily"}:   # the large database: only what needs it builds it
            print(f"Готовлю базу на {fmt.num(args.rows)} обращений…", file=sys.stderr)
            n = build_large(folder / "big.duckdb", args.rows)
        if "queries" in only:
            results += bench_queries(folder / "big.duckdb", args.repeat)
        if "load" in only:
            print(f"Готовлю выгрузку ПОС на {fmt.num(args.export_rows)} строк…", file=sys.stderr)
            results += bench_load(folder, args.export_rows, args.repeat, args.real_texts)
        if "classify" in only:
            results += bench_classify(args.export_rows, args.repeat)
        if "daily" in only:
            results += bench_daily(folder, folder / "big.duckdb", args.daily_rows)
    table = pl.DataFrame(results, infer_schema_length=None)
    RESULTS.mkdir(parents=True, exist_ok=True)
    table.with_columns(rows=pl.lit(n), export_rows=pl.lit(args.export_rows)).write_csv(RESULTS / "latest.csv")
    width = max(len(r["что"]) for r in results)
    print(f"{'что'.ljust(width)}  {'секунд':>8}  {'отношение':>9}  {'пол, с':>7}  {'к полу':>6}  {'пик, МБ':>7}")
    for r in results:
        floor = r.get("пол, с")
        print(f"{r['что'].ljust(width)}  {fmt.num(r['секунд'], 3):>8}  {fmt.num(r['отношение'], 1):>9}  "
              f"{fmt.num(floor, 3) if floor else '':>7}  {fmt.num(r['к полу'], 1) if floor else '':>6}  "
              f"{fmt.num(r['пик памяти, МБ']) if r.get('пик памяти, МБ') else '':>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
