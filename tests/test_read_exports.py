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
    # The sheet's 3 rows were named in a warning only, neither read nor rejected (a tester: «Прочитано 5» of 10).
    # Read by its own header, they load; the column only this sheet has is told, and how to take it too.
    assert counts(r) == (5, 5, 0, 0, 0)
    assert r.warnings == [
        "лист «Обращения» прочитан по своей строке заголовков (строка 1): нет «Оценка» — эти поля у его 3 строк "
        "пустые; столбец «Адрес» есть только на этом листе и не взят — чтобы взять и его, сохраните лист отдельным "
        "файлом и загрузите: его строки сольются с уже загруженными"]
    assert r.warnings[0] in q(db, "SELECT message FROM import_log")[0][0]


def test_a_sheet_offers_no_column_withheld_as_the_applicants(tmp_path):
    """«столбцы «Фамилия», «Примечание» … не взяты — чтобы взять и их, сохраните лист отдельным файлом»: «Фамилия»
    is never kept (the applicant's, Detection.withheld), so it is not offered."""
    path = _xlsx(tmp_path / "two.xlsx", {
        "Сообщения": [HEAD, _row(1), _row(2)],
        "Обращения": [HEAD[:5] + ["Фамилия", "Примечание"], _row(3)[:5] + ["Петров", "срочно"]],
    })
    r = load_file(path, db=tmp_path / "mcu.duckdb")
    assert counts(r) == (3, 3, 0, 0, 0)
    assert r.warnings == [
        "лист «Обращения» прочитан по своей строке заголовков (строка 1): нет «Оценка» — эти поля у его 1 строки "
        "пустые; столбец «Примечание» есть только на этом листе и не взят — чтобы взять и его, сохраните лист "
        "отдельным файлом и загрузите: его строки сольются с уже загруженными"]


def test_a_sheet_without_a_required_column_has_its_rows_rejected_not_dropped(tmp_path):
    path = _xlsx(tmp_path / "two.xlsx", {
        "Сообщения": [HEAD, _row(1), _row(2)],
        "Обращения": [[c for c in HEAD if c != "Дата создания"] + ["Адрес"],
                      [c for j, c in enumerate(_row(3)) if j != 1] + ["ул. Мира, 1"]],
    })
    r = load_file(path, db=tmp_path / "mcu.duckdb")
    assert counts(r) == (3, 2, 0, 0, 1)
    assert r.rejects["reason"].to_list() == [
        "лист «Обращения»: на листе нет столбца «Дата создания» — строка не загружена; добавьте столбец на лист и "
        "загрузите файл снова"]


# --- 2. a file cut off in the middle of a row ------------------------------------------------------------

def _csv(rows: list[list[str]]) -> str:
    return "".join(";".join(f'"{c}"' if ";" in c or "\n" in c else c for c in r) + "\r\n" for r in rows)


@pytest.mark.parametrize("cut_at", ["Меня зовут", "Меня зовут\r\nвторая стр"])
def test_a_csv_cut_off_inside_a_quoted_text_rejects_its_last_row_and_says_so(tmp_path, cut_at):
    """pos_truncated.csv (cut at 150 000 bytes inside a quoted text): «Прочитано 138, Новых 138», the last row
    stored with its text cut and its later columns empty. Now it is rejected and the report warns."""
    head = HEAD[:5] + ["Текст сообщения", "Оценка"]
    rows = [head, _row(1)[:5] + ["Яма; глубокая", "5"], _row(2)[:5] + ["Холодно", "4"]]
    text = _csv(rows) + ";".join(_row(3)[:5]) + ';"' + cut_at
    path = tmp_path / "cut.csv"
    path.write_text(text, encoding="utf-8")
    db = tmp_path / "mcu.duckdb"
    r = load_file(path, db=db)
    assert counts(r) == (3, 2, 0, 0, 1)
    assert q(db, "SELECT external_id FROM appeals ORDER BY 1") == [("P-1",), ("P-2",)]
    assert q(db, "SELECT source_row, reason FROM import_rejects") == [
        (4, "строка обрывается на середине: файл кончается внутри её текста (открытая кавычка не закрыта) — похоже, "
            "файл обрезан; выгрузите его заново")]
    assert r.warnings == [
        "файл, похоже, обрезан: он кончается посреди строки 4 (открытая кавычка не закрыта); эта строка отклонена, "
        "остальные загружены — выгрузите файл заново и загрузите его, чтобы не потерять строки после обрыва"]


