"""Personal data in what a load stores beside the texts: the applicant's address columns, rejection reasons,
category-type columns, and what a database loaded by an older version holds (etl.build.remask_stored)."""
import json

import duckdb
import pytest

from conftest import copy_reference, fetch
from etl.load import load_file
from etl.privacy import personal_column

# A 59-ФЗ register with the applicant's own address in four columns (synthetic, as the tester's letters_pii.xlsx).
LETTERS_CSV = """Рег. номер;Дата регистрации;Вид обращения;Корреспондент;Адрес проживания;Почтовый адрес;Обратный адрес;Место жительства;Тел.;Гражданин;Тематика;Исполнитель;Срок;Результат;Населенный пункт;Краткое содержание;Отметка
Л-0/26;01.10.2026;Первичное;Иванова Мария Петровна;655700, с. Аскиз, ул. Ленина, д. 12;655700, с. Аскиз, ул. Мира, 7;ул. Советская 3-5;Аскиз, Лесная 4;89135550011;Петров Пётр;0005.0005.0056.1153 Перебои в водоснабжении;Управление ЖКХ и строительства;31.10.2026;Разъяснено;Аскиз;Нет воды в доме по ул. Ленина 12, кв. 3 уже неделю;на контроле
"""


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("MCU_SALT", "test-salt")
    monkeypatch.setenv("MCU_REFERENCE", str(copy_reference(tmp_path)))
    return tmp_path


def test_the_applicants_own_address_columns_are_withheld(env):
    """«Адрес проживания», «Почтовый адрес», «Обратный адрес», «Место жительства» are the applicant's (DESIGN.md §2):
    not among a row's extra columns, nor in a reject; a problem's address column («Адрес», «Адрес проблемы») stays."""
    for header in ("Адрес проживания", "Почтовый адрес", "Обратный адрес", "Место жительства", "Адрес регистрации",
                   "Адрес для ответа", "Домашний адрес", "Место проживания", "Тел.", "Моб. тел", "Гражданин"):
        assert personal_column(header), header
    for header in ("Адрес", "Адрес проблемы", "Место проблемы", "Адрес объекта", "Населенный пункт", "Отметка",
                   "Тематика", "Комментарий модератора", "Место"):
        assert not personal_column(header), header
    src = env / "letters.csv"
    src.write_text(LETTERS_CSV, encoding="utf-8")
    db = env / "mcu.duckdb"
    assert load_file(src, db=db).loaded == 1
    (extra, address), = fetch(db, "SELECT extra, address FROM appeals")
    assert json.loads(extra) == {"Отметка": "на контроле"}
    assert address is None


def older(db, sql: list[str]) -> None:
    """What a version with other masks stored: the statements, and its masks' fingerprint."""
    with duckdb.connect(str(db)) as con:
        for s in sql:
            con.execute(s)
        con.execute("UPDATE meta SET value = 'older' WHERE key = 'masks'")


def test_address_columns_stored_by_an_older_version_are_dropped(env):
    """Extra columns a database already holds are withheld once (etl.build.upgrade): the keys dropped from the JSON
    (as a load now leaves them out), a reject's cells hidden as a load hides them."""
    from etl.build import upgrade
    src = env / "letters.csv"
    src.write_text(LETTERS_CSV.replace("Л-0/26;01.10.2026", "Л-0/26;41.10.2026") + LETTERS_CSV.splitlines()[1]
                   .replace("Л-0/26", "Л-1/26") + "\n", encoding="utf-8")
    db = env / "mcu.duckdb"
    r = load_file(src, db=db)
    assert (r.loaded, r.rejected) == (1, 1)
    older(db, ["""UPDATE appeals SET extra = '{"Адрес проживания":"655700, с. Аскиз, ул. Ленина, д. 12",'
                  || '"Обратный адрес":"ул. Советская 3-5","Отметка":"на контроле"}'""",
               """UPDATE import_rejects SET raw = '{"Рег. номер": "Л-0/26", "Почтовый адрес": "655700, с. Аскиз, '
                  || 'ул. Мира, 7", "Отметка": "на контроле"}'""",
               """INSERT INTO appeals BY NAME SELECT * REPLACE ('letters:Л-9' AS appeal_id, 'Л-9' AS external_id,
                  '{"Место жительства":"Аскиз, Лесная 4"}' AS extra) FROM appeals"""])
    assert upgrade(db) is True
    assert fetch(db, "SELECT external_id, extra FROM appeals ORDER BY external_id") == [
        ("Л-1/26", '{"Отметка":"на контроле"}'), ("Л-9", None)]
    (raw,), = fetch(db, "SELECT raw FROM import_rejects")
    assert json.loads(raw) == {"Рег. номер": "Л-0/26", "Почтовый адрес": "[скрыто]", "Отметка": "на контроле"}
