"""A status's qualifier that speaks of a result the profile does not know (helper-56, the testers' last stop): «Закрыто
(решено)» gave the result «решено», «Закрыто (частично решено)» gave none and the report said nothing. DESIGN.md's results
are «решено», «разъяснено», «отказано»: a partial solution is none of them (counted «решено», it would swell the share
solved), so the result stays empty and the report tells the curator, who may map it in the profile's [values.result]."""
import polars as pl
import pytest

from conftest import fetch as q
from etl.load import load_file
from test_row_checks import HEAD, counts, row, write

TOLD = ("итог в статусе не описан в профиле — оставлен пустым (в долю решённых не входит); если он значит «решено», "
        "«разъяснено» или «отказано», добавьте его в [values.result] профиля")


def results(r):
    return r.unmatched.filter(pl.col("что") == "Результат").rows()


@pytest.fixture(autouse=True)
def salt(monkeypatch):
    monkeypatch.setenv("MCU_SALT", "test-salt")


def test_a_partly_solved_status_leaves_the_result_empty_and_is_told(tmp_path):
    db = tmp_path / "mcu.duckdb"
    statuses = ["Закрыто (частично решено)", "Закрыто (частично решено)", "Закрыто (решено)",
                "Закрыто (по просьбе заявителя)", "Отклонено — спам", "Закрыто: Частично решено"]
    rows = [row(f"R-{i}", i + 1, s, "10.09.2025 10:00") for i, s in enumerate(statuses)]
    r = load_file(write(tmp_path / "s.csv", HEAD, rows), db=db, source="pos")
    assert counts(r) == (6, 6, 0, 0, 0)
    assert q(db, "SELECT external_id, status, result FROM appeals ORDER BY external_id") == [
        ("R-0", "closed", None), ("R-1", "closed", None), ("R-2", "closed", "решено"), ("R-3", "closed", None),
        ("R-4", "rejected", None), ("R-5", "closed", None)]
    # (a qualifier that is no result — «по просьбе заявителя», «спам» — is not told)
    assert results(r) == [("Результат", "Закрыто (частично решено)", 2, TOLD),
                          ("Результат", "Закрыто: Частично решено", 1, TOLD)]
    assert r.message == ("загружено 6, обновлено 0, дубликатов 0, отклонено 0; требуют внимания: исполнитель — строк 6, "
                         "результат — строк 3")


def test_a_result_cell_wins_over_the_qualifier_and_is_told_alone(tmp_path):
    db = tmp_path / "mcu.duckdb"
    rows = [[*row("T-1", 1, "Закрыто (частично решено)", "03.09.2025 10:00"), "Разъяснено"],
            [*row("T-2", 2, "Закрыто (частично решено)", "03.09.2025 10:00"), ""],
            [*row("T-3", 3, "Закрыто (частично решено)", "03.09.2025 10:00"), "Частично решено"]]
    r = load_file(write(tmp_path / "t.csv", [*HEAD, "Результат"], rows), db=db, source="pos")
    assert counts(r) == (3, 3, 0, 0, 0)
    assert q(db, "SELECT external_id, result FROM appeals ORDER BY 1") == [
        ("T-1", "разъяснено"), ("T-2", None), ("T-3", None)]
    # (an unknown result cell is told as such, once)
    assert sorted(results(r)) == [("Результат", "Закрыто (частично решено)", 1, TOLD),
                                  ("Результат", "Частично решено", 1, "значение не описано в профиле — оставлено пустым")]


def test_unknown_result_qualifiers():
    from etl.normalise import unknown_result_qualifiers
    mapping = {"решено": "решено", "не решено": "отказано", "частично выполнено": ""}
    s = pl.Series("s", ["Закрыто (решено)", "Закрыто (частично решено)", "Закрыто — не решено", "Закрыто",
                        "Закрыто (по просьбе заявителя)", "Отклонено — спам", "Закрыто (Частично выполнено)",
                        "Закрыто (отказано частично)", None])
    assert pl.select(unknown_result_qualifiers(pl.lit(s), mapping)).to_series().to_list() == [
        False, True, False, False, False, False, False, True, False]
