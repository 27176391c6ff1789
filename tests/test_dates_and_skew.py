"""Dates decided for a whole column, the profile's formats used alone, midnight deadlines, the clock-skew
tolerance and its message — each at its edge (issue 8, items 1 and 5), on small exports written here."""
import dataclasses
import datetime as dt

import duckdb
import polars as pl
import pytest

from etl import load
from etl.deadlines import Rules
from etl.load import load_file
from etl.profile import Profile

T = dt.datetime
PROFILE = """
name = "t"
source = "custom"
kind = "обращение"
{formats}

[columns]
external_id = "N"
received_at = "Created"
answered_at = "Answered"
due_at = "Due"
theme = "Category"
"""


@pytest.fixture(autouse=True)
def salt(monkeypatch):
    monkeypatch.setenv("MCU_SALT", "test-salt")


def run(tmp_path, rows, formats=""):
    """Load a CSV of (N, Created, Answered, Due) rows (category «Roads»); the report and
    {N: (received, answered, due)}."""
    path = tmp_path / "export.csv"
    path.write_text("N,Created,Answered,Due,Category\n" + "\n".join(",".join(r) + ",Roads" for r in rows) + "\n",
                    encoding="utf-8")
    db = tmp_path / f"t{len(list(tmp_path.glob('*.duckdb')))}.duckdb"   # a fresh database each run
    r = load_file(path, profile=Profile.from_toml(PROFILE.format(formats=formats)), db=db)
    if not r.ok:
        return r, {}
    con = duckdb.connect(str(db), read_only=True)
    got = {n: rest for n, *rest in con.execute(
        "SELECT external_id, received_at, answered_at, due_at FROM appeals").fetchall()}
    con.close()
    return r, {k: tuple(v) for k, v in got.items()}


def test_a_single_day_over_12_settles_the_whole_column_day_first(tmp_path):
    r, got = run(tmp_path, [("1", "13/05/2025 10:00", "", ""), ("2", "01/05/2025 10:00", "", "")])
    assert r.ok and got["2"][0] == T(2025, 5, 1, 10)


def test_a_single_day_over_12_settles_the_whole_column_month_first(tmp_path):
    r, got = run(tmp_path, [("1", "05/13/2025 10:00", "", ""), ("2", "01/05/2025 10:00", "", "")])
    assert r.ok and got["2"][0] == T(2025, 1, 5, 10)


def test_a_column_no_value_settles_is_refused_with_examples(tmp_path):
    r, _ = run(tmp_path, [("1", "01/05/2025 10:00", "", ""), ("2", "02/03/2025 11:00", "", "")])
    assert not r.ok
    assert r.message.startswith("В столбце «Created» файла export.csv нельзя понять, что стоит первым — день или "
                                "месяц: например, «01/05/2025 10:00», «02/03/2025 11:00»")
    assert 'date_formats = ["%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y"]' in r.message


def test_a_column_with_both_orders_is_refused(tmp_path):
    r, _ = run(tmp_path, [("1", "13/05/2025 10:00", "", ""), ("2", "05/13/2025 10:00", "", "")])
    assert not r.ok
    assert r.message.startswith("В столбце «Created» файла export.csv даты записаны в двух порядках: "
                                "«13/05/2025 10:00», «05/13/2025 10:00»")


def test_an_unsettled_column_follows_the_files_other_dates(tmp_path):
    # «Answered» alone could be either; «Created» has 13/05, so the file writes the day first.
    r, got = run(tmp_path, [("1", "13/05/2025 10:00", "14/05/2025 10:00", ""),
                            ("2", "01/05/2025 10:00", "02/05/2025 10:00", "")])
    assert r.ok and got["2"][:2] == (T(2025, 5, 1, 10), T(2025, 5, 2, 10))


def test_dotted_and_iso_dates_need_no_decision(tmp_path):
    r, got = run(tmp_path, [("1", "01.05.2025 10:00", "2025-05-02 09:00:00", "")])
    assert r.ok and got["1"][:2] == (T(2025, 5, 1, 10), T(2025, 5, 2, 9))


def test_profile_formats_are_used_alone(tmp_path):
    rows = [("1", "01/05/2025 10:00:00 AM", "", "01/06/2025"), ("2", "01/05/2025 02:30:00 PM", "", "")]
    # With the date-only format named, a bare date is month-first like the rest: 6 January.
    r, got = run(tmp_path, rows, 'date_formats = ["%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y"]')
    assert r.ok and got["1"] == (T(2025, 1, 5, 10), None, T(2025, 1, 6, 23, 59, 59))
    assert got["2"][0] == T(2025, 1, 5, 14, 30)
    # Without it, the bare date is not silently read day-first as 1 June: the row is rejected, said why.
    r, got = run(tmp_path, rows, 'date_formats = ["%m/%d/%Y %I:%M:%S %p"]')
    assert r.ok and list(got) == ["2"]
    assert r.rejects["reason"].to_list() == ["срок не распознан: «01/06/2025» (столбец «Due»)"]


def test_midnight_deadline_is_a_time_when_the_column_has_times(tmp_path):
    rows = [("1", "2025-05-05 09:00", "", "2025-05-12 00:00:00"), ("2", "2025-05-05 09:00", "", "2025-05-12 17:30:00"),
            ("3", "2025-05-05 09:00", "", "2025-05-13")]
    r, got = run(tmp_path, rows)
    # 00:00:00 among times is midnight itself; a cell with no time at all is still a bare date.
    assert [got[n][2] for n in "123"] == [T(2025, 5, 12), T(2025, 5, 12, 17, 30), T(2025, 5, 13, 23, 59, 59)]


