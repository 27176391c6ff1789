"""Reading an export as real files come: encoding, delimiter, sheet and header row detected, never assumed.

Every cell arrives as text (Excel dates and times included), so one set of parsers serves csv and xlsx.
"""
import codecs
import csv
import functools
import io
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from core.fmt import count as count_of, num
from etl.profile import Profile, norm_header

PEEK_ROWS = 30           # a header row lower than this is not looked for
SNIFF_LINES = 60         # the first lines the delimiter is judged by
DELIMITERS = (";", ",", "\t", "|")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls


class FileRefused(Exception):
    """The file cannot be loaded as a whole; the message (Russian) says why and what to do."""


@dataclass
class Grid:
    """The raw cells of one sheet (or a csv), before a header row is chosen."""

    rows: list[list]                  # the first PEEK_ROWS rows, as text
    sheet: str | None = None
    sheet_index: int | None = None
    encoding: str | None = None
    delimiter: str | None = None
    merged: list = field(default_factory=list)   # (top row, column, bottom row) of merged ranges over rows (_excel_rows)


@dataclass
class Table:
    """A sheet with its header row found: all-text columns plus where each row was in the file."""

    df: pl.DataFrame
    row_numbers: list[int]
    fmt: str
    header_row: int                   # 1-based row of the header in the file
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheets: list[str] = field(default_factory=list)
    overflow: list[str | None] = field(default_factory=list)  # cells past the header's width, per row
    formulas: dict[str, list] = field(default_factory=dict)   # column → [(row, formula)] with no value in the file
    row_sheets: list[str] | None = None   # each row's sheet, where the table is read from more than one (join_sheets)
    cut_row: int | None = None            # the last record, where the file ends inside it (CsvText.cut_off)
    cut_short: tuple[int, int] | None = None   # (row, its cells): the last record cut outside quotes (CsvText.unended)
    short: list[tuple[int, int]] = field(default_factory=list)   # (row, its cells): rows narrower than the header
    stray: list[int] = field(default_factory=list)   # rows with a byte that is no UTF-8 in them (_stray_bytes), refused
    merged: list[str] = field(default_factory=list)  # columns whose merged cells in data rows were filled (make_table)
    refused: list[str | None] = field(default_factory=list)   # per row: why it is read but never loaded

    def describe(self) -> dict:
        sheet = ", ".join(dict.fromkeys(self.row_sheets)) if self.row_sheets else self.sheet
        return {"формат": self.fmt.upper(), "кодировка": _ENCODING_NAMES.get(self.encoding, self.encoding),
                "разделитель": _delimiter_name(self.delimiter), "лист": sheet,
                "строка заголовка": self.header_row}


_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 с BOM", "cp1251": "Windows-1251", "utf-16": "UTF-16"}


def _delimiter_name(d: str | None) -> str | None:
    return {";": "точка с запятой", ",": "запятая", "\t": "табуляция", "|": "вертикальная черта"}.get(d, d)


# --- text files ---------------------------------------------------------------------------------