def test_a_whole_csv_with_a_quoted_last_cell_is_not_taken_for_a_cut_one(tmp_path):
    head = HEAD[:5] + ["Текст сообщения"]
    rows = [head, _row(1)[:5] + ["Яма; глубокая"], _row(2)[:5] + ["Холодно;\r\nочень"]]
    path = tmp_path / "whole.csv"
    path.write_text(_csv(rows).removesuffix("\r\n"), encoding="utf-8")
    r = load_file(path, db=tmp_path / "mcu.duckdb")
    assert counts(r) == (2, 2, 0, 0, 0) and r.warnings == []


# --- 3. dates with a two-digit year, or the month in words ------------------------------------------------

def test_two_digit_years_and_month_names_read_and_no_accepted_date_reads_otherwise():
    import datetime as dt

    import polars as pl

    from etl.normalise import parse_datetime
    values = ["05.09.26", "05.09.26 10:00", "5.9.26 10:00:15", "4 сентября 2026 г.", "4 сентября 2026",
              "04 Сентября 2026 года", "1 мая 2026 г. 14:30", "12 дек. 2025", "3 сент 2026 10:05:00", "31 июня 2026",
              "05.09.85", "4 сентябрь 2026", "сентября 2026", "06.09.2026 25:61",
              # accepted before, read as before
              "05.09.2026", "13/09/2026 10:00", "2026-09-03T10:00:00", "45000", "05.09.2026 г."]
    got = pl.select(parse_datetime(pl.lit(pl.Series(values)))).to_series().to_list()
    d = dt.datetime
    assert got == [d(2026, 9, 5), d(2026, 9, 5, 10), d(2026, 9, 5, 10, 0, 15), d(2026, 9, 4), d(2026, 9, 4),
                   d(2026, 9, 4), d(2026, 5, 1, 14, 30), d(2025, 12, 12), d(2026, 9, 3, 10, 5), None,
                   None, None, None, None,   # 1985 is before 1990; not a form of a date; 25:61 no time
                   d(2026, 9, 5), d(2026, 9, 13, 10), d(2026, 9, 3, 10), d(2023, 3, 15), d(2026, 9, 5)]


def test_pos_dates_load_with_two_digit_years_and_month_names(tmp_path):
    """pos_dates.csv: «4 сентября 2026 г.» and «05.09.26» were rejected as «дата регистрации не распознана»."""
    head = HEAD[:5] + ["Срок ответа"]
    rows = [head, ["DT-3", "4 сентября 2026 г.", "Дороги", "Новое", "Отдел", "16.09.2026"],
            ["DT-4", "05.09.26", "Дороги", "Новое", "Отдел", "16.09.26"],
            ["DT-5", "06.09.2026 25:61", "Дороги", "Новое", "Отдел", "16.09.2026"]]
    path = tmp_path / "dates.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    db = tmp_path / "mcu.duckdb"
    r = load_file(path, db=db)
    assert counts(r) == (3, 2, 0, 0, 1)
    assert q(db, "SELECT external_id, received_at::VARCHAR, due_at::VARCHAR FROM appeals ORDER BY 1") == [
        ("DT-3", "2026-09-04 00:00:00", "2026-09-16 23:59:59"), ("DT-4", "2026-09-05 00:00:00", "2026-09-16 23:59:59")]
    assert q(db, "SELECT source_row, reason FROM import_rejects") == [
        (4, "дата регистрации не распознана: «06.09.2026 25:61» (столбец «Дата создания»)")]


# --- 4. ratings in words and stars; a number out of range is told --------------------------------------------

