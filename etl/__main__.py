"""Command line of the ETL (DESIGN.md §10): `python -m etl demo …`, `python -m etl load …`,
`python -m etl train-themes`."""
import datetime as dt
import sys
import time
from pathlib import Path

import duckdb

from etl.demo import LETTERS_FILE, build_demo
from core import fmt
from core.cli import Parser
from core.settings import DEFAULT_DB, DUCKDB_CONFIG, db_path


def _progress(step: str) -> None:
    print(f"  … {step}", file=sys.stderr, flush=True)


def _holds_real_data(path: Path) -> bool:
    """Whether a database holds appeals that are not the demo's (loaded from exports)."""
    if not path.exists():
        return False
    try:
        con = duckdb.connect(str(path), read_only=True, config=DUCKDB_CONFIG)
    except duckdb.Error:
        return True   # not a database we can read: never overwrite it unasked
    try:
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'appeals'").fetchone()[0]:
            return False
        # The demo's own rows: the generated ones and the register it loads through the loader.
        return con.execute("SELECT count(*) FROM appeals WHERE source_file IS NULL OR source_file NOT IN (?, ?)",
                           ["demo", LETTERS_FILE]).fetchone()[0] > 0
    finally:
        con.close()


def cmd_demo(args) -> int:
    # The demo goes to the default database unless told otherwise: never to $MCU_DB, a district's own base.
    path = Path(args.db or DEFAULT_DB)
    if _holds_real_data(path) and not args.force:
        print(f"В базе {path} есть загруженные выгрузки: демо-база её заменила бы. Укажите другой файл (--db) "
              "или, если базу действительно нужно заменить демонстрационной, добавьте --force.", file=sys.stderr)
        return 1
    started = time.perf_counter()
    print(f"Сборка демо-базы {path} (seed={args.seed}, лет={args.years}, конец={fmt.date(args.end or dt.date.today())})",
          file=sys.stderr)
    n, votes = build_demo(path, seed=args.seed, years=args.years, end=args.end)
    _progress(f"записано обращений: {fmt.num(n)}; загружено вариантов голосований: {fmt.num(votes)}")
    print(f"Готово за {fmt.num(time.perf_counter() - started, 1)} с: {path}", file=sys.stderr)
    return 0


SHOWN_REJECTS = 20   # a refused file's rejected rows printed on the command line


def _print_table(reports) -> None:
    """The per-file summary (DESIGN.md §10): read / loaded / updated / duplicate / rejected."""
    rows = [r.summary() for r in reports]
    heads = list(rows[0])
    widths = {h: max(len(h), *(len(str(r[h])) for r in rows)) for h in heads}
    numeric = {"прочитано", "новых", "обновлено", "дубликатов", "отклонено"}
    fmt_cell = lambda h, v: str(v).rjust(widths[h]) if h in numeric else str(v).ljust(widths[h])
    print("  ".join(fmt_cell(h, h) for h in heads))
    for r in rows:
        print("  ".join(fmt_cell(h, r[h]) for h in heads))


def cmd_load(args) -> int:
    from etl.detect import on_command_line
    from etl.load import load_files
    from etl.match import WAITING, profile_value_notes

    path = args.db or db_path()
    started = time.perf_counter()

    def progress(share, text):
        done = "#" * round(20 * share)
        print(f"\r[{done:<20}] {fmt.pct(share, 0):>5} {text}".ljust(100)[:100], end="\n" if share >= 1 else "",
              file=sys.stderr, flush=True)

    reports = load_files(args.files, source=args.source, profile=args.profile, db=path, progress=progress,
                         as_of=args.as_of)
    _print_table(reports)
    for r in reports:
        if not r.ok:
            print(f"Файл {r.file_name} не загружен: {on_command_line(r.message)}", file=sys.stderr)
            if r.rejects is not None and r.rejects.height:   # every row rejected: the rows, not a journal entry
                for row, reason in r.rejects.head(SHOWN_REJECTS).select("source_row", "reason").iter_rows():
                    print(f"  строка {row}: {reason}", file=sys.stderr)
                if r.rejects.height > SHOWN_REJECTS:
                    print(f"  … и ещё {fmt.count(r.rejects.height - SHOWN_REJECTS, 'строка', 'строки', 'строк')}",
                          file=sys.stderr)
        if r.ok and r.skewed:
            print(f"{r.file_name}: ответ раньше регистрации в пределах допуска: строк — {r.skewed}; они "
                  "считаются отвеченными в момент регистрации.", file=sys.stderr)
        if r.ok and r.rejected:
            print(f"{r.file_name}: отклонено строк {r.rejected}; причины — в журнале загрузки (№ {r.import_id}) "
                  "на странице «Загрузка данных».", file=sys.stderr)
        for w in r.warnings:
            print(f"{r.file_name}: {w}", file=sys.stderr)
        if r.ok and r.unmatched.height:
            # Only settlements, executors and themes can be mapped on the page; a status goes into the profile.
            reviewed = r.unmatched["итог"].is_in(list(WAITING.values())).sum()   # what still waits
            if reviewed:
                print(f"{r.file_name}: не найдены в справочниках значений {reviewed} — сопоставьте их на "
                      "странице «Загрузка данных» (раздел «Значения, не найденные в справочниках»).", file=sys.stderr)
            for note in profile_value_notes(r.file_name, r.unmatched, r.detection and r.detection.profile):
                print(note, file=sys.stderr)
    print(f"База {path}; время {fmt.num(time.perf_counter() - started, 1)} с", file=sys.stderr)
    return 0 if all(r.ok for r in reports) else 1