def decode(data: bytes) -> tuple[str, str]:
    """Text and its encoding: UTF-8 (with or without BOM), UTF-16 with BOM, or cp1251."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    head = data[:4096]
    if b"\x00" in head:
        # UTF-16 without its byte-order mark: Latin text has every other byte zero, Cyrillic only its
        # spaces, digits and delimiters; either way one of the two byte orders reads as plain text.
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = data[:len(data) // 2 * 2].decode(enc)
            except UnicodeDecodeError:
                continue
            if _plausible(text) > 0.95 and not _looks_binary(text):
                return text, "utf-16"
        raise FileRefused("Файл похож на двоичный, а не на таблицу CSV/Excel. Выгрузите данные заново в формате "
                          "XLSX или CSV и загрузите этот файл.")
    try:
        utf8 = data.decode("utf-8")
    except UnicodeDecodeError as e:
        utf8 = _stray_bytes(data)
        if utf8 is not None:
            return utf8, "utf-8"
        _refuse_mixed(data, e.start)
    if utf8 is not None and _utf8_wins(utf8, data):
        return utf8, "utf-8"
    try:
        cp = data.decode("cp1251")
    except UnicodeDecodeError:
        cp = None
    if utf8 is not None and cp is None:
        return utf8, "utf-8"
    if cp is None or _looks_binary(cp):
        raise FileRefused(_UNKNOWN_ENCODING)
    return cp, "cp1251"


STRAY_BYTES = 3   # at most this many bytes that are no UTF-8 in a UTF-8 file are broken characters, not an encoding
STRAY = re.compile("[\udc80-\udcff]")   # such a byte, as decode() keeps it (surrogateescape)


def _stray_bytes(data: bytes) -> str | None:
    """The text of a UTF-8 file with a few broken bytes (a copy or an editor spoilt a character), each kept as a
    surrogate (STRAY) for make_table to refuse its row; None where the file is no such one. Its Russian text must
    read as UTF-8 (a Windows-1251 file with a «№» or two in Latin text has no Cyrillic in UTF-8), and a file glued of
    two encodings has a byte that is not UTF-8 in every Cyrillic letter of its second part (_refuse_mixed)."""
    text = data.decode("utf-8", errors="surrogateescape")
    if len(list(itertools.islice(STRAY.finditer(text), STRAY_BYTES + 1))) > STRAY_BYTES:
        return None
    return text if sum("а" <= ch <= "я" or "А" <= ch <= "Я" for ch in text[:20000]) >= 20 else None


def _refuse_mixed(data: bytes, bad: int) -> None:
    """Refuse a file whose beginning is Russian text in UTF-8 and which stops being UTF-8 at byte `bad`: two
    exports glued together (one from a Windows program) or a file edited in two programs. Read in either
    encoding, part of its text would come out garbled (its header, as cp1251, was a row of «Р”Р°С‚Р°»)."""
    head = data[:bad].decode("utf-8")
    if sum("а" <= ch <= "я" or "А" <= ch <= "Я" for ch in head[:20000]) < 20 or not _utf8_wins(head, data):
        return
    line = data.count(b"\n", 0, bad) + 1
    raise FileRefused(
        f"Файл записан в двух кодировках: до строки {line} — в UTF-8, а со строки {line} — в другой (похоже, "
        "к выгрузке дописана выгрузка в Windows-1251). Ни в одной кодировке он не читается целиком без искажений, "
        "поэтому не загружен. Сохраните файл заново в одной кодировке — UTF-8 (в Excel: «Сохранить как» → «CSV "
        "UTF-8») — или загрузите выгрузки по отдельности.")


def _utf8_wins(utf8: str, data: bytes) -> bool:
    """The file's text read as UTF-8 (`utf8`, or its beginning) reads at least as naturally as its first bytes
    in cp1251. cp1251 is one byte a character: its sample is the file's first bytes, and the whole file is
    decoded only when it wins (a second copy of a large file as text costs hundreds of megabytes)."""
    try:
        cp = data[:20000].decode("cp1251")
    except UnicodeDecodeError:
        return True
    return _plausible(utf8) >= _plausible(cp)


def _plausible(text: str) -> float:
    """The share of characters Russian exports are made of. Short cp1251 text can be valid UTF-8
    («ВЁ» → «¨»), so UTF-8 wins only when it reads at least as naturally."""
    sample = text[:20000]
    good = sum(c.isascii() or "\u0400" <= c <= "\u04ff" or c in "«»—–№…“”„’\xa0" for c in sample)
    return good / max(1, len(sample))


_UNKNOWN_ENCODING = ("Не удалось определить кодировку файла (ожидаются UTF-8 или Windows-1251). Откройте файл "
                     "в Excel и сохраните как «CSV UTF-8 (разделитель — запятая)» или как XLSX, затем загрузите снова.")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def unknown_encoding(file_name: str) -> str:
    """The message for a file whose text decoded without an error but reads as nonsense (looks_garbled)."""
    return (f"Файл {file_name} в неизвестной кодировке (ожидаются UTF-8 или Windows-1251): его текст читается как "
            "бессмыслица. Откройте файл в Excel через «Данные» → «Из текста/CSV», выберите кодировку, в которой текст "
            "читается (например, «Кириллица (KOI8-R)» или «Кириллица (DOS)»), и сохраните его как XLSX или «CSV UTF-8», "
            "затем загрузите снова.")


_RUSSIAN = "А-Яа-яЁё"
# Inside a Russian word: a small letter before a capital («фЕЛУФ», KOI8-R read as cp1251, where the two cases
# trade places), or a letter glued to a sign or a letter Russian has not («РќРѕРјРµСЂ», UTF-8 read as cp1251;
# «Ќ®¬Ґа», DOS; «ЅЮЬХа», ISO 8859-5).
_BROKEN_WORD = re.compile(rf"[а-яё][А-ЯЁ]|[^\x00-\x7f{_RUSSIAN}«»—–№…“”„’‘\xa0]")


def looks_garbled(cells) -> bool:
    """Text cells (a header row) that are Russian decoded in the wrong encoding: every cp1251 byte is a character,
    so a KOI8-R or DOS file decodes without an error (decode() takes it for cp1251) and only reads as nonsense. The
    words with a Russian letter: at least a third of them broken (_BROKEN_WORD), or, in text mostly in capitals
    (KOI8-R's small letters read as capitals), any. A header of capitals or a camel-cased name is not."""
    words = [w for c in cells if c for w in str(c).split() if re.search(f"[{_RUSSIAN}]", w)]
    if not words:
        return False
    broken = sum(bool(_BROKEN_WORD.search(w)) for w in words)
    letters = "".join(re.findall(f"[{_RUSSIAN}]", " ".join(words)))
    capitals = sum(ch.isupper() for ch in letters) / len(letters)
    return broken >= max(1, len(words) / 3) or (broken > 0 and capitals >= 0.6 and len(letters) >= 30)


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    return bool(sample) and len(_CONTROL.findall(sample)) > max(3, len(sample) // 200)


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most equal, widest rows."""
    lines = [ln for ln in _first_lines(text, SNIFF_LINES) if ln.strip()]
    best, best_score = ",", -1.0
    for d in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=d)]
        except csv.Error:
            continue
        if not counts:
            continue
        width = max(set(counts), key=lambda c: (counts.count(c), c))
        if width < 2:
            continue
        score = counts.count(width) / len(counts) * min(width, 50)
        if score > best_score:
            best, best_score = d, score
    return best


def _first_lines(text: str, n: int) -> list[str]:
    """text.splitlines()[:n] without splitting a large file whole: a prefix holding more than n lines holds the
    first n whole."""
    size = 1 << 16
    while True:
        lines = text[:size].splitlines()
        if len(lines) > n or size >= len(text):
            return lines[:n]
        size *= 4


# A csv larger than this that reads as UTF-8 as far as this is not decoded whole: polars reads its bytes and
# checks them as it does (an invalid sequence fails its read, and the csv module then decodes the whole file as
# before). Decoding 1 M rows cost 0,4 s and a text copy of the file (Cyrillic: twice its bytes).
HEAD_BYTES = 1 << 20


def _utf8_prefix(data: bytes, size: int) -> str | None:
    """The first `size` bytes as UTF-8, a character cut at the end left out; None where they are not UTF-8."""
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(data[:size], final=size >= len(data))
    except UnicodeDecodeError:
        return None


def _head_decode(data: bytes) -> tuple[str, str, bool]:
    """(text, encoding, whole): a large file whose first HEAD_BYTES read as UTF-8, at least as naturally as
    cp1251, is judged by them (decode() judges by the first 20 000 characters too) and only they are decoded;
    any other file is decoded whole by decode()."""
    if len(data) > HEAD_BYTES and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) \
            and b"\x00" not in data[:4096]:
        head = _utf8_prefix(data, HEAD_BYTES)
        # It must hold the lines the delimiter is judged by (sniff_delimiter), whole.
        if head and not head.isspace() and head.count("\n") > SNIFF_LINES and _utf8_wins(head, data):
            return head, "utf-8", False
    return (*decode(data), True)


def _text_grid(data: bytes) -> tuple[Grid, "CsvText"]:
    text, encoding, whole = _head_decode(data)
    if _looks_binary(text):
        raise FileRefused("Файл похож на двоичный, а не на таблицу CSV/Excel. Выгрузите данные заново в формате "
                          "XLSX или CSV и загрузите этот файл.")
    if not text or text.isspace():   # not text.strip(): a copy of the whole text just to test it
        raise FileRefused("Файл пустой: в нём нет ни заголовков, ни строк. Проверьте, что выгрузка завершилась, "
                          "и выгрузите данные заново.")
    delimiter = sniff_delimiter(text)
    source = CsvText(text if whole else None, data, encoding, delimiter)
    rows = source.head(PEEK_ROWS)[0]   # may find the file not UTF-8 past its first megabyte: its encoding after
    return Grid(rows, encoding=source.encoding, delimiter=delimiter), source


@dataclass
class CsvText:
    """A decoded csv file. Its rows are the csv module's; below the header row polars reads them instead
    (10× faster, a fraction of the memory of a list of rows) when it reads exactly the same cells. Read once:
    a body() that polars read lets the file's bytes go."""

    text: str
    data: bytes
    encoding: str
    delimiter: str
    cut_off: bool = False   # rows() found the file ending inside a quoted cell of its last record
    unended: bool = False   # rows() found no line break at the file's end (a last record shorter than the header: cut)
    stray: bool = False     # rows() found bytes that are no UTF-8 in the text (_stray_bytes)

    def _reader(self, f):
        return csv.reader(f, delimiter=self.delimiter)

    def _prefix(self, size: int) -> tuple[str, bool]:
        """The text's first `size` characters or more, and whether that is all of it. A UTF-8 file not decoded
        whole (HEAD_BYTES) is decoded as far as `size` bytes."""
        if self.text is None and self.encoding == "utf-8":
            text = _utf8_prefix(self.data, size * 4)
            if text is not None:
                return text, size * 4 >= len(self.data)
        if self.text is None:
            self._decode_whole()
        return self.text[:size], size >= len(self.text)

    def _decode_whole(self) -> None:
        # The same bytes decode to the same text (a file not decoded whole may turn out not to be UTF-8 past
        # its first megabyte: decode() then judges it whole, as it did every file before).
        self.text, self.encoding = decode(self.data)

    def head(self, n: int) -> tuple[list[list[str]], int]:
        """The first n records, and where the text after them begins. Read from a prefix of the text (a
        StringIO of a large file is a copy of it): records that end before the prefix does are whole."""
        size = 1 << 16
        while True:
            text, whole = self._prefix(size)
            f = io.StringIO(text, newline="")
            try:
                rows = list(itertools.islice(self._reader(f), n))
            except csv.Error as e:
                if whole:
                    raise FileRefused(_CSV_ERROR.format(e)) from None
                rows = None
            if rows is not None and (whole or f.tell() < len(text)):
                if self.encoding == "utf-8" and STRAY.search(text, 0, f.tell()):   # a broken byte read as a «�»
                    rows = [[STRAY.sub("\ufffd", c) for c in r] for r in rows]
                return rows, f.tell()
            size *= 4

    def rows(self) -> list[list[str]]:
        if self.text is None:   # let go by body(), or never decoded whole
            self._decode_whole()
        try:
            rows = list(self._reader(io.StringIO(self.text, newline="")))
        except csv.Error as e:
            raise FileRefused(_CSV_ERROR.format(e)) from None
        self.cut_off = bool(rows) and _ends_inside_quotes(self.text, rows[-1], self.delimiter)
        self.unended = not self.text.endswith(("\n", "\r"))
        self.stray = self.encoding == "utf-8" and STRAY.search(self.text) is not None
        return rows

    def body(self, header_idx: int, names: list[str]) -> pl.DataFrame | None:
        """Every record below the header row as text columns, cleaned (_clean; a blank line an all-null row, a
        short row padded with nulls, as make_table reads the csv module's rows), or None where the two readers
        could disagree: a row wider than the header (make_table reports its overflow), a lone carriage return (a
        line break to the csv module only), a quote that does not open or close a whole cell."""
        if not names:
            return None
        _, start = self.head(header_idx + 1)
        skip_rows = 0
        if self.encoding in ("utf-8", "utf-8-sig"):   # the file's own bytes: no second encoded copy
            above = self._prefix(start)[0][:start]
            if STRAY.search(above):   # a byte that is no UTF-8 above the body: the csv module reads the file
                return None
            offset = len(above.encode("utf-8")) + (3 if self.encoding == "utf-8-sig" else 0)
            # The body's bytes, looked at in place (a slice of bytes is a copy of them).
            buffer, raw = self.data, memoryview(self.data)[offset:]
            if above.count("\n") == header_idx + 1:
                # Every record above the body is one line: polars skips those lines of the file's bytes itself,
                # where a slice of the bytes below them was a copy of the file (1 M real rows: 810 MB more).
                source, skip_rows = self.data, header_idx + 1
            else:
                source = bytes(raw)
        else:
            source = self.text[start:].encode("utf-8")
            buffer, raw, offset = source, memoryview(source), 0
        self.text = None   # hundreds of megabytes for a large file, not needed while polars reads
        # A carriage return not followed by a line feed (one search, where two counts of the whole body took 0,3 s
        # for 1 M rows).
        # (One byte is looked for by bytes.find, 8 times faster than a regular expression; a view has no find.)
        if re.search(rb"\r(?!\n)", raw):
            return None
        # polars pads a row shorter than the header with nulls, as if its last cells were empty: the csv module reads
        # a file with such a row (make_table names it, and a last one with no line break after it is a cut file).
        # Every record but a blank line has width - 1 delimiters outside its quoted cells: counts of the delimiter and
        # of blank lines (C speed), less those inside quoted cells, tell whether all do.
        needles = (self.delimiter.encode(), b"\n\n", b"\n\r\n")
        # (A blank line is looked for first: a two-byte count runs 2–3 times slower than one search of a file without
        # any, 1 M rows 0,43 → 0,09 s.)
        blanks = re.search(rb"\n\r?\n", raw) is not None
        total = [buffer.count(n, offset) if k == 0 or blanks else 0 for k, n in enumerate(needles)]
        inside = [0, 0, 0]
        if buffer.find(b'"', offset) >= 0:
            inside = _in_quotes(buffer, offset, self.delimiter, needles if total[1] or total[2] else needles[:1])
            if inside is None:   # a lone quote: the two readers could read it otherwise
                return None
            inside += [0] * (3 - len(inside))
        delimiters = total[0] - inside[0]
        blank = total[1] - inside[1] + total[2] - inside[2] + bytes(raw[:2]).startswith((b"\n", b"\r\n"))
        try:
            body = pl.read_csv(source, has_header=False, separator=self.delimiter, quote_char='"', skip_rows=skip_rows,
                               schema={n: pl.String for n in names}, infer_schema=False,
                               raise_if_empty=False)
        except pl.exceptions.PolarsError:   # a shape it reads otherwise: the csv module decides
            return None
        if delimiters != (len(names) - 1) * (body.height - blank):
            return None
        # A cell longer than CELL_LIMIT: make_table refuses its row.
        longest = body.select(pl.max_horizontal(pl.all().str.len_chars().max())).item() if body.height else 0
        if (longest or 0) > CELL_LIMIT:
            return None
        # What the cleaning of cells (_clean) can skip for the whole file: a step that finds nothing to change in
        # any cell (no no-break space, no apostrophe anywhere in the bytes) costs a pass over every cell all the same.
        # (A regular expression finds the two bytes of a no-break space three times faster than `in`: 0,26 → 0,08 s.)
        nbsp, apostrophe = bool(re.search(b"\xc2\xa0", raw)), buffer.find(b"'", offset) >= 0
        raw.release()
        raw = buffer = source = self.data = None   # read: the file's bytes go before the cells are cleaned
        # A column at a time, each replacing its raw cells: cleaning all at once held both copies of the frame.
        for name in names:
            body = body.with_columns(_clean(pl.col(name), nbsp, apostrophe))
        return body


def _ends_inside_quotes(text: str, last: list[str], delimiter: str) -> bool:
    """Whether the text ends inside a quoted cell of its last record (`last`, as the csv module read it): a file cut
    off mid-row (a download or a copy stopped short). The csv module closes such a cell at the end quietly; read
    strictly, the record from its first line says «unexpected end of data». Only the tail is read again: the
    record's first line is found from the end, by the line breaks inside its cells."""
    breaks = sum(c.count("\n") + c.count("\r") - c.count("\r\n") for c in last)
    start = max(0, len(text) - (2 * sum(map(len, last)) + 2 * len(last) + 4))   # quotes doubled at most
    tail = text[start:]
    starts = ([0] if start == 0 else []) + [m.end() for m in re.finditer(r"\r\n|\r|\n", tail) if m.end() < len(tail)]
    for b in reversed(starts[-(breaks + 2):]):
        piece = tail[b:]
        try:
            if list(csv.reader(io.StringIO(piece, newline=""), delimiter=delimiter)) != [last]:
                continue
            list(csv.reader(io.StringIO(piece, newline=""), delimiter=delimiter, strict=True))
        except csv.Error as e:
            return "unexpected end of data" in str(e)
        return False
    return False


def _whole_cell_quotes(raw: bytes | memoryview, delimiter: str) -> bool:
    """Every quote opens or closes a whole cell, or is doubled inside one: the quoting both readers read alike.
    The file is scanned for whole cells and lone quotes, and the first lone quote, if any, is where they could
    differ. (The quote comes first in the pattern, so the engine looks only at quotes: 1 M real rows, 6,0 → 0,3 s;
    and no copy of the file without its cells is made.)"""
    if not re.search(b'"', raw):
        return True
    return not any(m.end() - m.start() == 1 for m in _cell_or_quote(delimiter).finditer(raw))


def _in_quotes(buffer: bytes, offset: int, delimiter: str, needles: tuple[bytes, ...]) -> list[int] | None:
    """How many of each of `needles` (the delimiter, a blank line) stand inside quoted cells of buffer[offset:], where
    every quote is a whole cell's (_whole_cell_quotes); None where one is not. Counted in the buffer in place (no
    copy of a cell)."""
    found, count = [0] * len(needles), buffer.count
    for m in _cell_or_quote(delimiter).finditer(memoryview(buffer)[offset:]):
        start, end = m.span()
        if end - start == 1:
            return None
        for k, n in enumerate(needles):
            found[k] += count(n, offset + start, offset + end)
    return found


@functools.cache
def _cell_or_quote(delimiter: str) -> re.Pattern:
    """A whole quoted cell (at the start of a line or after the delimiter, up to the delimiter or the line's end),
    else a lone quote. `"(?<![^;\n]")` is «at the start or after ; or a line feed», looked at from the quote."""
    d = re.escape(delimiter.encode())
    not_before = b"[^" + d + b"\n]"
    return re.compile(rb'"(?<!' + not_before + rb'")[^"]*(?:""[^"]*)*"(?=' + d + rb'|[\r\n]|\Z)|"')


_CSV_ERROR = "Не удалось разобрать CSV ({}). Сохраните файл из Excel заново как CSV или XLSX."

# The longest cell a row is loaded with: the csv module's own default limit (no appeal's text is near it; Excel's cell
# holds 32 767 characters). The module reads longer ones (its limit raised), and make_table refuses their rows with
# the reason, where a single such cell refused the whole file in English («field larger than field limit»).
CELL_LIMIT = 131_072
csv.field_size_limit(max(csv.field_size_limit(), (1 << 31) - 1))


# --- Excel --------------------------------------------------------------------------------------

# Excel keeps a duration (or a time of day) as a day count, which a reader hands over as a moment from its day 0,
# 1899-12-31: «12:30:37» reads «1899-12-31 12:30:37.103», eleven days and a half «1900-01-11 12:10:25». No export
# holds real dates of 1899–1900 (and from 1900-03-01 Excel's false leap day shifts the count), so these are
# written back as durations: «12:30:37», «11 дн. 12:10:25».
_EXCEL_DURATION = r"^(?:1899-12-31|1900-0[12]-\d\d) \d\d:\d\d:\d\d(?:\.\d+)?$"


def _excel_durations(df: pl.DataFrame) -> pl.DataFrame:
    found = df.select(pl.col(pl.String).str.contains(_EXCEL_DURATION).any())
    columns = [c for c in found.columns if found[c][0]]
    if not columns:
        return df
    out = []
    for c in columns:
        moment = pl.col(c).str.slice(0, 19).str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False)
        days = (moment.dt.date() - pl.date(1899, 12, 31)).dt.total_days()
        clock = moment.dt.strftime("%H:%M:%S")
        text = pl.when(days > 0).then(pl.format("{} дн. {}", days, clock)).otherwise(clock)
        out.append(pl.when(pl.col(c).str.contains(_EXCEL_DURATION) & moment.is_not_null()).then(text)
                   .otherwise(pl.col(c)).alias(c))
    return df.with_columns(out)


def _excel_grids(path: Path) -> tuple[list[Grid], list[str]]:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        names = list(reader.sheet_names)
    except Exception:  # fastexcel raises its own error types for every kind of broken file
        raise FileRefused("Файл Excel повреждён или это не файл Excel. Откройте его в Excel и сохраните заново "
                          "как XLSX, или выгрузите данные из системы ещё раз.") from None
    grids = []
    for i, name in enumerate(names):
        try:
            df = _excel_durations(reader.load_sheet(i, header_row=None, n_rows=PEEK_ROWS, dtypes="string").to_polars())
        except Exception:
            continue  # an empty or unreadable sheet is simply not a candidate
        grids.append(Grid([list(r) for r in df.rows()], sheet=name, sheet_index=i))
    if not any(g.rows for g in grids):
        raise FileRefused("В файле Excel нет ни одного непустого листа. Проверьте, что выгрузка завершилась, "
                          "и выгрузите данные заново.")
    return grids, names


def _excel_loaded(path: Path, grid: Grid, names: list[str]) -> tuple[list[list], dict, list[str]]:
    """read_grids' loader of a sheet's rows: the sheet's merged ranges go to its grid (make_table fills them)."""
    rows, unknown, grid.merged = _excel_rows(path, grid.sheet_index)
    return rows, unknown, names


def _excel_rows(path: Path, sheet_index: int) -> tuple[list[list], dict, list]:
    """All rows of a sheet as text, with formula cells put right: (rows, {(row, col): formula} of the
    formulas whose value the file does not hold, [(top row, column, bottom row)] of the ranges merged over rows).
    The reader gives a merged range's value in its top-left cell only."""
    import fastexcel

    reader = fastexcel.read_excel(str(path))
    rows = [list(r) for r in
            _excel_durations(reader.load_sheet(sheet_index, header_row=None, dtypes="string").to_polars()).rows()]
    formulas, (top, left), merges = _sheet_formulas(path, sheet_index)
    merged = [(r1 - top, c1 - left, r2 - top) for r1, c1, r2 in merges if r1 >= top and c1 >= left]
    unknown = {}
    for (r, c), (formula, cached) in formulas.items():
        i, j = r - top, c - left
        if not (0 <= i < len(rows) and 0 <= j < len(rows[i])):
            continue
        value = _evaluate(formula)
        if value is not None:
            rows[i][j] = value
        elif cached is None:
            rows[i][j] = None
            unknown[(i, j)] = formula
    return rows, unknown, merged


_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_LITERAL = re.compile(r'\s*(?:"((?:[^"]|"")*)"|(-?\d+(?:\.\d+)?))\s*')


def _evaluate(formula: str) -> str | None:
    """The value of a formula made of literals only (="FX-1", ="A"&"-"&12, =12): what generated exports
    write. Anything that needs a calculation engine is left to the value Excel saved."""
    text = formula.strip().removeprefix("=")
    parts, pos = [], 0
    while True:
        m = _LITERAL.match(text, pos)
        if not m:
            return None
        parts.append(m.group(1).replace('""', '"') if m.group(1) is not None else m.group(2))
        pos = m.end()
        if pos == len(text):
            return "".join(parts)
        if text[pos] != "&":
            return None
        pos += 1


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _sheet_formulas(path: Path, sheet_index: int) -> tuple[dict, tuple[int, int], list]:
    """{(row, col): (formula, cached value or None)} of one sheet, 0-based, the top-left corner of its
    used range (where the reader's first row and column start), and [(top row, column, bottom row)] of its ranges
    merged over more than one row. Empty when the sheet has neither formulas nor such ranges."""
    import zipfile
    import xml.etree.ElementTree as ET

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        with zipfile.ZipFile(path) as z:
            book = ET.fromstring(z.read("xl/workbook.xml"))
            rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            sheets = book.find(f"{ns}sheets")
            rid = list(sheets)[sheet_index].get(f"{rel_ns}id")
            target = next(r.get("Target") for r in rels if r.get("Id") == rid)
            name = target.lstrip("/") if target.startswith("/") else "xl/" + target
            data = z.read(name)
    except (KeyError, IndexError, StopIteration, zipfile.BadZipFile, ET.ParseError):
        return {}, (0, 0), []
    merges = [(int(r1) - 1, _col_index(c1.decode()), int(r2) - 1) for c1, r1, _, r2 in _MERGE_REF.findall(data)
              if int(r2) > int(r1)]
    if not merges and not re.search(rb"<(?:\w+:)?f[ >/]", data):
        return {}, (0, 0), []
    formulas, top, left = {}, None, None
    for cell in ET.fromstring(data).iter(f"{ns}c"):
        m = _CELL_REF.match(cell.get("r", ""))
        if not m:
            continue
        f, v, inline = cell.find(f"{ns}f"), cell.find(f"{ns}v"), cell.find(f"{ns}is")
        if f is None and v is None and inline is None:
            continue
        r, c = int(m.group(2)) - 1, _col_index(m.group(1))
        top = r if top is None else min(top, r)
        left = c if left is None else min(left, c)
        if f is not None and f.text:
            formulas[(r, c)] = (f.text, v.text if v is not None else None)
    return formulas, (top or 0, left or 0), merges


# --- choosing the sheet and the header row --------------------------------------------------------

def _row_headers(row: list) -> set[str]:
    return {norm_header(c) for c in row if c is not None and str(c).strip()}


def best_header(grids: list[Grid], profiles: list[Profile]) -> tuple[Grid, int, Profile | None, int]:
    """(grid, header row index, best profile, its score): the sheet and row whose cells name the most
    identifying headers of some profile. With no profile fitting, the widest early row of the first sheet."""
    best = None
    for g in grids:
        for i, row in enumerate(g.rows):
            headers = _row_headers(row)
            if len(headers) < 2:
                continue
            for p in profiles:
                s = p.identify_score(headers)
                ratio = s / max(1, len(p.identify))
                key = (s >= p.identify_min, ratio, s, -i)
                if best is None or key > best[0]:
                    best = (key, g, i, p, s)
    if best is not None and best[0][0]:
        return best[1], best[2], best[3], best[4]
    g = next(g for g in grids if g.rows)
    widths = [len(_row_headers(r)) for r in g.rows]
    i = widths.index(max(widths))
    return g, i, None, 0


def same_source_sheets(grids: list[Grid], chosen: Grid, header_idx: int, profile: Profile):
    """The other sheets whose header row fits `profile` too: an export over Excel's row limit goes on in a second
    sheet. ([(grid, header index)] with the chosen sheet's columns, [(grid, header index, missing, extra)] with
    other columns, [grid] fitting no profile but as wide as the chosen sheet: a continuation without a header?)"""
    names = _dedupe(list(chosen.rows[header_idx]))
    same, other, headless = [], [], []
    for g in grids:
        if g is chosen or not g.rows:
            continue
        found, i, fits, _ = best_header([g], [profile])
        if fits is None:
            if len(g.rows[0]) == len(chosen.rows[header_idx]):
                headless.append(g)
            continue
        theirs = _dedupe(list(g.rows[i]))
        if set(theirs) == set(names):
            same.append((g, i))
        else:
            other.append((g, i, [n for n in names if n not in theirs], [n for n in theirs if n not in names]))
    return same, other, headless


def join_sheets(first: Table, more: list[Table]) -> Table:
    """One table of sheets with the same columns, each row knowing its sheet (a row number alone is ambiguous)."""
    tables = [first, *more]
    names = first.df.columns
    first.df = pl.concat([t.df.select(names) for t in tables], rechunk=True)
    if any(t.refused for t in tables):   # before the row numbers below are the joined ones
        first.refused = [r for t in tables for r in (t.refused or [None] * len(t.row_numbers))]
    first.row_sheets = [t.sheet for t in tables for _ in t.row_numbers]
    first.merged = [c for c in names if any(c in t.merged for t in tables)]
    first.row_numbers = [n for t in tables for n in t.row_numbers]
    first.overflow = [o for t in tables for o in (t.overflow or [None] * len(t.row_numbers))]
    for t in more:
        for col, cells in t.formulas.items():
            first.formulas.setdefault(col, []).extend(cells)
    return first


def _os_reason(e: OSError) -> str:
    """Why a file did not open, in Russian (the system's own strerror is English: «No such file or directory»)."""
    if isinstance(e, FileNotFoundError):
        return "файл не найден"
    if isinstance(e, IsADirectoryError):
        return "это папка, а не файл"
    if isinstance(e, PermissionError):
        return "нет прав на чтение файла"
    return f"ошибка чтения (код {e.errno})" if e.errno else "ошибка чтения"


def read_grids(path: Path) -> tuple[str, list[Grid], object]:
    """Format ('csv' | 'xlsx'), candidate grids and a loader of all rows for a chosen grid."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        from etl.report import mask_file_name    # (etl.report imports this module through etl.detect)
        raise FileRefused(f"Не удалось открыть файл {mask_file_name(path.name)}: {_os_reason(e)}. "
                          "Проверьте путь и права доступа.") from None
    if not data or data.isspace():   # not data.strip(): a copy of the whole file just to test it
        raise FileRefused("Файл пустой: в нём нет ни заголовков, ни строк. Проверьте, что выгрузка завершилась, "
                          "и выгрузите данные заново.")
    suffix = path.suffix.lower()
    if data.startswith((ZIP_MAGIC, OLE_MAGIC)):
        grids, names = _excel_grids(path)
        return "xlsx" if data.startswith(ZIP_MAGIC) else "xls", grids, lambda g: _excel_loaded(path, g, names)
    if _looks_like_html(data):
        rows, encoding = _html_rows(data)
        return "html", [Grid(rows[:PEEK_ROWS], encoding=encoding)], lambda g: (rows, {}, [])
    if suffix in (".xlsx", ".xlsm", ".xls"):
        # Named as Excel, but no Excel file inside: a csv renamed (or saved so by a system) is read as one.
        try:
            grid, source = _text_grid(data)
        except FileRefused:
            raise FileRefused("Файл с расширением Excel повреждён или это не файл Excel. Откройте его в Excel и "
                              "сохраните заново как XLSX, или выгрузите данные из системы ещё раз.") from None
        return "csv", [grid], lambda g: (source, {}, [])
    grid, source = _text_grid(data)
    return "csv", [grid], lambda g: (source, {}, [])


# --- a web page's table (systems save one as «.xls», and Excel opens it) --------------------------------------

def _looks_like_html(data: bytes) -> bool:
    return data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith((b"<html", b"<!doctype html", b"<table"))


def _html_rows(data: bytes) -> tuple[list[list], str]:
    """The rows of a page's tables as text: a cell spanning columns (colspan) holds its value in its first, as a
    merged cell in Excel; <br> is a line break. A page with no table is refused."""
    from html.parser import HTMLParser

    text, encoding = decode(data)
    rows: list[list] = []

    class Cells(HTMLParser):
        cell: list[str] | None = None
        row: list | None = None

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self.end_row()
                self.row = []
            elif tag in ("td", "th"):
                self.end_cell()
                if self.row is None:
                    self.row = []
                self.cell = []
                span = dict(attrs).get("colspan") or "1"
                self.span = int(span) if span.isdigit() else 1
            elif tag == "br" and self.cell is not None:
                self.cell.append("\n")

        def handle_endtag(self, tag):
            if tag in ("td", "th"):
                self.end_cell()
            elif tag in ("tr", "table"):
                self.end_row()

        def handle_data(self, chunk):
            if self.cell is not None:
                self.cell.append(chunk)

        def end_cell(self):
            if self.cell is not None:
                value = "\n".join(" ".join(line.split()) for line in "".join(self.cell).split("\n")).strip()
                self.row += [value or None] + [None] * (min(self.span, 1000) - 1)
                self.cell = None

        def end_row(self):
            self.end_cell()
            if self.row:
                rows.append(self.row)
            self.row = None

    parser = Cells(convert_charrefs=True)
    parser.feed(text)
    parser.close()
    parser.end_row()
    if not rows:
        raise FileRefused("Файл — веб-страница (HTML), но таблицы в нём нет. Выгрузите данные из системы в формате "
                          "XLSX или CSV и загрузите этот файл.")
    return rows, encoding


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, n in enumerate(names):
        n = str(n).replace("\ufeff", "").strip() if n is not None and str(n).strip() else f"Столбец {i + 1}"
        k = seen.get(n, 0)
        seen[n] = k + 1
        out.append(n if k == 0 else f"{n} ({k + 1})")
    return out


def make_table(fmt: str, grid: Grid, header_idx: int, all_rows: list[list], sheets: list[str],
               unknown: dict | None = None) -> Table:
    """The data below the header row as an all-text frame; empty rows dropped, the `'` text marker removed.
    `all_rows` — the rows, or a CsvText; `unknown` — {(row, col): formula} of cells whose value the file does
    not hold."""
    cut_off = unended = stray = False
    if isinstance(all_rows, CsvText):
        names = _dedupe(list(all_rows.head(header_idx + 1)[0][header_idx]))
        csv_text = all_rows
        body = csv_text.body(header_idx, names)
        all_rows = csv_text.rows() if body is None else None
        cut_off, unended, stray = csv_text.cut_off, csv_text.unended, csv_text.stray
        grid.encoding = csv_text.encoding   # judged on the whole file where reading it took that
        if body is not None:
            return _csv_table(body, names, grid, header_idx)
    filled = _fill_merged(all_rows, grid.merged, header_idx)
    header = all_rows[header_idx]
    names = _dedupe([STRAY.sub("\ufffd", c) if stray and c else c for c in header])
    width = len(names)
    body, numbers, overflow, short, reasons, stray_rows = [], [], [], [], {}, []
    formulas: dict[str, list] = {}
    for (i, j), formula in sorted((unknown or {}).items()):
        if i > header_idx and j < width:
            formulas.setdefault(names[j], []).append((i + 1, "=" + formula.removeprefix("=")))
    for j, r in enumerate(all_rows[header_idx + 1:]):
        cells = [None if c is None else str(c) for c in r[:width]]
        extra = [str(c).strip() for c in r[width:] if c is not None and str(c).strip()]
        if not extra and not any(c is not None and c.strip() not in ("", "'") for c in cells):
            continue
        if len(cells) < width:
            short.append((header_idx + 2 + j, len(r)))
        if stray and STRAY.search("".join(c or "" for c in r)):
            bad = next(((k, m) for k, c in enumerate(cells) if c and (m := STRAY.search(c))), None)
            where = f" в столбце «{names[bad[0]]}»" if bad else " за последним столбцом"
            byte = ord((bad[1] if bad else STRAY.search("".join(c or "" for c in r))).group()) - 0xDC00
            reasons[header_idx + 2 + j] = (
                f"испорченный символ: байт 0x{byte:02X}{where} не читается как UTF-8 — строка не загружена; исправьте "
                "символ в выгрузке или выгрузите файл заново")
            stray_rows.append(header_idx + 2 + j)
            cells = [STRAY.sub("\ufffd", c) if c else c for c in cells]
            extra = [STRAY.sub("\ufffd", c) for c in extra]
        for k, c in enumerate(cells):
            if c is not None and len(c) > CELL_LIMIT:
                reasons[header_idx + 2 + j] = (
                    f"в ячейке «{names[k]}» {count_of(len(c), 'символ', 'символа', 'символов')} — больше "
                    f"{num(CELL_LIMIT)}: такого длинного значения в выгрузке не бывает, похоже, в файле сбились "
                    "кавычки; строка не загружена — проверьте её в выгрузке")
                cells[k] = c[:1000] + "…"   # the rejected row's cells are kept (import_rejects): not megabytes of them
        cells += [None] * (width - len(cells))
        body.append(cells)
        numbers.append(header_idx + 2 + j)
        # A stray delimiter in a text shifts the row's columns: never load such a row silently.
        overflow.append("; ".join(extra) if extra else None)
    cols = list(zip(*body)) if body else [()] * width
    df = pl.DataFrame({n: pl.Series(n, list(c), dtype=pl.String) for n, c in zip(names, cols)})
    df = df.with_columns(
        pl.all().str.replace_all("\xa0", " ").str.strip_chars().str.strip_prefix("'").str.strip_chars()
        .replace("", None)
    )
    # The last record, where the file ends inside it (a csv's cut_off); make_table numbers records from 1.
    cut = numbers[-1] if cut_off and numbers and numbers[-1] == len(all_rows) else None
    # Outside quotes a cut leaves the last record short, with no line break after it: it is refused, not loaded with
    # its later cells empty.
    cut_short = None
    if cut is not None and short and short[-1][0] == cut:
        short.pop()   # told as the cut row
    if cut is None and unended and short and short[-1][0] == numbers[-1] == len(all_rows):
        cut_short = short.pop()
        reasons[cut_short[0]] = (
            f"строка обрывается на середине: в ней {cells_of(cut_short[1], width)}, и на ней файл кончается без "
            "перевода строки — похоже, файл обрезан; выгрузите его заново")
    refused = [reasons.get(n) for n in numbers] if reasons else []
    return Table(df=df, row_numbers=numbers, fmt=fmt, header_row=header_idx + 1, sheet=grid.sheet,
                 encoding=grid.encoding, delimiter=grid.delimiter, sheets=sheets, overflow=overflow,
                 formulas=formulas, cut_row=cut, cut_short=cut_short, short=short, refused=refused,
                 stray=stray_rows, merged=[names[c] for c in filled if c < width])


def _fill_merged(rows: list[list], merged: list, header_idx: int) -> list[int]:
    """A range merged over data rows (below the header) holds its value in its top cell only: the value is put in
    each of its rows' empty cells, as Excel shows it in them. A range over more columns puts it in its first, as a
    merged header names one column. The columns filled, in order."""
    filled = set()
    for top, c, bottom in merged:
        if top <= header_idx or top >= len(rows) or c >= len(rows[top]) or rows[top][c] is None:
            continue
        for r in range(top + 1, min(bottom, len(rows) - 1) + 1):
            if c < len(rows[r]) and (rows[r][c] is None or not str(rows[r][c]).strip()):
                rows[r][c] = rows[top][c]
                filled.add(c)
    return sorted(filled)


def cells_of(n: int, width: int) -> str:
    """«5 ячеек из 18»."""
    return f"{count_of(n, 'ячейка', 'ячейки', 'ячеек')} из {width}"


def _csv_table(body: pl.DataFrame, names: list[str], grid: Grid, header_idx: int) -> Table:
    """make_table's frame from polars' reading of the csv body (cleaned by CsvText.body): the same rows dropped
    (all cells empty or a bare `'`), each row numbered by its record in the file as the csv module counts them."""
    df = body.with_row_index("__j")
    # One chunk, as a frame built from rows is: polars calls a column function (the masking) once a chunk.
    blank = df.select(pl.all_horizontal(pl.exclude("__j").is_null())).to_series()
    df = (df.filter(~blank) if blank.any() else df).rechunk()   # a filter copies every column, even of no row
    numbers = (df["__j"].cast(pl.Int64) + (header_idx + 2)).to_list()
    return Table(df=df.drop("__j"), row_numbers=numbers, fmt="csv", header_row=header_idx + 1, sheet=grid.sheet,
                 encoding=grid.encoding, delimiter=grid.delimiter, sheets=[], overflow=[], formulas={})


def _clean(e: pl.Expr, nbsp: bool = True, apostrophe: bool = True) -> pl.Expr:
    if nbsp:
        e = e.str.replace_all("\xa0", " ", literal=True)
    e = e.str.strip_chars()
    if apostrophe:
        e = e.str.strip_prefix("'").str.strip_chars()
    return e.replace("", None)