def test_ratings_in_words_and_stars_read_and_unreadable_ones_are_told(tmp_path):
    """pos_ratings.csv: «Отлично», «★★★★», «6», «0» became NULL with no trace. Words and stars read now; a number out
    of 1…5 stays empty, the appeal loads, and the report says how many rows and which values."""
    marks = ["5", "4,0", "Отлично", "★★★★", "★★☆☆☆", "Очень  плохо", "хорошо.", "Удовлетворительно", "6", "0",
             "10", "Без оценки", "-", "", "3 из 5", "6"]
    rows = [HEAD] + [_row(i, rating=m) for i, m in enumerate(marks, 1)]
    path = tmp_path / "ratings.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    db = tmp_path / "mcu.duckdb"
    r = load_file(path, db=db)
    assert counts(r) == (16, 16, 0, 0, 0)
    assert q(db, "SELECT rating FROM appeals ORDER BY source_row") == [
        (5,), (4,), (5,), (4,), (2,), (1,), (4,), (3,), (None,), (None,), (None,), (None,), (None,), (None,), (3,),
        (None,)]
    assert q(db, "SELECT count(*) FILTER (satisfied), count(*) FILTER (NOT satisfied) FROM appeals") == [(5, 4)]
    assert r.warnings == [
        "оценка не распознана в 4 строках (например: «6», «0», «10»): оценка ставится от 1 до 5 — цифрой, словом "
        "(от «отлично» до «очень плохо») или звёздами; эти обращения загружены без оценки"]
    assert r.warnings[0] in q(db, "SELECT message FROM import_log")[0][0]


# --- 5. wording ---------------------------------------------------------------------------------------------

def test_an_unread_deadline_agrees_in_gender(tmp_path):
    """«срок не распознана» → «срок не распознан»; the feminine labels keep «не распознана»."""
    head = HEAD[:5] + ["Срок ответа", "Дата ответа"]
    rows = [head, ["P-1", "03.02.2025 09:00", "Дороги", "Новое", "Отдел", "завтра", "04.02.2025 09:00"],
            ["P-2", "03.02.2025 09:00", "Дороги", "Новое", "Отдел", "05.02.2025", "вчера"],
            ["P-3", "03.02.2025 09:00", "Дороги", "Новое", "Отдел", "05.02.2025", "04.02.2025 09:00"]]
    path = tmp_path / "due.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    db = tmp_path / "mcu.duckdb"
    r = load_file(path, db=db)
    assert counts(r) == (3, 2, 0, 0, 1)
    assert q(db, "SELECT source_row, reason FROM import_rejects ORDER BY 1") == [
        (2, "срок не распознан: «завтра» (столбец «Срок ответа»)")]
    # An unread answer date drops the date, not the appeal (tests/test_row_checks.py); the report says it.
    assert r.warnings == [
        "дата ответа не распознана в 1 строке (столбец «Дата ответа», например: «вчера») — дата не взята, строки "
        "загружены без неё; исправьте даты в выгрузке"]


@pytest.mark.parametrize("what, told", [("missing.csv", "файл не найден"), ("folder.csv", "это папка, а не файл")])
def test_cli_says_in_russian_why_a_file_cannot_be_opened(tmp_path, what, told):
    """`python -m etl load missing.csv` said «No such file or directory»."""
    (tmp_path / "folder.csv").mkdir()
    out = subprocess.run([sys.executable, "-m", "etl", "load", str(tmp_path / what), "--db", str(tmp_path / "mcu.duckdb")],
                         cwd=ROOT, capture_output=True, text=True, env={"MCU_SALT": "test-salt", "PATH": "/usr/bin"})
    assert out.returncode == 1
    assert f"Файл {what} не загружен: Не удалось открыть файл {what}: {told}. Проверьте путь и права доступа." \
        in out.stderr
    assert "No such file" not in out.stderr and "Is a directory" not in out.stderr


