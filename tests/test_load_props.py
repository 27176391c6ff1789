"""Property tests (hypothesis) for detection and parsing, and for the accounting of a whole load."""
import datetime as dt
import string

import duckdb
import polars as pl
from hypothesis import assume, HealthCheck, given, settings, strategies as st

from etl.load import load_file
from etl.normalise import KIND_WORDS, basic_key, parse_datetime, settlement_key
from etl.privacy import mask
from etl.profile import builtin_profiles, norm_header
from etl.read import Grid, best_header, decode, sniff_delimiter

CYR = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
cell = st.text(alphabet=CYR + string.ascii_letters + string.digits + " .-()«»", min_size=1, max_size=12).map(str.strip) \
    .filter(bool)


@given(rows=st.lists(st.lists(cell, min_size=3, max_size=8), min_size=2, max_size=15).map(
    lambda rs: [r[: len(rs[0])] + ["x"] * (len(rs[0]) - len(r)) for r in rs]),
       delimiter=st.sampled_from([";", ",", "\t", "|"]))
def test_delimiter_is_found(rows, delimiter):
    text = "\n".join(delimiter.join(r) for r in rows)
    assert sniff_delimiter(text) == delimiter


@given(text=st.text(alphabet=CYR + string.ascii_letters + string.digits + " ;,.\n", min_size=1, max_size=300),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]))
def test_encoding_round_trip(text, encoding):
    data = text.encode(encoding)
    if encoding == "cp1251":
        # Some cp1251 byte strings are also valid UTF-8 («РЁ» is the bytes of «Ш»): nothing can tell them
        # apart, and UTF-8 is the right guess for them. Real texts with Cyrillic are never such strings.
        try:
            data.decode("utf-8")
            assume(not any(ord(c) > 127 for c in text))
        except UnicodeDecodeError:
            pass
    decoded, found = decode(data)
    assert decoded == text
    if encoding == "cp1251" and any(ord(c) > 127 for c in text):
        assert found == "cp1251"


@given(moment=st.datetimes(min_value=dt.datetime(1995, 1, 1), max_value=dt.datetime(2099, 12, 31)).map(
    lambda d: d.replace(microsecond=0)),
       fmt=st.sampled_from(["%d.%m.%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M:%S"]))
# What is tested is the value, not the time: on a busy 2-core CI a parse may exceed Hypothesis's 200 ms.
@settings(deadline=None)
def test_datetimes_parse_back(moment, fmt):
    got = pl.select(parse_datetime(pl.lit(moment.strftime(fmt)))).item()
    assert got == moment


@given(day=st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2099, 12, 31)),
       seconds=st.integers(0, 86399))
def test_excel_serials_parse(day, seconds):
    moment = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)
    serial = (moment - dt.datetime(1899, 12, 30)).total_seconds() / 86400
    got = pl.select(parse_datetime(pl.lit(repr(serial)))).item()
    assert abs((got - moment).total_seconds()) < 1


@given(before=st.lists(st.lists(cell, min_size=0, max_size=3), max_size=10),
       profile=st.sampled_from([p.name for p in builtin_profiles()]))
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_header_row_is_found_below_any_preamble(before, profile):
    p = next(x for x in builtin_profiles() if x.name == profile)
    header = [i.split("|")[0] for i in p.identify]
    grid = Grid(rows=[*before, header, ["1"] * len(header)])
    _, idx, found, _ = best_header([grid], builtin_profiles())
    assert found is not None and found.name == profile
    assert idx == len(before)


@given(name=st.text(alphabet=CYR + " -", min_size=1, max_size=20))
def test_normalisation_ignores_case_yo_and_spacing(name):
    assert norm_header(name.upper()) == norm_header(name.lower())
    assert basic_key(name.replace("е", "ё")) == basic_key(name)
    assert basic_key("  " + name.replace(" ", "   ") + " ") == basic_key(name)
    words = basic_key(name).split()
    if words and words[0] not in KIND_WORDS:   # «п Ё» would itself read as «посёлок Ё»
        assert settlement_key("с. " + name) == settlement_key(name)


