"""Command line of the ETL (DESIGN.md §10): `python -m etl demo …`, `python -m etl load …`."""
import argparse
import datetime as dt
import sys
import time

from etl.build import new_database
from etl.demo import write_demo
from mcu.settings import db_path


def _progress(step: str) -> None:
    print(f"  … {step}", file=sys.stderr, flush=True)


def cmd_demo(args) -> int:
    path = args.db or db_path()
    started = time.perf_counter()
    print(f"Сборка демо-базы {path} (seed={args.seed}, лет={args.years}, конец={args.end or dt.date.today()})",
          file=sys.stderr)
    with new_database(path) as con:
        _progress("модель, справочники и производственный календарь созданы")
        n = write_demo(con, seed=args.seed, years=args.years, end=args.end)
        _progress(f"записано обращений: {n:,}".replace(",", " "))
    print(f"Готово за {time.perf_counter() - started:.1f} с: {path}", file=sys.stderr)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description="Загрузка данных в базу МЦУ")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="собрать демонстрационную базу")
    demo.add_argument("--db", help="файл базы (по умолчанию $MCU_DB или data/mcu.duckdb)")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--years", type=int, default=2)
    demo.add_argument("--end", type=dt.date.fromisoformat, help="последний день данных, ГГГГ-ММ-ДД")
    demo.set_defaults(func=cmd_demo)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
