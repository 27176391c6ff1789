"""Nothing lost (issue 7, items 1–3 and 5): a thinner or older export never erases what the database knows,
the later state of an item wins by its own dates, formula cells never key rows, UTF-16 without a BOM loads."""
import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import duckdb
import polars as pl
import pytest
import xlsxwriter

from etl.load import load_file

HEADER = ["№ сообщения", "Дата создания", "Категория", "Подкатегория", "Статус", "Срок ответа", "Дата ответа",
          "Дата закрытия", "Результат", "Ответственный", "Населенный пункт", "Адрес", "Координаты", "Оценка",
          "Текст сообщения", "Заявитель", "Продлено"]
# Three messages in their final state: answered and rated, closed with a refusal, still open but extended.
FULL = [
    ["P-1", "10.01.2025 09:15", "Дороги", "Ямы и выбоины на тротуарах", "Ответ дан", "24.01.2025 18:00",
     "20.01.2025 16:40", "", "Решено", "Отдел дорожного хозяйства и транспорта", "с. Бельтирское", "ул. Ленина, 5",
     "53,0201; 90,3899", "5", "Яма на тротуаре", "Иванов Иван Иванович", "нет"],
    ["P-2", "11.01.2025 10:00", "ЖКХ", "Нарушение теплоснабжения многоквартирного дома", "Закрыто",
     "25.01.2025 18:00", "13.01.2025 09:00", "14.01.2025 10:00", "Не решено", "МУП «Аскизское ЖКХ»",
     "Аскиз-Посёлок", "ул. Мира, 1", "", "2", "Холодно в квартире", "Петрова Анна", "нет"],
    ["P-3", "12.01.2025 11:30", "Благоустройство", "Неработающее наружное освещение", "В работе", "10.03.2025 18:00",
     "", "", "", "Администрации сельских поселений", "пос. Бискамжа", "ул. Школьная, 3", "", "", "Не горит фонарь",
     "Сидоров Сергей", "да"],
]
CONTENT = ("kind, appeal_type, received_at, due_at, extended, answered_at, closed_at, status, theme, subtheme, "
           "settlement_id, address, lat, lon, executor_id, result, solvable, rating, satisfied, is_repeat, "
           "applicant_hash, text, source_file, source_row")


@pytest.fixture(autouse=True)
def salt(monkeypatch):
    monkeypatch.setenv("MCU_SALT", "test-salt")


