"""Many people at once: `python -m bench.sessions [--sessions 20] [--duration 120]`.

Starts the app on a demo database, then N headless Chromium sessions (one browser, a context each: separate
cookies, separate Streamlit sessions) open the app at the same moment, right after the start, and click
through every page in the sidebar until the time is up, while the CLI loader loads a ПОС export again and
again (every load swaps the database file under the readers). Counts exception boxes (tracebacks) and
error boxes, and prints each page's p50 / p95 time from the click to the page having run, and the server's
memory. Heavy on a small machine: run it once, with a bounded duration.
"""
import asyncio
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from mcu import fmt
from mcu.settings import ROOT
from core.cli import Parser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
END = dt.date(2026, 11, 25)
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
TIMEOUT = 180_000  # ms: 20 sessions on 2 cores queue behind each other


KIOSK = {"Режим совещания"}


@dataclass
class Result:
    sessions: int
    visits: int = 0
    exceptions: int = 0              # st.exception boxes: a traceback reached the page
    errors: int = 0                  # st.error boxes (a query that failed says so in one)
    failures: list = field(default_factory=list)   # what went wrong, with the page
    times: dict = field(default_factory=dict)      # page title -> seconds from click to the page having run
    loads: int = 0
    load_failures: int = 0
    rss_start: int = 0
    rss_peak: int = 0
    rss_end: int = 0
    server_cpu: float = 0.0          # seconds of CPU the server used during the run
    load_average: tuple = ()         # the machine's 1-minute load average at the start and at the end
    seconds: float = 0.0

    def all_times(self) -> list[float]:
        return [t for ts in self.times.values() for t in ts]


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def rss(pid: int) -> int:
    """Resident memory of a process, bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "mcu.serve", "--server.port", str(port)], cwd=ROOT,
                            env=os.environ | {"MCU_DB": str(db)}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("Приложение не запустилось за 90 с")


def loader(export: Path, db: Path, stop: threading.Event, result: Result) -> None:
    """Load the export again and again until told to stop (each load swaps the database file)."""
    while not stop.is_set():
        # A salt of its own: the synthetic export must not create the real data/salt.key.
        run = subprocess.run([sys.executable, "-m", "etl", "load", str(export), "--db", str(db)], cwd=ROOT,
                             capture_output=True, text=True, env=os.environ | {"MCU_SALT": "bench-sessions"})
        result.loads += 1
        result.load_failures += run.returncode != 0


async def session(browser, url: str, rounds: int, until: float, result: Result) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ru-RU")
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT)

    async def check(title: str) -> None:
        result.visits += 1
        exceptions = await page.locator("[data-testid='stException']").all_inner_texts()
        errors = await page.locator("[data-testid='stAlertContentError']").all_inner_texts()
        result.exceptions += len(exceptions)
        result.errors += len(errors)
        result.failures += [(title, " ".join(t.split())[:300]) for t in exceptions + errors]

    where = "Обзор (первое открытие)"
    try:
        t = time.monotonic()
        await page.goto(url)
        await page.get_by_role("heading", name="Обзор").first.wait_for()
        await page.wait_for_selector(IDLE)
        result.times.setdefault("Обзор (первое открытие)", []).append(time.monotonic() - t)
        await check("Обзор (первое открытие)")
        titles = await page.locator("[data-testid='stSidebarNavLink'] span[label]").evaluate_all(
            "spans => spans.map(s => s.getAttribute('label'))")
        # The meeting screen is a kiosk page: it hides the navigation and never stops refreshing itself.
        titles = [t for t in titles if t not in KIOSK]
        done = 0
        while done < max(rounds, 1) or (rounds == 0 and time.monotonic() < until):
            for title in titles[1:] + titles[:1]:
                where = title
                t = time.monotonic()
                await page.locator(f"[data-testid='stSidebarNavLink']:has(span[label='{title}'])").click()
                await page.get_by_role("heading", name=title).first.wait_for()
                await page.wait_for_selector(IDLE)
                result.times.setdefault(title, []).append(time.monotonic() - t)
                await check(title)
            done += 1
    except Exception as e:  # noqa: BLE001 — a session that could not go on is a finding, not a crash
        try:
            state = await page.locator("[data-testid='stApp']").get_attribute("data-test-script-state", timeout=5000)
            headings = await page.locator("h1").all_inner_texts()
        except Exception:  # noqa: BLE001 — the page itself is gone
            state, headings = "?", []
        result.failures.append((f"сессия на «{where}»", f"{type(e).__name__}: {str(e).splitlines()[0][:200]}; "
                                f"адрес {page.url}, заголовки {headings}, сценарий {state}"))
    finally:
        await context.close()


async def browse(url: str, sessions: int, rounds: int, duration: float, result: Result) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        until = time.monotonic() + duration
        await asyncio.gather(*(session(browser, url, rounds, until, result) for _ in range(sessions)))
        await browser.close()


def run(sessions: int = 20, rounds: int = 0, duration: float = 120, export_rows: int = 20_000,
        years: int = 2, rows: int | None = None) -> Result:
    """Every session clicks through every page `rounds` times (0: once, then again while `duration` seconds
    have not passed since the start). The database is the demo, or the bench's `rows` appeals when given."""
    from bench.__main__ import build_large, write_pos_export
    from etl.build import new_database
    from etl.demo import write_demo

    result = Result(sessions)
    with tempfile.TemporaryDirectory(prefix="mcu_sessions_") as tmp:
        db, export = Path(tmp) / "mcu.duckdb", Path(tmp) / "pos_export.csv"
        if rows:
            build_large(db, rows)
        else:
            with new_database(db) as con:
                write_demo(con, seed=42, years=years, end=END)
        write_pos_export(export, export_rows)
        port = free_port()
        server = start_server(db, port)
        stop, sampling = threading.Event(), threading.Event()
        result.rss_start, cpu_start = rss(server.pid), cpu_seconds(server.pid)
        load_start = os.getloadavg()[0]

        def sample():
            while not sampling.is_set():
                result.rss_peak = max(result.rss_peak, rss(server.pid))
                time.sleep(0.5)

        threads = [threading.Thread(target=loader, args=(export, db, stop, result)),
                   threading.Thread(target=sample)]
        started = time.monotonic()
        try:
            for t in threads:
                t.start()
            asyncio.run(browse(f"http://127.0.0.1:{port}", sessions, rounds, duration, result))
        finally:
            result.seconds = time.monotonic() - started
            stop.set()
            threads[0].join()
            result.rss_end, result.server_cpu = rss(server.pid), cpu_seconds(server.pid) - cpu_start
            result.load_average = (load_start, os.getloadavg()[0])
            sampling.set()
            threads[1].join()
            server.terminate()
            server.wait(timeout=30)
    return result