def test_a_sheet_going_on_without_a_header_row_is_told_not_lost(tmp_path):
    """A continuation sheet without its own header row fits no profile: its rows are not guessed at, but each is
    read and rejected with the reason, so every row of the file is accounted for (a tester: its 7 rows were named in
    a warning but not in «Прочитано»). A cover sheet of another width is not mentioned."""
    path = _xlsx(tmp_path / "headless.xlsx", {
        "Инструкция": [["Выгрузка ПОС за февраль"], ["Сформировано 10.02.2025"]],
        "Сообщения": [HEAD, _row(1), _row(2)],
        "Лист2": [_row(3), _row(4), _row(5), _row(6), _row(7)],
    })
    r = load_file(path, db=tmp_path / "mcu.duckdb")
    assert counts(r) == (7, 2, 0, 0, 5)
    assert r.warnings == [
        "лист «Лист2» не загружен: в нём столько же столбцов (6), но нет строки заголовков — если это продолжение "
        "таблицы, скопируйте на него строку заголовков с листа «Сообщения» и загрузите файл снова (строк на листе: 5, "
        "они отклонены)"]
    assert r.rejects.select("source_row", "reason").rows() == [
        (n, "лист «Лист2»: на листе нет строки заголовков — строка не загружена; скопируйте на лист строку заголовков "
            "с листа «Сообщения» и загрузите файл снова") for n in range(1, 6)]


# --- 4. a csv cut off outside quotes, and short rows ------------------------------------------------------

def test_a_csv_cut_off_outside_quotes_rejects_its_last_row_and_says_so(tmp_path):
    """b_cut.csv: its last row cut after 13 of 18 cells, no line break at the end — it loaded as an appeal with part
    of its text and its later columns empty, no warning (only a cut inside quotes was found)."""
    head = HEAD[:5] + ["Текст сообщения", "Оценка"]
    rows = [head, _row(1)[:5] + ["Яма", "5"], _row(2)[:5] + ["Холодно", "4"]]
    path = tmp_path / "cut.csv"
    path.write_text(_csv(rows) + ";".join(_row(3)[:4]) + ";Отдел дорож", encoding="utf-8")
    db = tmp_path / "mcu.duckdb"
    r = load_file(path, db=db)
    assert counts(r) == (3, 2, 0, 0, 1)
    assert q(db, "SELECT external_id FROM appeals ORDER BY 1") == [("P-1",), ("P-2",)]
    assert q(db, "SELECT source_row, reason FROM import_rejects") == [
        (4, "строка обрывается на середине: в ней 5 ячеек из 7, и на ней файл кончается без перевода строки — похоже, "
            "файл обрезан; выгрузите его заново")]
    assert r.warnings == [
        "файл, похоже, обрезан: он кончается посреди строки 4 (в ней 5 ячеек из 7, перевода строки в конце нет); эта "
        "строка отклонена, остальные загружены — выгрузите файл заново и загрузите его, чтобы не потерять строки "
        "после обрыва"]


def test_a_whole_last_row_without_a_line_break_is_not_taken_for_a_cut_one(tmp_path):
    head = HEAD[:5] + ["Текст сообщения"]
    path = tmp_path / "whole.csv"
    path.write_text(_csv([head, _row(1)[:5] + ["Яма"], _row(2)[:5] + [""]]).removesuffix("\r\n"), encoding="utf-8")
    r = load_file(path, db=tmp_path / "mcu.duckdb")
    assert counts(r) == (2, 2, 0, 0, 0) and r.warnings == []


