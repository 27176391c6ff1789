"""Loading hand-written exports in the shapes real ones have; bad input refused plainly; the CLI contract."""
import hashlib
import json
import random
import time
from pathlib import Path

import pytest

from conftest import all_but_the_import_log
from conftest import fetch as q
from etl.__main__ import main
from etl.load import detect, load_file

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "exports"
CUSTOM = ROOT / "etl" / "profiles" / "custom_example.toml"


@pytest.fixture(autouse=True)
def salt(monkeypatch):
    monkeypatch.setenv("MCU_SALT", "test-salt")


def counts(r):
    return r.rows_read, r.loaded, r.updated, r.duplicate, r.rejected


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


# --- ПОС ------------------------------------------------------------------------------------------

def test_pos_csv_cp1251_detected_and_accounted(tmp_path):
    det = detect(FIX / "pos_messages_cp1251.csv")
    assert (det.profile.source, det.table.encoding, det.table.delimiter, det.table.header_row) == ("pos", "cp1251", ";", 3)
    db = tmp_path / "mcu.duckdb"
    r = load_file(FIX / "pos_messages_cp1251.csv", db=db)
    # 9 rows: 4 loaded, 100002 twice (the later row wins), 4 rejected.
    assert counts(r) == (9, 4, 0, 1, 4)
    assert q(db, "SELECT source_row, reason FROM import_rejects ORDER BY 1") == [
        (8, "дата регистрации не распознана: «32.01.2025» (столбец «Дата создания»)"),
        (9, "дата ответа (10.01.2025 08:00) раньше даты регистрации (14.01.2025 08:00)"),
        (10, "дата регистрации в будущем: 15.01.2031 08:00"),
        (12, "нет значения «номер» (столбец «№ сообщения»)"),
    ]
    assert q(db, "SELECT rows_read, loaded + updated + duplicate + rejected FROM import_log") == [(9, 9)]
    # Raw values are kept for the curator, but the applicant column is withheld.
    raw = json.loads(q(db, "SELECT raw FROM import_rejects WHERE source_row = 8")[0][0])
    assert raw["№ сообщения"] == "100005" and raw.get("Заявитель") in (None, "[скрыто]")
    got = q(db, "SELECT external_id, status, theme, settlement_id, executor_id, lat, lon, text, "
                "strftime(due_at, '%Y-%m-%d %H:%M') FROM appeals ORDER BY 1")
    assert got[0] == ("100001", "answered", "Дороги", "beltirskoe", "dor_otdel", 53.0201, 90.3899,
                      "Яма на дороге у дома, звоните [телефон]", "2025-01-24 23:59")
    assert got[1][:5] == ("100002", "answered", "ЖКХ", "askiz_pos", "mup_zhkh")
    assert got[1][7] == "Холодно в квартире"          # HTML removed
    assert got[2][:5] == ("100003", "closed", "Благоустройство", "biskamzha", "sp_admins")
    assert got[2][7] == "Не горит фонарь. Почта [email]"
    # An unknown place and executor wait for the curator (review list); the appeal is loaded without them.
    assert got[3][2:5] == ("Транспорт", None, None)
    assert q(db, "SELECT dim, value, rows, status FROM unmatched_values ORDER BY 1") == [
        ("executor", "Министерство транспорта Республики Хакасия", 1, "pending"),
        ("settlement", "Новый Посёлок", 1, "pending")]
    assert q(db, "SELECT rating, satisfied FROM appeals WHERE external_id = '100003'") == [(5, True)]
    assert {(u["что"], u["значение"]) for u in r.unmatched.iter_rows(named=True)} == {
        ("Населённый пункт", "Новый Посёлок"), ("Исполнитель", "Министерство транспорта Республики Хакасия")}


