"""Exact figures of the monitoring queries (Сроки, Исполнители, Удовлетворённость, growth factors).

The fixture is built by hand so every figure can be checked with a pencil. Two windows:

* May 2026. Current period C = 27.04–08.05.2026 as of Fri 08.05; previous P = 15.04–26.04.2026, taken as
  of its own last day, Sun 26.04. Days off: 01–03.05, 09–11.05 (11.05 is a transferred holiday) and
  weekends. calendar.work_idx: 15.04 = 2785 … 24.04 (Fri) = 2792 = 25–26.04, 27.04 = 2793, 28.04 = 2794,
  29.04 = 2795, 30.04 = 2796 = 01–03.05, 04.05 = 2797, 05.05 = 2798, 06.05 = 2799, 07.05 = 2800,
  08.05 = 2801 = 09–11.05, 12.05 = 2802, 13.05 = 2803, 14.05 = 2804.
  As of 08.05 the next two working days are 12.05 and 13.05: "at risk" = due 09.05–13.05.
* New Year 2026 (29.12.2025–13.01.2026): 31.12.2025–11.01.2026 are days off; work_idx 29.12 = 2718,
  30.12 = 2719 = 31.12 … 11.01, 12.01 = 2720, 13.01 = 2721. Used for response times.

Executors: mup_zhkh «МУП «Аскизское ЖКХ»», dor_otdel «Отдел дорожного хозяйства и транспорта»,
upr_obr «Управление образования», tko_operator «Региональный оператор по обращению с ТКО».
"""
import datetime as dt

import polars as pl
import pytest

from etl.calendar import production_calendar
from etl.deadlines import Deadlines, Rules
from mcu.query import run_query

EOD = "23:59:59"
MUP, DOR, OBR, TKO = "МУП «Аскизское ЖКХ»", "Отдел дорожного хозяйства и транспорта", "Управление образования", \
    "Региональный оператор по обращению с ТКО"


def rule_due(source: str, kind: str, received: str, extended: bool = False) -> dt.datetime:
    """The due date deadlines.toml and the production calendar give (as the ETL computes it)."""
    df = pl.DataFrame({"source": [source], "kind": [kind], "received_at": [dt.datetime.fromisoformat(received)],
                       "extended": [extended]})
    return Deadlines(production_calendar(), Rules.load()).due_at(df)[0]


def A(ext, received, executor, theme, settlement="askiz", due=None, answered=None, status=None, **kw):
    """One appeal row; status follows the answer unless given."""
    status = status or ("answered" if answered else "in_progress")
    return {"external_id": ext, "received_at": received, "executor_id": executor, "theme": theme,
            "settlement_id": settlement, "due_at": due, "answered_at": answered, "status": status, **kw}


