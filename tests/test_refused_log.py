"""A refused file leaves a trace (tester59): its attempt is in the import history — masked name, time, «отклонён», the
reason, the rows read where known, none of its cells — and nothing else of the database changes."""
import fcntl
import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import all_but_the_import_log
from etl.load import load_file
from mcu.query import run_query

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "exports"
KURSK = ROOT.parent / "shared" / "realdata" / "pos_kursk_messages_2022.csv"
# As the import log keeps it: the columns found are the file's cells (a file without its header row has data there).
KURSK_LOGGED = ("Не удалось определить источник файла {}: ни один профиль не подходит. В файле нет ни одного столбца с "
                "датами, а без даты регистрации обращение не загрузить: по ней считаются периоды и сроки. Выгрузите "
                "файл заново вместе с датой создания сообщения.")
KURSK_REFUSAL = (
    "Не удалось определить источник файла {}: ни один профиль не подходит. Найдены столбцы: «id», «Текст Сообщения», "
    "«Тематика», «Ответственное лицо», «Категория». В файле нет ни одного столбца с датами, а без даты регистрации "
    "обращение не загрузить: по ней считаются периоды и сроки. Выгрузите файл заново вместе с датой создания сообщения.")
LOG = "SELECT import_id, file_name, status, source, profile, rows_read, loaded, updated, duplicate, rejected FROM import_log"


@pytest.fixture(autouse=True)
def _salt(monkeypatch):
    monkeypatch.setenv("MCU_SALT", "test-salt")


def sql(db, query):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(query).fetchall()


@pytest.fixture
def db(tmp_path):
    db = tmp_path / "mcu.duckdb"
    assert load_file(FIX / "pos_messages_cp1251.csv", db=db).ok
    return db


def test_a_refused_file_is_in_the_history_and_nothing_else_changes(db, tmp_path):
    kursk = tmp_path / "Жалобы_Иванова_И.И._89001234567.csv"   # named after its author: stored masked
    shutil.copyfile(KURSK, kursk)
    before = all_but_the_import_log(db)
    r = load_file(kursk, db=db)
    assert (r.status, r.message) == ("refused", KURSK_REFUSAL.format("Жалобы [ФИО] [телефон].csv"))
    assert r.import_id == 2
    assert sql(db, LOG + " ORDER BY 1") == [
        (1, "pos_messages_cp1251.csv", "loaded", "pos", "pos", 9, 4, 0, 1, 4),
        (2, "Жалобы [ФИО] [телефон].csv", "refused", None, None, 0, 0, 0, 0, 0)]
    assert sql(db, "SELECT message, file_sha256, finished_at >= started_at FROM import_log WHERE import_id = 2") == [
        (KURSK_LOGGED.format("Жалобы [ФИО] [телефон].csv"), hashlib.sha256(KURSK.read_bytes()).hexdigest(), True)]
    assert all_but_the_import_log(db) == before
    assert sql(db, "SELECT count(*) FROM import_rejects WHERE import_id = 2") == [(0,)]
    # The history: the refusal marked, no counts of what it did not load (a total of new rows is the loaded files').
    history = run_query("import_history", db=db)
    assert history.select("import_id", "file_name", "rows_read", "loaded", "updated", "duplicate", "rejected").rows() == [
        (2, "Жалобы [ФИО] [телефон].csv", None, None, None, None, None),
        (1, "pos_messages_cp1251.csv", 9, 4, 0, 1, 4)]
    assert history["message"][0] == "Отклонён: " + KURSK_LOGGED.format("Жалобы [ФИО] [телефон].csv")
    assert history["loaded"].sum() == 4 and history.filter(history["loaded"].is_not_null()).height == 1
    # The same file refused again for the same reason: told again, not recorded twice (nothing written at all).
    stored = hashlib.sha256(db.read_bytes()).hexdigest()
    again = load_file(kursk, db=db)
    assert (again.status, again.message, again.import_id) == ("refused", r.message, None)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == stored
    # Loaded again meanwhile, the other file changes nothing of that: still one line for the refused file.
    assert load_file(FIX / "pos_messages_cp1251.csv", db=db).ok
    assert load_file(kursk, db=db).import_id is None
    assert sql(db, "SELECT import_id, status FROM import_log ORDER BY 1") == [(1, "loaded"), (2, "refused"),
                                                                              (3, "loaded")]