def test_pos_xlsx_sheet_header_serial_dates_and_later_export_updates(tmp_path):
    det = detect(FIX / "pos_messages.xlsx")
    assert (det.table.sheet, det.table.header_row, det.table.sheets) == ("Сообщения", 2, ["Сводка", "Сообщения"])
    db = tmp_path / "mcu.duckdb"
    assert counts(load_file(FIX / "pos_messages.xlsx", db=db)) == (3, 3, 0, 0, 0)
    assert q(db, "SELECT external_id, received_at::VARCHAR, settlement_id, executor_id, text FROM appeals ORDER BY 1") == [
        ("200001", "2025-02-03 09:00:00", "kyzlas", "dor_otdel", "Не чистят дорогу"),
        ("200002", "2025-02-05 12:00:00", "ust_kamyshta", "tko_operator", "Свалка за селом"),   # serial 45693.5
        ("200003", "2025-02-06 14:30:00", "poltakov", "mup_zhkh", "Ржавая вода"),
    ]
    r = load_file(FIX / "pos_messages_later.xlsx", db=db)
    assert counts(r) == (4, 1, 2, 1, 0)
    assert q(db, "SELECT external_id, status, answered_at::VARCHAR, rating, satisfied FROM appeals ORDER BY 1") == [
        ("200001", "answered", "2025-02-05 10:00:00", None, None),
        ("200002", "closed", "2025-02-10 11:00:00", None, None),
        ("200003", "answered", "2025-02-07 09:00:00", 2, False),
        ("200004", "new", None, None, None),
    ]
    assert q(db, "SELECT import_id, loaded, updated, duplicate FROM import_log ORDER BY 1") == [(1, 3, 0, 0), (2, 1, 2, 1)]


def test_same_file_twice_changes_no_row(tmp_path):
    db = tmp_path / "mcu.duckdb"
    load_file(FIX / "pos_messages_cp1251.csv", db=db)
    before = q(db, "SELECT * EXCLUDE (loaded_at) FROM appeals ORDER BY 1")
    r = load_file(FIX / "pos_messages_cp1251.csv", db=db)
    assert counts(r) == (9, 0, 0, 5, 4)
    assert q(db, "SELECT * EXCLUDE (loaded_at) FROM appeals ORDER BY 1") == before
    assert q(db, "SELECT count(*) FROM settlements WHERE settlement_id LIKE 'new_%'") == [(0,)]
    assert q(db, "SELECT record_id, dim, value FROM unmatched_rows ORDER BY 2") == [
        ("pos:100004", "executor", "Министерство транспорта Республики Хакасия"),
        ("pos:100004", "settlement", "Новый Посёлок")]


# --- 59-ФЗ, votes, custom ---------------------------------------------------------------------------

def test_letters_csv_and_xlsx_are_the_same_register(tmp_path):
    db = tmp_path / "mcu.duckdb"
    r = load_file(FIX / "letters_register.csv", db=db)
    assert (r.detection.table.encoding, r.detection.table.delimiter) == ("utf-8-sig", ",")
    assert counts(r) == (4, 4, 0, 0, 0)
    assert q(db, "SELECT external_id, kind, appeal_type, is_repeat, extended, result, theme, settlement_id, "
                 "executor_id, address, strftime(due_at, '%Y-%m-%d') FROM appeals ORDER BY 1") == [
        ("П-1/2025", "обращение", "жалоба", False, False, "решено", "ЖКХ", "askiz", "upr_zhkh", None, "2025-02-10"),
        # «Ремонт дороги» is in no list: the theme comes from the text «Просим отремонтировать дорогу» (issue 14).
        ("П-2/2025", "обращение", "заявление", False, True, None, "Дороги", "poltakov", "dor_otdel", None,
         "2025-03-11"),                                           # 30 + 30 days: «продлено»
        ("П-3/2025", "обращение", "жалоба", True, False, "разъяснено", "ЖКХ", "askiz", "upr_zhkh", None, "2025-02-19"),
        ("П-4/2025", "обращение", "предложение", False, False, "отказано", "Не определено", "birikchul", "upr_kult",
         None, "2025-02-20"),
    ]
    # One applicant, two letters: the same salted hash, never the name.
    hashes = q(db, "SELECT applicant_hash FROM appeals WHERE external_id IN ('П-1/2025', 'П-3/2025')")
    assert hashes[0] == hashes[1] and "Кузнецов" not in hashes[0][0]
    assert "[телефон]" in q(db, "SELECT text FROM appeals WHERE external_id = 'П-1/2025'")[0][0]
    assert counts(load_file(FIX / "letters_register.xlsx", db=db)) == (4, 0, 0, 4, 0)