def rows() -> list[dict]:
    return [
        # ---- current period C, as of 08.05.2026 ----
        # c1: open, overdue since 06.05 → 2801 − 2799 = 2 working days; age 11. A repeat by the rule: x1 has
        # the same settlement + subtheme + address exactly 90 days earlier.
        A("c1", "2026-04-27 10:00", "mup_zhkh", "ЖКХ", due=f"2026-05-06 {EOD}", subtheme="Отопление",
          address="ул. Ленина, 1"),
        # c2: open, overdue since 30.04 → 2801 − 2796 = 5; age 11. Not a repeat: x2 (same address) is 91 days
        # earlier, p3 (same subtheme) has another address.
        A("c2", "2026-04-27 12:00", "dor_otdel", "Дороги", "kyzlas", due=f"2026-04-30 {EOD}", subtheme="Ямы",
          address="ул. Мира, 5"),
        # c3: open, at risk (due 12.05: 2802 − 2801 = 1 working day left); age 2; repeat of c1 (same address,
        # case and spaces differ).
        A("c3", "2026-05-06 12:00", "mup_zhkh", "ЖКХ", due=f"2026-05-12 {EOD}", subtheme="Отопление",
          address="  УЛ. ЛЕНИНА, 1 "),
        # c4: open, at risk (13.05 17:00: 2 left); age 1; no address → repeat of c2 by settlement + subtheme.
        A("c4", "2026-05-07 09:00", "dor_otdel", "Дороги", "kyzlas", due="2026-05-13 17:00", subtheme="Ямы"),
        # c5: open, due 14.05 = 3 working days left → not at risk; age 0.
        A("c5", "2026-05-08 10:00", "upr_obr", "Образование", due=f"2026-05-14 {EOD}", status="new"),
        # c6: open, due on Sunday 10.05 (work_idx 2801 = as_of's): not overdue yet, at risk, 0 working days left; age 8.
        A("c6", "2026-04-30 10:00", "mup_zhkh", "ЖКХ", "kyzlas", due=f"2026-05-10 {EOD}"),
        # c7: answered on time; response 2798 − 2793 = 5 working days; solved; rated 5, satisfied.
        A("c7", "2026-04-27 11:00", "mup_zhkh", "ЖКХ", due=f"2026-05-12 {EOD}", answered="2026-05-05 15:00",
          status="closed", solvable=True, result="решено", rating=5, satisfied=True),
        # c8: answered late (due 30.04, answered 04.05: 2797 − 2796 = 1 working day late); response 2797 − 2794
        # = 3; explained; rated 2, not satisfied.
        A("c8", "2026-04-28 10:00", "mup_zhkh", "ЖКХ", due=f"2026-04-30 {EOD}", answered="2026-05-04 10:00",
          solvable=True, result="разъяснено", rating=2, satisfied=False),
        # c9: a letter with an extension: 30 + 30 calendar days → Sun 28.06 → Mon 29.06 (rule); answered on
        # time; response 2800 − 2795 = 5; solved; not rated.
        A("c9", "2026-04-29 10:00", "dor_otdel", "Дороги", "kyzlas", source="letters", kind="обращение",
          extended=True, due=rule_due("letters", "обращение", "2026-04-29 10:00", extended=True),
          answered="2026-05-07 12:00", solvable=True, result="решено"),
        # c10: an ИМ incident: 8 working hours from Thu 16:00 → Fri 08.05 16:00 (rule); answered Fri 15:00 = 7
        # working hours, 2801 − 2800 = 1 working day; satisfied without a score; not solvable.
        A("c10", "2026-05-07 16:00", "upr_obr", "Образование", source="im", kind="инцидент",
          due=rule_due("im", "инцидент", "2026-05-07 16:00"), answered="2026-05-08 15:00", solvable=False,
          result="разъяснено", satisfied=True),
        # c11: rejected by moderation: no deadline, neither open nor overdue.
        A("c11", "2026-04-29 10:00", "upr_obr", "Образование", due=f"2026-04-30 {EOD}", status="rejected"),
        # c12: open with no due date: open, never overdue or at risk; age 4.
        A("c12", "2026-05-04 10:00", "upr_obr", "Образование"),
        # c13: answered on time, 2799 − 2798 = 1 working day; solved; rated 4; flagged as a repeat by the source.
        A("c13", "2026-05-05 10:00", "tko_operator", "ТКО (мусор)", "kyzlas", due=f"2026-05-15 {EOD}",
          answered="2026-05-06 10:00", solvable=True, result="решено", rating=4, satisfied=True, is_repeat=True),
        # c14: no executor; open, due 18.05 (5 working days left); age 2.
        A("c14", "2026-05-06 10:00", None, "Прочее", due=f"2026-05-18 {EOD}"),
        # ---- previous period P, as of Sun 26.04.2026 (work_idx 2792) ----
        # p1: on time (due 22.04, answered 21.04); response 2789 − 2785 = 4; solved; rated 4, satisfied.
        A("p1", "2026-04-15 10:00", "mup_zhkh", "ЖКХ", due=f"2026-04-22 {EOD}", answered="2026-04-21 10:00",
          solvable=True, result="решено", rating=4, satisfied=True, subtheme="Отопление", address="ул. Ленина, 3"),
        # p2: answered only on 29.04, after P ended: as of 26.04 open and overdue (due 23.04).
        A("p2", "2026-04-16 10:00", "mup_zhkh", "ЖКХ", due=f"2026-04-23 {EOD}", answered="2026-04-29 10:00",
          status="closed", solvable=True, result="решено", rating=1, satisfied=False),
        # p3: on time; response 2792 − 2788 = 4; explained; rated 3, not satisfied.
        A("p3", "2026-04-20 10:00", "dor_otdel", "Дороги", "kyzlas", due=f"2026-04-28 {EOD}",
          answered="2026-04-24 10:00", solvable=True, result="разъяснено", rating=3, satisfied=False,
          subtheme="Ямы", address="ул. Садовая, 2"),
        # p4: never answered; as of 26.04 at risk (due Mon 27.04 17:00: 2793 − 2792 = 1 left).
        A("p4", "2026-04-24 10:00", "dor_otdel", "Дороги", "kyzlas", due="2026-04-27 17:00"),
        # p5: on time; response 2791 − 2790 = 1.
        A("p5", "2026-04-22 10:00", "upr_obr", "Образование", due=f"2026-05-06 {EOD}", answered="2026-04-23 10:00"),
        # p6: received on Saturday, answered 27.04: open as of 26.04, due 08.05 → not at risk.
        A("p6", "2026-04-25 10:00", "mup_zhkh", "ЖКХ", "kyzlas", due=f"2026-05-08 {EOD}",
          answered="2026-04-27 10:00"),
        # p7: on time (answered 24.04 18:00, due that day); response 2792 − 2789 = 3.
        A("p7", "2026-04-21 10:00", "dor_otdel", "Дороги", due=f"2026-04-24 {EOD}", answered="2026-04-24 18:00"),
        # ---- the 90-day repeat boundary ----
        A("x1", "2026-01-27 10:00", "mup_zhkh", "ЖКХ", subtheme="Отопление", address="ул. Ленина, 1"),
        A("x2", "2026-01-26 10:00", "dor_otdel", "Дороги", "kyzlas", subtheme="Ямы", address="ул. Мира, 5"),
        # ---- New Year window: response times across 31.12.2025–11.01.2026 ----
        # Letters, working days after the day of receipt: n1 2720 − 2719 = 1, n2 2721 − 2718 = 3,
        # n3 (received on a holiday, work_idx 2719) 2720 − 2719 = 1.
        A("n1", "2025-12-30 10:00", "upr_obr", "Образование", source="letters", kind="обращение",
          answered="2026-01-12 10:00"),
        A("n2", "2025-12-29 10:00", "upr_obr", "Образование", source="letters", kind="обращение",
          answered="2026-01-13 10:00"),
        A("n3", "2026-01-05 12:00", "upr_obr", "Культура", source="letters", kind="обращение",
          answered="2026-01-12 12:00"),
        # ИМ, working hours 9–17: n4 Tue 30.12 16:00 → Mon 12.01 10:00 = 1 + 1 = 2 h (due by rule 12.01 16:00);
        # n5 received on a holiday → 12.01 13:00 = 4 h; n6 12.01 08:00 → 18:00 = the whole day, 8 h;
        # n7 12.01 16:30 → 13.01 09:15 = 0,5 + 0,25 = 0,75 h.
        A("n4", "2025-12-30 16:00", "dor_otdel", "Дороги", "kyzlas", source="im", kind="инцидент",
          due=rule_due("im", "инцидент", "2025-12-30 16:00"), answered="2026-01-12 10:00"),
        A("n5", "2026-01-03 11:00", "dor_otdel", "Дороги", "kyzlas", source="im", kind="инцидент",
          answered="2026-01-12 13:00"),
        A("n6", "2026-01-12 08:00", "dor_otdel", "Дороги", "kyzlas", source="im", kind="инцидент",
          answered="2026-01-12 18:00"),
        A("n7", "2026-01-12 16:30", "dor_otdel", "Дороги", "kyzlas", source="im", kind="инцидент",
          answered="2026-01-13 09:15"),
    ]


