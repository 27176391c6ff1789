"""A non-Russian export, right to the row (issue 8): tests/fixtures/exports/city311_requests.csv — English
headers, month-first AM/PM dates, closings a little before openings, empty deadlines meaning "none", the
system's own on-time flag among columns no field maps — loaded with a custom profile (city311.toml).

Figures are counted by hand from the rows written out in tests/fixtures/exports/city311.py (numbers below
are the «SR-00NN» request numbers).
"""
import datetime as dt
import json
import os
from pathlib import Path

import pytest

from conftest import copy_reference
from conftest import fetch as sql
from etl.load import load_file
from etl.review import NEW, apply_choices
from etl.profile import Profile
from mcu.query import run_query

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "exports"
CSV, PROFILE = FIX / "city311_requests.csv", FIX / "city311.toml"
T = dt.datetime
# The latest event in the file: SR-0031 closed 11/01/2025 09:30 PM, twelve days after the last request
# arrived (SR-0027, 10/20/2025 04:30 PM).
STATE = dt.date(2025, 11, 1)
ALL = dict(sources=[], themes=[], settlements=[], executors=[], municipalities=[])
WHOLE = dict(date_from=dt.date(2025, 9, 1), date_to=STATE, prev_from=dt.date(2025, 7, 1),
             prev_to=dt.date(2025, 8, 31))


@pytest.fixture(autouse=True)
def salt(monkeypatch):
    monkeypatch.setenv("MCU_SALT", "test-salt")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    os.environ.setdefault("MCU_SALT", "test-salt")
    db = tmp_path_factory.mktemp("city311") / "city.duckdb"
    report = load_file(CSV, profile=PROFILE, db=db)
    # The places are new to the reference: they wait until the curator accepts them, as on the upload page.
    reference = copy_reference(tmp_path_factory.mktemp("reference"))
    old = os.environ.get("MCU_REFERENCE")
    os.environ["MCU_REFERENCE"] = str(reference)
    try:
        apply_choices({("settlement", place): NEW for place in ("Downtown", "Riverside", "Hillcrest")}, db=db)
    finally:
        os.environ.pop("MCU_REFERENCE") if old is None else os.environ.__setitem__("MCU_REFERENCE", old)
    return report, db


def kpis(db, as_of=STATE, **flt):
    df = run_query("deadlines_kpis", db=db, **WHOLE, **(ALL | flt), as_of=as_of)
    return df.row(0, named=True)


def test_every_row_accounted_skew_within_tolerance_counted(loaded):
    r, db = loaded
    # 40 rows: SR-0021 (closed 10 min 1 s before opening) and SR-0022 (a day before) rejected; SR-0018
    # (30 s before), SR-0019 (exactly 10 min) and SR-0020 (9 min 59 s) accepted as closed at registration.
    assert (r.rows_read, r.loaded, r.updated, r.duplicate, r.rejected, r.skewed) == (40, 38, 0, 0, 2, 3)
    assert sql(db, "SELECT source_row, reason FROM import_rejects ORDER BY 1") == [
        (22, "дата ответа (10.10.2025 10:49) раньше даты регистрации (10.10.2025 11:00)"),
        (23, "дата ответа (12.10.2025 09:00) раньше даты регистрации (13.10.2025 09:00)"),
    ]
    assert sql(db, "SELECT external_id, received_at, answered_at, closed_at FROM appeals "
                   "WHERE external_id IN ('SR-0018', 'SR-0019', 'SR-0020') ORDER BY 1") == [
        ("SR-0018", T(2025, 10, 9, 14, 51, 40), T(2025, 10, 9, 14, 51, 40), T(2025, 10, 9, 14, 51, 40)),
        ("SR-0019", T(2025, 10, 9, 15), T(2025, 10, 9, 15), T(2025, 10, 9, 15)),
        ("SR-0020", T(2025, 10, 10, 11), T(2025, 10, 10, 11), T(2025, 10, 10, 11)),
    ]
    assert "ответ раньше регистрации в пределах допуска: строк — 3" in sql(db, "SELECT message FROM import_log")[0][0]