def test_short_rows_load_and_are_named(tmp_path):
    """b_ragged.csv: a row of 5 of 18 cells loaded silently while a long row was rejected. A short row with every
    required cell loads (its missing cells empty: Excel drops trailing empty cells so), and the report names it; one
    without them is rejected as before. Read by the csv module and by polars alike."""
    head = HEAD[:5] + ["Текст сообщения", "Оценка"]
    rows = [head, _row(1)[:5] + ["Яма", "5"], _row(2)[:3], _row(3)[:5] + ["Холодно", "4"], _row(4)[:1],
            _row(5)[:4]]
    path = tmp_path / "ragged.csv"
    for quoted in (False, True):   # a quoted cell with the delimiter in it: its delimiter is no cell's end
        if quoted:
            rows[1][5] = "Яма; глубокая"
        path.write_text(_csv(rows), encoding="utf-8")
        db = tmp_path / f"mcu{quoted}.duckdb"
        r = load_file(path, db=db)
        assert counts(r) == (5, 4, 0, 0, 1)
        assert q(db, "SELECT external_id, status, text FROM appeals ORDER BY 1") == [
            ("P-1", "new", "Яма; глубокая" if quoted else "Яма"), ("P-2", "in_progress", None),
            ("P-3", "new", "Холодно"), ("P-5", "new", None)]
        assert r.warnings == [
            "в 3 строках меньше ячеек, чем столбцов в заголовке (строка 3: 3 ячейки из 7; строка 5: 1 ячейка из 7; "
            "строка 6: 4 ячейки из 7): недостающие ячейки считаются пустыми — проверьте эти строки в выгрузке (часто "
            "так рвёт строку перевод строки внутри текста)"]


# --- 5. a cell over the csv module's limit ----------------------------------------------------------------

def test_a_huge_cell_rejects_its_row_in_russian_and_the_file_loads(tmp_path):
    """b_hugecell.csv (a text of 8,4 M characters): the whole file was refused, partly in English: «Не удалось
    разобрать CSV (field larger than field limit (131072))»."""
    head = HEAD[:5] + ["Текст сообщения"]
    rows = [head, _row(1)[:5] + ["Яма"], _row(2)[:5] + ["я" * 200_000], _row(3)[:5] + ["Холодно"]]
    path = tmp_path / "huge.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    db = tmp_path / "mcu.duckdb"
    r = load_file(path, db=db)
    assert counts(r) == (3, 2, 0, 0, 1)
    assert q(db, "SELECT external_id FROM appeals ORDER BY 1") == [("P-1",), ("P-3",)]
    assert q(db, "SELECT source_row, reason FROM import_rejects") == [
        (3, "в ячейке «Текст сообщения» 200\xa0000 символов — больше 131\xa0072: такого длинного значения в выгрузке "
            "не бывает, похоже, в файле сбились кавычки; строка не загружена — проверьте её в выгрузке")]


# --- 6. a broken byte in a UTF-8 file ---------------------------------------------------------------------

def test_a_stray_byte_rejects_its_row_not_the_file(tmp_path):
    """b_stray_byte.csv (one byte 0xFF in a UTF-8 file): refused whole, told it was written in two encodings. Now
    the row with the byte is rejected, saying which byte and column, and the rest loads; two files glued in two
    encodings are still refused (test_read_large.py::test_a_file_in_two_encodings_is_refused_saying_so)."""
    head = HEAD[:5] + ["Текст сообщения"]
    rows = [head, _row(1)[:5] + ["Яма у дома"], _row(2)[:5] + ["Холодно BROKEN в квартире"], _row(3)[:5] + ["Темно"]]
    path = tmp_path / "stray.csv"
    path.write_bytes(_csv(rows).encode("utf-8").replace(b"BROKEN", b"\xff"))
    db = tmp_path / "mcu.duckdb"
    r = load_file(path, db=db)
    assert counts(r) == (3, 2, 0, 0, 1)
    assert q(db, "SELECT external_id FROM appeals ORDER BY 1") == [("P-1",), ("P-3",)]
    assert q(db, "SELECT source_row, reason, raw->>'Текст сообщения' FROM import_rejects") == [
        (3, "испорченный символ: байт 0xFF в столбце «Текст сообщения» не читается как UTF-8 — строка не загружена; "
            "исправьте символ в выгрузке или выгрузите файл заново", "Холодно \ufffd в квартире")]
    assert r.warnings == [
        "в строке 3 испорченный символ (байт, который не читается как UTF-8): эта строка отклонена, остальные "
        "загружены — исправьте символ в выгрузке или выгрузите файл заново и загрузите его"]


