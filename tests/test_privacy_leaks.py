"""Personal data a tester found stored in clear (tester 46): the problem's address, vote options, the file's name,
unmapped columns whose header names a person. Each stored value checked exactly, in a fresh database and in one an
older version wrote (etl.build.remask_stored)."""
import duckdb
import polars as pl
import pytest
import xlsxwriter

from conftest import REALDATA, copy_reference, fetch
from etl.build import upgrade
from etl.load import load_file

IM = REALDATA / "im_export_omsk_2025-12.xlsx"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("MCU_SALT", "test-salt")
    monkeypatch.setenv("MCU_REFERENCE", str(copy_reference(tmp_path)))
    return tmp_path


POS_HEADER = ("Номер сообщения;Дата создания;Категория;Подкатегория;Статус;Ответственный;Населенный пункт;Адрес;"
              "Текст сообщения")
# The tester's addresses (pos_pd.csv), and streets named after people that stay as typed.
ADDRESSES = {
    "A-1": ("ул. Мира, д. 7, кв. 12, Иванову Ивану Петровичу", "ул. Мира, д. 7, кв. [скрыто], [ФИО]"),
    "A-2": ("ул. Школьная, 3 (напротив дома Джамшеда Рахимова, 89001234567)",
            "ул. Школьная, 3 (напротив дома [ФИО], [телефон])"),
    # (the «10-5» stays: in an address column it may be houses 10 to 5, privacy.FLAT_MASKS)
    "A-3": ("Полтаков, ул. Ленина, 10-5, ИВАНОВ", "Полтаков, ул. Ленина, 10-5, [ФИО]"),
    "A-4": ("ул. Мира, 7, ИВАНОВ И.И.", "ул. Мира, 7, [ФИО]"),
    "A-5": ("ул. Карла Маркса, 5", "ул. Карла Маркса, 5"),
    "A-6": ("пр-т Ленина, 3", "пр-т Ленина, 3"),
    "A-7": ("ул. Ивана Франко, 10", "ул. Ивана Франко, 10"),
    "A-8": ("пер. Чкалова, 2", "пер. Чкалова, 2"),
    "A-9": ("улица Петрова, 7", "улица Петрова, 7"),
    "A-10": ("ул. Ленина 5 / Гагарина", "ул. Ленина 5 / Гагарина"),
    "A-11": ("ул. Мира, 5, ТЦ Европа", "ул. Мира, 5, ТЦ Европа"),
    "A-12": ("ул. Мира, 5, Вершина Теи", "ул. Мира, 5, Вершина Теи"),
}


def _pos_with_addresses(path):
    rows = [f"{k};20.11.2026 10:{i:02d};ЖКХ;Отсутствие водоснабжения;Новое;;Аскиз;{raw};Нет воды"
            for i, (k, (raw, _)) in enumerate(ADDRESSES.items())]
    path.write_text(POS_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_the_problems_address_is_masked_like_a_text(env):
    """A name, a phone, a flat typed into the problem's address are masked where it is stored (the appeal's card,
    the downloads read it); the streets stay, whoever they are named after."""
    db = env / "mcu.duckdb"
    r = load_file(_pos_with_addresses(env / "pos.csv"), db=db)
    assert (r.rows_read, r.loaded) == (len(ADDRESSES), len(ADDRESSES))
    assert dict(fetch(db, "SELECT external_id, address FROM appeals")) == {k: v for k, (_, v) in ADDRESSES.items()}


def test_an_im_street_with_a_name_is_masked_and_the_real_streets_stay(env):
    """«Улица» and «Дом» of «Инцидент Менеджмент» joined are the address: a person there is masked (the tester's
    im_pd.xlsx); the real export's 38 other addresses stay as they are."""
    df = pl.read_excel(IM, infer_schema_length=0)
    first = df["ID"][0]
    df = df.with_columns(pl.when(pl.col("ID") == first).then(pl.lit(v)).otherwise(pl.col(c)).alias(c)
                         for c, v in (("Улица", "ул. Деповская, Зуевой М.С."), ("Дом", "5 кв 17")))
    path = env / "im_pd.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Лист1")
    ws.write_row(0, 0, df.columns)
    for i, row in enumerate(df.iter_rows(), 1):
        for j, v in enumerate(row):
            if v is not None:
                ws.write_string(i, j, v)
    wb.close()
    db = env / "mcu.duckdb"
    r = load_file(path, db=db)
    assert (r.rows_read, r.loaded) == (39, 39)
    stored = dict(fetch(db, "SELECT external_id, address FROM appeals"))
    assert stored.pop(first) == "ул. Деповская, [ФИО], 5 кв [скрыто]"
    typed = df.filter(pl.col("ID") != first).select(
        "ID", pl.concat_str("Улица", "Дом", separator=", ", ignore_nulls=True).alias("a"))
    assert stored == {i: a or None for i, a in typed.iter_rows()}
    assert len(stored) == 38 and sum(a is not None for a in stored.values()) == 16


