"""A large csv that reads as UTF-8 is not decoded whole (etl.read.HEAD_BYTES): polars reads its bytes. These
tests hold that this reads every cell and row number as decoding the whole file did, and that a file which is
UTF-8 only in its first megabyte still reads as it did before."""
import random
import re

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from bench.__main__ import write_pos_export
from etl import read
from etl.load import load_file

EXTRA_ROWS = (
    # A quoted cell over two lines, a doubled quote, a blank line: what polars and the csv module must read alike.
    '900001;01.12.2024 10:00;ЖКХ;Вывоз мусора;Ответ дан;;;МУП «Аскизское ЖКХ»;Аскиз (посёлок);"ул. Мира, 1";;'
    '"Первая строка\r\nвторая строка с ""кавычками"""\r\n'
    '\r\n'
    '900002;01.12.2024 11:00;Дороги;Ямы на дорогах;Ответ дан;;;Отдел дорожного хозяйства и транспорта;Кызлас;'
    'ул. Школьная, 5;5;Яма у дома\r\n'
)


def _table(path) -> read.Table:
    """The file read as etl.detect reads it, its header in the first row."""
    fmt, grids, all_rows = read.read_grids(path)
    rows, unknown, sheets = all_rows(grids[0])
    return read.make_table(fmt, grids[0], 0, rows, sheets, unknown)


def _tables(path, monkeypatch):
    """(the table read the new way, how many times the whole file was decoded; the table decoded whole)."""
    calls = []
    decode = read.decode
    monkeypatch.setattr(read, "decode", lambda data: calls.append(len(data)) or decode(data))
    lazy = _table(path)
    decoded = len(calls)
    monkeypatch.setattr(read, "HEAD_BYTES", 1 << 40)
    whole = _table(path)
    return lazy, decoded, whole


def test_a_large_utf8_file_is_read_as_when_decoded_whole(tmp_path, monkeypatch):
    path = tmp_path / "pos.csv"
    write_pos_export(path, 6000)
    with open(path, "a", encoding="utf-8", newline="") as f:
        f.write(EXTRA_ROWS)
    assert path.stat().st_size > read.HEAD_BYTES
    lazy, decoded, whole = _tables(path, monkeypatch)
    assert decoded == 0                      # the file was never decoded whole
    assert (lazy.encoding, lazy.delimiter, lazy.header_row) == ("utf-8", ";", 1)
    assert_frame_equal(lazy.df, whole.df)
    assert lazy.row_numbers == whole.row_numbers
    assert lazy.df.height == 6002
    assert lazy.row_numbers[-2:] == [6002, 6004]  # the blank record between them is dropped, not renumbered
    assert lazy.df["Текст сообщения"][-2] == 'Первая строка\r\nвторая строка с "кавычками"'


def test_a_file_utf8_only_in_its_first_megabyte_reads_as_windows_1251(tmp_path, monkeypatch):
    """Latin-only rows first, then Russian ones in Windows-1251: the first megabyte is valid UTF-8, the file is not."""
    path = tmp_path / "pos.csv"
    header = "Nomer;Data;Kategoriya;Podkategoriya;Status;Srok;Otvet;Ispolnitel;Punkt;Adres;Ocenka;Tekst\r\n"
    latin = "".join(f"{i};01.12.2024 10:00;ZhKH;Musor;Otvet dan;;;MUP;Askiz;ul. Mira, {i};;Text {i}\r\n"
                    for i in range(1, 20001))
    russian = "".join(f"{i};01.12.2024 10:00;ЖКХ;Вывоз мусора;Ответ дан;;;МУП;Аскиз;ул. Мира, {i};;Текст {i}\r\n"
                      for i in range(20001, 20101))
    path.write_bytes(header.encode("ascii") + latin.encode("ascii") + russian.encode("cp1251"))
    assert len(header.encode("ascii") + latin.encode("ascii")) > read.HEAD_BYTES
    lazy, decoded, whole = _tables(path, monkeypatch)
    assert decoded == 1                      # polars refused the bytes; the whole file was judged as before
    assert (lazy.encoding, whole.encoding) == ("cp1251", "cp1251")
    assert_frame_equal(lazy.df, whole.df)
    assert lazy.row_numbers == whole.row_numbers
    assert lazy.df.height == 20100
    assert lazy.df.row(-1)[-1] == "Текст 20100"
    assert lazy.df.filter(pl.col("Nomer") == "20001")["Kategoriya"].to_list() == ["ЖКХ"]