def test_a_stray_byte_in_the_header_is_told(tmp_path):
    head = HEAD[:5] + ["Текст сообщения"]
    path = tmp_path / "stray.csv"
    path.write_bytes(_csv([head, _row(1)[:5] + ["Яма у дома"]]).encode("utf-8").replace("Текст".encode(), b"\xff"))
    r = load_file(path, db=tmp_path / "mcu.duckdb")
    assert counts(r) == (1, 1, 0, 0, 0)
    assert r.warnings == [
        "в строке заголовков испорченный символ (байт, который не читается как UTF-8): «\ufffd сообщения» — по такому "
        "названию столбец не узнаётся; исправьте его название в выгрузке и загрузите файл снова"]


# --- 7. a second sheet with its columns in another order, some left out --------------------------------------

def test_a_sheet_with_fewer_columns_in_another_order_is_read_by_its_own_header(tmp_path):
    """x_sheets_reorder.xlsx: «Прочитано 5» for a file of 10 rows — the sheet «Октябрь» (the same columns in another
    order, some left out) was named in a warning but its rows neither read nor rejected. Each column has every field
    the profile needs: it is read by its own header row, the fields it lacks empty; a sheet with columns the first
    one has not is still only told (test_a_sheet_of_the_same_source_with_other_columns_is_told_not_lost)."""
    order = [0, 4, 1, 3, 2]   # «Номер», «Ответственный», «Дата создания», «Статус», «Категория»; no «Оценка»
    path = _xlsx(tmp_path / "reorder.xlsx", {
        "Сентябрь": [HEAD, _row(1), _row(2)],
        "Октябрь": [["Выгрузка за октябрь"], [HEAD[k] for k in order], *([_row(i)[k] for k in order] for i in (3, 4)),
                    ["P-5", "Отдел дорожного хозяйства и транспорта", "", "Новое", "Дороги"]],
    })
    db = tmp_path / "mcu.duckdb"
    r = load_file(path, db=db)
    assert counts(r) == (5, 4, 0, 0, 1)
    assert r.detection.table.row_numbers == [2, 3, 3, 4, 5]
    assert q(db, "SELECT external_id, source_row, status, theme, rating FROM appeals ORDER BY 1") == [
        ("P-1", 2, "new", "Дороги", 5), ("P-2", 3, "new", "Дороги", 5), ("P-3", 3, "new", "Дороги", None),
        ("P-4", 4, "new", "Дороги", None)]
    assert q(db, "SELECT source_row, reason FROM import_rejects") == [
        (5, "лист «Октябрь»: нет значения «дата регистрации» (столбец «Дата создания»)")]
    assert r.warnings == [
        "лист «Октябрь» прочитан по своей строке заголовков (строка 2): столбцы в другом порядке, нет «Оценка» — "
        "эти поля у его 3 строк пустые"]


# --- 8. merged cells in data rows ---------------------------------------------------------------------------

def test_a_merged_cell_in_data_rows_fills_each_of_its_rows(tmp_path):
    """x_merged_data.xlsx (settlement and executor merged over 3 rows each): 6 of 9 appeals loaded with no
    settlement or executor, nothing said. A merged cell's value is every one of its rows'; the report says so once.
    A merged title above the header stays as it was."""
    path = tmp_path / "merged.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Сообщения")
    ws.merge_range(0, 0, 0, 5, "Выгрузка ПОС за февраль")
    ws.write_row(1, 0, HEAD)
    for i in range(1, 6):   # the cells under a merged range empty, as Excel leaves them
        ws.write_row(1 + i, 0, [None if (k == 4 and i in (1, 2, 3)) or (k in (2, 3) and i in (4, 5)) else c
                                for k, c in enumerate(_row(i))])
    ws.merge_range(2, 4, 4, 4, "Отдел дорожного хозяйства и транспорта")   # rows 3–5
    ws.merge_range(5, 2, 6, 3, "Дороги")   # «Категория» and «Статус» of rows 6–7 in one range
    wb.close()
    db = tmp_path / "mcu.duckdb"
    r = load_file(path, db=db)
    assert counts(r) == (5, 5, 0, 0, 0)
    assert q(db, "SELECT external_id, e.name, theme, status FROM appeals LEFT JOIN executors e USING (executor_id) "
                 "ORDER BY 1") == [
        ("P-1", "Отдел дорожного хозяйства и транспорта", "Дороги", "new"),
        ("P-2", "Отдел дорожного хозяйства и транспорта", "Дороги", "new"),
        ("P-3", "Отдел дорожного хозяйства и транспорта", "Дороги", "new"),
        ("P-4", "Отдел дорожного хозяйства и транспорта", "Дороги", "in_progress"),
        ("P-5", "Отдел дорожного хозяйства и транспорта", "Дороги", "in_progress")]
    assert r.warnings == [
        "в строках данных есть объединённые ячейки (столбцы «Категория», «Ответственный»): значение такой ячейки "
        "записано в каждую её строку — проверьте, что так и задумано"]