@given(digits=st.text(alphabet=string.digits, min_size=10, max_size=10),
       style=st.sampled_from(["+7 {0}{1}{2} {3}{4}{5}-{6}{7}-{8}{9}", "8 ({0}{1}{2}) {3}{4}{5}-{6}{7}-{8}{9}",
                              "8{0}{1}{2}{3}{4}{5}{6}{7}{8}{9}", "+7{0}{1}{2}{3}{4}{5}{6}{7}{8}{9}"]),
       user=st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=10))
# No deadline: the first example may load the NER model (~0,4–1 s), and a timed assertion is not this test's point.
@settings(deadline=None)
def test_phones_and_emails_never_survive(digits, style, user):
    phone = style.format(*digits)
    text = mask(f"Звоните {phone} или пишите {user}@example.ru, страница vk.com/id{digits}")
    assert digits[-4:] not in text.replace("[телефон]", "")
    assert "@example.ru" not in text and "vk.com" not in text
    assert text.count("[телефон]") == 1 and "[email]" in text


HEAD = "№ сообщения;Дата создания;Категория;Подкатегория;Статус;Дата ответа;Ответственный"
good_row = st.tuples(st.integers(1, 60), st.integers(0, 300), st.sampled_from(["Дороги", "ЖКХ", "Связь"]),
                     st.sampled_from(["Новое", "В работе", "Ответ дан", "???"]), st.integers(-2, 5))
bad_row = st.tuples(st.integers(1, 60), st.sampled_from(["", "31.02.2025", "завтра", "01.01.2099 10:00"]))


def render(rows) -> str:
    lines = [HEAD]
    for r in rows:
        if len(r) == 2:
            lines.append(f"{r[0]};{r[1]};Дороги;Ямы;Новое;;Отдел")
            continue
        n, minutes, theme, status, answer_days = r
        received = dt.datetime(2025, 3, 1, 9) + dt.timedelta(minutes=minutes)
        answered = (received + dt.timedelta(days=answer_days)).strftime("%d.%m.%Y %H:%M") if answer_days >= 0 else ""
        lines.append(f"{n};{received:%d.%m.%Y %H:%M};{theme};Подтема;{status};{answered};Отдел")
    return "\n".join(lines) + "\n"


@given(first=st.lists(st.one_of(good_row, bad_row), min_size=1, max_size=25),
       second=st.lists(st.one_of(good_row, bad_row), min_size=1, max_size=25))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_row_accounted_and_reload_is_idempotent(tmp_path, monkeypatch, first, second):
    monkeypatch.setenv("MCU_SALT", "prop-salt")
    db = tmp_path / f"p{abs(hash((tuple(first), tuple(second))))}.duckdb"
    reports = []
    for rows in (first, second, second):
        src = tmp_path / "export.csv"
        src.write_text(render(rows), encoding="utf-8")
        r = load_file(src, db=db)
        reports.append(r)
        if r.status == "refused":   # nothing valid in the file: nothing written
            assert r.loaded == r.updated == r.duplicate == 0 and r.rejected == len(rows)
            continue
        assert r.rows_read == len(rows) == r.loaded + r.updated + r.duplicate + r.rejected
    third = reports[2]
    if third.ok:   # the same file again: nothing new, nothing changed
        assert (third.loaded, third.updated) == (0, 0)
    if db.exists():
        con = duckdb.connect(str(db), read_only=True)
        assert con.execute("SELECT count(*) FROM appeals").fetchone() == (sum(r.loaded for r in reports),)
        log = con.execute("SELECT sum(rows_read) = sum(loaded + updated + duplicate + rejected) FROM import_log")
        assert log.fetchone() == (True,)
        con.close()