ALL = {"sources": [], "themes": [], "settlements": [], "executors": [], "municipalities": []}
C = {"date_from": dt.date(2026, 4, 27), "date_to": dt.date(2026, 5, 8)} | ALL
P = {"prev_from": dt.date(2026, 4, 15), "prev_to": dt.date(2026, 4, 26)}
AS_OF = dt.date(2026, 5, 8)
NY = {"date_from": dt.date(2025, 12, 29), "date_to": dt.date(2026, 1, 13)} | ALL
WORKDAY = {"work_start_hour": 9, "work_day_hours": 8}
# Test weights (not the shipped setting, so a change of the setting does not change these figures).
SCORE = {"w_on_time": 0.4, "w_speed": 0.2, "w_solved": 0.2, "w_satisfied": 0.1, "w_no_repeat": 0.1,
         "speed_limit_days": 10.0, "min_items": 3}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from tests.conftest import build_db

    return build_db(tmp_path_factory.mktemp("monitoring") / "fx.duckdb", rows())


def q(db, name, **params):
    return run_query(name, db=db, **params)


def records(df: pl.DataFrame, *cols) -> list[tuple]:
    return [tuple(round(v, 4) if isinstance(v, float) else v for v in r) for r in df.select(cols).iter_rows()]


def test_rule_due_dates_cross_days_off():
    # Extended letter: 29.04 + 60 days = Sun 28.06 → next working day.
    assert rule_due("letters", "обращение", "2026-04-29 10:00", extended=True) == dt.datetime(2026, 6, 29, 23, 59, 59)
    # ИМ: 1 h on 30.12.2025, then the holidays, then 7 h on 12.01.2026.
    assert rule_due("im", "инцидент", "2025-12-30 16:00") == dt.datetime(2026, 1, 12, 16, 0)
    assert rule_due("im", "инцидент", "2026-05-07 16:00") == dt.datetime(2026, 5, 8, 16, 0)