def test_a_file_whose_every_row_is_rejected_is_recorded_without_its_cells(db, tmp_path):
    spoiled = tmp_path / "spoiled.csv"
    spoiled.write_text("Номер сообщения;Дата создания;Категория;Подкатегория;Статус;Ответственный\n"
                       "1,23457E+11;10.11.2026 10:00;Дороги;Ямы;Новое;Отдел\n"
                       "1,23457E+11;10.11.2026 11:00;Дороги;Ямы;Новое;Отдел\n", encoding="utf-8")
    before = all_but_the_import_log(db)
    r = load_file(spoiled, db=db)
    assert r.status == "refused" and "«1,23457E+11»" in r.message and r.rejects.height == 2
    assert sql(db, LOG + " WHERE import_id = 2") == [(2, "spoiled.csv", "refused", "pos", "pos", 2, 0, 0, 0, 2)]
    assert sql(db, "SELECT message FROM import_log WHERE import_id = 2") == [(
        "Ни одна из 2 строк файла spoiled.csv не прошла проверку. Чаще всего (2 строки): номер испорчен Excel. Файл "
        "не загружен: исправьте выгрузку по причинам отклонения строк и загрузите заново.",)]
    assert sql(db, "SELECT count(*) FROM import_rejects WHERE import_id = 2") == [(0,)]
    assert all_but_the_import_log(db) == before
    assert sql(db, "SELECT sum(rows_read) = sum(loaded + updated + duplicate + rejected) FROM import_log") == [(True,)]
    history = run_query("import_history", db=db)
    assert history.filter(history["import_id"] == 2).select("rows_read", "rejected").rows() == [(2, None)]


def test_a_refusal_quoting_the_files_cells_is_recorded_without_them(db, tmp_path):
    headless = tmp_path / "headless.csv"
    headless.write_text("1;10.11.2026 10:00;15.11.2026;Иванов Пётр, 89131234567;Ямы\n"
                        "2;10.11.2026 11:00;16.11.2026;Петрова Анна, 89137654321;Ямы\n", encoding="utf-8")
    r = load_file(headless, db=db, source="pos")
    assert r.status == "refused" and "уже данные («1», «10.11.2026 10:00», «15.11.2026», …)" in r.message
    (message,) = sql(db, "SELECT message FROM import_log WHERE import_id = 2")[0]
    assert message == ("В файле headless.csv, похоже, нет строки заголовков: в строке 1, где ожидаются названия "
                       "столбцов, — уже данные. Выгрузите данные заново вместе с названиями столбцов (или впишите их "
                       "первой строкой файла) и загрузите снова.")