def test_midnight_deadline_is_a_bare_date_when_no_deadline_has_a_time(tmp_path):
    # Excel date cells read as «2025-05-12 00:00:00»: a column of nothing but midnights holds dates.
    rows = [("1", "2025-05-05 09:00", "", "2025-05-12 00:00:00"), ("2", "2025-05-05 09:00", "", "2025-05-13 00:00:00")]
    r, got = run(tmp_path, rows)
    assert [got[n][2] for n in "12"] == [T(2025, 5, 12, 23, 59, 59), T(2025, 5, 13, 23, 59, 59)]


def test_skew_tolerance_edges(tmp_path):
    assert Rules.load().skew_tolerance == dt.timedelta(minutes=10)
    rows = [("1", "2025-05-05 09:00:00", "2025-05-05 08:50:00", ""),    # exactly 10 min before: accepted
            ("2", "2025-05-05 09:00:00", "2025-05-05 08:49:59", ""),    # 1 s more: rejected
            ("3", "2025-05-05 09:00:00", "2025-05-05 09:00:00", ""),    # at registration: as is
            ("4", "2025-05-05 09:00:30", "2025-05-05 09:00:01", "")]    # 29 s before, same minute: accepted
    r, got = run(tmp_path, rows)
    assert (r.loaded, r.rejected, r.skewed) == (3, 1, 2)
    assert got["1"][1] == T(2025, 5, 5, 9) and got["4"][1] == T(2025, 5, 5, 9, 0, 30)
    assert r.rejects["reason"].to_list() == ["дата ответа (05.05.2025 08:49) раньше даты регистрации (05.05.2025 09:00)"]


def test_skew_message_shows_seconds_when_the_minutes_agree(tmp_path, monkeypatch):
    strict = load.Deadlines(load.production_calendar(), dataclasses.replace(Rules.load(), skew_tolerance=dt.timedelta(0)))
    monkeypatch.setattr("etl.stage._deadlines", lambda: strict)   # staging checks the skew
    r, _ = run(tmp_path, [("1", "2025-05-05 14:51:40", "2025-05-05 14:51:10", ""),
                          ("2", "2025-05-05 14:52:00", "", "")])
    assert (r.loaded, r.rejected, r.skewed) == (1, 1, 0)
    assert r.rejects["reason"].to_list() == [
        "дата ответа (05.05.2025 14:51:10) раньше даты регистрации (05.05.2025 14:51:40)"]


def test_a_profile_without_identify_finds_its_header_below_a_preamble(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Service requests export\nGenerated 11/02/2025\nN,Created,Answered,Due,Category\n"
                    "1,2025-05-05 09:00,2025-05-06 10:00,,Roads\n", encoding="utf-8")
    profile = Profile.from_toml(PROFILE.format(formats=""))
    assert profile.identify == ()
    r = load_file(path, profile=profile, db=tmp_path / "t.duckdb")
    assert r.ok and r.detection.table.header_row == 3 and (r.rows_read, r.loaded) == (1, 1)


def test_formats_passed_over_for_want_of_colons_could_not_read_the_value():
    """_first_format tries a format only on values with at least its colons. On 40 000 random date-like strings
    (every format the loader knows, broken ones, stray colons, spaces and letters) each value is read exactly as by
    trying every format in order, as it was done before."""
    import random

    from etl.normalise import DOTTED_FORMATS, ISO_FORMATS, SLASH_FORMATS, _first_format
    rnd = random.Random(13)
    parts = ["26", "6", "11", "1", "2024", "24", "15", "34", "59", "07", "00", "99", "AM", "PM", ".123456", "T", "г.",
             ".", ".", ":", ":", "-", "-", "/", "/", " ", " ", "  ", "x", ""]
    values = ["".join(rnd.choices(parts, k=rnd.randint(1, 12))) for _ in range(30000)]
    moment = dt.datetime(2020, 1, 1)
    for _ in range(10000):
        moment += dt.timedelta(minutes=rnd.randint(1, 5000), seconds=rnd.randint(0, 59))
        fmt = rnd.choice([*DOTTED_FORMATS, *ISO_FORMATS, *SLASH_FORMATS["day"], *SLASH_FORMATS["month"]])
        values.append(moment.strftime(fmt.replace("%.f", ".%f")))
    values += [None, "", "45000", "45000,5"]
    s = pl.Series("v", values)
    for tried in ((*DOTTED_FORMATS, *ISO_FORMATS, *SLASH_FORMATS["day"]), (*ISO_FORMATS, *SLASH_FORMATS["month"])):
        expected = pl.Series("v", [None] * len(s), dtype=pl.Datetime("us"))
        for f in tried:       # every format on every value not read yet, in order: as before
            got = s.str.to_datetime(f, strict=False, time_unit="us")
            expected = expected.fill_null(got)
        # (a number is read as an Excel serial day after the formats, the same way in both)
        text = s.str.replace(",", ".").cast(pl.Float64, strict=False).is_null()
        assert _first_format(s, tried).filter(text).to_list() == expected.filter(text).to_list()
        assert expected.filter(text).is_not_null().sum() > 5000   # (8 500 and more)