def test_deadlines_kpis(db):
    df = q(db, "deadlines_kpis", **C, **P, as_of=AS_OF)
    cols = ("period", "appeals", "open", "overdue_open", "answered_late", "at_risk", "decided", "on_time",
            "on_time_share")
    # C: open c1 c2 c3 c4 c5 c6 c12 c14; overdue open c1 c2; late c8; at risk c3 c4 c6;
    #    decided = on time c7 c9 c10 c13 + overdue c1 c2 c8 = 7 → 4/7.
    # P as of 26.04: open p2 p4 p6; overdue open p2; at risk p4; decided p1 p3 p5 p7 (on time) + p2 → 4/5.
    assert records(df, *cols) == [
        ("current", 14, 8, 2, 1, 3, 7, 4, round(4 / 7, 4)),
        ("previous", 7, 3, 1, 0, 1, 5, 4, 0.8),
    ]


def test_deadlines_items_lists(db):
    lists = {name: q(db, "deadlines_items", **C, as_of=AS_OF, list=name, executor=None)
             for name in ("overdue_open", "at_risk", "overdue")}
    assert records(lists["overdue_open"], "external_id", "overdue_work_days") == [("c2", 5), ("c1", 2)]
    assert records(lists["at_risk"], "external_id", "work_days_left") == [("c6", 0), ("c3", 1), ("c4", 2)]
    assert lists["overdue"]["external_id"].to_list() == ["c2", "c8", "c1"]
    # The executor drill-down: every overdue item of МУП, the late answer included (1 working day late).
    mup = q(db, "deadlines_items", **C, as_of=AS_OF, list="overdue", executor="mup_zhkh")
    assert records(mup, "external_id", "overdue_work_days", "executor") == [("c8", 1, MUP), ("c1", 2, MUP)]
    assert mup["answered_at"].to_list() == [dt.datetime(2026, 5, 4, 10), None]
    # Управление образования has nothing overdue: the rejected c11 carries no deadline.
    assert q(db, "deadlines_items", **C, as_of=AS_OF, list="overdue", executor="upr_obr").height == 0


def test_deadlines_breakdown(db):
    cols = ("grp", "appeals", "open", "overdue_open", "at_risk", "answered_late", "on_time_share")
    by_exec = q(db, "deadlines_breakdown", **C, as_of=AS_OF, dim="executor")
    assert records(by_exec, *cols) == [
        (MUP, 5, 3, 1, 2, 1, round(1 / 3, 4)),
        (DOR, 3, 2, 1, 1, 0, 0.5),
        ("Исполнитель не указан", 1, 1, 0, 0, 0, None),
        (TKO, 1, 0, 0, 0, 0, 1.0),
        (OBR, 4, 2, 0, 0, 0, 1.0),
    ]
    by_theme = q(db, "deadlines_breakdown", **C, as_of=AS_OF, dim="theme")
    assert by_theme["grp"].to_list() == ["ЖКХ", "Дороги", "Образование", "Прочее", "ТКО (мусор)"]
    # A filter narrows the set: only kyzlas → c2 c4 c6 c9 c13.
    kyz = q(db, "deadlines_breakdown", **(C | {"settlements": ["kyzlas"]}), as_of=AS_OF, dim="theme")
    assert records(kyz, "grp", "appeals", "overdue_open", "at_risk") == [
        ("Дороги", 2 + 1, 1, 1), ("ЖКХ", 1, 0, 1), ("ТКО (мусор)", 1, 0, 0)]


