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


POS_HEADER = ("Номер сообщения;Дата создания;Категория;Подкатегория;Статус;Ответственный;Населенный пункт;Адрес;"
              "Текст сообщения;Заявитель;Срок ответа;Дата ответа;Оценка;Результат;Комментарий модератора")
BAD_ROWS = POS_HEADER + """
OV-0;01.10.2026 10:00;;Аварийные деревья;Новое;Администрация Аскизского района;Аскиз;ул. Мира 1;Текст;Кузнецова;;;;;проверено
OV-1;01.10.2026 10:00;;Аварийные деревья;Новое;Администрация Аскизского района;Аскиз;ул. Мира 1;Текст без кавычек; с точкой с запятой Сидоров Иван Петрович 89137778899;Кузнецова;;;;;проверено;лишнее Смирнова Анна Ивановна +79135556677
BR-3;02.09.2026 06:00;;Аварийные деревья;Новое;Администрация Аскизского района;Аскиз;ул. Мира 1;Яма;Кузнецова;16.09.2026;ответил Смирнов Олег Павлович 8 913 222 33 44;;;проверено
BR-4;02.09.2026 06:00;;Аварийные деревья;Новое;Администрация Аскизского района;Аскиз;ул. Мира 1;Яма;Кузнецова;16.09.2026;32.09.2026;;;проверено
"""


def test_rejection_reasons_quote_the_cell_masked(env):
    """A reason quotes the bad cell as a loaded text is masked (names, phones); an ordinary bad date stays as it is.
    A file refused whole says the same masked reason."""
    src = env / "pos.csv"
    src.write_text(BAD_ROWS, encoding="utf-8")
    db = env / "mcu.duckdb"
    r = load_file(src, db=db)
    assert (r.loaded, r.rejected) == (3, 1)
    assert fetch(db, "SELECT reason FROM import_rejects ORDER BY source_row") == [
        ("в строке больше значений, чем столбцов в заголовке (лишнее: «проверено; лишнее [ФИО] [телефон]»): "
         "вероятно, разделитель внутри текста — исправьте строку в выгрузке",)]
    # An unread answer date drops the date, not the appeal (tests/test_row_checks.py): its cell is quoted masked in
    # the report instead.
    assert r.warnings == [
        "дата ответа не распознана в 2 строках (столбец «Дата ответа», например: «ответил [ФИО] [телефон]», "
        "«32.09.2026») — дата не взята, строки загружены без неё; исправьте даты в выгрузке"]
    only = env / "pos_overflow.csv"
    only.write_text(POS_HEADER + "\n" + BAD_ROWS.splitlines()[2] + "\n", encoding="utf-8")
    r = load_file(only, db=env / "other.duckdb")
    assert r.status == "refused"
    assert "«проверено; лишнее [ФИО] [телефон]»" in r.message and "Смирнова" not in r.message


CATEGORIES = POS_HEADER + """
PD-0;01.09.2026 09:00;;Жалоба от Кузнецовой Марии Ивановны +79131112233;Закрыто;Сидоров Пётр Петрович, тел. 89135550000;Аскиз;ул. Мира, 5;Яма;Кузнецова Мария Ивановна;15.09.2026;04.09.2026 09:00;5;Решено;проверено
PD-1;01.09.2026 16:00;;Аварийные деревья;Ответ дан;Администрация Аскизского района;Иванов Иван Иванович, кв. 5;ул. Мира, 5;Яма;Орлов Д. В.;15.09.2026;04.09.2026 16:00;;;проверено
PD-2;01.09.2026 17:00;;Аварийные деревья;Ответ дан;Администрация Аскизского района;Аскиз;ул. Мира, 5;Яма;Орлов Д. В.;15.09.2026;04.09.2026 16:00;;;проверено
"""
VOTES = """ID голосования;Название;Тема;Населенный пункт;Дата начала;Дата окончания;Участников;Вариант ответа;Голосов;Доля
V-1;Ремонт дороги по ул. Мира;Дороги;Аскиз;01.10.2026;15.10.2026;120;Да;90;75%
V-2;Благоустройство сквера (инициатор Петров Пётр Петрович, 89131112233);Благоустройство;Аскиз;05.10.2026;20.10.2026;50;Да;40;80%
"""