def _whole_cell_quotes_plain(raw: bytes, delimiter: str) -> bool:
    """The check as first written: remove every whole quoted cell, then look for a quote left."""
    d = re.escape(delimiter.encode())
    cell = re.compile(rb'(?:^|(?<=' + d + rb'))"[^"]*(?:""[^"]*)*"(?=' + d + rb'|[\r\n]|\Z)', re.M)
    return b'"' not in cell.sub(b"", raw)


def test_the_quote_check_agrees_with_the_plain_one():
    # etl.read._whole_cell_quotes looks only at quotes and copies nothing; it must say what the plain check says.
    rnd = random.Random(5)
    cases = [b'a;"b";c\n"d""e";f', b'"a\nb";c', b'a"b;c', b'"a"b;c', b'a;"b"\r\n"c"', b'"', b'""', b';"";']
    cases += [bytes(rnd.choice(b';,|\t\n\r"a ') for _ in range(rnd.randint(1, 40))) for _ in range(30_000)]
    results = set()
    for delimiter in (";", ",", "\t", "|"):
        for raw in cases:
            fast = read._whole_cell_quotes(raw, delimiter)
            assert fast == _whole_cell_quotes_plain(raw, delimiter), (raw, delimiter)
            results.add(fast)
    assert results == {True, False}


def test_a_file_with_a_preamble_is_read_as_when_decoded_whole(tmp_path, monkeypatch):
    # Lines above the header (a report title, a blank line) are skipped by polars in the file's bytes; a header
    # cell over two lines makes the records above the body more than their lines, and the bytes are cut instead.
    rows = "".join(f'{i};"текст {i};\r\nвторая строка";{i * 3}\r\n' for i in range(40_000))
    for preamble, header in (("Отчёт за ноябрь\r\n\r\n", "№;Текст;Число\r\n"),
                             ("", '№;"Текст\r\nсообщения";Число\r\n')):
        path = tmp_path / "f.csv"
        path.write_bytes(("\ufeff" + preamble + header + rows).encode("utf-8"))
        monkeypatch.setattr(read, "HEAD_BYTES", 1 << 20)
        fmt, grids, all_rows = read.read_grids(path)
        i = 2 if preamble else 0
        rows_of, unknown, sheets = all_rows(grids[0])
        lazy = read.make_table(fmt, grids[0], i, rows_of, sheets, unknown)
        monkeypatch.setattr(read, "HEAD_BYTES", 1 << 40)
        fmt, grids, all_rows = read.read_grids(path)
        whole = read.make_table(fmt, grids[0], i, *all_rows(grids[0])[:1], [], {})
        csv_module = read.make_table(fmt, grids[0], i, read.read_grids(path)[2](grids[0])[0].rows(), [], {})
        assert_frame_equal(lazy.df, whole.df)
        assert_frame_equal(lazy.df, csv_module.df)
        assert lazy.row_numbers == whole.row_numbers == csv_module.row_numbers
        assert lazy.df.height == 40_000 and lazy.row_numbers[:2] == [i + 2, i + 3]
        assert lazy.df.row(1) == ("1", "текст 1;\r\nвторая строка", "3")


def test_a_large_file_with_a_bom_and_every_cell_quoted_is_read_by_polars(tmp_path, monkeypatch):
    # (Review) The body's checks looked at the file's bytes from its start: the quote right after the byte-order
    # mark seemed a lone one, and the file went to the slow csv module.
    path = tmp_path / "quoted.csv"
    rows = "".join(f'"{i}";"текст {i}";"{i * 3}"\r\n' for i in range(60_000))
    path.write_bytes(("\ufeff" + '"№";"Текст";"Число"\r\n' + rows).encode("utf-8"))
    assert path.stat().st_size > read.HEAD_BYTES
    by_module = []
    rows_of = read.CsvText.rows
    monkeypatch.setattr(read.CsvText, "rows", lambda self: by_module.append(1) or rows_of(self))
    table = _table(path)
    assert by_module == []
    assert (table.encoding, table.df.columns) == ("utf-8-sig", ["№", "Текст", "Число"])
    assert table.df.row(59_999) == ("59999", "текст 59999", "179997") and table.row_numbers[-1] == 60_001


