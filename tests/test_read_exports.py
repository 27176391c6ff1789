"""Exports as the tester found them: a second data sheet, a cut-off CSV, Russian date forms, ratings in words,
wording of messages. Each test first failed on the code before its fix."""
import subprocess
import sys
from pathlib import Path

import pytest
import xlsxwriter

from conftest import fetch as q
from etl.load import load_file

ROOT = Path(__file__).resolve().parents[1]
HEAD = ["Номер сообщения", "Дата создания", "Категория", "Статус", "Ответственный", "Оценка"]


@pytest.fixture(autouse=True)
def salt(monkeypatch):
    monkeypatch.setenv("MCU_SALT", "test-salt")


def counts(r):
    return r.rows_read, r.loaded, r.updated, r.duplicate, r.rejected


def _row(i: int, day: int = 3, rating: str = "5") -> list[str]:
    return [f"P-{i}", f"{day:02d}.02.2025 09:00", "Дороги", "Новое", "Отдел дорожного хозяйства и транспорта", rating]


def _xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for i, r in enumerate(rows):
            ws.write_row(i, 0, r)
    wb.close()
    return path


# --- 1. an export split across sheets ------------------------------------------------------------------

def test_every_sheet_with_the_same_columns_is_read_as_one_table(tmp_path):
    """pos_multisheet.xlsx: a cover sheet, «Сообщения» and «Сообщения 2» (Excel's row limit splits an export so)
    — 80 rows read, 40 stored before. Here 3 + 2 rows; a rejected row of the second sheet names its sheet."""
    path = _xlsx(tmp_path / "split.xlsx", {
        "Инструкция": [["Выгрузка ПОС за февраль"], ["Сформировано 10.02.2025"]],
        "Сообщения": [HEAD, _row(1), _row(2), _row(3)],
        "Сообщения 2": [["Выгрузка ПОС, продолжение"], HEAD, _row(4), ["", "04.02.2025 10:00", "Дороги"]],
    })
    db = tmp_path / "mcu.duckdb"
    r = load_file(path, db=db)
    assert counts(r) == (5, 4, 0, 0, 1)
    assert r.detection.table.row_numbers == [2, 3, 4, 3, 4]
    assert r.detection.describe()["лист"] == "Сообщения, Сообщения 2"
    assert q(db, "SELECT external_id, source_row FROM appeals ORDER BY 1") == [
        ("P-1", 2), ("P-2", 3), ("P-3", 4), ("P-4", 3)]
    assert q(db, "SELECT source_row, reason FROM import_rejects") == [
        (4, "лист «Сообщения 2»: нет значения «номер» (столбец «Номер сообщения»)")]
    assert r.warnings == []


def test_a_sheet_of_the_same_source_with_other_columns_is_told_not_lost(tmp_path):
    path = _xlsx(tmp_path / "two.xlsx", {
        "Сообщения": [HEAD, _row(1), _row(2)],
        "Обращения": [HEAD[:5] + ["Адрес"], _row(3)[:5] + ["ул. Мира, 1"], _row(4)[:5] + [""], _row(5)[:5] + [""]],
    })
    db = tmp_path / "mcu.duckdb"
    r = load_file(path, db=db)
    assert counts(r) == (2, 2, 0, 0, 0)
    assert r.warnings == [
        "лист «Обращения» тоже похож на выгрузку, но его столбцы другие (нет «Оценка»; лишние «Адрес»): его 3 строки "
        "не загружены — сохраните этот лист отдельным файлом и загрузите его"]
    assert r.warnings[0] in q(db, "SELECT message FROM import_log")[0][0]
