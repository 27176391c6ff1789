"""Loading the real exports of ../shared/realdata (used by path, never copied): exact figures."""
import collections
import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from conftest import fetch as rows
from etl.build import new_database
from etl.load import load_file, theme_matcher

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
IM = REALDATA / "im_export_omsk_2025-12.xlsx"
POS_KURSK = REALDATA / "pos_kursk_messages_2022.csv"

RATED = "39520539"   # «Причина закрытия» = «5»: the author's survey score

pytestmark = pytest.mark.skipif(not IM.exists(), reason="../shared/realdata is not present")


@pytest.fixture(scope="module")
def im_db(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MCU_SALT", "test-salt")
        db = tmp_path_factory.mktemp("im") / "mcu.duckdb"
        report = load_file(IM, db=db)
        yield db, report


def test_im_loads_completely(im_db):
    db, r = im_db
    assert r.status == "loaded", r.message
    assert (r.source, r.profile) == ("im", "im")
    assert (r.rows_read, r.loaded, r.updated, r.duplicate, r.rejected) == (39, 39, 0, 0, 0)
    assert r.detection.table.sheet == "Лист1" and r.detection.table.header_row == 1
    assert rows(db, "SELECT rows_read, loaded, updated, duplicate, rejected, status FROM import_log") == [
        (39, 39, 0, 0, 0, "loaded")]
    assert rows(db, "SELECT count(*), count(DISTINCT external_id), min(kind), max(kind) FROM appeals") == [
        (39, 39, "инцидент", "инцидент")]


def test_im_status_result_solvable_satisfied(im_db):
    db, _ = im_db
    # Open = not closed: the one incident still at «Оценка удовлетворенности», without «Дата окончания».
    assert rows(db, "SELECT count(*) FROM appeals WHERE closed_at IS NULL") == [(1,)]
    assert dict(rows(db, "SELECT status, count(*) FROM appeals GROUP BY ALL")) == {"closed": 38, "answered": 1}
    assert dict(rows(db, "SELECT coalesce(result, '-'), count(*) FROM appeals GROUP BY ALL")) == {
        "разъяснено": 35, "решено": 3, "-": 1}
    assert dict(rows(db, "SELECT solvable, count(*) FROM appeals GROUP BY ALL")) == {True: 29, False: 10}
    # «Автор доволен» ×3 and the stray score «5» → satisfied; «Нет ответа от автора» and
    # «Дальнейший диалог нецелесообразен» → unknown.
    assert dict(rows(db, "SELECT coalesce(satisfied::VARCHAR, '-'), count(*) FROM appeals GROUP BY ALL")) == {
        "true": 4, "-": 35}
    assert rows(db, "SELECT external_id, rating, result FROM appeals WHERE rating IS NOT NULL") == [
        (RATED, 5, "разъяснено")]


def test_im_first_answer_and_deadline(im_db):
    db, _ = im_db
    assert rows(db, "SELECT count(answered_at), count(due_at), count(*) FILTER (WHERE answered_at > due_at) "
                    "FROM appeals") == [(39, 39, 0)]
    first = rows(db, "SELECT received_at::VARCHAR, due_at::VARCHAR, answered_at::VARCHAR FROM appeals "
                     "ORDER BY received_at LIMIT 1")
    # Received Wed 24.12 20:06 (after hours): 8 working hours = the whole of Thu 25.12, 9:00–17:00.
    assert first == [("2025-12-24 20:06:02", "2025-12-25 17:00:00", "2025-12-25 08:36:39")]


def test_im_durations_kept_as_durations(im_db):
    """Excel keeps a duration as a day count from 1899-12-31 («12:30:37» is 1899-12-31 12:30:37, eleven days and a
    half 1900-01-11 12:10:25): the export's durations are kept among its other columns as durations, not as dates
    of 1899 (a tester saw those in the upload preview and in the appeal list's download)."""
    db, _ = im_db
    (extra,), = rows(db, "SELECT extra FROM appeals WHERE external_id = '39520480'")
    extra = json.loads(extra)
    assert extra["Время с даты создания инцидента до времени первого ответа"] == "12:30:37"
    assert extra["Время с даты создания инцидента до времени первого ответа, рабочее время"] == "00:07:00"
    assert extra["Время с начала создания инцидента до окончания"] == "11 дн. 12:10:25"
    assert extra["Время назначения последнего исполнителя"] == "2026-01-05 08:16:26"   # a date stays a date
    assert rows(db, "SELECT count(*) FROM appeals WHERE extra LIKE '%1899-%' OR extra LIKE '%1900-%'") == [(0,)]


def test_im_per_theme_counts(im_db):
    db, _ = im_db
    assert dict(rows(db, "SELECT theme, count(*) FROM appeals GROUP BY ALL")) == {
        "Дороги": 21, "ЖКХ": 4, "Транспорт": 4, "Благоустройство": 2, "Здравоохранение": 2, "Образование": 2,
        "Социальная защита": 2, "Спорт": 2}
    assert rows(db, "SELECT count(DISTINCT subtheme) FROM appeals") == [(18,)]


def test_im_settlements_and_executors_wait_for_the_curator(im_db):
    db, r = im_db
    # None of the region's places or departments is in the (Аскизский район) reference: every appeal is
    # loaded and counted without them, and nothing is added to the reference until the curator decides.
    assert rows(db, "SELECT count(*), count(settlement_id), count(executor_id) FROM appeals") == [(39, 0, 0)]
    assert rows(db, "SELECT count(*) FROM settlements WHERE settlement_id LIKE 'new_%'") == [(0,)]
    assert rows(db, "SELECT count(*) FROM executors WHERE executor_id LIKE 'new_%'") == [(0,)]
    # «Населенный пункт», else «Муниципалитет»: «Омск» (17) and «Омск г.о.» (13) are one entry.
    assert rows(db, "SELECT value, rows, context FROM unmatched_values WHERE dim = 'settlement' "
                    "ORDER BY rows DESC, value") == [
        ("Омск", 30, "Омск г.о."), ("Омская область, другое", 2, "Омская область, другое"),
        ("Исилькуль", 1, "Исилькульский район"), ("Называевск", 1, "Называевский район"), ("Тара", 1, "Тарский район"),
        ("Тевризский район", 1, "Тевризский район"), ("деревня Фрунзе", 1, "Тарский район"),
        ("село Желанное", 1, "Одесский район"), ("село Южно-Подольск", 1, "Черлакский район")]
    # «Исполнитель», else «Отдел»: 7 executors named, 9 departments standing in; 16 entries, 39 appeals.
    assert rows(db, "SELECT count(*), sum(rows) FROM unmatched_values WHERE dim = 'executor'") == [(16, 39)]
    assert rows(db, "SELECT value, rows, context FROM unmatched_values WHERE value LIKE 'Департамент городского%'") == [
        ("Департамент городского хозяйства (ДГХ)", 18, "Администрация города Омска")]
    assert rows(db, "SELECT dim, count(*) FROM unmatched_rows GROUP BY ALL ORDER BY 1") == [
        ("executor", 39), ("settlement", 39)]
    listed = r.unmatched.group_by("что").agg(pl.col("строк").sum()).sort("что").rows()
    assert listed == [("Исполнитель", 39), ("Населённый пункт", 39)]


def test_im_personal_data_masked(im_db):
    db, _ = im_db
    texts = [t for (t,) in rows(db, "SELECT text FROM appeals")]
    assert len(texts) == 39 and all(texts)
    assert not any(t.startswith("'") for t in texts)
    assert not any("id0000000" in t or "vk.com/" in t or "t.me/" in t for t in texts)
    # Placeholder author ids identify nobody and get no hash; real handles do.
    assert rows(db, "SELECT count(applicant_hash), count(DISTINCT applicant_hash) FROM appeals") == [(11, 10)]
    # The one author seen twice on one theme within 90 days is a repeat.
    assert rows(db, "SELECT count(*) FROM appeals WHERE is_repeat") == [(1,)]


def test_im_same_file_twice_changes_nothing(im_db, tmp_path, monkeypatch):
    monkeypatch.setenv("MCU_SALT", "test-salt")
    db, _ = im_db
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(db.read_bytes())
    before = duckdb.connect(str(copy), read_only=True).sql("SELECT * EXCLUDE (loaded_at) FROM appeals ORDER BY 1").pl()
    r = load_file(IM, db=copy)
    assert (r.rows_read, r.loaded, r.updated, r.duplicate, r.rejected) == (39, 0, 0, 39, 0)
    con = duckdb.connect(str(copy), read_only=True)
    assert con.sql("SELECT * EXCLUDE (loaded_at) FROM appeals ORDER BY 1").pl().equals(before)
    assert con.execute("SELECT count(*) FROM settlements WHERE settlement_id LIKE 'new_%'").fetchone() == (0,)
    assert con.execute("SELECT count(*), sum(rows) FROM unmatched_values").fetchone() == (25, 78)


def test_every_pos_subtheme_maps_to_a_canonical_theme(tmp_path):
    subthemes = pl.read_csv(POS_KURSK)["Тематика"].unique().to_list()
    assert len(subthemes) == 161
    with new_database(tmp_path / "ref.duckdb") as con:
        matcher = theme_matcher(con)
        themes = {t for (t,) in con.execute("SELECT theme FROM themes").fetchall()}
    found = {s: matcher.match(None, s) for s in subthemes}
    assert all(how == "exact" for _, how in found.values())   # through aliases, not by luck of fuzzy matching
    mapped = collections.Counter(theme for theme, _ in found.values())
    assert set(mapped) <= themes - {"Не определено"}
    assert mapped == {"Дороги": 25, "ЖКХ": 23, "Транспорт": 21, "Благоустройство": 19, "Здравоохранение": 15,
                      "Образование": 11, "Экономика": 9, "Социальная защита": 7, "Экология": 6, "ТКО (мусор)": 4,
                      "Имущество и земля": 4, "Спорт": 4, "Связь": 3, "Прочее": 3, "Энергетика": 3,
                      "Безопасность": 2, "Культура": 2}
    assert found["Тестовая категория"][0] == "Прочее"
    assert found["Безопасная дорога в школу на дорогах в границах городских округов и сельских поселений"][0] == "Дороги"


def test_pos_training_set_is_refused_with_what_is_missing(tmp_path):
    # The hackathon set has themes and texts but no dates: it is not a loadable export, and we say why.
    db = tmp_path / "mcu.duckdb"
    r = load_file(POS_KURSK, source="pos", db=db)
    assert r.status == "refused"
    assert "нет обязательных столбцов" in r.message and "«Дата создания»" in r.message
    assert "«Тематика»" in r.message and "«Ответственное лицо»" in r.message
    assert not db.exists()
    # tester53: a file with no date anywhere was sent to write a profile of its own, which cannot help; the source
    # detected or not, the message says the file has no dates and what to export instead.
    no_dates = ("В файле нет ни одного столбца с датами, а без даты регистрации обращение не загрузить: по ней "
                "считаются периоды и сроки. Выгрузите файл заново вместе с датой создания сообщения.")
    assert no_dates in r.message
    assert "--profile" not in r.message
    r = load_file(POS_KURSK, db=db)   # (no source chosen: no profile fits, and the file has no dates either)
    assert r.status == "refused" and r.message.endswith(no_dates) and "--profile" not in r.message


def test_unmatched_values_listed_for_the_curator(im_db):
    from mcu.query import run_query

    db, _ = im_db
    df = run_query("unmatched_values", db=db, limit=100)
    assert df.group_by("dim").agg(pl.col("rows").sum(), pl.len()).sort("dim").rows() == [
        ("executor", 39, 16), ("settlement", 39, 9)]
    assert df.row(9, named=True) | {"first_seen": None, "last_seen": None} == {
        "dim": "executor", "value": "Департамент городского хозяйства (ДГХ)", "source": "im", "rows": 18,
        "first_seen": None, "last_seen": None, "suggestion": None, "suggestion_label": None,
        "context": "Администрация города Омска", "waiting": 16}
    history = run_query("import_history", db=db)
    assert history.select("import_id", "file_name", "rows_read", "loaded").rows() == [
        (1, "im_export_omsk_2025-12.xlsx", 39, 39)]