def test_addresses_stored_by_an_older_version_are_masked_again(env):
    """A database whose addresses were only flat-masked has them masked as a load now does, once, when the app opens
    it (etl.build.upgrade): a version before the address's own rules left no fingerprint of them in meta."""
    db = env / "mcu.duckdb"
    load_file(_pos_with_addresses(env / "pos.csv"), db=db)
    with duckdb.connect(str(db)) as con:
        for k, (raw, _) in ADDRESSES.items():
            con.execute("UPDATE appeals SET address = ? WHERE external_id = ?",
                        [raw.replace("кв. 12", "кв. [скрыто]"), k])
        con.execute("DELETE FROM meta WHERE key = 'address_masks'")
    assert upgrade(db) is True
    assert dict(fetch(db, "SELECT external_id, address FROM appeals")) == {k: v for k, (_, v) in ADDRESSES.items()}
    assert upgrade(db) is False   # once


def test_plain_addresses_skip_the_name_masks_with_the_same_outcome():
    """An address of the plain shape (settlement, street with its place word, house, flat) gets the patterns alone
    (etl.address._PLAIN): what the name masks would make of it is the same — on the real IM export's addresses, the
    tester's, and streets named after people."""
    from etl import address, privacy
    im = pl.read_excel(IM, infer_schema_length=0).select(
        pl.concat_str("Улица", "Дом", separator=", ", ignore_nulls=True)).to_series().drop_nulls().unique().to_list()
    streets = ["улица Владимира Горячева", "ул. Карла Маркса", "проспект Вячеслава Клыкова",
               "ул. Героя Советского Союза Лоскутова", "1-я Полевая улица", "ул. Надежды Плевицкой", "г. Курск, ул. Дубровинского", "пер. Чкалова"]
    values = im + [raw for raw, _ in ADDRESSES.values()] + [f"{s}, {h}" for s in streets for h in ("5", "д. 7, кв. 12")]
    s = pl.Series("a", values)
    plain = s.str.contains(address._PLAIN) & ~s.str.contains(address._PATRONYMIC)
    assert (plain.sum(), len(values)) == (37, 46)
    fast = pl.select(address.mask_address_expr(pl.lit(s))).to_series().to_list()
    full = [address.names(v) for v in pl.select(privacy.mask_expr(pl.lit(s))).to_series().to_list()]
    assert fast == full


VOTES_HEADER = ("ID голосования;Название голосования;Тема;Населенный пункт;Дата начала;Дата окончания;"
                "Количество участников;Вариант ответа;Количество голосов")
# (option as typed, as stored, votes): two people's options of one vote that mask alike stay two options.
OPTIONS = [("V-77", "Вариант Иванова Ивана Петровича: площадка", "Вариант [ФИО]: площадка", 70),
           ("V-77", "Предложение Петровой А.А. (тел. 8 913 555 44 33): парковка",
            "Предложение [ФИО] (тел. [телефон]): парковка", 50),
           ("V-79", "Вариант Петрова П.П.: площадка", "Вариант [ФИО]: площадка (2)", 20),
           ("V-79", "Вариант Иванова И.И.: площадка", "Вариант [ФИО]: площадка", 30),
           ("V-79", "Парковка", "Парковка", 50)]


