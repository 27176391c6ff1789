"""What a refused file is told when its header cannot be read: an unknown encoding, a missing header row; and the
columns a message lists, each cut short."""
from pathlib import Path

import pytest

from etl.load import load_file

FIX = Path(__file__).resolve().parent / "fixtures" / "exports"

@pytest.fixture(autouse=True)
def salt(monkeypatch):
    monkeypatch.setenv("MCU_SALT", "test-salt")


POS_ROWS = [
    ["Номер сообщения", "Дата создания", "Категория", "Статус", "Ответственный", "Текст сообщения"],
    ["2246", "15.11.2026", "Энергетика", "Новое", "Администрация Льговского района",
     "Помогите, начальник Льговского РЭС не реагирует на жалобы, а мы при малейшем ветре сидим без света, "
     "а именно в деревне Большие Угоны, улица Старая Слобода. Пожалуйста, помогите"],
    ["380", "16.11.2026", "ЖКХ", "В работе", "Государственная жилищная инспекция Курской области",
     "По фасаду дома по адресу ул. Урицкого, 22 проходит труба газовой магистрали рядом с деревом"],
]


def _csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    path.write_bytes("".join(";".join(r) + "\r\n" for r in rows).encode(encoding))
    return path


# --- an unknown encoding ---------------------------------------------------------------------------

UNKNOWN_ENCODING = (
    "Файл {} в неизвестной кодировке (ожидаются UTF-8 или Windows-1251): его текст читается как бессмыслица. "
    "Откройте файл в Excel через «Данные» → «Из текста/CSV», выберите кодировку, в которой текст читается "
    "(например, «Кириллица (KOI8-R)» или «Кириллица (DOS)»), и сохраните его как XLSX или «CSV UTF-8», затем "
    "загрузите снова.")


@pytest.mark.parametrize("source", [None, "pos"])
def test_koi8_file_is_told_its_encoding_whatever_the_source(tmp_path, source):
    # KOI8-R reads as cp1251 without a decoding error: «Номер сообщения» comes out «оПНЕТ УППВЭЕОЙС». With the
    # source chosen the file was told of missing columns, its garbled header listed (2 235 characters).
    src = _csv(tmp_path / "pos_koi8.csv", POS_ROWS, "koi8-r")
    db = tmp_path / "mcu.duckdb"
    r = load_file(src, source=source, db=db)
    assert r.status == "refused"
    assert r.message == UNKNOWN_ENCODING.format("pos_koi8.csv")
    assert not db.exists()


@pytest.mark.parametrize("encoding", ["koi8-r", "cp866", "mac_cyrillic", "iso8859_5"])
def test_other_cyrillic_encodings_are_told_too(tmp_path, encoding):
    src = _csv(tmp_path / "x.csv", POS_ROWS, encoding)
    assert load_file(src, source="pos", db=tmp_path / "mcu.duckdb").message == UNKNOWN_ENCODING.format("x.csv")


def test_utf8_read_twice_is_told_its_encoding(tmp_path):
    # A file saved in UTF-8 after being opened as cp1251: «Номер» is «РќРѕРјРµСЂ» in the file itself.
    garbled = [[c.encode("utf-8").decode("cp1251") for c in r] for r in POS_ROWS]
    src = _csv(tmp_path / "twice.csv", garbled, "utf-8")
    assert load_file(src, db=tmp_path / "mcu.duckdb").message == UNKNOWN_ENCODING.format("twice.csv")


def test_readable_unknown_columns_are_not_called_an_encoding_problem(tmp_path):
    # Capitals and a camel-cased name are Russian all the same: the file is told what it lacks.
    rows = [["НОМЕР", "ДАТА", "ТЕКСТ", "Исполнитель"], ["1", "15.11.2026", "ЖКХ: МосВодоканал не чинит трубу", "МУП"]]
    r = load_file(_csv(tmp_path / "caps.csv", rows, "utf-8"), source="pos", db=tmp_path / "mcu.duckdb")
    assert r.message.startswith("В файле caps.csv нет обязательных столбцов")
    assert "кодировк" not in r.message


# --- a missing header row ---------------------------------------------------------------------------

KURSK_TEXT = ("Помогите, начальник Льговского РЭС не реагирует на жалобы, а мы при малейшем ветре сидим без света, "
              "а именно в деревне Большие Угоны, улица Старая Слобода. Пожалуйста, помогите")
KURSK_SUBTHEME = ("Нарушения, связанные с содержанием электросети и качеством энергоснабжения в районе частного "
                  "сектора")
