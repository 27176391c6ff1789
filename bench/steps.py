"""Where a load spends its time and memory: `python -m bench.steps EXPORT [DB]` loads one file (into a new database
unless DB is given) and prints, for each step of etl.load (detect, stage, appeals_frame, the write, refresh_derived),
when it started and ended, the process's resident memory then, and the highest resident memory seen so far
(sampled every 20 ms) with the step it was seen in."""
import sys
import tempfile
import threading
import time
from pathlib import Path

from etl import build, load

STEPS = [(load, "detect"), (load, "stage"), (load, "appeals_frame"), (load, "_write_appeals"),
         (build, "refresh_derived"), (load, "_log")]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(export: str, db: str | None = None) -> None:
    state = {"step": "", "peak": 0.0, "peak_step": ""}
    rows = []
    t0 = time.perf_counter()

    def sample():
        while True:
            now = rss_mb()
            if now > state["peak"]:
                state["peak"], state["peak_step"] = now, state["step"]
            time.sleep(0.02)

    def timed(module, name):
        fn = getattr(module, name)

        def step(*args, **kwargs):
            state["step"] = name
            start, before = time.perf_counter() - t0, rss_mb()
            try:
                return fn(*args, **kwargs)
            finally:
                rows.append((name, start, time.perf_counter() - t0, before, rss_mb(), state["peak"],
                             state["peak_step"]))
        setattr(module, name, step)

    for module, name in STEPS:
        timed(module, name)
    threading.Thread(target=sample, daemon=True).start()
    with tempfile.TemporaryDirectory(prefix="mcu_steps_") as tmp:
        report = load.load_file(Path(export), db=Path(db) if db else Path(tmp) / "steps.duckdb")
        total = time.perf_counter() - t0
    print(f"{'шаг':<16} {'начало, с':>9} {'конец, с':>9} {'МБ до':>7} {'МБ после':>8} {'пик, МБ':>8}  пик на шаге")
    for name, start, end, before, after, peak, at in rows:
        print(f"{name:<16} {start:>9.2f} {end:>9.2f} {before:>7.0f} {after:>8.0f} {peak:>8.0f}  {at}")
    print(f"всего {total:.2f} с, пик {state['peak']:.0f} МБ (на шаге {state['peak_step']}); "
          f"{report.summary()['итог']}, строк {report.rows_read}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