def _votes(path):
    rows = [f"{v};Благоустройство двора по ул. Мира 7;Благоустройство;Аскиз;01.11.2026;15.11.2026;120;{raw};{n}"
            for v, raw, _, n in OPTIONS]
    path.write_text(VOTES_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_vote_options_are_masked(env):
    """A vote's option is stored masked as its title is (it shows on «Проблемные точки» and in the weekly note); two
    options that mask alike are told apart by a number, so each keeps its own count."""
    db = env / "mcu.duckdb"
    r = load_file(_votes(env / "votes.csv"), db=db)
    assert (r.rows_read, r.loaded, r.updated, r.duplicate, r.rejected) == (5, 5, 0, 0, 0)
    expected = sorted((v, stored, n) for v, _, stored, n in OPTIONS)
    assert fetch(db, "SELECT vote_id, option, votes FROM vote_options ORDER BY ALL") == expected
    again = load_file(_votes(env / "votes.csv"), db=db)   # the same file: every option known, none new
    assert (again.loaded, again.updated, again.duplicate) == (0, 0, 5)
    assert fetch(db, "SELECT vote_id, option, votes FROM vote_options ORDER BY ALL") == expected


def test_vote_options_stored_by_an_older_version_are_masked_again(env):
    db = env / "mcu.duckdb"
    load_file(_votes(env / "votes.csv"), db=db)
    with duckdb.connect(str(db)) as con:
        for v, raw, _, n in OPTIONS:
            con.execute("UPDATE vote_options SET option = ? WHERE vote_id = ? AND votes = ?", [raw, v, n])
        con.execute("UPDATE meta SET value = 'older' WHERE key = 'masks'")
    assert upgrade(db) is True
    assert fetch(db, "SELECT vote_id, option, votes FROM vote_options ORDER BY ALL") == sorted(
        (v, stored, n) for v, _, stored, n in OPTIONS)


PD_FILE = "Жалоба Иванова И.И. 89001234567.csv"
PD_FILE_MASKED = "Жалоба [ФИО] [телефон].csv"
SMALL_POS = ("Номер сообщения;Дата создания;Категория;Подкатегория;Статус;Населенный пункт;Текст сообщения\n"
             "R-1;20.11.2026;Дороги;Ямы на дорогах;Новое;Аскиз;Яма\n")


def test_the_files_name_is_stored_and_told_masked(env):
    """A file named after its author (the tester's «Жалоба Иванова И.И. 89001234567.csv») is stored and told masked:
    the import log (the upload page's history), the appeals' source, the report; with underscores for spaces too.
    A name without anyone in it stays as it is."""
    db = env / "mcu.duckdb"
    (env / PD_FILE).write_text(SMALL_POS, encoding="utf-8")
    r = load_file(env / PD_FILE, db=db)
    assert (r.status, r.file_name, r.rows_read, r.loaded) == ("loaded", PD_FILE_MASKED, 1, 1)
    under = env / "Жалоба_Иванова_И.И._89001234567.csv"
    under.write_text(SMALL_POS.replace("R-1", "R-2"), encoding="utf-8")
    assert load_file(under, db=db).file_name == PD_FILE_MASKED
    plain = env / "pos_export_2026-11.csv"
    plain.write_text(SMALL_POS.replace("R-1", "R-3"), encoding="utf-8")
    assert load_file(plain, db=db).file_name == "pos_export_2026-11.csv"
    assert fetch(db, "SELECT file_name FROM import_log ORDER BY import_id") == [
        (PD_FILE_MASKED,), (PD_FILE_MASKED,), ("pos_export_2026-11.csv",)]
    assert fetch(db, "SELECT external_id, source_file FROM appeals ORDER BY 1") == [
        ("R-1", PD_FILE_MASKED), ("R-2", PD_FILE_MASKED), ("R-3", "pos_export_2026-11.csv")]
    refused = env / "Петрова Анна 89135557777.csv"
    refused.write_text("Столбец;Другой\n1;2\n", encoding="utf-8")
    r = load_file(refused, db=db)
    assert r.status == "refused" and r.file_name == "[ФИО] [телефон].csv"
    assert "Петрова" not in r.message and "89135557777" not in r.message and "[ФИО] [телефон].csv" in r.message


def test_the_cli_tells_the_files_name_masked(env):
    import subprocess
    import sys

    from conftest import ROOT
    (env / PD_FILE).write_text(SMALL_POS, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "etl", "load", str(env / PD_FILE), "--db", str(env / "mcu.duckdb")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={"MCU_SALT": "test-salt", "PATH": "/usr/bin", "MCU_REFERENCE": str(env / "reference")})
    assert out.returncode == 0, out.stderr
    assert PD_FILE_MASKED in out.stdout and PD_FILE_MASKED in out.stderr
    assert "Иванова" not in out.stdout + out.stderr and "89001234567" not in out.stdout + out.stderr


def test_file_names_stored_by_an_older_version_are_masked_again(env):
    db = env / "mcu.duckdb"
    (env / PD_FILE).write_text(SMALL_POS, encoding="utf-8")
    load_file(env / PD_FILE, db=db)
    load_file(_votes(env / "votes.csv"), db=db)
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE import_log SET file_name = ? WHERE source = 'pos'", [PD_FILE])
        con.execute("UPDATE appeals SET source_file = ?", [PD_FILE])
        con.execute("UPDATE votes SET source_file = ?", ["Голосование_Петрова_П.П..csv"])
        con.execute("UPDATE meta SET value = 'older' WHERE key = 'masks'")
    assert upgrade(db) is True
    assert fetch(db, "SELECT file_name FROM import_log ORDER BY import_id") == [(PD_FILE_MASKED,), ("votes.csv",)]
    assert fetch(db, "SELECT DISTINCT source_file FROM appeals") == [(PD_FILE_MASKED,)]
    assert fetch(db, "SELECT DISTINCT source_file FROM votes") == [("Голосование [ФИО].csv",)]


# Unmapped columns whose header names a person, though the value alone gives no clue («Соколова», «@ivan_p», «45»).
PERSON_HEADERS = ["От кого", "Кто обратился", "Подпись", "Получатель ответа", "Telegram", "Ник", "Логин",
                  "Лицевой счёт", "Лицевой счет", "ИНН", "Квартира", "Кв.", "Номер квартиры", "Телеграм", "Никнейм"]


def test_headers_that_name_a_person_are_withheld(env):
    """The tester's unmapped columns are kept out of a row's extra columns (withheld as «Фамилия» is); the load's
    row count is unchanged."""
    from etl.privacy import personal_column
    assert [h for h in PERSON_HEADERS if not personal_column(h)] == []
    head = "Номер сообщения;Дата создания;Категория;Подкатегория;Статус;Населенный пункт;Текст сообщения;Отметка"
    values = ["на контроле", "Соколова", "Иванов", "Петров", "Смирнова", "@ivan_p", "ivan", "ivan1990", "574744",
              "574745", "190123456789", "45", "12", "7", "ivan_tg", "ivan_nick"]
    src = env / "pos.csv"
    src.write_text(head + ";" + ";".join(PERSON_HEADERS) + "\n"
                   + "R-1;20.11.2026;Дороги;Ямы на дорогах;Новое;Аскиз;Яма;" + ";".join(values) + "\n", encoding="utf-8")
    db = env / "mcu.duckdb"
    r = load_file(src, db=db)
    assert (r.rows_read, r.loaded) == (1, 1)
    assert fetch(db, "SELECT extra FROM appeals") == [('{"Отметка":"на контроле"}',)]


def test_no_mapped_or_ordinary_header_is_withheld():
    """The headers the profiles map (but the applicant's own, and two that name the applicant's answer and rating), and
    those of the real exports and the fixtures that are no person's, are not taken for one."""
    from etl.privacy import personal_column
    from etl.profile import builtin_profiles
    mapped = sorted({h for p in builtin_profiles() for f, r in p.columns.items() if f != "applicant"
                     for h in (*r.headers, *r.parts, *r.fallback)})
    assert len(mapped) == 167
    assert [h for h in mapped if personal_column(h)] == [
        "Дата ответа заявителю", "Оценка заявителя", "Оценка пользователя"]
    im = pl.read_excel(IM, infer_schema_length=0).columns
    assert [h for h in im if personal_column(h)] == ["URL автора"]
    ordinary = ["Участник", "Источник", "Техник", "Уникальный номер", "Исполнитель", "Ответственный", "Подписано",
                "Инновации", "Площадь", "Квартал", "Кварталы", "Аккаунт публикации ответа", "Урл блога", "Логистика",
                "Счёт", "Номер счёта", "Отметка", "Комментарий модератора", "Отправитель (ведомство)", "Подразделение"]
    assert [h for h in ordinary if personal_column(h)] == []


def test_person_columns_stored_by_an_older_version_are_dropped(env):
    db = env / "mcu.duckdb"
    (env / "pos.csv").write_text(SMALL_POS, encoding="utf-8")
    load_file(env / "pos.csv", db=db)
    with duckdb.connect(str(db)) as con:
        con.execute("""UPDATE appeals SET extra = '{"От кого":"Соколова","Ник":"ivan_p","Кв.":"45","Отметка":"да"}'""")
        con.execute("UPDATE meta SET value = 'older' WHERE key = 'masks'")
    assert upgrade(db) is True
    assert fetch(db, "SELECT extra FROM appeals") == [('{"Отметка":"да"}',)]


def test_an_owner_or_who_answered_is_withheld():
    """The tester's «Собственник» («Кузнецов») and «Ответил» («Петров») stayed in extra: a lone surname the text masks
    leave. Columns of the answer itself stay."""
    from etl.privacy import personal_column
    assert [h for h in ("Собственник", "Собственник помещения", "Владелец", "Ответил", "Кто ответил", "Ответил (ФИО)")
            if not personal_column(h)] == []
    assert [h for h in ("Ответ", "Текст ответа", "Дата ответа", "Ответственный", "Ответственный орган", "Ответ дан",
                        "Владелец дороги") if personal_column(h)] == []


# The tester's pos_headers.csv (tester 53): 50 ordinary and 20 personal headers as the tester split them, but for five
# the project withholds on purpose — the answer's author, the signer, who answered, the owner (an official or an owner by
# name: test_an_owner_or_who_answered_is_withheld) — and «Ответ заявителю», the answer's text, which is ordinary.
TESTER_ORDINARY = [
    "Ответственный", "Исполнитель", "Категория", "Источник", "Канал", "Комментарий", "Примечание", "Район", "Округ",
    "Владелец дороги", "Тип", "Приоритет", "Ответ", "Текст ответа", "Соисполнитель", "Куратор", "Ответственное лицо",
    "Контролёр", "Отдел", "Управление", "Организация", "Балансодержатель", "Управляющая компания", "Подрядчик",
    "Вид работ", "Объект", "Ориентир", "Результат", "Решение", "Меры", "Статус ответа", "Дата регистрации ответа",
    "Номер дела", "Площадка", "Соцсеть", "Платформа", "Тег", "Метка", "Срочность", "Повторное",
    "Комментарий модератора", "Ответ заявителю", "Автор ответа", "Подписант", "Кто ответил", "Владелец",
    "Собственник дороги", "Владелец сети", "Кто исполнил", "Заявка УК"]
TESTER_PERSONAL = [
    "От кого", "Подпись", "Telegram", "ИНН", "Квартира", "Собственник", "Ответил", "Кто обратился", "Получатель ответа",
    "Логин", "Лицевой счёт", "Кв.", "Автор", "ФИО", "Контактное лицо", "Представитель", "Email", "Почта",
    "Дата рождения", "СНИЛС"]
WITHHELD_ON_PURPOSE = ["Автор ответа", "Подписант", "Кто ответил", "Владелец"]
# The lead's further ordinary headers: a body owns a road or a network, an organisation's ИНН, a channel, an answer.
MORE_ORDINARY = ["Собственник сетей", "Собственник (балансодержатель)", "ИНН организации", "ИНН УК", "ИНН подрядчика",
                 "Телеграм-канал", "Канал (Telegram)", "Источник (Telegram, ВК)", "Ответил в срок",
                 "Текст ответа заявителю", "Контактный центр"]


def test_the_testers_seventy_headers_are_told_apart():
    from etl.privacy import personal_column
    assert (len(TESTER_ORDINARY), len(TESTER_PERSONAL)) == (50, 20)
    assert [h for h in TESTER_ORDINARY + MORE_ORDINARY if personal_column(h)] == WITHHELD_ON_PURPOSE
    assert [h for h in TESTER_PERSONAL + ["Собственник помещения", "ИНН заявителя", "Telegram заявителя", "Ответила",
                                          "Представитель заявителя", "Контакты"] if not personal_column(h)] == []


def test_ordinary_headers_keep_their_values(env):
    """The tester's file: every ordinary column's value is kept in extra, every personal one withheld."""
    head = "Номер сообщения;Дата создания;Категория;Подкатегория;Статус;Населенный пункт;Текст сообщения"
    extra = [h for h in TESTER_ORDINARY + TESTER_PERSONAL if h != "Категория"]
    src = env / "pos.csv"
    src.write_text(head + ";" + ";".join(extra) + "\n" + "H-1;20.11.2026;Дороги;Ямы на дорогах;Новое;Аскиз;Яма у дома;"
                   + ";".join(f"знач {i}" for i in range(len(extra))) + "\n", encoding="utf-8")
    db = env / "mcu.duckdb"
    r = load_file(src, db=db)
    assert (r.rows_read, r.loaded) == (1, 1)
    import json
    stored = json.loads(fetch(db, "SELECT extra FROM appeals")[0][0])
    mapped = ["Категория", "Ответственный", "Район", "Результат", "Тип"]     # the ПОС profile's: their own columns
    kept = [h for h in TESTER_ORDINARY if h not in WITHHELD_ON_PURPOSE + mapped]
    assert len(kept) == 41
    assert stored == {h: f"знач {extra.index(h)}" for h in kept}


def test_the_cli_tells_a_missing_files_name_masked(env):
    """tester 53: «Не удалось открыть файл Жалоба Сидоровой С.С. 89135550000.csv: файл не найден»."""
    import subprocess
    import sys

    from conftest import ROOT
    out = subprocess.run([sys.executable, "-m", "etl", "load", str(env / "Жалоба Сидоровой С.С. 89135550000.csv"),
                          "--db", str(env / "mcu.duckdb")], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={"MCU_SALT": "test-salt", "PATH": "/usr/bin", "MCU_REFERENCE": str(env / "reference")})
    assert out.returncode == 1
    assert "Не удалось открыть файл Жалоба [ФИО] [телефон].csv: файл не найден" in out.stderr
    assert "Сидоровой" not in out.stdout + out.stderr and "89135550000" not in out.stdout + out.stderr


def test_the_upload_preview_labels_the_file_masked(env, monkeypatch):
    """tester 53: the preview's section read «Файл Жалоба Сидоровой С.С. 89135550000.csv», a refused file's too."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from conftest import ROOT
    from mcu.ui import md
    monkeypatch.setenv("MCU_DB", str(env / "mcu.duckdb"))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/upload.py")
    at.run()
    at.file_uploader(key="upload_files").set_value([
        ("Жалоба Сидоровой С.С. 89135550000.csv", SMALL_POS.encode(), "text/csv"),
        ("Петрова Анна 89135557777.csv", "Столбец;Другой\n1;2\n".encode(), "text/csv")]).run()
    assert not at.exception, at.exception
    assert [e.label for e in at.expander] == [md("Файл Жалоба [ФИО] [телефон].csv"),
                                              md("Файл [ФИО] [телефон].csv — не принят")]
    shown = " ".join([e.label for e in at.expander] + [w.value for w in at.warning] + [e.value for e in at.error])
    assert "Сидоровой" not in shown and "Петрова" not in shown and "8913555" not in shown