NO_HEADER = [
    ["2246", KURSK_TEXT, KURSK_SUBTHEME, "Администрация Льговского района", "3", "15.11.2026", "Новое"],
    ["380", "По фасаду дома по адресу ул. Урицкого, 22 проходит труба газовой магистрали рядом с деревом",
     "Аварийные деревья", "Администрация города Курска", "7", "16.11.2026", "В работе"],
]


@pytest.mark.parametrize("source", [None, "pos"])
def test_file_without_header_row_is_told_so(tmp_path, source):
    # The tester's export with its header row removed was told «Найдены столбцы: «2246», «Помогите … (the whole
    # text)» and never that the header was missing.
    src = _csv(tmp_path / "noheader.csv", NO_HEADER, "utf-8")
    db = tmp_path / "mcu.duckdb"
    r = load_file(src, source=source, db=db)
    assert r.status == "refused"
    assert r.message == (
        "В файле noheader.csv, похоже, нет строки заголовков: в строке 1, где ожидаются названия столбцов, — уже "
        "данные («2246», «Помогите, начальник Льговского РЭС не ре…», «Нарушения, связанные с содержанием "
        "элект…», …). Выгрузите данные заново вместе с названиями столбцов (или впишите их первой строкой "
        "файла) и загрузите снова.")
    assert not db.exists()


@pytest.mark.parametrize("source", [None, "pos"])
def test_a_headerless_file_whose_first_row_has_an_empty_cell_names_row_1(tmp_path, source):
    # With no profile fitting, the widest early row is taken for the header: a first data row with an empty cell
    # is narrower than the second, and the message said «в строке 2» of a file whose first row is data already.
    first = NO_HEADER[0][:4] + [""] + NO_HEADER[0][5:]
    src = _csv(tmp_path / "noheader.csv", [first, NO_HEADER[1]], "utf-8")
    r = load_file(src, source=source, db=tmp_path / "mcu.duckdb")
    assert r.status == "refused"
    assert r.message.startswith(
        "В файле noheader.csv, похоже, нет строки заголовков: в строке 1, где ожидаются названия столбцов, — уже "
        "данные («2246», «Помогите, начальник Льговского РЭС не ре…», «Нарушения, связанные с содержанием "
        "элект…», …)."), r.message


def test_a_header_of_names_is_not_taken_for_data(tmp_path):
    # Half of the cells or fewer are numbers, dates or long texts: a header, however odd, is listed as found.
    rows = [["Номер", "2024", "Описание проблемы"], ["1", "5", "Яма"]]
    r = load_file(_csv(tmp_path / "odd.csv", rows, "utf-8"), source="pos", db=tmp_path / "mcu.duckdb")
    assert r.message.startswith("В файле odd.csv нет обязательных столбцов")
    assert "Найдены столбцы: «Номер», «2024», «Описание проблемы»." in r.message


def test_listed_columns_are_cut_short(tmp_path):
    long = "Описание проблемы, как его сформулировал заявитель при подаче сообщения"
    rows = [["№ сообщения", "Категория", long], ["1", "Дороги", "Яма"]]
    for source in (None, "pos"):
        r = load_file(_csv(tmp_path / "long.csv", rows, "utf-8"), source=source, db=tmp_path / "mcu.duckdb")
        assert r.status == "refused"
        assert "«№ сообщения», «Категория», «Описание проблемы, как его сформулировал заявитель при подач…»" in r.message, r.message
        assert long not in r.message


@pytest.mark.parametrize("source", [None, "pos"])
def test_a_headerless_file_quotes_no_personal_data(tmp_path, source):
    # The tester's second finding: the fixture export without its three top lines was listed on the page with
    # «Яма на дороге у дома, звоните +7 913 123-45-67» and «Иванов Иван Иванович» as its «columns». A cell with a
    # name or a phone is data, and what a message quotes is masked.
    lines = (FIX / "pos_messages_cp1251.csv").read_bytes().decode("cp1251").splitlines()[3:]
    src = tmp_path / "noheader.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = load_file(src, source=source, db=tmp_path / "mcu.duckdb")
    assert r.status == "refused"
    assert r.message.startswith("В файле noheader.csv, похоже, нет строки заголовков: в строке 1"), r.message
    assert "+7 913" not in r.message and "Иванов" not in r.message


def test_listed_cells_are_masked():
    from etl.detect import _found

    assert _found(["№ сообщения", "звоните +7 913 123-45-67", "Иванов Иван Иванович"]) == \
        "«№ сообщения», «звоните [телефон]», «[ФИО]»"