def test_deadlines_aging(db):
    df = q(db, "deadlines_aging", **C, as_of=AS_OF)
    # Open items by calendar age on 08.05: c5 0, c4 1, c3 2, c14 2 | c12 4, c6 8 | c1 11, c2 11 (both overdue).
    assert records(df, "bucket", "open", "overdue_open") == [
        ("0–3 дня", 4, 0), ("4–10 дней", 2, 0), ("11–30 дней", 2, 2), ("более 30 дней", 0, 0)]


def test_deadlines_response_new_year(db):
    df = q(db, "deadlines_response", **NY, as_of=dt.date(2026, 1, 13), **WORKDAY)
    cols = ("channel", "theme", "unit", "answered", "median", "p90")
    # ИМ hours [0.75, 2, 4, 8]: median (2 + 4) / 2 = 3; p90 at 2.7 → 4 + 0.7 × 4 = 6.8.
    # Letters days [1, 3, 1]: median 1; p90 at 1.8 → 1 + 0.8 × 2 = 2.6; Образование [1, 3]: 2 and 2.8.
    assert records(df, *cols) == [
        ("Инцидент Менеджмент", "Все темы", "рабочие часы", 4, 3.0, 6.8),
        ("Инцидент Менеджмент", "Дороги", "рабочие часы", 4, 3.0, 6.8),
        ("Письменные обращения (59-ФЗ)", "Все темы", "рабочие дни", 3, 1.0, 2.6),
        ("Письменные обращения (59-ФЗ)", "Образование", "рабочие дни", 2, 2.0, 2.8),
        ("Письменные обращения (59-ФЗ)", "Культура", "рабочие дни", 1, 1.0, 1.0),
    ]


def test_deadlines_response_may(db):
    df = q(db, "deadlines_response", **C, as_of=AS_OF, **WORKDAY)
    # ПОС days: c13 1, c8 3, c7 5 → median 3, p90 3 + 0.8 × 2 = 4.6; ЖКХ [3, 5] → 4 and 4.8. ИМ c10: 7 h.
    assert records(df, "channel", "theme", "answered", "median", "p90") == [
        ("ПОС «Решаем вместе»", "Все темы", 3, 3.0, 4.6),
        ("ПОС «Решаем вместе»", "ЖКХ", 2, 4.0, 4.8),
        ("ПОС «Решаем вместе»", "ТКО (мусор)", 1, 1.0, 1.0),
        ("Инцидент Менеджмент", "Все темы", 1, 7.0, 7.0),
        ("Инцидент Менеджмент", "Образование", 1, 7.0, 7.0),
        ("Письменные обращения (59-ФЗ)", "Все темы", 1, 5.0, 5.0),
        ("Письменные обращения (59-ФЗ)", "Дороги", 1, 5.0, 5.0),
    ]