def test_votes_with_options_and_shares(tmp_path):
    db = tmp_path / "mcu.duckdb"
    r = load_file(FIX / "votes.tsv", db=db)
    assert (r.source, r.detection.table.delimiter) == ("votes", "\t")
    assert counts(r) == (4, 4, 0, 0, 0)
    assert q(db, "SELECT vote_id, theme, settlement_id, started_at::VARCHAR, ended_at::VARCHAR, participants "
                 "FROM votes ORDER BY 1") == [
        ("V-1", "Дороги", "askiz", "2025-03-01", "2025-03-15", 420),
        ("V-2", "Благоустройство", "beltirskoe", "2025-04-01", "2025-04-20", 100)]
    assert q(db, "SELECT vote_id, option, round(share, 3), votes FROM vote_options ORDER BY 1, 2") == [
        ("V-1", "ул. Ленина", 0.595, 250), ("V-1", "ул. Советская", 0.405, 170),
        ("V-2", "В парке", 0.3, 30), ("V-2", "У школы", 0.7, 70)]
    assert counts(load_file(FIX / "votes.tsv", db=db)) == (4, 0, 0, 4, 0)


def test_custom_profile_loads_a_format_we_never_saw(tmp_path):
    db = tmp_path / "mcu.duckdb"
    refused = load_file(FIX / "nash_gorod.csv", db=db)
    assert refused.status == "refused" and not db.exists()
    assert "своим профилем: источник «Свой формат (профиль TOML)», образец профиля — etl/profiles/custom_example.toml" in refused.message
    r = load_file(FIX / "nash_gorod.csv", source="custom", profile=CUSTOM, db=db)
    assert counts(r) == (2, 2, 0, 0, 0)
    assert q(db, "SELECT appeal_id, received_at::VARCHAR, status, theme, settlement_id, lat, lon, rating "
                 "FROM appeals ORDER BY 1") == [
        ("custom:nash_gorod:NG-17", "2025-03-01 10:20:00", "closed", "Дороги", "askiz", 53.13, 90.42, 4),
        ("custom:nash_gorod:NG-18", "2025-03-02 12:00:00", "in_progress", "ТКО (мусор)", "vershina_tei", None, None, None)]


# --- bad input: a clear Russian message, the database unchanged --------------------------------------

@pytest.mark.parametrize("name, says", [
    ("empty.csv", "Файл пустой"),
    ("wrong_columns.csv", "Найдены столбцы: «Фамилия», «Имя», «Телефон»"),
    ("corrupt.xlsx", "Файл Excel повреждён"),
    ("binary.csv", "похож на двоичный"),
    ("unknown_encoding.csv", "Не удалось определить кодировку"),
])
def test_bad_file_refused_database_unchanged(tmp_path, name, says):
    db = tmp_path / "mcu.duckdb"
    load_file(FIX / "votes.tsv", db=db)
    before = all_but_the_import_log(db)
    r = load_file(FIX / name, db=db)
    assert r.status == "refused" and says in r.message, r.message
    assert "Traceback" not in r.message
    assert all_but_the_import_log(db) == before   # the attempt alone is recorded (tests/test_refused_log.py)
    assert q(db, "SELECT file_name, status FROM import_log ORDER BY import_id") == [("votes.tsv", "loaded"),
                                                                                    (name, "refused")]