def test_month_first_am_pm_dates_and_deadlines(loaded):
    _, db = loaded
    got = dict((r[0], r[1:]) for r in sql(db, "SELECT external_id, received_at, answered_at, due_at FROM appeals"))
    assert got["SR-0002"] == (T(2025, 10, 1, 10, 30), T(2025, 10, 2, 16, 15), T(2025, 10, 8, 10, 30))
    # 12:00:00 AM in a column with times is midnight itself: SR-0012 answered at 9 AM is 9 hours late.
    assert got["SR-0012"][2] == T(2025, 10, 10, 0, 0)
    # A date-only deadline, month first: 9 October, lasting to the end of the day.
    assert got["SR-0013"][2] == T(2025, 10, 9, 23, 59, 59)
    # Empty «Due Date» under [deadline] if_empty = "none": no deadline invented.
    assert [k for k, v in sorted(got.items()) if v[2] is None] == ["SR-0014", "SR-0015", "SR-0016", "SR-0017",
                                                                   "SR-0020", "SR-0032", "SR-0037"]


def test_state_date_is_the_latest_event_not_the_last_request(loaded):
    _, db = loaded
    bounds = run_query("data_bounds", db=db).row(0, named=True)
    assert (bounds["first_day"], bounds["last_day"], bounds["appeals"], bounds["state_day"]) == (
        dt.date(2025, 9, 25), dt.date(2025, 10, 20), 38, STATE)


def test_figures_counted_by_hand(loaded):
    _, db = loaded
    k = kpis(db)
    # Open: the file's own open requests (Status Open/Assigned) — SR-0016, 17, 23, 24, 25, 26, 27.
    assert k["open"] == 7
    # Open past the deadline by the end of 01.11: SR-0023 (due 21.10), SR-0024 (22.10), SR-0027 (01.11 5 PM);
    # SR-0016/17 have no deadline, SR-0025/26 are due later.
    assert k["overdue_open"] == 3
    # Answered late: SR-0009, 10, 11, 12 (midnight deadline), 28, 31, 39; SR-0029 answered at its deadline
    # exactly is on time.
    assert k["answered_late"] == 7
    # On time: 1–8, 13, 18, 19, 29, 30, 34, 35, 36, 38, 40 (with a deadline); the cancelled SR-0033 is neither.
    assert (k["on_time"], k["decided"]) == (18, 28)
    # «Now» taken as the last request's day would hide the 7 closings after 20.10 and show 14 open.
    assert kpis(db, as_of=dt.date(2025, 10, 20))["open"] == 14


def test_by_place_counted_by_hand(loaded):
    _, db = loaded
    ids = dict(sql(db, "SELECT name, settlement_id FROM settlements WHERE name IN ('Downtown', 'Riverside', 'Hillcrest')"))
    top = run_query("top_settlements", db=db, **WHOLE, **ALL, limit=10)
    assert sorted(zip(top["settlement"], top["appeals"])) == [("Downtown", 13), ("Hillcrest", 12), ("Riverside", 13)]
    got = {name: (k["open"], k["overdue_open"], k["answered_late"])
           for name, sid in ids.items() for k in [kpis(db, settlements=[sid])]}
    assert got == {
        "Downtown": (2, 1, 2),    # open 23, 26; overdue open 23; late 9, 12
        "Riverside": (3, 2, 2),   # open 16, 24, 27; overdue open 24, 27; late 10, 39
        "Hillcrest": (2, 0, 3),   # open 17, 25; late 11, 28, 31
    }


def test_the_files_own_on_time_flag_agrees_with_ours(loaded):
    _, db = loaded
    rows = sql(db, """SELECT external_id, extra, answered_late FROM appeals_x
                      WHERE status = 'closed' ORDER BY external_id""")
    theirs = {n: json.loads(extra)["On Time"] for n, extra, _ in rows}
    ours = {n: "OVERDUE" if late else "ONTIME" for n, _, late in rows}
    assert len(rows) == 30 and theirs == ours
    assert sorted(n for n, v in theirs.items() if v == "OVERDUE") == [
        "SR-0009", "SR-0010", "SR-0011", "SR-0012", "SR-0028", "SR-0031", "SR-0039"]