def test_executors_rating(db):
    df = q(db, "executors_rating", **C, **P, as_of=AS_OF, **SCORE)
    cols = ("executor", "ranked", "rank", "prev_rank", "rank_change", "score", "appeals", "on_time_share",
            "median_response", "solved_share", "satisfied_share", "repeat_share")
    # Score = 100 × Σ w·x / Σ w over the components present (weights 0.4 / 0.2 / 0.2 / 0.1 / 0.1, speed limit 10):
    # Образование: on time 1/1, speed 1 − 1/10 = 0.9, solved —, satisfied 1, no repeat 1
    #   → (0.4 + 0.18 + 0.1 + 0.1) / 0.8 = 97.5
    # Дороги: on time 1/2, speed 1 − 5/10 = 0.5, solved 1/1, satisfied —, repeats c4 → 1 − 1/3
    #   → (0.2 + 0.1 + 0.2 + 0.0667) / 0.9 = 62.96 → 63.0
    # МУП: on time 1/3 (c7 of c1 c7 c8), speed 1 − 4/10 (median of 5 and 3), solved 1/2, satisfied 1/2,
    #   repeats c1 c3 → 1 − 2/5 → 0.1333 + 0.12 + 0.1 + 0.05 + 0.06 = 46.3
    # P (as of 26.04, min 3): МУП 1/2, 1 − 4/10, 1/1, 1/1, 1 → 72.0 (rank 1); Дороги 2/2, 1 − 3.5/10, 0/1, 0/1,
    #   1 → 63.0 (rank 2); Образование 1 item → not ranked then.
    # ТКО and the item without an executor have 1 appeal < 3: listed apart, no rank.
    assert records(df, *cols) == [
        (OBR, True, 1, None, None, 97.5, 4, 1.0, 1.0, None, 1.0, 0.0),
        (DOR, True, 2, 2, 0, 63.0, 3, 0.5, 5.0, 1.0, None, round(1 / 3, 4)),
        (MUP, True, 3, 1, -2, 46.3, 5, round(1 / 3, 4), 4.0, 0.5, 0.5, 0.4),
        ("Исполнитель не указан", False, None, None, None, 100.0, 1, None, None, None, None, 0.0),
        (TKO, False, None, None, None, 88.0, 1, 1.0, 1.0, 1.0, 1.0, 1.0),
    ]
    # Образование had 1 appeal in P, under the minimum: an executor already working then, not «новый».
    assert df["rank_move"].to_list() == ["не было в рейтинге", "без изменений", "↓ 2", None, None]
    assert records(df, "executor_id", "overdue", "overdue_open")[:3] == [("upr_obr", 0, 0), ("dor_otdel", 1, 1),
                                                                       ("mup_zhkh", 2, 1)]


def test_executors_rating_weights_and_minimum_are_parameters(db):
    # Only timeliness counts, minimum 5 items: МУП (5 items) is the only one ranked.
    only_time = SCORE | {"w_speed": 0.0, "w_solved": 0.0, "w_satisfied": 0.0, "w_no_repeat": 0.0, "min_items": 5}
    df = q(db, "executors_rating", **C, **P, as_of=AS_OF, **only_time)
    assert records(df, "executor", "ranked", "rank", "score")[:2] == [(MUP, True, 1, 33.3), (OBR, False, None, 100.0)]


def test_satisfaction_kpis(db):
    df = q(db, "satisfaction_kpis", **C, **P, as_of=AS_OF)
    cols = ("period", "appeals", "rated", "satisfied_share", "scored", "mean_rating", "solvable_answered",
            "solved_share", "explained_share", "repeats", "repeat_share")
    # C: rated c7 c8 c10 c13 (3 satisfied); scores 5, 2, 4; solvable answered c7 c8 c9 c13 (3 solved, c8
    #    explained); repeats c1 c3 c4 (rule) + c13 (flag).
    # P as of 26.04 (p2's answer and rating are not known yet): rated p1 p3; scores 4, 3; solvable p1 p3.
    assert records(df, *cols) == [
        ("current", 14, 4, 0.75, 3, 3.67, 4, 0.75, 0.25, 4, round(4 / 14, 4)),
        ("previous", 7, 2, 0.5, 2, 3.5, 2, 0.5, 0.5, 0, 0.0),
    ]


def test_satisfaction_trend(db):
    overall = q(db, "satisfaction_trend", **C, as_of=AS_OF, dim="all", top=None)
    cols = ("month", "grp", "appeals", "rated", "satisfied_share", "scored", "mean_rating")
    # April: c1 c2 c6 c7 c8 c9 c11 (rated c7 ✓, c8 ✗); May: c3 c4 c5 c10 c12 c13 c14 (rated c10 ✓, c13 ✓).
    assert records(overall, *cols) == [
        (dt.date(2026, 4, 1), "Все обращения", 7, 2, 0.5, 2, 3.5),
        (dt.date(2026, 5, 1), "Все обращения", 7, 2, 1.0, 1, 4.0),
    ]
    # By executor, the two with the most ratings (МУП 2; then ТКО before Образование by name, 1 each);
    # МУП has a May row with no ratings: rated 0, no share.
    by_exec = q(db, "satisfaction_trend", **C, as_of=AS_OF, dim="executor", top=2)
    assert records(by_exec, *cols) == [
        (dt.date(2026, 4, 1), MUP, 4, 2, 0.5, 2, 3.5),
        (dt.date(2026, 5, 1), MUP, 1, 0, None, 0, None),
        (dt.date(2026, 5, 1), TKO, 1, 1, 1.0, 1, 4.0),
    ]
    by_source = q(db, "satisfaction_trend", **C, as_of=AS_OF, dim="source", top=None)
    assert set(by_source["grp"]) == {"ПОС «Решаем вместе»", "Инцидент Менеджмент", "Письменные обращения (59-ФЗ)"}