def test_category_columns_are_masked(env):
    """Phones and names an export puts in a category-type column are masked where it is stored: the subtheme, the
    review list of unknown values (and which records wait for them), a vote's title; ordinary values stay."""
    src = env / "pos.csv"
    src.write_text(CATEGORIES, encoding="utf-8")
    db = env / "mcu.duckdb"
    assert load_file(src, db=db).loaded == 3
    assert fetch(db, "SELECT external_id, subtheme, settlement_id FROM appeals ORDER BY external_id") == [
        ("PD-0", "Жалоба от [ФИО] [телефон]", "askiz"), ("PD-1", "Аварийные деревья", None),
        ("PD-2", "Аварийные деревья", "askiz")]
    assert fetch(db, "SELECT dim, value, rows FROM unmatched_values ORDER BY dim, value") == [
        ("executor", "[ФИО], тел. [телефон]", 1), ("settlement", "[ФИО], кв. [скрыто]", 1),
        ("theme", "Жалоба от [ФИО] [телефон]", 0)]   # the text's theme is sure: no record waits for it
    assert fetch(db, "SELECT record_id, dim, value FROM unmatched_rows ORDER BY record_id, dim") == [
        ("pos:PD-0", "executor", "[ФИО], тел. [телефон]"), ("pos:PD-1", "settlement", "[ФИО], кв. [скрыто]")]
    votes = env / "votes.csv"
    votes.write_text(VOTES, encoding="utf-8")
    assert load_file(votes, db=db).loaded == 2
    assert fetch(db, "SELECT vote_id, title FROM votes ORDER BY vote_id") == [
        ("V-1", "Ремонт дороги по ул. Мира"), ("V-2", "Благоустройство сквера (инициатор [ФИО], [телефон])")]


def test_a_reference_name_that_reads_as_a_person_still_matches(env):
    """An executor the reference knows by a person's name is no applicant's data: it stays, and matches."""
    from core.reference import add_reference
    from etl.privacy import mask
    add_reference("executors", [{"executor_id": "ip_petrov", "name": "ИП Петров Пётр Петрович"}])
    assert mask("ИП Петров Пётр Петрович") == "ИП [ФИО]"
    src = env / "pos.csv"
    src.write_text(CATEGORIES.replace("Администрация Аскизского района", "ИП Петров Пётр Петрович"), encoding="utf-8")
    db = env / "mcu.duckdb"
    assert load_file(src, db=db).loaded == 3
    assert fetch(db, "SELECT external_id, executor_id FROM appeals ORDER BY external_id") == [
        ("PD-0", None), ("PD-1", "ip_petrov"), ("PD-2", "ip_petrov")]


def test_reasons_and_categories_stored_by_an_older_version_are_masked(env):
    """A database loaded before reasons and categories were masked has them masked once (etl.build.upgrade), names
    too (these are short values, few distinct); two unknown values that mask alike become one entry of the review
    list, its records' counts added."""
    from etl.build import upgrade
    db = env / "mcu.duckdb"
    (env / "bad.csv").write_text(BAD_ROWS, encoding="utf-8")
    (env / "pos.csv").write_text(CATEGORIES, encoding="utf-8")
    (env / "votes.csv").write_text(VOTES, encoding="utf-8")
    for name in ("bad.csv", "pos.csv", "votes.csv"):
        assert load_file(env / name, db=db).status == "loaded"
    older(db, [
        # An older version rejected a row for its unread answer date, and stored the cell unmasked.
        """UPDATE import_rejects SET reason = 'дата ответа не распознана: «ответил Смирнов Олег Павлович 8 913 222 33 44»'
           WHERE reason LIKE 'в строке больше значений%'""",
        "UPDATE appeals SET subtheme = 'Жалоба от Кузнецовой Марии Ивановны +79131112233' WHERE external_id = 'PD-0'",
        "UPDATE votes SET title = 'Благоустройство сквера (инициатор Петров Пётр Петрович, 89131112233)' WHERE vote_id = 'V-2'",
        """UPDATE unmatched_values SET value = 'Сидоров Пётр Петрович, тел. 89135550000', rows = 2
           WHERE dim = 'executor'""",
        """INSERT INTO unmatched_values SELECT * REPLACE ('Сидоров Пётр Петрович, тел. 89135550001' AS value, 3 AS rows)
           FROM unmatched_values WHERE dim = 'executor'""",
        "UPDATE unmatched_values SET value = 'Иванов Иван Иванович, кв. 5' WHERE dim = 'settlement'",
        "UPDATE unmatched_rows SET value = 'Сидоров Пётр Петрович, тел. 89135550000' WHERE dim = 'executor'",
        "UPDATE unmatched_rows SET value = 'Иванов Иван Иванович, кв. 5' WHERE dim = 'settlement'",
    ])
    assert upgrade(db) is True
    assert fetch(db, "SELECT reason FROM import_rejects WHERE reason LIKE 'дата ответа не распознана: «о%'") == [
        ("дата ответа не распознана: «ответил [ФИО] [телефон]»",)]
    assert fetch(db, "SELECT subtheme FROM appeals WHERE external_id = 'PD-0'") == [("Жалоба от [ФИО] [телефон]",)]
    assert fetch(db, "SELECT title FROM votes WHERE vote_id = 'V-2'") == [
        ("Благоустройство сквера (инициатор [ФИО], [телефон])",)]
    assert fetch(db, "SELECT dim, value, rows FROM unmatched_values ORDER BY dim, value") == [
        ("executor", "[ФИО], тел. [телефон]", 5), ("settlement", "[ФИО], кв. [скрыто]", 1),
        ("theme", "Жалоба от [ФИО] [телефон]", 0)]
    assert fetch(db, "SELECT record_id, dim, value FROM unmatched_rows ORDER BY record_id, dim") == [
        ("pos:PD-0", "executor", "[ФИО], тел. [телефон]"), ("pos:PD-1", "settlement", "[ФИО], кв. [скрыто]")]