def test_missing_required_column_names_what_is_missing_and_found(tmp_path):
    src = tmp_path / "no_date.csv"
    # (its date under a name no profile knows: a file with no date at all is told so instead, test_load_real.py)
    src.write_text("№ сообщения;Когда;Категория;Подкатегория;Статус;Ответственный\n1;01.10.2025;Дороги;Ямы;Новое;Отдел\n",
                   encoding="utf-8")
    r = load_file(src, db=tmp_path / "mcu.duckdb")
    assert r.status == "refused"
    assert r.message.startswith("В файле no_date.csv нет обязательных столбцов (дата регистрации — «Дата создания» "
                                "или «Дата регистрации»")
    assert "Найдены столбцы: «№ сообщения», «Когда», «Категория», «Подкатегория», «Статус», «Ответственный»" in r.message
    # What a curator can do on the upload page, not a command line's options (a tester found those odd there).
    assert r.message.endswith(
        "Если это выгрузка ПОС «Решаем вместе», где столбцы названы иначе, загрузите её с источником «Свой "
        "формат (профиль TOML)» и профилем, в котором указаны эти названия (образец — etl/profiles/custom_example.toml; "
        "общий профиль pos.toml, раздел [columns], правит администратор). Если источник выбран неверно — выберите "
        "другой в поле «Источник».")
    assert "--" not in r.message


def test_100000_rows_of_garbage(tmp_path):
    rnd = random.Random(7)
    letters = "абвгдежзиклмнопрстуфхцчшщэюя0123456789 ;,"
    noise = tmp_path / "noise.csv"
    noise.write_text("\n".join("".join(rnd.choice(letters) for _ in range(30)) for _ in range(100_000)), encoding="utf-8")
    db = tmp_path / "mcu.duckdb"
    t0 = time.perf_counter()
    r = load_file(noise, db=db)
    assert r.status == "refused" and "Не удалось определить источник" in r.message and not db.exists()
    # The right header over garbage rows: every row checked, one good row loaded, the rest rejected with reasons.
    rows = [f"{i};{rnd.choice(['32.13.2024', 'вчера', '', '45'])};Дороги;Ямы;Новое;Отдел" for i in range(99_999)]
    rows.append("ok-1;01.02.2025 10:00;Дороги;Ямы;Новое;Отдел")
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("№ сообщения;Дата создания;Категория;Подкатегория;Статус;Ответственный\n" + "\n".join(rows),
                     encoding="utf-8")
    r = load_file(mixed, db=db)
    assert counts(r) == (100_000, 1, 0, 0, 99_999)
    assert q(db, "SELECT count(*), count(DISTINCT source_row) FROM import_rejects") == [(99_999, 99_999)]
    assert time.perf_counter() - t0 < 30


def test_a_load_tells_how_far_it_is(tmp_path):
    """A regional export takes minutes (its texts' masking most of them): the load says what it does and how far
    it is, in step order; several files share one bar."""
    from etl.load import load_files

    calls = []
    r = load_file(FIX / "pos_messages_cp1251.csv", db=tmp_path / "mcu.duckdb",
                  progress=lambda share, text: calls.append((share, text)))
    assert counts(r) == (9, 4, 0, 1, 4)
    assert [(round(share, 6), text) for share, text in calls] == [
        (0.0, "чтение файла"), (0.1, "проверка строк: 9 строк"),
        (0.2, "обезличивание текстов: 0 из 4 строк"), (0.85, "обезличивание текстов: 4 из 4 строк"),
        (0.85, "сопоставление со справочниками"), (0.9, "запись в базу")]
    calls = []
    load_files([FIX / "pos_messages.xlsx", FIX / "votes.tsv"], db=tmp_path / "two.duckdb",
               progress=lambda share, text: calls.append((round(share, 6), text)))
    assert calls == [
        (0.0, "pos_messages.xlsx (1 из 2): чтение файла"), (0.05, "pos_messages.xlsx (1 из 2): проверка строк: 3 строки"),
        (0.1, "pos_messages.xlsx (1 из 2): обезличивание текстов: 0 из 3 строк"),
        (0.425, "pos_messages.xlsx (1 из 2): обезличивание текстов: 3 из 3 строк"),
        (0.425, "pos_messages.xlsx (1 из 2): сопоставление со справочниками"),
        (0.45, "pos_messages.xlsx (1 из 2): запись в базу"),
        (0.5, "votes.tsv (2 из 2): чтение файла"), (0.55, "votes.tsv (2 из 2): проверка строк: 4 строки"),
        (0.95, "votes.tsv (2 из 2): запись в базу"), (1.0, "готово")]