def cmd_train_themes(args) -> int:
    from etl import classify

    pos = Path(args.pos) if args.pos else classify.REAL_POS
    if not pos.exists():
        print(f"Нет файла с размеченными сообщениями ПОС {pos}: укажите его (--pos ФАЙЛ.csv, столбцы «Текст "
              "Сообщения» и «Тематика»). Модель не изменена.", file=sys.stderr)
        return 1
    started = time.perf_counter()
    real = classify.real_pos(pos)
    evaluation, held_out_model = classify.evaluate(real)
    evaluation.seconds_per_100k = classify.time_100k(held_out_model, real["text"])
    print("\n".join(evaluation.lines()))
    model = classify.train(real)
    path = classify.save(model, Path(args.out) if args.out else None)
    print(f"Модель обучена на {fmt.num(model.trained['real'])} реальных сообщениях, {fmt.num(model.trained['demo'])} "
          f"текстах демо-генератора и {fmt.num(model.trained['corrections'])} исправлениях куратора; сохранена: "
          f"{path} ({fmt.num(path.stat().st_size / 1e6, 1)} МБ). Время {fmt.num(time.perf_counter() - started, 1)} с.",
          file=sys.stderr)
    return 0


def main(argv=None) -> int:
    parser = Parser(prog="python -m etl", description="Загрузка данных в базу МЦУ")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="собрать демонстрационную базу")
    demo.add_argument("--db", metavar="БАЗА", help="файл базы (по умолчанию data/mcu.duckdb; $MCU_DB не используется)")
    demo.add_argument("--seed", type=int, default=42, metavar="ЧИСЛО")
    demo.add_argument("--years", type=int, default=2, metavar="ЛЕТ")
    demo.add_argument("--end", type=dt.date.fromisoformat, metavar="ГГГГ-ММ-ДД", help="последний день данных, ГГГГ-ММ-ДД (по умолчанию — вчера)")
    demo.add_argument("--force", action="store_true", help="заменить базу, даже если в ней загруженные выгрузки")
    demo.set_defaults(func=cmd_demo)
    load = sub.add_parser("load", help="загрузить выгрузки (xlsx/csv) в базу")
    load.add_argument("files", nargs="+", metavar="ФАЙЛ", help="файлы выгрузок")
    load.add_argument("--source", metavar="ИСТОЧНИК", choices=["pos", "im", "letters", "votes", "custom"],
                      help="источник: pos, im, letters, votes или custom (по умолчанию определяется по заголовкам)")
    load.add_argument("--profile", metavar="ПРОФИЛЬ", help="свой профиль TOML (см. docs/profiles.md)")
    load.add_argument("--db", metavar="БАЗА", help="файл базы (по умолчанию $MCU_DB или data/mcu.duckdb)")
    load.add_argument("--as-of", type=dt.date.fromisoformat, metavar="ГГГГ-ММ-ДД",
                      help="дата выгрузки: на этот день страницы покажут состояние (по умолчанию — последнее "
                           "событие в данных)")
    load.set_defaults(func=cmd_load)
    themes = sub.add_parser("train-themes", help="обучить классификатор тем по текстам и напечатать его точность")
    themes.add_argument("--pos", metavar="ФАЙЛ", help="размеченные сообщения ПОС (по умолчанию ../shared/realdata/pos_kursk_messages_2022.csv)")
    themes.add_argument("--out", metavar="ФАЙЛ", help="файл модели (по умолчанию data/model/themes.joblib)")
    themes.set_defaults(func=cmd_train_themes)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