@pytest.mark.parametrize("text, masked", [
    # a full name in lower case: surname, first name and patronymic, each known to the name dictionary as such
    ("иванов иван иванович, проживаю ул. Ленина, 10-45, нет света третий день",
     "[ФИО], проживаю ул. Ленина, 10-[скрыто], нет света третий день"),
    ("пишет смирнова ольга петровна 89135551234 — не вывозят мусор", "пишет [ФИО] [телефон] — не вывозят мусор"),
    ("просит иван петрович сидоров", "просит [ФИО]"),
    # a surname after «фамилия»
    ("моя фамилия Кузнецов, живу по ул. Мира 5-12, яма у подъезда",
     "моя фамилия [ФИО], живу по ул. Мира 5-[скрыто], яма у подъезда"),
    ("обратился мужчина по фамилии петров", "обратился мужчина по фамилии [ФИО]"),
    # a capitalised surname that is also a word: after «фамилия» it is the surname (a tester: «Белая», «Лис» stayed)
    ("Моя фамилия Белая, живу на Ленина", "Моя фамилия [ФИО], живу на Ленина"),
    ("звонил мужчина по фамилии Лис", "звонил мужчина по фамилии [ФИО]"),
    # a flat as «дом-квартира» after the street of the applicant's own home
    ("Мой адрес: ул. Мира, д. 5-12. Нет воды", "Мой адрес: ул. Мира, д. 5-[скрыто]. Нет воды"),
    # one person's home in the third person too; «проживают» (several homes: a range of houses) stays
    ("Соседка Иванова проживает по ул. Мира 5-12", "Соседка [ФИО] проживает по ул. Мира 5-[скрыто]"),
    ("жители проживают по ул. Мира 5-12", "жители проживают по ул. Мира 5-12"),
    ("Адрес проживания г. Курск, проспект Дружбы 7 – 104", "Адрес проживания г. Курск, проспект Дружбы 7-[скрыто]"),
    # not a person, not a flat: stays
    ("фамилия не указана, ответа нет", "фамилия не указана, ответа нет"),
    ("Фамилия Не указана", "Фамилия Не указана"),
    # a lower-case surname after a word for a person, with the first name after it (a tester: «мастер петров»,
    # «звонила иванова мария» stayed); a word that only looks like one stays
    ("мастер петров не пришёл, яма", "мастер [ФИО] не пришёл, яма"),
    ("звонила иванова мария по поводу ямы", "звонила [ФИО] по поводу ямы"),
    ("обратился гражданин ахмедов рустам", "обратился гражданин [ФИО]"),
    ("обращалась к мастеру кузнецову", "обращалась к мастеру [ФИО]"),
    ("мастер участка не пришёл", "мастер участка не пришёл"),
    # a first name and a patronymic in lower case, the surname left out (a tester: «соседка мария ивановна»)
    ("соседка мария ивановна опять шумит", "соседка [ФИО] опять шумит"),
    ("звонила анна петровна из управляющей компании", "звонила [ФИО] из управляющей компании"),
    ("письма жильцов домов и специалистов отделов", "письма жильцов домов и специалистов отделов"),
    ("Фамилия: Неизвестна", "Фамилия: Неизвестна"),
    ("Ремонт домов по ул. Ленина 10-45 не начат", "Ремонт домов по ул. Ленина 10-45 не начат"),
    ("живу рядом, на ул. Кирова 12-34 нет освещения", "живу рядом, на ул. Кирова 12-34 нет освещения"),
    ("вера надежда любовь", "вера надежда любовь"),
    ("дом 5/12 по ул. Мира", "дом 5/12 по ул. Мира"),
])
def test_lower_case_names_surnames_after_familiya_and_home_flats(text, masked):
    from etl.privacy import mask
    assert mask(text) == masked


