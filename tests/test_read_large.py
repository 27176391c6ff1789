"""A large csv that reads as UTF-8 is not decoded whole (etl.read.HEAD_BYTES): polars reads its bytes. These
tests hold that this reads every cell and row number as decoding the whole file did, and that a file which is
UTF-8 only in its first megabyte still reads as it did before."""
import polars as pl
from polars.testing import assert_frame_equal

from bench.__main__ import write_pos_export
from etl import read

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