def test_cli_load_shows_its_progress(tmp_path, capsys):
    assert main(["load", str(FIX / "pos_messages.xlsx"), "--db", str(tmp_path / "mcu.duckdb")]) == 0
    steps = [line.strip() for line in capsys.readouterr().err.split("\r") if line.strip()]
    # The percentage as the app writes it: a no-break space before «%».
    assert steps[0] == "[                    ]   0\u00a0% pos_messages.xlsx: чтение файла"
    assert "[#################   ]  85\u00a0% pos_messages.xlsx: обезличивание текстов: 3 из 3 строк" in steps
    assert steps[-1].startswith("[####################] 100\u00a0% готово")


# --- the CLI ------------------------------------------------------------------------------------------

def test_cli_load_summary_and_exit_codes(tmp_path, capsys):
    db = tmp_path / "mcu.duckdb"
    assert main(["load", str(FIX / "pos_messages.xlsx"), str(FIX / "votes.tsv"), "--db", str(db)]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split() == ["файл", "источник", "итог", "прочитано", "новых", "обновлено", "дубликатов", "отклонено"]
    assert lines[1].split() == ["pos_messages.xlsx", "pos", "загружен", "3", "3", "0", "0", "0"]
    assert lines[2].split() == ["votes.tsv", "votes", "загружен", "4", "4", "0", "0", "0"]
    before = digest(db)
    assert main(["load", str(FIX / "corrupt.xlsx"), str(FIX / "pos_messages.xlsx"), "--db", str(db)]) == 1
    out, err = capsys.readouterr()
    assert "Файл corrupt.xlsx не загружен: Файл Excel повреждён" in err and "Traceback" not in err
    assert out.splitlines()[2].split() == ["pos_messages.xlsx", "pos", "загружен", "3", "0", "0", "3", "0"]
    assert digest(db) != before   # the good file still loaded (logged as all duplicates)
    assert main(["load", str(FIX / "nash_gorod.csv"), "--source", "custom", "--profile", str(CUSTOM),
                 "--db", str(db)]) == 0
    assert main(["load", str(FIX / "nash_gorod.csv"), "--source", "custom", "--db", str(db)]) == 1
    assert "--profile" in capsys.readouterr().err


def test_future_deadline_is_kept_stray_delimiter_rejected_solvable_by_default(tmp_path):
    """An open letter whose deadline is ahead loads; a row with more cells than the header is rejected;
    a register that does not say «решаемый» counts its items as solvable."""
    import datetime as dt
    soon = (dt.date.today() + dt.timedelta(days=20)).strftime("%d.%m.%Y")
    head = (FIX / "letters_register.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    body = [
        f"П-10/2025,{dt.date.today():%d.%m.%Y},Заявление,Индивидуальное,Ремонт дороги,,Отдел дорожного хозяйства "
        f"и транспорта,{soon},нет,,,,,Аскиз,Яма у школы",
        "П-11/2025,09.01.2025,Жалоба,Индивидуальное,Ремонт дороги,,Отдел дорожного хозяйства и транспорта,"
        "10.02.2025,нет,30.01.2025,Поддержано,,,Аскиз,Яма,,лишнее",
    ]
    path = tmp_path / "letters.csv"
    path.write_text("\n".join([head, *body]) + "\n", encoding="utf-8")
    db = tmp_path / "mcu.duckdb"
    r = load_file(path, db=db)
    assert counts(r) == (2, 1, 0, 0, 1)
    assert r.rejects["source_row"].to_list() == [3]
    assert "больше значений, чем столбцов" in r.rejects["reason"][0] and "лишнее" in r.rejects["reason"][0]
    assert q(db, "SELECT external_id, strftime(due_at, '%d.%m.%Y'), solvable, status FROM appeals") == [
        ("П-10/2025", soon, True, "new")]