def test_a_problems_address_keeps_its_house_range():
    """«Кирова 12-34» in a problem's address column may be houses 12 to 34: the address mask leaves it."""
    import polars as pl
    from etl.privacy import mask_flat_expr
    assert pl.select(mask_flat_expr(pl.lit("ул. Кирова 12-34"))).item() == "ул. Кирова 12-34"


def test_texts_stored_before_the_lower_case_and_home_flat_rules_are_masked_again(env):
    """The lower-case full name, the surname after «фамилия» and the home's «дом-квартира» need no context beyond
    their words: a database loaded before them has them applied to its texts once (etl.build.upgrade)."""
    from etl.build import upgrade
    db = env / "mcu.duckdb"
    (env / "pos.csv").write_text(CATEGORIES, encoding="utf-8")
    assert load_file(env / "pos.csv", db=db).loaded == 3
    older(db, ["""UPDATE appeals SET text = 'иванов иван иванович, проживаю ул. Ленина, 10-45, нет света'
                  WHERE external_id = 'PD-0'""",
               """UPDATE appeals SET text = 'моя фамилия Кузнецов, яма у подъезда', extra = '{"Комментарий '
                  || 'модератора":"пишет смирнова ольга петровна"}' WHERE external_id = 'PD-1'"""])
    assert upgrade(db) is True
    assert fetch(db, "SELECT external_id, text, extra FROM appeals ORDER BY external_id") == [
        ("PD-0", "[ФИО], проживаю ул. Ленина, 10-[скрыто], нет света", '{"Комментарий модератора":"проверено"}'),
        ("PD-1", "моя фамилия [ФИО], яма у подъезда", '{"Комментарий модератора":"пишет [ФИО]"}'),
        ("PD-2", "Яма", '{"Комментарий модератора":"проверено"}')]


def test_the_load_report_quotes_unknown_values_masked(env):
    """A value a profile's map does not know («Результат»: «решено — Смирнова Анна Ивановна, +7 913 …») is listed in
    the load's report masked, as the stored values are."""
    src = env / "pos.csv"
    src.write_text(CATEGORIES.replace(";5;Решено;", ";5;решено — Смирнова Анна Ивановна, +7 913 111 22 33;"),
                   encoding="utf-8")
    r = load_file(src, db=env / "mcu.duckdb")
    assert r.loaded == 3
    assert r.unmatched.filter(r.unmatched["что"] == "Результат").rows() == [
        ("Результат", "решено — [ФИО], [телефон]", 1, "значение не описано в профиле — оставлено пустым")]


def test_the_plain_name_hint_finds_every_text_the_rules_change():
    """The lower-case name and «фамилия» rules read only the texts the batch's hint (Rust, over the whole batch)
    finds: reading every text with «ичн» in it («личный», «различные») word by word cost 2,4 s of 200 000 real
    texts. Each text those rules change is found, «Фамилия» at a sentence's start too (the old hint, «фамили»,
    missed it in stored texts)."""
    import polars as pl
    from etl.privacy import PLAIN_NAME_HINT, _plain_names

    changed = ["иванов иван иванович, проживаю", "пишет смирнова ольга петровна 8913", "просит иван петрович сидоров",
               "моя фамилия Кузнецов, живу", "по фамилии петров", "Фамилия Кузнецов, яма", "анна сергеевна петрова?",
               "петров пётр ильич", "мастер петров не пришёл", "Звонила иванова мария", "к мастеру кузнецову.",
               "Меня зовут анна петрова", "моё имя ольга", "соседка мария ивановна"]
    unchanged = ["личный кабинет", "различные отличной", "Иванов Иван Иванович", "фамилия не указана",
                 "жильцов домов", "мастер участка", "зовут на собрание"]
    assert [_plain_names(t) != t for t in changed + unchanged] == [True] * len(changed) + [False] * len(unchanged)
    assert pl.Series(changed).str.contains(PLAIN_NAME_HINT).to_list() == [True] * len(changed)
    assert pl.Series(["личный кабинет", "различные отличные"]).str.contains(PLAIN_NAME_HINT).to_list() == [False, False]