# --- 9. more date forms; a year too early is told so ----------------------------------------------------------

def test_iso_with_a_zone_a_comma_before_the_time_and_dashes_read():
    """pos_dates2.csv: «2026-09-05T10:00:00Z», «05.09.2026, 10:00», «05-09-2026» were «не распознана». An ISO stamp's
    zone is dropped: the time is read as written (the export's clock, as every other date of it)."""
    import datetime as dt

    import polars as pl

    from etl.normalise import parse_datetime
    values = ["2026-09-05T10:00:00Z", "2026-09-05T10:00:00.123+03:00", "2026-09-05 10:00:00+0700",
              "05.09.2026, 10:00", "05.09.26, 10:00", "05-09-2026", "5-9-2026 10:15", "05-09-26",
              "2026-09-05Z", "05.09.2026,", "13-13-2026"]
    got = pl.select(parse_datetime(pl.lit(pl.Series(values)))).to_series().to_list()
    d = dt.datetime
    assert got == [d(2026, 9, 5, 10), d(2026, 9, 5, 10, 0, 0, 123000), d(2026, 9, 5, 10), d(2026, 9, 5, 10),
                   d(2026, 9, 5, 10), d(2026, 9, 5), d(2026, 9, 5, 10, 15), None, None, None, None]


def test_a_date_of_an_implausible_year_is_told_so(tmp_path):
    head = HEAD[:5] + ["Дата ответа"]
    rows = [head, ["DT-1", "05.09.1926", "Дороги", "Новое", "Отдел", ""],
            ["DT-2", "05.09.2026", "Дороги", "Новое", "Отдел", "1899-12-30 10:00"],
            ["DT-3", "2026-09-05T10:00:00Z", "Дороги", "Новое", "Отдел", "06.09.2026, 11:00"]]
    path = tmp_path / "dates.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    db = tmp_path / "mcu.duckdb"
    r = load_file(path, db=db)
    assert counts(r) == (3, 2, 0, 0, 1)
    assert q(db, "SELECT external_id, received_at::VARCHAR, answered_at::VARCHAR FROM appeals ORDER BY 1") == [
        ("DT-2", "2026-09-05 00:00:00", None), ("DT-3", "2026-09-05 10:00:00", "2026-09-06 11:00:00")]
    assert q(db, "SELECT source_row, reason FROM import_rejects ORDER BY 1") == [
        (2, "дата регистрации «05.09.1926» — год раньше 1990, такой даты в выгрузке быть не может: исправьте дату "
            "(столбец «Дата создания»)")]
    # An answer date of such a year (Excel's zero day) is dropped as an unread one, not the appeal.
    assert r.warnings == [
        "дата ответа не распознана или с годом раньше 1990 в 1 строке (столбец «Дата ответа», например: "
        "«1899-12-30 10:00») — дата не взята, строки загружены без неё; исправьте даты в выгрузке"]


# --- 10. a file named .xls that is text: detected by its content ------------------------------------------

