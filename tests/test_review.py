"""Values the reference does not know (DESIGN.md §3): a review list, not new reference rows; a garbage file
refused whole; the curator's mapping applied to rows already loaded and kept on reload."""
import random
import shutil
import string
from pathlib import Path

import duckdb
import pytest

from etl.load import load_file

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "exports"
POS_HEADER = ["№ сообщения", "Дата создания", "Категория", "Подкатегория", "Статус", "Ответственный",
              "Населенный пункт", "Текст сообщения"]


@pytest.fixture(autouse=True)
def reference(tmp_path, monkeypatch):
    """A private copy of data/reference: the curator's choices are written there, never into the repo."""
    ref = tmp_path / "reference"
    shutil.copytree(ROOT / "data" / "reference", ref)
    monkeypatch.setenv("MCU_REFERENCE", str(ref))
    monkeypatch.setenv("MCU_SALT", "test-salt")
    return ref


def q(db, sql, params=None):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def pos_csv(path: Path, rows: list[list[str]]) -> Path:
    lines = [";".join(POS_HEADER)] + [";".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def garbage(n: int, seed: int = 7) -> list[list[str]]:
    """Printable garbage in every text column under a valid ПОС header, with valid ids and dates."""
    rnd = random.Random(seed)
    junk = lambda: "".join(rnd.choice(string.ascii_letters + string.digits + "!#$%&()*+-<=>?@[]^_{|}~")
                           for _ in range(rnd.randint(6, 14)))
    return [[str(500000 + i), f"{1 + i % 28:02d}.03.2025 10:00", junk(), junk(), "Новое", junk(), junk(), junk()]
            for i in range(n)]


def test_garbage_file_is_refused_whole_and_the_database_untouched(tmp_path):
    db = tmp_path / "mcu.duckdb"
    assert load_file(FIX / "pos_messages.xlsx", db=db).status == "loaded"
    before = db.read_bytes()
    r = load_file(pos_csv(tmp_path / "junk.csv", garbage(1000)), db=db)
    assert r.status == "refused"
    assert r.message.startswith("Файл junk.csv не загружен: слишком много значений, которых нет в справочниках, — "
                                "1\u00a0000 населённых пунктов, 1\u00a0000 исполнителей и 1\u00a0000 тем")
    assert "Проверьте, что выбран верный источник и профиль" in r.message
    assert db.read_bytes() == before
    assert q(db, "SELECT count(*) FROM settlements WHERE settlement_id LIKE 'new_%'") == [(0,)]


def place_rows(names: list[str], start: int = 600000) -> list[list[str]]:
    """ПОС rows that differ only in the settlement (known executor and category)."""
    return [[str(start + i), "03.03.2025 10:00", "Дороги", "Ямы и выбоины на тротуарах", "Новое",
             "Отдел дорожного хозяйства и транспорта", name, "Яма"] for i, name in enumerate(names)]


def test_plausibility_limits_at_their_edges(tmp_path):
    # 200 unknown places, one row each: at the limit, loaded; they wait for the curator.
    db = tmp_path / "a.duckdb"
    r = load_file(pos_csv(tmp_path / "p200.csv", place_rows([f"Заречье-{i}" for i in range(200)])), db=db)
    assert (r.status, r.loaded) == ("loaded", 200)
    assert q(db, "SELECT count(*), sum(rows) FROM unmatched_values WHERE dim = 'settlement'") == [(200, 200)]
    # 201 in 201 rows: refused.
    r = load_file(pos_csv(tmp_path / "p201.csv", place_rows([f"Заречье-{i}" for i in range(201)])),
                  db=tmp_path / "b.duckdb")
    assert r.status == "refused"
    assert r.message.startswith("Файл p201.csv не загружен: слишком много значений, которых нет в справочниках, — "
                                "201 населённый пункт (строк в файле 201; допустимо не больше 200 новых значений "
                                "каждого вида или не больше 50 % от числа строк). Похоже, столбцы «Населенный пункт» "
                                "содержат не то, что ожидает профиль, например: «Заречье-0», «Заречье-1», «Заречье-10».")
    assert not (tmp_path / "b.duckdb").exists()
    # 300 unknown places, three rows each (a first load in a new district): 300 > 200 but only a third of
    # the rows, so loaded.
    names = [f"Заречье-{i}" for i in range(300)] * 3
    r = load_file(pos_csv(tmp_path / "p300.csv", place_rows(names)), db=tmp_path / "c.duckdb")
    assert (r.status, r.loaded) == ("loaded", 900)


def test_unknown_values_wait_in_the_review_list(tmp_path):
    db = tmp_path / "mcu.duckdb"
    r = load_file(pos_csv(tmp_path / "pos.csv", [
        ["1", "03.03.2025 10:00", "Дороги", "Ямы и выбоины на тротуарах", "Новое", "Отдел дорожного хозяйства и "
         "транспорта", "Аскыз", "Яма"],
        ["2", "04.03.2025 10:00", "Дороги", "Ямы и выбоины на тротуарах", "Новое", "Дорожная служба района",
         "с. Аскыз", "Яма"],
        ["3", "05.03.2025 10:00", "Снегоуборка", "", "Новое", "Дорожная служба района", "Вершино-Тейский", "Снег"],
        ["4", "05.03.2025 11:00", "Снегоуборка", "", "Новое", "Отдел дорожного хозяйства и транспорта", "Аскиз",
         "Снег"],
    ]), db=db)
    assert (r.status, r.loaded) == ("loaded", 4)
    # Nothing new in the reference; every appeal loaded and counted, the unknown parts left empty.
    assert q(db, "SELECT count(*) FROM settlements") == [(14,)]
    assert q(db, "SELECT count(*) FROM executors") == [(17,)]
    assert q(db, "SELECT external_id, settlement_id, executor_id, theme FROM appeals ORDER BY 1") == [
        ("1", None, "dor_otdel", "Дороги"),
        ("2", None, None, "Дороги"),
        ("3", None, None, "Не определено"),
        ("4", "askiz", "dor_otdel", "Не определено")]
    # «Аскыз» and «с. Аскыз» are one entry; the nearest reference entry is suggested, never applied.
    assert q(db, "SELECT dim, value, source, rows, status, suggestion FROM unmatched_values ORDER BY 1, 2") == [
        ("executor", "Дорожная служба района", "pos", 2, "pending", None),
        ("settlement", "Аскыз", "pos", 2, "pending", "askiz"),
        ("settlement", "Вершино-Тейский", "pos", 1, "pending", "vershina_tei"),
        ("theme", "Снегоуборка", "pos", 2, "pending", None)]
    assert q(db, "SELECT record_id, dim, value FROM unmatched_rows ORDER BY 1, 2") == [
        ("pos:1", "settlement", "Аскыз"),
        ("pos:2", "executor", "Дорожная служба района"), ("pos:2", "settlement", "Аскыз"),
        ("pos:3", "executor", "Дорожная служба района"), ("pos:3", "settlement", "Вершино-Тейский"),
        ("pos:3", "theme", "Снегоуборка"),
        ("pos:4", "theme", "Снегоуборка")]
    from mcu.query import run_query

    listed = run_query("unmatched_values", db=db, limit=1)
    assert listed.select("dim", "value", "rows", "suggestion_label", "waiting").rows() == [
        ("settlement", "Аскыз", 2, "Аскиз", 2),
        ("executor", "Дорожная служба района", 2, None, 1),
        ("theme", "Снегоуборка", 2, None, 1)]