def test_satisfaction_results(db):
    trend = q(db, "satisfaction_results_trend", **C, as_of=AS_OF)
    assert records(trend, "month", "solvable_answered", "solved", "explained", "solved_share", "explained_share") == [
        (dt.date(2026, 4, 1), 3, 2, 1, round(2 / 3, 4), round(1 / 3, 4)),
        (dt.date(2026, 5, 1), 1, 1, 0, 1.0, 0.0),
    ]
    by_exec = q(db, "satisfaction_results_by_executor", **C, as_of=AS_OF)
    assert records(by_exec, "executor", "solvable_answered", "solved", "explained", "solved_share") == [
        (MUP, 2, 1, 1, 0.5), (DOR, 1, 1, 0, 1.0), (TKO, 1, 1, 0, 1.0)]


def test_satisfaction_repeat_trend(db):
    df = q(db, "satisfaction_repeat_trend", **C)
    # April: c1 (x1 exactly 90 days before); c2 is not (x2 91 days before, p3 another address).
    # May: c3 (c1's address), c4 (no address: c2's settlement + subtheme), c13 (flagged).
    assert records(df, "month", "appeals", "flagged", "same_problem", "repeats", "repeat_share") == [
        (dt.date(2026, 4, 1), 7, 0, 1, 1, round(1 / 7, 4)),
        (dt.date(2026, 5, 1), 7, 1, 2, 3, round(3 / 7, 4)),
    ]


def test_growth_factors(db):
    cols = ("item", "appeals", "prev_appeals", "change", "growth", "contribution", "share_of_change")
    # 14 vs 7 appeals: +7, growth 100 %. By theme: Образование 4 − 1, ЖКХ 5 − 3, Прочее 1 − 0, ТКО 1 − 0,
    # Дороги 3 − 3. The contributions (of the previous total, 7) add up to the growth, 1.0.
    df = q(db, "growth_factors", **C, **P, dim="theme", top=None)
    assert records(df, *cols) == [
        ("Образование", 4, 1, 3, 3.0, round(3 / 7, 4), round(3 / 7, 4)),
        ("ЖКХ", 5, 3, 2, round(2 / 3, 4), round(2 / 7, 4), round(2 / 7, 4)),
        ("Прочее", 1, 0, 1, None, round(1 / 7, 4), round(1 / 7, 4)),
        ("ТКО (мусор)", 1, 0, 1, None, round(1 / 7, 4), round(1 / 7, 4)),
        ("Дороги", 3, 3, 0, 0.0, 0.0, 0.0),
    ]
    assert records(df, "total_prev", "total")[0] == (7, 14)
    # Top 2 by absolute change; the other three folded into one row, last.
    top2 = q(db, "growth_factors", **C, **P, dim="theme", top=2)
    assert records(top2, "item", "appeals", "prev_appeals", "change") == [
        ("Образование", 4, 1, 3), ("ЖКХ", 5, 3, 2), ("Остальные (3)", 5, 3, 2)]
    places = q(db, "growth_factors", **C, **P, dim="settlement", top=None)
    # Аскиз: c1 c3 c5 c7 c8 c10 c11 c12 c14 vs p1 p2 p5 p7; Кызлас: c2 c4 c6 c9 c13 vs p3 p4 p6.
    assert records(places, "item", "appeals", "prev_appeals", "share_of_change") == [
        ("Аскиз", 9, 4, round(5 / 7, 4)), ("Кызлас", 5, 3, round(2 / 7, 4))]
    cells = q(db, "growth_factors", **C, **P, dim="cell", top=1)
    assert records(cells, "item", "change") == [("Образование · Аскиз", 3), ("Остальные (6)", 4)]