def test_a_csv_or_a_web_page_named_xls_is_read_by_its_content(tmp_path):
    """renamed_csv.xls, html_as.xls: «Файл с расширением Excel повреждён», where a .xlsx named .csv was read. Systems
    often save a web page's table as «.xls»: its table is read; a file that is neither is still told it is broken."""
    head = HEAD[:5] + ["Текст сообщения"]
    rows = [head, _row(1)[:5] + ["Яма; глубокая"], _row(2)[:5] + ["Холодно"]]
    csv_xls = tmp_path / "renamed.xls"
    csv_xls.write_text(_csv(rows), encoding="cp1251")
    r = load_file(csv_xls, db=tmp_path / "a.duckdb")
    assert counts(r) == (2, 2, 0, 0, 0) and r.detection.describe()["формат"] == "CSV"

    cell = lambda c, tag="td": f"<{tag}>{c.replace('&', '&amp;')}</{tag}>"
    page = ("\ufeff<html><head><meta charset='utf-8'><title>Выгрузка</title></head><body><p>Отчёт</p>\n<table border=1>"
            f"<tr>{''.join(cell(c, 'th') for c in head)}</tr>\n"
            + "".join(f"<tr>{''.join(cell(c) for c in r)}</tr>\n" for r in rows[1:])
            + "<tr><td>P-3</td><td>03.02.2025&nbsp;09:00</td><td colspan=2>Дороги</td><td>Отдел</td>"
              "<td>Яма<br>у дома &laquo;5&raquo;</td></tr></table></body></html>")
    html_xls = tmp_path / "page.xls"
    html_xls.write_text(page, encoding="utf-8")
    db = tmp_path / "b.duckdb"
    r = load_file(html_xls, db=db)
    assert counts(r) == (3, 3, 0, 0, 0) and r.detection.describe()["формат"] == "HTML"
    assert q(db, "SELECT external_id, received_at::VARCHAR, status, text FROM appeals ORDER BY 1") == [
        ("P-1", "2025-02-03 09:00:00", "new", "Яма; глубокая"), ("P-2", "2025-02-03 09:00:00", "new", "Холодно"),
        ("P-3", "2025-02-03 09:00:00", "in_progress", "Яма у дома «5»")]

    broken = tmp_path / "broken.xls"
    broken.write_bytes(bytes(range(256)) * 20)
    r = load_file(broken, db=tmp_path / "c.duckdb")
    assert r.status == "refused" and r.message.startswith("Файл с расширением Excel повреждён или это не файл Excel")


# --- 11. the command line names its own options -----------------------------------------------------------------

def test_the_command_line_names_source_not_the_page_field(tmp_path):
    """`python -m etl load` told «Выберите источник… в поле «Источник»», a field of the page: on the command line it
    names --source and --profile. The page keeps its wording (test_load_fixtures.py)."""
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("Фамилия;Имя;Телефон;Когда\nИванов;Иван;1;01.10.2025\n", encoding="utf-8")
    no_date = tmp_path / "no_date.csv"
    # (its date under a name no profile knows: a file with no date at all is told so instead, test_load_real.py)
    no_date.write_text("Номер сообщения;Когда;Категория;Статус;Ответственный\nP-1;01.10.2025;Дороги;Новое;Отдел\n",
                       encoding="utf-8")
    for path, source, told in (
            (unknown, [], "Выберите источник явно параметром --source (pos, im, letters, votes или custom) или опишите "
                          "формат своим профилем: --source custom --profile ФАЙЛ.toml, образец профиля — "
                          "etl/profiles/custom_example.toml."),
            (no_date, ["--source", "pos"], "загрузите её с параметрами --source custom --profile ФАЙЛ.toml — профилем, "
                                           "в котором указаны эти названия")):
        out = subprocess.run([sys.executable, "-m", "etl", "load", str(path), "--db", str(tmp_path / "mcu.duckdb"),
                              *source], cwd=ROOT, capture_output=True, text=True,
                             env={"MCU_SALT": "test-salt", "PATH": "/usr/bin"})
        assert out.returncode == 1
        assert told in out.stderr, out.stderr
        assert "«Источник»" not in out.stderr and "«Свой формат (профиль TOML)»" not in out.stderr
    assert "Если источник выбран неверно — выберите другой параметром --source (pos, im, letters, votes или custom)." \
        in out.stderr