def test_a_file_of_no_known_source_is_recorded_without_the_cells_it_has_for_headers(db, tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("1;10.11.2026 10:00;Дороги;Ямы;Новое;Отдел дорожного хозяйства;Иванов Пётр, 89131234567\n",
                     encoding="utf-8")
    found = (" Найдены столбцы: «1», «10.11.2026 10:00», «Дороги», «Ямы», «Новое», «Отдел дорожного хозяйства», "
             "«[ФИО], [телефон]».")
    r = load_file(wrong, db=db)
    assert r.status == "refused" and found in r.message
    (message,) = sql(db, "SELECT message FROM import_log WHERE import_id = 2")[0]
    assert message == r.message.replace(found, "")
    assert "Ямы" not in message and message.startswith("Не удалось определить источник файла wrong.csv")


def test_messages_quoting_cells_lose_the_quotes_only():
    from etl.report import FileReport, _without_cells

    said = lambda m: _without_cells(FileReport("f.csv", "refused", m))
    assert said("В столбце «Дата» файла f.csv даты записаны в двух порядках: «01/13/2025», «13/01/2025» — в одном "
                "день стоит первым") == "В столбце «Дата» файла f.csv даты записаны в двух порядках — в одном день стоит первым"
    assert said("нельзя понять, что стоит первым — день или месяц: например, «01/02/2025», «03/04/2025» (ни в одной "
                "дате число не больше 12).") == "нельзя понять, что стоит первым — день или месяц (ни в одной дате число не больше 12)."
    assert said("Похоже, столбцы «Населенный пункт» содержат не то, что ожидает профиль, например: «МУП «Водоканал»», "
                "«Иванов». Проверьте") == "Похоже, столбцы «Населенный пункт» содержат не то, что ожидает профиль. Проверьте"
    assert said("Столбец «Дата» не прочитан ни в одной строке (например: «вчера», «—»): даты") == (
        "Столбец «Дата» не прочитан ни в одной строке: даты")
    assert said("в столбце «Номер» 2 ячеек — формулы без сохранённого значения (строка 2: =A1*(2+B1), строка 3: =A2). "
                "Файл не загружен") == "в столбце «Номер» 2 ячеек — формулы без сохранённого значения. Файл не загружен"


def test_no_database_yet_or_another_load_holding_it_the_refusal_is_told_not_recorded(tmp_path, db):
    fresh = tmp_path / "none" / "mcu.duckdb"
    r = load_file(KURSK, db=fresh)
    assert (r.status, r.import_id) == ("refused", None) and not fresh.parent.exists()
    stored = hashlib.sha256(db.read_bytes()).hexdigest()
    with open(db.with_name(f".{db.name}.lock"), "w") as lock:   # another load writing: the refusal does not wait
        fcntl.flock(lock, fcntl.LOCK_EX)
        r = load_file(KURSK, db=db)
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert (r.status, r.message, r.import_id) == ("refused", KURSK_REFUSAL.format(KURSK.name), None)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == stored
    assert sorted(p.name for p in db.parent.iterdir()) == [f".{db.name}.lock", db.name]


def test_a_file_the_upload_page_refuses_before_loading_is_recorded_once(db):
    """The page checks a chosen file (etl.detect) on every run and refuses it there: recorded once, as load_file would."""
    from etl.detect import FileRefused, detect
    from etl.load import record_refusal

    with pytest.raises(FileRefused) as refusal:
        detect(KURSK, file_name="pos_kursk_messages_2022.csv")
    for _ in range(3):
        record_refusal(KURSK.read_bytes(), str(refusal.value), file_name="pos_kursk_messages_2022.csv", db=db)
    assert sql(db, LOG + " ORDER BY 1") == [
        (1, "pos_messages_cp1251.csv", "loaded", "pos", "pos", 9, 4, 0, 1, 4),
        (2, "pos_kursk_messages_2022.csv", "refused", None, None, 0, 0, 0, 0, 0)]
    assert sql(db, "SELECT message FROM import_log WHERE import_id = 2") == [
        (KURSK_LOGGED.format("pos_kursk_messages_2022.csv"),)]
    # Then loaded through load_file: the same refusal, still one line.
    assert load_file(KURSK, db=db).import_id is None
    assert sql(db, "SELECT count(*) FROM import_log") == [(2,)]


def test_the_upload_pages_history_shows_the_refusal(db, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    assert load_file(KURSK, db=db).import_id == 2
    monkeypatch.setenv("MCU_DB", str(db))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/upload.py").run()
    assert not at.exception, at.exception
    history = next(d.value for d in at.dataframe if "Итог" in d.value.columns)
    assert history["№"].tolist() == [2, 1] and history["Файл"].tolist() == [KURSK.name, "pos_messages_cp1251.csv"]
    # Cut on screen (every row of the grid is as tall as its tallest); the file holds it whole.
    whole = "Отклонён: " + KURSK_LOGGED.format(KURSK.name)
    assert history["Итог"][0] == whole[:200].rsplit(" ", 1)[0] + " …" and len(whole) > 200
    assert history["Итог"][0] == ("Отклонён: Не удалось определить источник файла pos_kursk_messages_2022.csv: ни один "
                                  "профиль не подходит. В файле нет ни одного столбца с датами, а без даты регистрации "
                                  "обращение не загрузить: по ней …")
    # (the grid's columns since it fits 1280 px: the new, updated and duplicate counts are in «Итог»)
    assert history[["Прочитано", "Отклонено"]].values.tolist() == [["—", "—"], ["9", "4"]]
    # Only the loaded file's rejected rows are offered (a refused file keeps none).
    assert at.selectbox(key="upload_rejects_pick").options == ["№ 1: pos_messages_cp1251.csv"]


def test_a_file_the_upload_page_refuses_is_in_the_history_once(db, monkeypatch):
    """Chosen on the upload page and refused by its check, before any «Загрузить»: the attempt is in the history, once
    however often the page runs again (a tester: the refused Kursk file left no trace)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("MCU_DB", str(db))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="upload_files").set_value([(KURSK.name, KURSK.read_bytes(), "text/csv")]).run()
    assert not at.exception, at.exception
    at.run()
    assert sql(db, LOG + " ORDER BY 1") == [
        (1, "pos_messages_cp1251.csv", "loaded", "pos", "pos", 9, 4, 0, 1, 4),
        (2, "pos_kursk_messages_2022.csv", "refused", None, None, 0, 0, 0, 0, 0)]
    history = next(d.value for d in at.dataframe if "Итог" in d.value.columns)
    assert history["Файл"].tolist() == [KURSK.name, "pos_messages_cp1251.csv"]


def test_a_refusal_of_every_row_keeps_its_reason_whole_where_it_quotes_no_cell(db, tmp_path):
    """«нет значения «дата регистрации» (столбец «Дата создания»)» quotes a field and a header, not a cell: the history
    kept «нет значения.» (tester helper-61). A cell after a colon is still left out; one row is «из 1 строки»."""
    empty = tmp_path / "empty_dates.csv"
    empty.write_text("Номер сообщения;Дата создания;Категория;Подкатегория;Статус;Ответственный\n"
                     "501;;Дороги;Ямы;Новое;Отдел\n", encoding="utf-8")
    assert load_file(empty, db=db).status == "refused"
    broken = tmp_path / "broken_dates.csv"
    broken.write_text("Номер сообщения;Дата создания;Категория;Подкатегория;Статус;Ответственный\n"
                      "502;31.02.2026 25:61;Дороги;Ямы;Новое;Отдел\n"
                      "503;32.02.2026 10:00;Дороги;Ямы;Новое;Отдел\n", encoding="utf-8")
    assert load_file(broken, db=db).status == "refused"
    assert sql(db, "SELECT message FROM import_log WHERE import_id > 1 ORDER BY import_id") == [
        ("Ни одна из 1 строки файла empty_dates.csv не прошла проверку. Чаще всего (1 строка): нет значения «дата "
         "регистрации» (столбец «Дата создания»). Файл не загружен: исправьте выгрузку по причинам отклонения строк и "
         "загрузите заново.",),
        ("Ни одна из 2 строк файла broken_dates.csv не прошла проверку. Чаще всего (2 строки): дата регистрации не "
         "распознана. Файл не загружен. Проверьте, что выбран верный источник и формат дат, или исправьте профиль.",)]