# A 59-ФЗ register with the applicant's name split over columns, the signer, a contacts column and the applicant's
# home in a plain «Адрес» (the letters profile maps no problem's address) — a tester's letters_pii.csv.
NAMES_CSV = """Рег. номер;Дата регистрации;Вид обращения;Корреспондент;Фамилия;Имя;Отчество;Ф.И.О.;Кто подписал;Адрес;Контакты;Тематика;Исполнитель;Срок;Результат;Населенный пункт;Краткое содержание;Отметка
П-1/26;01.10.2026;Первичное;Цой Анна Петровна;Цой;Анна;Петровна;Цой А.П.;ПЕТРОВ И.;с. Аскиз, ул. Мира, д. 10;тел. дом. 2-15-67;0005.0005.0056.1153 Перебои в водоснабжении;Управление ЖКХ и строительства;31.10.2026;Разъяснено;Аскиз;Нет воды;на контроле
П-2/26;41.10.2026;Первичное;Ким Ен Хо;Ким;Ен;Хо;Ким Е.Х.;;с. Аскиз, ул. Мира, д. 12;;0005.0005.0056.1153 Перебои в водоснабжении;Управление ЖКХ и строительства;31.10.2026;Разъяснено;Аскиз;Нет воды;на контроле
"""


def test_name_parts_signer_contacts_and_an_unmapped_address_are_withheld(env):
    """«Фамилия», «Имя», «Отчество», «Ф.И.О.», «Кто подписал», «Контакты» name or reach a person, and an «Адрес» the
    profile does not map as the problem's is the applicant's home: none is kept among a row's extra columns, each is
    hidden in a reject — but an empty cell stays empty there («[скрыто]» for nothing says there was something)."""
    from etl.privacy import address_column
    for header in ("Фамилия", "Имя", "Отчество", "Ф.И.О.", "Ф. И. О.", "Кто подписал", "Подписант", "Контакты",
                   "Контактные данные", "Фамилия заявителя", "Ответ направлен", "Индекс"):
        assert personal_column(header), header
    for header in ("Отметка", "Тематика", "Исполнитель", "Населенный пункт", "Имущество", "Подписано",
                   "Индекс дела", "Дата ответа"):
        assert not personal_column(header), header
    assert address_column("Адрес") and address_column("Адрес объекта") and not address_column("Отметка")
    src = env / "letters.csv"
    src.write_text(NAMES_CSV, encoding="utf-8")
    db = env / "mcu.duckdb"
    r = load_file(src, db=db)
    assert (r.loaded, r.rejected) == (1, 1)
    (extra,), = fetch(db, "SELECT extra FROM appeals")
    assert json.loads(extra) == {"Отметка": "на контроле"}
    (raw,), = fetch(db, "SELECT raw FROM import_rejects")
    assert json.loads(raw) == {
        "Рег. номер": "П-2/26", "Дата регистрации": "41.10.2026", "Вид обращения": "Первичное",
        "Корреспондент": "[скрыто]", "Фамилия": "[скрыто]", "Имя": "[скрыто]", "Отчество": "[скрыто]",
        "Ф.И.О.": "[скрыто]", "Адрес": "[скрыто]",
        "Тематика": "0005.0005.0056.1153 Перебои в водоснабжении", "Исполнитель": "Управление ЖКХ и строительства",
        "Срок": "31.10.2026", "Результат": "Разъяснено", "Населенный пункт": "Аскиз", "Краткое содержание": "Нет воды",
        "Отметка": "на контроле"}