def test_the_delimiter_is_judged_by_whole_lines_when_they_are_long(tmp_path, monkeypatch):
    # (Review) The first lines the delimiter is judged by ran past the first megabyte: judged on a cut line, `,`
    # won over `;`. A file whose first lines do not fit in it is decoded whole, as before.
    path = tmp_path / "wide.csv"
    lines = ["A,B,C,D;E;F;G"] + [f"{i},q,r,s;{'x' * 100_000};t;u" for i in range(14)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    lazy, decoded, whole = _tables(path, monkeypatch)
    assert lazy.delimiter == whole.delimiter == ";"
    assert lazy.df.columns == whole.df.columns == ["A,B,C,D", "E", "F", "G"]


def test_the_encoding_is_the_one_the_file_was_read_in(tmp_path, monkeypatch):
    # (Review) The first records ran past the first megabyte into a Windows-1251 letter: the cells were read as
    # Windows-1251, but the table said UTF-8.
    path = tmp_path / "late.csv"
    cell = "\n".join(["x" * 6_000] * 20)   # many lines in the first megabyte, and only 10 records
    head = "a;b;c;d;e\n" + "".join(f'{i};"{cell}";1;2;3\n' for i in range(1, 11))
    path.write_bytes(head.encode("ascii") + "8;ё;1;2;3\n".encode("cp1251"))
    lazy, decoded, whole = _tables(path, monkeypatch)
    assert lazy.encoding == whole.encoding == "cp1251"
    assert_frame_equal(lazy.df, whole.df)
    assert lazy.df.row(-1) == ("8", "ё", "1", "2", "3")


@pytest.mark.parametrize("rows", [50, 30000])
def test_a_file_in_two_encodings_is_refused_saying_so(tmp_path, rows):
    """UTF-8 rows, then cp1251 ones (two exports glued together): refused with the line where the second encoding
    starts, small or large (the large-file path falls back to reading the whole file). It was refused for want of
    columns, listing a header garbled by cp1251 («в„– СЃРѕРѕР±С‰РµРЅРёСЏ») and sending the curator to the profile."""
    head = ("№ сообщения;Дата создания;Категория;Подкатегория;Статус;Срок ответа;Дата ответа;Ответственный;"
            "Населенный пункт;Адрес;Оценка;Текст сообщения\n")
    line = lambda i: (f"{i};10.01.2025 09:00;ЖКХ;Отопление;Ответ дан;20.01.2025;12.01.2025 10:00;Отдел;Аскиз;"
                      "ул. Ленина, 5;;Холодно в квартире\n")
    path = tmp_path / "glued.csv"
    path.write_bytes((head + "".join(map(line, range(rows)))).encode("utf-8")
                     + "".join(map(line, range(rows, 2 * rows))).encode("cp1251"))
    r = load_file(path, db=tmp_path / "mcu.duckdb", source="pos")
    assert (r.status, r.rows_read) == ("refused", 0)
    assert r.message.startswith(f"Файл записан в двух кодировках: до строки {rows + 2} — в UTF-8, а со строки "
                                f"{rows + 2} — в другой")
    assert not (tmp_path / "mcu.duckdb").exists()


@pytest.mark.parametrize("body, by_polars, short", [
    # blank lines inside quoted texts and between records, delimiters inside quotes: every record whole
    ('1;"текст;\r\n\r\nещё";3\r\n\r\n2;"\n\n\nа; б";6\r\n3;x;9\r\n\r\n', True, []),
    ('1;"текст";3\r\n2;x\r\n3;"a;b";9\r\n', False, [(3, 2)]),   # a short row: the csv module reads and names it
    ('1;"a;b"\r\n2;x;6\r\n', False, [(2, 2)]),                  # one delimiter inside quotes makes up for no other
])
def test_short_rows_are_found_whoever_reads_the_file(tmp_path, monkeypatch, body, by_polars, short):
    """(Review) polars pads a short row with nulls: such a file goes to the csv module, which names its short rows; a
    file of whole records is still read by polars, blank lines in its texts (the real ПОС export has them) or not."""
    path = tmp_path / "f.csv"
    path.write_bytes(("№;Текст;Число\r\n" + body).encode("utf-8"))
    by_module = []
    rows_of = read.CsvText.rows
    monkeypatch.setattr(read.CsvText, "rows", lambda self: by_module.append(1) or rows_of(self))
    table = _table(path)
    assert (by_module == [], table.short) == (by_polars, short)
