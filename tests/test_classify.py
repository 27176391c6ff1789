"""Themes for appeals that arrive without one (issue 14): the no-theme register loads, the text classifier is
measured on held-out real ПОС texts, predictions never overwrite an export's theme, the curator's corrections."""
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
import xlsxwriter

from etl.load import load_file

ROOT = Path(__file__).resolve().parents[1]

# A 59-ФЗ register with no theme column at all: the theme is only in «Краткое содержание».
NO_THEME_HEAD = ["Рег. номер", "Дата регистрации", "Исполнитель", "Срок", "Результат", "Вид обращения",
                 "Краткое содержание", "Населенный пункт"]
NO_THEME_TEXTS = [
    "Нет горячей воды в доме уже неделю, батареи чуть тёплые",
    "Прошу отремонтировать дорогу, сплошные ямы на проезжей части",
    "Не вывозят мусор с контейнерной площадки вторую неделю",
    "Не горят фонари уличного освещения на нашей улице",
    "Автобус не ходит по расписанию, люди мёрзнут на остановке",
    "Нет мест в детском саду для ребёнка",
    "Невозможно записаться к врачу в поликлинике",
    "Стая бездомных собак бросается на детей",
    "Отключили электричество, нет света в деревне",
    "Нет мобильной связи и интернета в селе",
]


def no_theme_register(path: Path, rows: int = 30) -> Path:
    """`rows` appeals in the letters register's shape, with no «Тематика» / ТОТК column."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Журнал")
    ws.write_row(0, 0, NO_THEME_HEAD)
    for i in range(rows):
        day = dt.date(2025, 3, 1) + dt.timedelta(days=i)
        ws.write_row(i + 1, 0, [f"Н-{i + 1}/2025", day.strftime("%d.%m.%Y"), "Администрация Аскизского района",
                                (day + dt.timedelta(days=30)).strftime("%d.%m.%Y"), "Разъяснено" if i % 2 else "",
                                "Индивидуальное", NO_THEME_TEXTS[i % len(NO_THEME_TEXTS)], "Аскиз"])
    wb.close()
    return path


@pytest.fixture(autouse=True)
def reference(tmp_path, monkeypatch):
    """A private copy of data/reference: corrections and aliases are written there, never into the repo."""
    ref = tmp_path / "reference"
    shutil.copytree(ROOT / "data" / "reference", ref)
    monkeypatch.setenv("MCU_REFERENCE", str(ref))
    monkeypatch.setenv("MCU_SALT", "test-salt")
    return ref


def rows(db, sql, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_a_register_without_a_theme_column_loads_every_row(tmp_path):
    db = tmp_path / "mcu.duckdb"
    r = load_file(no_theme_register(tmp_path / "journal.xlsx"), source="letters", db=db)
    assert r.status == "loaded", r.message
    assert (r.rows_read, r.loaded, r.updated, r.duplicate, r.rejected) == (30, 30, 0, 0, 0)
    assert rows(db, "SELECT count(*) FROM appeals WHERE source = 'letters'") == [(30,)]