def test_name_parts_and_an_unmapped_address_stored_by_an_older_version_are_dropped(env):
    """A database loaded before these columns were withheld has them dropped from the extra columns and hidden in
    its rejects (etl.build.upgrade); a problem's «Адрес» that a ПОС reject keeps (the profile maps it) stays."""
    from etl.build import upgrade
    db = env / "mcu.duckdb"
    (env / "letters.csv").write_text(NAMES_CSV, encoding="utf-8")
    (env / "bad.csv").write_text(BAD_ROWS, encoding="utf-8")
    assert load_file(env / "letters.csv", db=db).rejected == 1
    assert load_file(env / "bad.csv", db=db).rejected == 1   # the overflow; unread answer dates are dropped
    older(db, ["""UPDATE appeals SET extra = '{"Фамилия":"Цой","Ф.И.О.":"Цой А.","Кто подписал":"ПЕТРОВ И.",'
                  || '"Адрес":"с. Аскиз, ул. Мира, д. 10","Отметка":"на контроле"}'""",
               """UPDATE import_rejects SET raw = '{"Рег. номер": "П-2/26", "Фамилия": "Ким", "Имя": "Ен", '
                  || '"Отчество": "Хо", "Адрес": "с. Аскиз, ул. Мира, д. 12"}' WHERE raw LIKE '%П-2/26%'"""])
    assert upgrade(db) is True
    assert fetch(db, "SELECT extra FROM appeals WHERE source = 'letters'") == [('{"Отметка":"на контроле"}',)]
    raws = [json.loads(r) for (r,) in fetch(db, "SELECT raw FROM import_rejects ORDER BY import_id, source_row")]
    assert raws[0] == {"Рег. номер": "П-2/26", "Фамилия": "[скрыто]", "Имя": "[скрыто]", "Отчество": "[скрыто]",
                       "Адрес": "[скрыто]"}
    assert [r["Адрес"] for r in raws[1:]] == ["ул. Мира 1"]


def test_texts_stored_before_the_capitals_latin_and_new_patterns_are_masked_again(env):
    """A name in capitals or Latin letters, a surname after «пенсионер», a short surname left beside a mask or one in
    brackets after it, a lower-case name after «меня зовут», a plate and a bracketed city code: a database loaded before
    has them masked once (etl.build.upgrade); an ordinary text stays."""
    from etl.build import upgrade
    db = env / "mcu.duckdb"
    (env / "pos.csv").write_text(CATEGORIES, encoding="utf-8")
    assert load_file(env / "pos.csv", db=db).loaded == 3
    older(db, ["""UPDATE appeals SET text = 'ИВАНОВА АННА ПЕТРОВНА просит убрать мусор, пишет Ivan Petrov'
                  WHERE external_id = 'PD-0'""",
               """UPDATE appeals SET text = 'Ли [ФИО] пишет: меня зовут анна петрова, тел (3822) 123456, машина К777КК55',
                  extra = '{"Комментарий модератора":"с уважением, пенсионер Воробьёв"}' WHERE external_id = 'PD-1'""",
               """UPDATE appeals SET text = 'МУП ЖКХ не вывозит мусор',
                  extra = '{"Комментарий модератора":"[ФИО] (Степанова), здравствуйте"}' WHERE external_id = 'PD-2'"""])
    assert upgrade(db) is True
    assert fetch(db, "SELECT external_id, text, extra FROM appeals ORDER BY external_id") == [
        ("PD-0", "[ФИО] просит убрать мусор, пишет [ФИО]", '{"Комментарий модератора":"проверено"}'),
        ("PD-1", "[ФИО] пишет: меня зовут [ФИО], тел [телефон], машина [госномер]",
         '{"Комментарий модератора":"с уважением, пенсионер [ФИО]"}'),
        ("PD-2", "МУП ЖКХ не вывозит мусор", '{"Комментарий модератора":"[ФИО], здравствуйте"}')]


def test_the_staged_frame_holds_no_text_in_clear_once_its_texts_are_masked():
    """The load masks the texts before the canonical frame is built and lets the raw ones go (etl.frames.masked_texts):
    the staged text, its typed copy and the file's column share one buffer, and any one of them kept it all."""
    from pathlib import Path

    import polars as pl

    from etl.detect import detect
    from etl.frames import MASKED_TEXT, masked_texts
    from etl.stage import stage

    det = detect(Path(__file__).parent / "fixtures" / "exports" / "pos_messages_cp1251.csv")
    good, _, _ = stage(det)
    assert {"text", "__t_text", "Текст сообщения"} <= set(good.columns)
    masked = masked_texts(det, good)
    assert not {"text", "__t_text", "Текст сообщения"} & set(masked.columns)
    # Every other column is kept: the subtheme's, the executor's and the rest the frame is built from.
    assert set(masked.columns) == set(good.columns) - {"text", "__t_text", "Текст сообщения"} | {MASKED_TEXT}
    cells = masked.select(pl.all().cast(pl.String)).unpivot()["value"].drop_nulls().to_list()
    assert not [c for c in cells if "913 123-45-67" in c]
    assert masked[MASKED_TEXT].to_list()[0] == "Яма на дороге у дома, звоните [телефон]"