def test_unmapped_columns_kept_masked_personal_ones_withheld(loaded):
    _, db = loaded
    extra, text = sql(db, "SELECT extra, text FROM appeals WHERE external_id = 'SR-0016'")[0]
    # No on-time flag in an open request's row: an empty cell is not kept.
    assert json.loads(extra) == {"Department": "Parks", "Source": "App"}
    assert "Reporter Phone" not in sql(db, "SELECT string_agg(extra, '') FROM appeals")[0][0]
    assert text == "Graffiti reported by resident, write to [email]"
    listed = run_query("appeals_list", db=db, date_from=WHOLE["date_from"], date_to=STATE, **ALL, as_of=STATE,
                       theme=None, subtheme=None, settlement=None, limit=1, offset=0)
    assert listed.select("number", "extra").row(0) == (
        "SR-0027", '{"Department":"Public Works","Source":"Phone"}')


def test_reload_changes_nothing(loaded, tmp_path):
    _, db = loaded
    copy = tmp_path / "again.duckdb"
    copy.write_bytes(db.read_bytes())
    r = load_file(CSV, profile=PROFILE, db=copy)
    assert (r.rows_read, r.loaded, r.updated, r.duplicate, r.rejected) == (40, 0, 0, 38, 2)


# --- the deadline policy of the profile, at its edges ------------------------------------------------

def _with_policy(tmp_path, policy: str):
    text = PROFILE.read_text(encoding="utf-8").replace('[deadline]\nif_empty = "none"', policy)
    db = tmp_path / "policy.duckdb"
    r = load_file(CSV, profile=Profile.from_toml(text), db=db)
    assert r.ok, r.message
    return db


def test_policy_channel_invents_the_59fz_deadline(tmp_path):
    db = _with_policy(tmp_path, '[deadline]\nif_empty = "channel"')
    # custom / обращение: 30 calendar days, moved off days off. SR-0014 (01.10 → 31.10, answered 01.11) late;
    # SR-0016 (25.09 → 27.10) and SR-0017 (26.09 → 27.10) overdue open.
    k = kpis(db)
    assert (k["overdue_open"], k["answered_late"]) == (5, 8)
    assert sql(db, "SELECT due_at FROM appeals WHERE external_id = 'SR-0016'") == [(T(2025, 10, 27, 23, 59, 59),)]


def test_policy_named_rule(tmp_path):
    db = _with_policy(tmp_path, '[deadline]\nif_empty = "rule"\nrule = "pos_message"')
    # 10 working days after Wed 01.10.2025: 02, 03, 06–10, 13, 14, 15 → 15.10 end of day.
    assert sql(db, "SELECT due_at FROM appeals WHERE external_id = 'SR-0014'") == [(T(2025, 10, 15, 23, 59, 59),)]


def test_policy_own_rule(tmp_path):
    db = _with_policy(tmp_path, '[deadline]\nif_empty = "own"\nvalue = 1\nunit = "calendar_days"')
    # One day: SR-0014, 15, 32, 37 answered late; SR-0020 (answered at registration) on time; 16, 17 overdue.
    k = kpis(db)
    assert (k["overdue_open"], k["answered_late"]) == (5, 11)
    assert sql(db, "SELECT due_at FROM appeals WHERE external_id = 'SR-0017'") == [(T(2025, 9, 29, 23, 59, 59),)]
    # A deadline the file gives is never replaced by the policy.
    assert sql(db, "SELECT due_at FROM appeals WHERE external_id = 'SR-0001'") == [(T(2025, 10, 8, 9),)]


@pytest.mark.parametrize("policy, says", [
    ('[deadline]\nif_empty = "never"', "if_empty = «never»"),
    ('[deadline]\nif_empty = "rule"\nrule = "nope"', "rule = «nope» — такого правила нет"),
    ('[deadline]\nif_empty = "own"\nvalue = 0\nunit = "working_days"', "value — целое число больше нуля"),
    ('[deadline]\nif_empty = "own"\nvalue = 3\nunit = "weeks"', "unit — calendar_days, working_days, working_hours"),
    ('[deadline]\nwhen_empty = "none"', "неизвестные ключи: when_empty"),
])
def test_policy_mistakes_are_named(policy, says):
    from etl.profile import ProfileError
    text = PROFILE.read_text(encoding="utf-8").replace('[deadline]\nif_empty = "none"', policy)
    with pytest.raises(ProfileError, match=says.replace("(", r"\(")):
        Profile.from_toml(text)
