"""Which of an export's columns give the theme: the real ПОС sample's «Тематика» (subtheme names) and «Категория» (a
numeric group code 0–16, not a theme's name)."""
from pathlib import Path

import pytest

from conftest import fetch
from etl.load import load_file

ENERGY = "Нарушения, связанные с содержанием электросети и качеством энергоснабжения в районе частного сектора"
# The shape of ../shared/realdata/pos_kursk_messages_2022.csv with a registration date, as the tester loaded it.
KURSK = [
    ["id", "Текст Сообщения", "Тематика", "Ответственное лицо", "Категория", "Дата создания"],
    ["2246", "Опять нет света второй день, столбы покосились", ENERGY, "Администрация Льговского района", "3",
     "15.11.2026"],
    ["380", "Дерево у дома наклонилось над детской площадкой и может упасть", "Аварийные деревья",
     "Администрация города Курска", "7", "16.11.2026"],
    ["381", "Яма на дороге у школы, машины бьют колёса, просим отремонтировать покрытие", "",
     "Администрация города Курска", "0", "17.11.2026"],
    ["382", "", "", "Администрация города Курска", "16", "18.11.2026"],
]
CODES_IGNORED = ("столбец «Категория» не принят за тему: в нём только числа (от 0 до 16), а не названия тем. Тема "
                 "взята из подтемы («Тематика»), а где её нет, определяется по тексту сообщения. Числа сохранены "
                 "среди прочих столбцов записи")


@pytest.fixture(autouse=True)
def salt(monkeypatch):
    monkeypatch.setenv("MCU_SALT", "test-salt")


def _csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("".join(";".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("source", [None, "pos"])
def test_pos_tematika_is_the_subtheme_and_a_numeric_category_no_theme(tmp_path, source):
    # Before: the theme was taken from «Категория» («3», «7»: no theme's name, each waiting for the curator),
    # «Тематика» went to the extra columns, and every row was themed by the text classifier.
    db = tmp_path / "mcu.duckdb"
    r = load_file(_csv(tmp_path / "kursk.csv", KURSK), source=source, db=db)
    assert r.status == "loaded", r.message
    assert (r.rows_read, r.loaded, r.rejected) == (4, 4, 0)
    assert r.detection.columns["subtheme"].headers == ["Тематика"]
    assert "theme" not in r.detection.columns
    assert r.warnings == [CODES_IGNORED]
    assert r.message.endswith("; " + CODES_IGNORED)
    assert fetch(db, "SELECT external_id, theme, subtheme, theme_source, extra FROM appeals ORDER BY external_id") == [
        ("2246", "Энергетика", ENERGY, "alias", '{"Категория":"3"}'),
        ("380", "Благоустройство", "Аварийные деревья", "alias", '{"Категория":"7"}'),
        ("381", "Дороги", None, "predicted", '{"Категория":"0"}'),      # no subtheme: the classifier, as before
        ("382", "Не определено", None, None, '{"Категория":"16"}'),     # nothing to go by
    ]
    # The codes wait for no curator: they are not themes.
    assert fetch(db, "SELECT count(*) FROM unmatched_values WHERE dim = 'theme'") == [(0,)]


def test_numeric_codes_the_profile_maps_are_themes(tmp_path):
    # A profile that names its codes ([themes]) makes them themes: nothing is ignored.
    profile = tmp_path / "kursk.toml"
    profile.write_text('name = "kursk"\ntitle = "Курск"\nsource = "custom"\nkind = "сообщение"\n'
                       '[columns]\nexternal_id = "id"\nreceived_at = "Дата создания"\ntheme = "Категория"\n'
                       'text = "Текст Сообщения"\n[themes]\n"3" = "Энергетика"\n"7" = "Благоустройство"\n'
                       '"0" = "Дороги"\n"16" = "Прочее"\n', encoding="utf-8")
    db = tmp_path / "mcu.duckdb"
    r = load_file(_csv(tmp_path / "kursk.csv", KURSK), profile=profile, db=db)
    assert r.status == "loaded", r.message
    assert r.warnings == []
    assert fetch(db, "SELECT external_id, theme, theme_source FROM appeals ORDER BY external_id") == [
        ("2246", "Энергетика", "export"), ("380", "Благоустройство", "export"), ("381", "Дороги", "export"),
        ("382", "Прочее", "export")]