def report(r: Result) -> str:
    mb = lambda b: f"{fmt.num(b / 2**20)} МБ"
    lines = [f"Сессий: {r.sessions}; переходов по страницам: {fmt.num(r.visits)} за {fmt.num(r.seconds, 0)} с; "
             f"загрузок во время прогона: {r.loads} (неудачных: {r.load_failures})",
             f"Ошибок с трассировкой (stException): {r.exceptions}; сообщений об ошибке (st.error): {r.errors}",
             f"{'страница':<28} {'открытий':>8} {'p50, с':>8} {'p95, с':>8}"]
    for title, ts in [*r.times.items(), ("все страницы", r.all_times())]:
        if ts:
            lines.append(f"{title:<28} {len(ts):>8} {fmt.num(percentile(ts, 50), 2):>8} "
                         f"{fmt.num(percentile(ts, 95), 2):>8}")
    lines.append(f"Память сервера (RSS): в начале {mb(r.rss_start)}, пик {mb(r.rss_peak)}, в конце {mb(r.rss_end)}")
    lines.append(f"Процессор: сервер {fmt.num(r.server_cpu, 0)} с за {fmt.num(r.seconds, 0)} с прогона; средняя загрузка "
                 f"машины (1 мин) {fmt.num(r.load_average[0], 1)} в начале, {fmt.num(r.load_average[1], 1)} в конце "
                 f"на {os.cpu_count()} ядрах")
    lines += [f"  {where}: {what}" for where, what in r.failures[:20]]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = Parser(prog="python -m bench.sessions",
                                     description="Одновременные сессии браузера во время загрузки")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--duration", type=float, default=120,
                        help="секунд от начала, пока сессии начинают новый круг (если не задан --rounds); "
                             "один круг проходит каждая")
    parser.add_argument("--rounds", type=int, default=0, help="кругов по всем страницам на сессию (0 — по времени)")
    parser.add_argument("--export-rows", type=int, default=20_000, help="строк в выгрузке, которая грузится по кругу")
    parser.add_argument("--rows", type=int, help="обращений в базе (база бенча); без него — демо-база")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"Нет {CHROMIUM}: apt-get install -y chromium", file=sys.stderr)
        return 2
    r = run(args.sessions, args.rounds, args.duration, args.export_rows, rows=args.rows)
    print(report(r))
    return 0 if r.exceptions == 0 and not r.failures and r.visits else 1


if __name__ == "__main__":
    sys.exit(main())
