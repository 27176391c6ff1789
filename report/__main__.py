"""python -m report --week 2026-W47 --out записка.docx | --from 2026-11-01 --to 2026-11-30 --out записка.pdf

Writes the analytic note for a week or any period (DOCX or PDF by the extension), so it can be scheduled.
Exit 0 when written; 1 with a Russian message on stderr when the period holds no data or the input is wrong.
"""
import argparse
import datetime as dt
import sys
from pathlib import Path

import streamlit.logger
import streamlit.runtime.caching.cache_data_api as cache_data_api

# The filters module is shared with the app and imports Streamlit, whose cache warns on stderr that it runs
# without a server; here that is the point, and stderr is for our own messages. (A filter, not a level:
# Streamlit resets its loggers' levels when it reads its config.)
streamlit.logger.get_logger(cache_data_api.__name__).addFilter(lambda record: record.levelno >= 40)

from core.cli import Parser  # noqa: E402
from mcu.periods import filters_for, iso_week, week_filters  # noqa: E402
from mcu.query import QueryError  # noqa: E402
from mcu.settings import db_path  # noqa: E402


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"дата «{text}» не распознана: укажите ГГГГ-ММ-ДД") from None


class _Parser(Parser):
    exit_code = 1   # like every other refusal of this command (argparse's own is 2)


def parse(argv):
    p = _Parser(prog="python -m report", description="Аналитическая записка для главы за неделю или период.")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--week", metavar="ГГГГ-Wнн", help="неделя ISO: 2026-W47")
    when.add_argument("--from", dest="date_from", type=_date, metavar="ГГГГ-ММ-ДД", help="начало периода (с --to)")
    p.add_argument("--to", dest="date_to", type=_date, metavar="ГГГГ-ММ-ДД", help="конец периода")
    p.add_argument("--out", required=True, type=Path, metavar="ФАЙЛ", help="файл .docx или .pdf")
    p.add_argument("--db", type=Path, default=None, metavar="ФАЙЛ",
                   help="база DuckDB (по умолчанию $MCU_DB или data/mcu.duckdb)")
    for dim, label in (("municipality", "муниципалитет (название)"), ("source", "канал (код или название)"),
                       ("theme", "тема"), ("settlement", "населённый пункт (код или название)"),
                       ("executor", "исполнитель (код или название)")):
        p.add_argument(f"--{dim}", action="append", default=[], metavar="ЗНАЧЕНИЕ", help=f"{label}; можно несколько раз")
    return p.parse_args(argv)


FILTER_NAMES = {"municipality": "Муниципалитет", "source": "Канал", "theme": "Тема", "settlement": "Населённый пункт",
                "executor": "Исполнитель"}


def _check_values(args) -> None:
    """A filter value the database does not hold is named, with the ones it holds: «--municipality Аскизский» (the
    district is «Аскизский район») made a note of nothing, told as «обращений нет». A value may be the code or the
    name the page shows («Отдел ГО и ЧС» for go_chs): a name becomes its code here."""
    from mcu.query import run_query

    options = run_query("filter_options", db=args.db)
    for dim, name in FILTER_NAMES.items():
        known = dict(options.filter(options["dim"] == dim).select("value", "label").iter_rows())
        codes = []
        for value in getattr(args, dim):
            named = [v for v, label in known.items() if label.casefold() == value.strip().casefold()]
            if value not in known and not named:
                shown = [f"«{label}»" if label == v else f"«{label}» (код {v})" for v, label in known.items()]
                more = f" и ещё {len(shown) - 10}" if len(shown) > 10 else ""
                raise ValueError(f"{name} «{value}» в базе не найден. Есть: {', '.join(shown[:10])}{more}.")
            codes += [value] if value in known else named
        setattr(args, dim, list(dict.fromkeys(codes)))


def main(argv=None) -> int:
    from report.documents import write
    from report.note import NoData, build

    args = parse(argv)
    try:
        if args.week:
            date_from, date_to = iso_week(args.week)
        elif args.date_to is None:
            raise ValueError("С --from укажите и --to (ГГГГ-ММ-ДД).")
        else:
            date_from, date_to = sorted((args.date_from, args.date_to))
        if args.out.suffix.lower() not in (".docx", ".pdf"):
            raise ValueError(f"Файл «{args.out}»: записка сохраняется в .docx или .pdf — укажите одно из этих расширений.")
        _check_values(args)
        flt = filters_for(date_from, date_to, db=args.db, sources=args.source, themes=args.theme,
                          settlements=args.settlement, executors=args.executor,
                          municipalities=args.municipality)
        if args.week:   # a week still running ends on the data's last day, as on the page
            flt = week_filters(flt, date_from, flt.as_of)
        write(build(flt, db=args.db), args.out)
    except (ValueError, NoData, QueryError) as e:
        print(f"Ошибка: {e}", file=sys.stderr)
        return 1
    print(f"Записка сохранена: {args.out} (база {args.db or db_path()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