def write_csv(path, header, rows):
    line = lambda r: ";".join(f'"{c}"' if ";" in c else c for c in r)
    path.write_text("\n".join(line(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def table(db, sql=f"SELECT external_id, {CONTENT} FROM appeals ORDER BY 1"):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def counts(r):
    assert r.ok, r.message
    return r.rows_read, r.loaded, r.updated, r.duplicate, r.rejected


@pytest.mark.parametrize("dropped", HEADER[2:])
def test_a_column_the_file_lacks_erases_nothing(tmp_path, dropped):
    db = tmp_path / "mcu.duckdb"
    assert counts(load_file(write_csv(tmp_path / "full.csv", HEADER, FULL), db=db, source="pos")) == (3, 3, 0, 0, 0)
    before = table(db)
    keep = [i for i, h in enumerate(HEADER) if h != dropped]
    thin = write_csv(tmp_path / "full.csv", [HEADER[i] for i in keep], [[r[i] for i in keep] for r in FULL])
    # The same file name: a change of source_file alone would hide nothing, so any difference is a lost field.
    assert counts(load_file(thin, db=db, source="pos")) == (3, 0, 0, 3, 0)
    assert table(db) == before


def test_empty_cells_erase_nothing(tmp_path):
    db = tmp_path / "mcu.duckdb"
    load_file(write_csv(tmp_path / "x.csv", HEADER, FULL), db=db, source="pos")
    before = table(db)
    # Every optional cell emptied; only the id and the registration date remain.
    blank = [[r[0], r[1]] + [""] * (len(HEADER) - 2) for r in FULL]
    assert counts(load_file(write_csv(tmp_path / "x.csv", HEADER, blank), db=db, source="pos")) == (3, 0, 0, 3, 0)
    assert table(db) == before


def test_a_thinner_reload_still_takes_what_it_says(tmp_path):
    db = tmp_path / "mcu.duckdb"
    load_file(write_csv(tmp_path / "x.csv", HEADER, FULL), db=db, source="pos")
    # P-3 answered since; the export has no rating, text or address columns at all.
    head = ["№ сообщения", "Дата создания", "Статус", "Дата ответа", "Результат"]
    rows = [["P-3", "12.01.2025 11:30", "Ответ дан", "20.02.2025 12:00", "Решено"]]
    assert counts(load_file(write_csv(tmp_path / "y.csv", head, rows), db=db, source="pos")) == (1, 0, 1, 0, 0)
    assert table(db, "SELECT status, answered_at::VARCHAR, result, address, text, extended, theme, executor_id "
                     "FROM appeals WHERE external_id = 'P-3'") == [
        ("answered", "2025-02-20 12:00:00", "решено", "ул. Школьная, 3", "Не горит фонарь", True, "Благоустройство",
         table(db, "SELECT executor_id FROM appeals WHERE external_id = 'P-3'")[0][0])]


def test_in_file_duplicates_resolve_by_the_items_own_dates(tmp_path):
    db = tmp_path / "mcu.duckdb"
    head = ["№ сообщения", "Дата создания", "Статус", "Дата ответа", "Оценка", "Текст сообщения"]
    # Newest first, as many cabinets export: the answered state precedes the «В работе» row of the same item.
    rows = [["P-9", "10.01.2025 09:00", "Ответ дан", "15.01.2025 10:00", "5", "Яма"],
            ["P-9", "10.01.2025 09:00", "В работе", "", "", "Яма у дома"]]
    assert counts(load_file(write_csv(tmp_path / "x.csv", head, rows), db=db, source="pos")) == (2, 1, 0, 1, 0)
    assert table(db, "SELECT status, answered_at::VARCHAR, rating, satisfied, source_row FROM appeals") == [
        ("answered", "2025-01-15 10:00:00", 5, True, 2)]


def test_an_older_export_loaded_late_rolls_nothing_back(tmp_path):
    db = tmp_path / "mcu.duckdb"
    newer = write_csv(tmp_path / "newer.csv", HEADER, FULL)
    older_rows = [r.copy() for r in FULL]
    # A week earlier P-1 and P-2 were still in work, with no answer, rating or closing; P-2 had no address.
    for r in older_rows[:2]:
        r[4], r[6], r[7], r[8], r[13] = "В работе", "", "", "", ""
    older_rows[1][11] = ""
    older = write_csv(tmp_path / "older.csv", HEADER, older_rows)
    load_file(newer, db=db, source="pos")
    before = table(db)
    r = load_file(older, db=db, source="pos")
    assert counts(r) == (3, 0, 0, 3, 0)
    assert table(db) == before


def test_an_older_export_fills_what_the_database_lacks(tmp_path):
    db = tmp_path / "mcu.duckdb"
    head = ["№ сообщения", "Дата создания", "Статус", "Дата ответа", "Адрес"]
    load_file(write_csv(tmp_path / "new.csv", head, [["P-5", "10.01.2025 09:00", "Ответ дан", "12.01.2025 09:00", ""]]),
              db=db, source="pos")
    r = load_file(write_csv(tmp_path / "old.csv", head, [["P-5", "10.01.2025 09:00", "В работе", "", "ул. Мира, 2"]]),
                  db=db, source="pos")
    assert counts(r) == (1, 0, 1, 0, 0)
    assert table(db, "SELECT status, answered_at::VARCHAR, address FROM appeals") == [
        ("answered", "2025-01-12 09:00:00", "ул. Мира, 2")]


def _xlsx_with_formula_ids(path, formulas):
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Сообщения")
    ws.write_row(0, 0, ["Номер сообщения", "Дата создания", "Категория", "Статус", "Ответственный"])
    for i, f in enumerate(formulas, 1):
        ws.write_formula(i, 0, f)
        ws.write_row(i, 1, [f"1{i}.01.2025 09:00", "Дороги", "Новое", "Отдел дорожного хозяйства и транспорта"])
    wb.close()
    # As openpyxl and many generators write them: formulas with no cached result (<v>) at all.
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(rb"(</f>)<v>[^<]*</v>", rb"\1", parts[sheet])
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return path


def test_literal_formula_ids_are_evaluated(tmp_path):
    db = tmp_path / "mcu.duckdb"
    path = _xlsx_with_formula_ids(tmp_path / "fx.xlsx", [f'="FX-{i}"' for i in range(1, 5)] + ['="FX-"&5'])
    assert counts(load_file(path, db=db, source="pos")) == (5, 5, 0, 0, 0)
    assert [r[0] for r in table(db, "SELECT external_id FROM appeals ORDER BY 1")] == [f"FX-{i}" for i in range(1, 6)]


def test_formula_ids_without_a_value_refuse_the_file(tmp_path):
    db = tmp_path / "mcu.duckdb"
    path = _xlsx_with_formula_ids(tmp_path / "fx.xlsx", ["=CONCATENATE(\"FX-\",ROW())"] * 5)
    r = load_file(path, db=db, source="pos")
    assert not r.ok and not db.exists()
    assert r.message.startswith("В файле fx.xlsx в столбце «Номер сообщения» 5 ячеек — формулы без сохранённого "
                                "значения (строка 2: =CONCATENATE(\"FX-\",ROW()), строка 3:")
    assert "Вставить значения" in r.message


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_loads(tmp_path, encoding):
    line = lambda r: ";".join(f'"{c}"' if ";" in c else c for c in r)
    lines = [line(HEADER), *(line(r) for r in FULL)]
    path = tmp_path / "u16.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    db = tmp_path / "mcu.duckdb"
    assert counts(load_file(path, db=db, source="pos")) == (3, 3, 0, 0, 0)
    assert table(db, "SELECT external_id, text FROM appeals ORDER BY 1") == [
        ("P-1", "Яма на тротуаре"), ("P-2", "Холодно в квартире"), ("P-3", "Не горит фонарь")]


def test_a_changed_salt_is_reported(tmp_path, monkeypatch):
    db = tmp_path / "mcu.duckdb"
    path = write_csv(tmp_path / "x.csv", HEADER, FULL)
    load_file(path, db=db, source="pos")
    monkeypatch.setenv("MCU_SALT", "another-salt")
    r = load_file(path, db=db, source="pos")
    assert r.ok and "соль" in r.message.lower() and "MCU_SALT" in r.message
    # Same salt again: no warning.
    assert "соль" not in load_file(path, db=db, source="pos").message.lower()
    assert pl.DataFrame(table(db, "SELECT count(*) FROM appeals")).item() == 3


def test_an_appeal_is_stored_once_however_often_its_item_comes(tmp_path):
    """appeal_id has no key index (schema.sql): the merge alone keeps it unique — on a reload, an update, a file
    that repeats an item, a file of new and known items together, and a thinner or older export."""
    db = tmp_path / "mcu.duckdb"
    ids = "SELECT count(*), count(DISTINCT appeal_id) FROM appeals"
    assert counts(load_file(write_csv(tmp_path / "a.csv", HEADER, FULL), db=db, source="pos")) == (3, 3, 0, 0, 0)
    assert counts(load_file(write_csv(tmp_path / "b.csv", HEADER, FULL), db=db, source="pos")) == (3, 0, 0, 3, 0)
    assert table(db, ids) == [(3, 3)]
    # P-3 answered (an update), P-4 new, P-4 again in the same file: one row each.
    answered = [*FULL[2][:4], "Ответ дан", FULL[2][5], "15.01.2025 10:00", *FULL[2][7:]]
    new = ["P-4", "13.01.2025 08:00", *FULL[0][2:]]
    rows = [FULL[0], answered, new, [*new[:4], "Ответ дан", new[5], "14.01.2025 08:00", *new[7:]]]
    assert counts(load_file(write_csv(tmp_path / "c.csv", HEADER, rows), db=db, source="pos")) == (4, 1, 1, 2, 0)
    assert table(db, ids) == [(4, 4)]
    # An older state of every item: fills nothing new, adds no row.
    assert counts(load_file(write_csv(tmp_path / "d.csv", HEADER, FULL), db=db, source="pos"))[1] == 0
    assert table(db, ids) == [(4, 4)]
    assert table(db, "SELECT external_id, status FROM appeals ORDER BY 1") == [
        ("P-1", "answered"), ("P-2", "closed"), ("P-3", "answered"), ("P-4", "answered")]


def test_an_update_keeps_a_stored_column_the_loader_does_not_write(tmp_path):
    """An updated item's row is deleted and written again (no key index): every stored column the file does not
    write — the repeat facts, or one a later schema adds — is carried over, never emptied."""
    db = tmp_path / "mcu.duckdb"
    load_file(write_csv(tmp_path / "a.csv", HEADER, FULL), db=db, source="pos")
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE appeals ADD COLUMN curator_note VARCHAR")
    con.execute("UPDATE appeals SET curator_note = 'проверено на выезде' WHERE external_id = 'P-3'")
    con.close()
    answered = [*FULL[2][:4], "Ответ дан", FULL[2][5], "15.01.2025 10:00", *FULL[2][7:]]
    assert counts(load_file(write_csv(tmp_path / "b.csv", HEADER, [answered]), db=db, source="pos")) == (1, 0, 1, 0, 0)
    assert table(db, "SELECT external_id, status, curator_note FROM appeals ORDER BY 1") == [
        ("P-1", "answered", None), ("P-2", "closed", None), ("P-3", "answered", "проверено на выезде")]


# Two exports of the same three messages whose own dates and statuses tie: the later export (its latest event
# 12.10) knows a deadline extended to 12.11 and a reassignment, and a rating of 5; the earlier one (latest event
# 10.10) an earlier deadline, the old executor and a rating of 2.
TIE_HEAD = ["№ сообщения", "Дата создания", "Подкатегория", "Статус", "Срок ответа", "Продлено", "Дата ответа",
            "Ответственный", "Населенный пункт", "Текст сообщения", "Оценка"]
TIE_NEW = [
    ["700001", "01.10.2025 10:00", "Аварийные деревья", "В работе", "12.11.2025", "да", "",
     "Отдел дорожного хозяйства и транспорта", "Аскиз", "Упало дерево", ""],
    ["700002", "01.10.2025 10:00", "Аварийные деревья", "Закрыто", "15.10.2025", "", "10.10.2025 12:00",
     "Отдел дорожного хозяйства и транспорта", "Аскиз", "Упало дерево", "5"],
    ["700003", "01.10.2025 10:00", "Аварийные деревья", "Ответ дан", "15.10.2025", "", "12.10.2025 12:00",
     "Отдел дорожного хозяйства и транспорта", "Аскиз", "Упало дерево", ""],
]
TIE_OLD = [
    ["700001", "01.10.2025 10:00", "Аварийные деревья", "В работе", "15.10.2025", "нет", "", "МУП «Аскизское ЖКХ»",
     "Аскиз", "Упало дерево", ""],
    ["700002", "01.10.2025 10:00", "Аварийные деревья", "Закрыто", "15.10.2025", "", "10.10.2025 12:00",
     "Отдел дорожного хозяйства и транспорта", "Аскиз", "Упало дерево", "2"],
    ["700003", "01.10.2025 10:00", "Аварийные деревья", "Ответ дан", "15.10.2025", "", "08.10.2025 09:00",
     "Отдел дорожного хозяйства и транспорта", "Аскиз", "Упало дерево", ""],
]
TIE_STATE = ("SELECT a.external_id, a.status, a.due_at::VARCHAR, a.extended, e.name, a.rating, a.text "
             "FROM appeals a LEFT JOIN executors e USING (executor_id) ORDER BY 1")


def test_an_older_export_loses_a_tie_of_the_items_own_dates(tmp_path):
    """Dates and status tie: the export describing a later day (its latest event) holds; the earlier one loaded
    late changes nothing — no deadline back, no old executor, no old rating."""
    db = tmp_path / "mcu.duckdb"
    assert counts(load_file(write_csv(tmp_path / "new.csv", TIE_HEAD, TIE_NEW), db=db, source="pos")) == (3, 3, 0, 0, 0)
    before = table(db, TIE_STATE)
    assert before == [
        ("700001", "in_progress", "2025-11-12 23:59:59", True, "Отдел дорожного хозяйства и транспорта", None,
         "Упало дерево"),
        ("700002", "closed", "2025-10-15 23:59:59", False, "Отдел дорожного хозяйства и транспорта", 5, "Упало дерево"),
        ("700003", "answered", "2025-10-15 23:59:59", False, "Отдел дорожного хозяйства и транспорта", None,
         "Упало дерево")]
    old = load_file(write_csv(tmp_path / "old.csv", TIE_HEAD, TIE_OLD), db=db, source="pos")
    assert counts(old) == (3, 0, 0, 3, 0)
    assert table(db, TIE_STATE) == before
    # «дубликатов 3» alone for rows that differ from the stored ones (a tester): the report says why they changed
    # nothing. A re-load of the newer export says nothing of the kind.
    assert old.warnings == ["строк, описывающих более раннее состояние обращений, чем уже загруженное (выгрузка "
                            "старше): 3 — значения в базе новее и не изменены, эти строки посчитаны в дубликатах"]
    again = load_file(write_csv(tmp_path / "new.csv", TIE_HEAD, TIE_NEW), db=db, source="pos")
    assert counts(again) == (3, 0, 0, 3, 0) and again.warnings == []
    # Only the open «Новое» items tie in a whole export taken earlier: none takes its executor or text.
    early = [[r[0], r[1], r[2], "Новое", "", "", "", "МУП «Аскизское ЖКХ»", "Аскиз", "старый текст", ""]
             for r in TIE_NEW]
    load_file(write_csv(tmp_path / "base.csv", TIE_HEAD, [[*r[:3], "Новое", *r[4:]] for r in TIE_NEW]), db=tmp_path / "b.duckdb",
              source="pos")
    base = table(tmp_path / "b.duckdb", TIE_STATE)
    assert counts(load_file(write_csv(tmp_path / "early.csv", TIE_HEAD, early), db=tmp_path / "b.duckdb",
                            source="pos")) == (3, 0, 0, 3, 0)
    assert table(tmp_path / "b.duckdb", TIE_STATE) == base


def test_a_later_export_with_the_same_state_still_updates(tmp_path):
    """The tie goes the other way for a later export: a reassignment (same status, same dates) is taken. Its file
    says nothing of an extension: the extended deadline stays as it was, never earlier."""
    db = tmp_path / "mcu.duckdb"
    load_file(write_csv(tmp_path / "new.csv", TIE_HEAD, TIE_NEW), db=db, source="pos")
    head = ["№ сообщения", "Дата создания", "Статус", "Срок ответа", "Ответственный", "Дата ответа"]
    later = [["700001", "01.10.2025 10:00", "В работе", "15.10.2025", "МУП «Аскизское ЖКХ»", ""],
             ["700004", "01.10.2025 10:00", "Ответ дан", "15.10.2025", "МУП «Аскизское ЖКХ»", "20.10.2025 09:00"]]
    assert counts(load_file(write_csv(tmp_path / "later.csv", head, later), db=db, source="pos")) == (2, 1, 1, 0, 0)
    assert table(db, TIE_STATE)[0] == (
        "700001", "in_progress", "2025-11-12 23:59:59", True, "МУП «Аскизское ЖКХ»", None, "Упало дерево")


def test_a_re_export_of_the_same_day_wins_a_tie(tmp_path):
    """Two exports describing the same moment: the one loaded later is a correction, and is taken."""
    db = tmp_path / "mcu.duckdb"
    load_file(write_csv(tmp_path / "new.csv", TIE_HEAD, TIE_NEW), db=db, source="pos")
    fixed = [r.copy() for r in TIE_NEW]
    fixed[1][10] = "4"
    assert counts(load_file(write_csv(tmp_path / "fixed.csv", TIE_HEAD, fixed), db=db, source="pos")) == (3, 0, 1, 2, 0)
    assert [r[5] for r in table(db, TIE_STATE)] == [None, 4, None]


def test_the_stated_export_date_breaks_a_tie(tmp_path):
    """The day an export is stated to describe (--as-of) counts to its end: an export stated for 20.10 whose latest
    event is 10.10 holds a tie against one whose latest event is 12.10."""
    db = tmp_path / "mcu.duckdb"
    assert counts(load_file(write_csv(tmp_path / "old.csv", TIE_HEAD, TIE_OLD[:2]), db=db, source="pos",
                            as_of=dt.date(2025, 10, 20))) == (2, 2, 0, 0, 0)
    assert counts(load_file(write_csv(tmp_path / "new.csv", TIE_HEAD, TIE_NEW[1:]), db=db, source="pos")) == (
        2, 1, 0, 1, 0)
    assert [(r[0], r[5]) for r in table(db, TIE_STATE)] == [("700001", None), ("700002", 2), ("700003", None)]
    # An export stated for 05.10 says 700001 was extended by then, with another executor: older, it gives no executor,
    # but an extension stays once known (the flag) and so does the later deadline it gives.
    assert table(db, TIE_STATE)[0][2:5] == ("2025-10-15 23:59:59", False, "МУП «Аскизское ЖКХ»")
    assert counts(load_file(write_csv(tmp_path / "ext.csv", TIE_HEAD, TIE_NEW[:1]), db=db, source="pos",
                            as_of=dt.date(2025, 10, 5))) == (1, 0, 1, 0, 0)
    assert table(db, TIE_STATE)[0][2:5] == ("2025-11-12 23:59:59", True, "МУП «Аскизское ЖКХ»")


def test_a_database_of_an_older_version_dates_its_stored_states(tmp_path):
    """A database written before state_at: each stored row is dated by the latest event its file still holds there,
    so a late older export loses the tie to it as to one loaded now, and a later one still wins it."""
    db = tmp_path / "mcu.duckdb"
    load_file(write_csv(tmp_path / "new.csv", TIE_HEAD, TIE_NEW), db=db, source="pos")
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE appeals DROP COLUMN state_at")
    con.execute("UPDATE meta SET value = 'older' WHERE key = 'schema'")
    con.close()
    before = table(db, TIE_STATE)
    assert counts(load_file(write_csv(tmp_path / "old.csv", TIE_HEAD, TIE_OLD), db=db, source="pos")) == (3, 0, 0, 3, 0)
    assert table(db, TIE_STATE) == before
    assert table(db, "SELECT DISTINCT state_at::VARCHAR FROM appeals") == [("2025-10-12 12:00:00",)]
    fixed = [r.copy() for r in TIE_NEW]
    fixed[1][10] = "4"
    assert counts(load_file(write_csv(tmp_path / "fixed.csv", TIE_HEAD, fixed), db=db, source="pos")) == (3, 0, 1, 2, 0)
    assert [r[5] for r in table(db, TIE_STATE)] == [None, 4, None]


# A 59-ФЗ register numbers its letters anew each year: «1-ОГ» of 2025 and «1-ОГ» of 2026 are two letters.
LETTERS_HEAD = ["Рег. номер", "Дата регистрации", "Тип обращения", "Вид обращения", "Тематика", "Исполнитель", "Срок",
                "Дата ответа", "Результат рассмотрения", "Населенный пункт", "Краткое содержание"]


def _letters(year, subtheme, text, place="Аскиз"):
    return [[f"{i}-ОГ", f"1{i}.01.{year}", "Жалоба", "Индивидуальное", subtheme, "Управление ЖКХ и строительства",
             f"1{i}.02.{year}", f"1{i + 5}.01.{year}", "Разъяснено", place, f"{text} №{i}"] for i in (1, 2, 3)]


LETTERS_STATE = "SELECT appeal_id, external_id, received_at::DATE::VARCHAR, subtheme, text FROM appeals ORDER BY 1"


def test_registration_numbers_that_restart_each_year_are_different_letters(tmp_path):
    db = tmp_path / "mcu.duckdb"
    y25 = write_csv(tmp_path / "2025.csv", LETTERS_HEAD, _letters(2025, "Перебои в водоснабжении", "Нет воды"))
    y26 = write_csv(tmp_path / "2026.csv", LETTERS_HEAD, _letters(2026, "Ремонт дороги", "Яма на дороге"))
    assert counts(load_file(y25, db=db, source="letters")) == (3, 3, 0, 0, 0)
    assert counts(load_file(y26, db=db, source="letters")) == (3, 3, 0, 0, 0)
    assert counts(load_file(y25, db=db, source="letters")) == (3, 0, 0, 3, 0)
    assert table(db, LETTERS_STATE) == [
        *[(f"letters:2025:{i}-ОГ", f"{i}-ОГ", f"2025-01-1{i}", "Перебои в водоснабжении", f"Нет воды №{i}") for i in (1, 2, 3)],
        *[(f"letters:2026:{i}-ОГ", f"{i}-ОГ", f"2026-01-1{i}", "Ремонт дороги", f"Яма на дороге №{i}") for i in (1, 2, 3)]]
    # One register spanning both years: its «1-ОГ» of each year are two letters there too, not an in-file repeat.
    both = write_csv(tmp_path / "both.csv", LETTERS_HEAD, [*_letters(2025, "Перебои в водоснабжении", "Нет воды"),
                                                          *_letters(2026, "Ремонт дороги", "Яма на дороге")])
    assert counts(load_file(both, db=tmp_path / "b.duckdb", source="letters")) == (6, 6, 0, 0, 0)
    assert table(tmp_path / "b.duckdb", LETTERS_STATE) == table(db, LETTERS_STATE)


def test_ids_stored_before_the_year_counted_are_brought_to_it(tmp_path):
    """A database written when a letter's key was «letters:1-ОГ»: the next load of the register gives its stored
    letters (and the review list's records of them) the year of their registration, so reloading the same file
    adds no letter again."""
    db = tmp_path / "mcu.duckdb"
    y25 = write_csv(tmp_path / "2025.csv", LETTERS_HEAD,
                    _letters(2025, "Перебои в водоснабжении", "Нет воды", place="Нигдеевка"))
    assert counts(load_file(y25, db=db, source="letters")) == (3, 3, 0, 0, 0)
    con = duckdb.connect(str(db))
    con.execute("UPDATE appeals SET appeal_id = 'letters:' || external_id")
    con.execute("UPDATE unmatched_rows SET record_id = regexp_replace(record_id, '^letters:(\\d{4}:)?', 'letters:')")
    con.execute("DELETE FROM meta WHERE key LIKE 'appeal_ids%'")
    con.close()
    assert counts(load_file(y25, db=db, source="letters")) == (3, 0, 0, 3, 0)
    assert [r[0] for r in table(db, LETTERS_STATE)] == [f"letters:2025:{i}-ОГ" for i in (1, 2, 3)]
    assert table(db, "SELECT record_id, dim, value FROM unmatched_rows ORDER BY 1") == [
        (f"letters:2025:{i}-ОГ", "settlement", "Нигдеевка") for i in (1, 2, 3)]
    y26 = write_csv(tmp_path / "2026.csv", LETTERS_HEAD, _letters(2026, "Ремонт дороги", "Яма на дороге"))
    assert counts(load_file(y26, db=db, source="letters")) == (3, 3, 0, 0, 0)


def test_a_profile_says_its_numbers_restart_each_year(tmp_path):
    """id_restarts = "year" is one setting of every profile (the 59-ФЗ register's ships with it): a user-described
    system numbered anew each year keeps its years apart too; a setting it does not know is refused plainly."""
    from etl.profile import PROFILES_DIR, Profile, ProfileError
    text = ((PROFILES_DIR / "custom_example.toml").read_text(encoding="utf-8")
            .replace('identify_min = 3\n', 'identify_min = 3\nid_restarts = "year"\n'))
    head = ["Номер заявки", "Дата подачи", "Состояние", "Категория проблемы", "Район"]
    rows = [["1", "2025/03/01 10:20", "Открыта", "Дороги", "Аскиз"], ["1", "2026/03/01 10:20", "Открыта", "Дороги", "Аскиз"]]
    db = tmp_path / "mcu.duckdb"
    path = write_csv(tmp_path / "ng.csv", head, rows)
    assert counts(load_file(path, db=db, profile=Profile.from_toml(text))) == (2, 2, 0, 0, 0)
    assert [r[0] for r in table(db, "SELECT appeal_id FROM appeals ORDER BY 1")] == [
        "custom:nash_gorod:2025:1", "custom:nash_gorod:2026:1"]
    with pytest.raises(ProfileError, match="id_restarts = «yearly», а допустимы: «never»"):
        Profile.from_toml(text.replace('id_restarts = "year"', 'id_restarts = "yearly"'))


# The source's own columns no field maps (appeals.extra): «Текст ответа» and «Комментарий модератора» in one export,
# «Примечание» in a later one that lacks «Текст ответа» and leaves the comment empty (the tester's pos_newer_extra).
EXTRA_HEAD = ["Номер сообщения", "Дата создания", "Категория", "Статус", "Населенный пункт"]


def _extra(db):
    (extra,), = table(db, "SELECT extra FROM appeals")
    return extra


def test_a_newer_export_merges_the_extra_columns_per_key(tmp_path):
    db = tmp_path / "mcu.duckdb"
    first = write_csv(tmp_path / "a.csv", [*EXTRA_HEAD, "Текст ответа", "Комментарий модератора"],
                      [["P-1", "20.11.2025 10:15", "ЖКХ", "Ответ дан", "Аскиз", "Вода подана", "Проверить повторно"]])
    assert counts(load_file(first, db=db, source="pos")) == (1, 1, 0, 0, 0)
    stored = _extra(db)
    assert json.loads(stored) == {"Текст ответа": "Вода подана", "Комментарий модератора": "Проверить повторно"}
    # The same file again, and a file without those columns: duplicates, the stored text as it was.
    assert counts(load_file(first, db=db, source="pos")) == (1, 0, 0, 1, 0)
    thin = write_csv(tmp_path / "thin.csv", EXTRA_HEAD, [["P-1", "20.11.2025 10:15", "ЖКХ", "Ответ дан", "Аскиз"]])
    assert counts(load_file(thin, db=db, source="pos")) == (1, 0, 0, 1, 0)
    assert _extra(db) == stored
    newer = write_csv(tmp_path / "b.csv", [*EXTRA_HEAD, "Дата закрытия", "Примечание", "Комментарий модератора"],
                      [["P-1", "20.11.2025 10:15", "ЖКХ", "Закрыто", "Аскиз", "25.11.2025", "проверено", ""]])
    assert counts(load_file(newer, db=db, source="pos")) == (1, 0, 1, 0, 0)
    assert json.loads(_extra(db)) == {"Текст ответа": "Вода подана", "Комментарий модератора": "Проверить повторно",
                                      "Примечание": "проверено"}
    assert counts(load_file(newer, db=db, source="pos")) == (1, 0, 0, 1, 0)
    # A newer state's non-empty value of a key wins.
    fixed = write_csv(tmp_path / "c.csv", [*EXTRA_HEAD, "Дата закрытия", "Комментарий модератора"],
                      [["P-1", "20.11.2025 10:15", "ЖКХ", "Закрыто", "Аскиз", "26.11.2025", "снято с контроля"]])
    assert counts(load_file(fixed, db=db, source="pos")) == (1, 0, 1, 0, 0)
    assert json.loads(_extra(db)) == {"Текст ответа": "Вода подана", "Комментарий модератора": "снято с контроля",
                                      "Примечание": "проверено"}


def test_an_older_export_only_fills_extra_keys_the_database_lacks(tmp_path):
    db = tmp_path / "mcu.duckdb"
    head = [*EXTRA_HEAD, "Дата закрытия", "Комментарий модератора"]
    load_file(write_csv(tmp_path / "new.csv", head,
                        [["P-1", "20.11.2025 10:15", "ЖКХ", "Закрыто", "Аскиз", "25.11.2025", "снято с контроля"]]),
              db=db, source="pos")
    stored = _extra(db)
    old_head = [*EXTRA_HEAD, "Комментарий модератора", "Отметка"]
    old = write_csv(tmp_path / "old.csv", old_head,
                    [["P-1", "20.11.2025 10:15", "ЖКХ", "В работе", "Аскиз", "на контроле", "на контроле"]])
    assert counts(load_file(old, db=db, source="pos")) == (1, 0, 1, 0, 0)
    assert json.loads(_extra(db)) == {"Комментарий модератора": "снято с контроля", "Отметка": "на контроле"}
    # Nothing more to fill: the older file again changes nothing.
    assert counts(load_file(old, db=db, source="pos")) == (1, 0, 0, 1, 0)
    assert table(db, "SELECT status, closed_at::VARCHAR FROM appeals") == [("closed", "2025-11-25 00:00:00")]
    assert json.loads(stored) == {"Комментарий модератора": "снято с контроля"}
    # tester53: the older file that only filled a key became the appeal's source; the state is still the newer file's.
    assert table(db, "SELECT source_file, source_row FROM appeals") == [("new.csv", 2)]


# --- fields read from one cell (tester59): «Причина закрытия» says both the rating and the satisfaction ----------

IM_REAL = Path(__file__).resolve().parents[2] / "shared" / "realdata" / "im_export_omsk_2025-12.xlsx"
INCIDENT = 39520539   # in the real export: «Причина закрытия» = «5», «Дата окончания» 25.12.2025 12:36:43


def _im_export(path, reason, closed="2025-12-25 12:36:43"):
    """The real ИМ export (39 incidents), incident 39520539 given this «Причина закрытия» and «Дата окончания»."""
    df = pl.read_excel(IM_REAL, infer_schema_length=0)   # every cell as the text it shows
    hit = pl.col("ID") == str(INCIDENT)
    df = df.with_columns(pl.when(hit).then(pl.lit(reason, dtype=pl.String)).otherwise(pl.col("Причина закрытия"))
                         .alias("Причина закрытия"),
                         pl.when(hit).then(pl.lit(closed)).otherwise(pl.col("Дата окончания")).alias("Дата окончания"))
    df.write_excel(path, worksheet="Лист1", autofit=False)
    return path


def _scored(db):
    return table(db, f"SELECT rating, satisfied, closed_at::VARCHAR FROM appeals WHERE external_id = '{INCIDENT}'")


def test_a_newer_shared_cell_says_both_fields_it_feeds(tmp_path):
    """A newer export's «Автор доволен» where an older said «3»: no score now, satisfied — not «3 / доволен»."""
    db = tmp_path / "mcu.duckdb"
    assert counts(load_file(_im_export(tmp_path / "a.xlsx", "3"), db=db, source="im")) == (39, 39, 0, 0, 0)
    assert _scored(db) == [(3, False, "2025-12-25 12:36:43")]
    assert table(db, "SELECT count(rating), avg(rating) FROM appeals") == [(1, 3.0)]
    newer = _im_export(tmp_path / "b.xlsx", "Автор доволен", closed="2025-12-26 09:00:00")
    assert counts(load_file(newer, db=db, source="im")) == (39, 0, 1, 38, 0)
    assert _scored(db) == [(None, True, "2025-12-26 09:00:00")]
    assert table(db, "SELECT count(rating), avg(rating) FROM appeals") == [(0, None)]
    # And back: a still newer «3» says both again (no «Автор доволен» kept beside a 3).
    again = _im_export(tmp_path / "c.xlsx", "3", closed="2025-12-27 09:00:00")
    assert counts(load_file(again, db=db, source="im")) == (39, 0, 1, 38, 0)
    assert _scored(db) == [(3, False, "2025-12-27 09:00:00")]


def test_a_filled_shared_cell_of_no_score_is_knowledge_but_an_empty_one_erases_nothing(tmp_path):
    db = tmp_path / "mcu.duckdb"
    load_file(_im_export(tmp_path / "a.xlsx", "5"), db=db, source="im")
    assert _scored(db) == [(5, True, "2025-12-25 12:36:43")]
    # The cell emptied in a newer export: absence, nothing erased.
    empty = _im_export(tmp_path / "b.xlsx", "", closed="2025-12-26 09:00:00")
    assert counts(load_file(empty, db=db, source="im")) == (39, 0, 1, 38, 0)
    assert _scored(db) == [(5, True, "2025-12-26 09:00:00")]
    # «Нет ответа от автора» in a newer one: the author gave no score and said nothing — both unknown now.
    silent = _im_export(tmp_path / "c.xlsx", "Нет ответа от автора", closed="2025-12-27 09:00:00")
    assert counts(load_file(silent, db=db, source="im")) == (39, 0, 1, 38, 0)
    assert _scored(db) == [(None, None, "2025-12-27 09:00:00")]


def test_an_older_shared_cell_only_fills_what_the_database_lacks(tmp_path):
    db = tmp_path / "mcu.duckdb"
    load_file(_im_export(tmp_path / "new.xlsx", "3", closed="2025-12-26 09:00:00"), db=db, source="im")
    older = _im_export(tmp_path / "old.xlsx", "Автор доволен")
    r = load_file(older, db=db, source="im")
    assert counts(r) == (39, 0, 0, 39, 0)
    assert _scored(db) == [(3, False, "2025-12-26 09:00:00")]
