"""The analytic note on the demo data: its figures are the queries' figures (read back from the DOCX), the
PDF has its pages and Cyrillic text, the CLI's exit codes, and the page «Аналитическая записка»."""
import datetime as dt
import io
import re
import shutil
import subprocess
import sys

import polars as pl
import pytest
from conftest import ROOT, demo_appeals
from docx import Document

from mcu.periods import filters_for, iso_week, mondays, note_week, trend_params
from mcu.query import run_query
from mcu.scoring import score_settings
from mcu import blocks, fmt
from mcu import problems as pp
from report.__main__ import main
from report.documents import to_docx, to_pdf
from report.note import build

WEEK = "2026-W47"  # 16.11–22.11.2026, the last whole week of the demo (it ends on Wednesday 25.11.2026)
ARTIFACTS = ROOT / "tests" / "artifacts"


def number(text: str) -> float | None:
    """A figure as the note prints it («1 234», «8,3 %», «−2 (…)», «0,6») → float; «—» → None."""
    text = text.replace("\u00a0", "").replace(" ", "").replace("−", "-")
    if text.startswith("—"):
        return None
    return float(re.match(r"[-+]?\d+(?:,\d+)?", text)[0].replace(",", "."))


@pytest.fixture(scope="module")
def week(demo_db):
    flt = filters_for(*iso_week(WEEK), db=demo_db)
    note = build(flt, db=demo_db)
    return flt, note, Document(io.BytesIO(to_docx(note)))


def tables(doc) -> dict[str, list[list[str]]]:
    """The DOCX's tables keyed by their first header cell."""
    return {t.rows[0].cells[0].text: [[c.text for c in r.cells] for r in t.rows[1:]] for t in doc.tables}


def test_week_is_the_iso_week():
    assert iso_week("2026-W47") == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert iso_week("2026w01") == (dt.date(2025, 12, 29), dt.date(2026, 1, 4))
    with pytest.raises(ValueError, match="ГГГГ-Wнн"):
        iso_week("2026-W54")


def test_the_notes_week_is_the_last_whole_week():
    """note_week: the note's default week and the meeting screen's — the last whole ISO week up to the data's last
    day, that day's own week when it is a Sunday, the week still running when the data holds no whole week."""
    assert note_week(dt.date(2024, 11, 20), dt.date(2026, 11, 25)) == dt.date(2026, 11, 16)   # Wednesday → W47
    assert note_week(dt.date(2024, 11, 20), dt.date(2026, 11, 22)) == dt.date(2026, 11, 16)   # Sunday → its week
    assert note_week(dt.date(2026, 11, 24), dt.date(2026, 11, 25)) == dt.date(2026, 11, 23)   # no whole week yet
    assert mondays(dt.date(2026, 11, 10), dt.date(2026, 11, 25)) == [dt.date(2026, 11, 23), dt.date(2026, 11, 16),
                                                                     dt.date(2026, 11, 9)]


def test_summary_figures_are_the_queries(week, demo_db):
    flt, _note, doc = week
    assert (flt.date_from, flt.date_to, flt.as_of) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22),
                                                       dt.date(2026, 11, 22))
    kpis = run_query("overview_kpis", db=demo_db, **flt.compare_params(), as_of=flt.as_of)
    cur, prev = kpis.row(0, named=True), kpis.row(1, named=True)
    dl = run_query("deadlines_kpis", db=demo_db, **flt.compare_params(), as_of=flt.as_of).row(0, named=True)
    sat = run_query("satisfaction_kpis", db=demo_db, **flt.compare_params(), as_of=flt.as_of)
    scur, sprev = sat.row(0, named=True), sat.row(1, named=True)
    summary = {r[0]: r[1:] for r in tables(doc)["Показатель"]}
    assert [number(v) for v in summary["Обращений"][:2]] == [cur["total"], prev["total"]]
    # Counted straight from the demo generator, not through SQL: the appeals received in the week.
    demo = demo_appeals()
    in_week = demo.filter(pl.col("received_at").dt.date().is_between(flt.date_from, flt.date_to)).height
    assert number(summary["Обращений"][0]) == in_week == 181
    assert summary["Обращений"][2] == f"+{cur['total'] - prev['total']} (+13,1 %)"
    assert number(summary["Просрочено, доля обращений со сроком"][0]) == round(cur["overdue_share"] * 100, 1)
    assert number(summary["Без ответа после срока"][0]) == dl["overdue_open"]
    assert number(summary["Ответ позже срока"][0]) == dl["answered_late"]
    assert number(summary["Медиана ответа, дн."][0]) == round(cur["median_response_days"], 1)
    assert number(summary["Довольны, доля оценивших"][0]) == round(scur["satisfied_share"] * 100, 1)
    assert number(summary["Довольны, доля оценивших"][1]) == round(sprev["satisfied_share"] * 100, 1)
    assert number(summary["Решено, доля решаемых"][0]) == round(scur["solved_share"] * 100, 1)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Период: неделя 2026-W47, 16.11.2026–22.11.2026 (7 дн.)" in text
    assert f"Отвеченных решаемых обращений: {scur['solvable_answered']}; решено" in text


def test_themes_and_settlements_are_the_queries(week, demo_db):
    flt, _note, doc = week
    themes = run_query("top_themes", db=demo_db, **flt.compare_params(), limit=10)
    places = run_query("top_settlements", db=demo_db, **flt.compare_params(), limit=10)
    got = tables(doc)
    assert [[r[0], number(r[1]), number(r[2]), number(r[3])] for r in got["Тема"]] == \
        [[r["theme"], r["appeals"], r["prev_appeals"], r["change"]] for r in themes.iter_rows(named=True)]
    assert [number(r[4]) for r in got["Тема"]] == [round(s * 100, 1) for s in themes["share"]]
    assert [[r[0], number(r[1]), number(r[2]), number(r[4])] for r in got["Населённый пункт"]] == \
        [[r["settlement"], r["appeals"], r["prev_appeals"], r["per_1000"]] for r in places.iter_rows(named=True)]


def test_deadline_breaches_and_recommendations(week, demo_db):
    flt, _note, doc = week
    by = run_query("deadlines_breakdown", db=demo_db, **flt.params(), as_of=flt.as_of, dim="executor")
    breaching = by.filter((pl.col("overdue_open") + pl.col("answered_late")) > 0)
    got = tables(doc)["Исполнитель"]
    assert sorted((r[0], number(r[1]), number(r[2])) for r in got) == \
        sorted(breaching.select("grp", "overdue_open", "answered_late").iter_rows())
    # Worst first: most breaches (no answer after the deadline + answered late).
    assert [number(r[1]) + number(r[2]) for r in got] == sorted((number(r[1]) + number(r[2]) for r in got), reverse=True)
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    worst = got[0]
    rating = run_query("executors_rating", db=demo_db, **flt.compare_params(), as_of=flt.as_of,
                       **score_settings().params())
    rank = rating.filter(pl.col("executor") == worst[0])["rank"][0]
    # «4 из 4»: a bare «4» read as a good place for the worst executor (a tester's finding)
    assert bullets[0] == (f"Заслушать исполнителя «{worst[0].replace('«', '„').replace('»', '“')}» (место в рейтинге исполнителей: {rank} из "
                          f"{rating['rank'].drop_nulls().len()}): "
                          f"без ответа после срока — {worst[1]}, ответов позже срока — {worst[2]}.")
    assert sum(b.startswith("Заслушать исполнителя") for b in bullets) == min(3, len(got))
    # Рост: a theme up by at least 5 appeals and 30 % against the previous period and against a year ago is proposed
    # for a closer look.
    growth = run_query("theme_growth", db=demo_db, **flt.compare_params()).with_columns(
        change=pl.col("appeals") - pl.col("prev_appeals"), on_year=pl.col("appeals") - pl.col("year_ago"))
    rising = growth.filter((pl.col("change") >= 5) & (pl.col("change") >= 0.3 * pl.col("prev_appeals"))
                           & (pl.col("on_year") >= 5) & (pl.col("on_year") >= 0.3 * pl.col("year_ago")))
    assert rising.height
    pct = lambda a, b: f"{a / b * 100:.1f}".replace(".", ",")  # noqa: E731
    assert [b for b in bullets if b.startswith("Разобрать рост")] == [
        f"Разобрать рост обращений по теме «{r['theme']}»: +{r['change']} (+{pct(r['change'], r['prev_appeals'])} %) "
        f"к предыдущему периоду, +{r['on_year']} (+{pct(r['on_year'], r['year_ago'])} %) к тем же датам прошлого года."
        for r in rising.sort(["change", "theme"], descending=[True, False]).head(2).iter_rows(named=True)]
    points = blocks.problem_points(flt, 5, run=lambda n, **p: run_query(n, db=demo_db, **p))
    assert points.height > 0
    assert [b for b in bullets if b.startswith("Включить вопрос «")] == [
        f"Включить вопрос «Балыкса — ЖКХ» в голосование: {points['explanation'][0]}"]


def test_a_point_voted_on_recently_is_marked_and_not_proposed_for_a_new_vote(week, demo_db):
    """W47 on the demo: «Проблемные точки» marks Кызлас — ЖКХ «недавно голосовали 10.08.2026» (the water vote of
    10.08–23.08.2026, after which appeals rose); the note proposed that very vote again and its table had no vote
    column (a tester's finding). The note takes the page's rows and mark, and says what the page says of the vote."""
    flt, _note, doc = week
    settings = pp.problem_settings()
    page = run_query("problem_points", db=demo_db, **flt.params(), as_of=flt.as_of, **settings.params("theme"))
    assert [(r["settlement"], r["theme"], pp.vote_mark(r)) for r in page.to_dicts()] == [
        ("Балыкса", "ЖКХ", ""), ("Кызлас", "ЖКХ", "недавно голосовали 10.08.2026")]
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "№")
    assert [c.text for c in table.rows[0].cells] == ["№", "Населённый пункт", "Тема", "Почему", "Голосование"]
    assert [[r.cells[1].text, r.cells[4].text] for r in table.rows[1:]] == [
        ["Балыкса", "—"], ["Кызлас", "недавно голосовали 10.08.2026"]]
    votes = run_query("votes_effect", db=demo_db, sources=None, themes=None, settlements=None, as_of=flt.as_of,
                      **settings.vote_params())
    water = votes.filter(pl.col("vote_id") == "ДЕМО-Г-2").row(0, named=True)
    assert water["verdict"] == "стало больше"
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    assert not [b for b in bullets if "Включить вопрос «Кызлас" in b]
    assert ("Не выносить вопрос «Кызлас — ЖКХ» на новое голосование (недавно голосовали 10.08.2026), а проверить, "
            f"как выполняется его решение. Голосование {pp.vote_line(water)}.") in bullets
    assert pp.vote_line(water).endswith("стало больше")


def test_changes_read_as_the_pages_write_them(week, demo_db):
    """A count's change as the pages write it, «+46 (+2,3 %)» (mcu.ui.change), not «−1, −50,0 %» that reads as one
    number (a tester's finding)."""
    from mcu import fmt
    from mcu.ui import change
    from report.note import count_change

    assert [count_change(181, 160), count_change(1, 2), count_change(5, 5), count_change(3, 0),
            count_change(None, 2)] == ["+21 (+13,1 %)", "−1 (−50,0 %)", "0 (0,0 %)", "+3", "—"]
    flt, note, doc = week
    themes = run_query("top_themes", db=demo_db, **flt.compare_params(), limit=10)
    got = tables(doc)["Тема"]
    assert [r[3] for r in got] == [fmt.minus(change(r["appeals"], r["prev_appeals"]))
                                   for r in themes.iter_rows(named=True)]
    assert got[:2] == [["ЖКХ", "51", "40", "+11 (+27,5 %)", "28,2\u00a0%"], ["Дороги", "28", "30", "−2 (−6,7 %)", "15,5\u00a0%"]]
    assert note.sections[0].paragraphs == ["Обращений за период: 181; за предыдущий период той же длины: 160, изменение "
                                           "+21 (+13,1 %); за те же даты год назад: 129."]


def test_charts_are_images_in_the_docx(week, demo_db):
    flt, note, doc = week
    charts = [s.key for s in note.sections if s.chart]
    assert charts == ["themes", "settlements", "deadlines", "satisfaction", "results"]
    assert len(doc.inline_shapes) == 5
    trend = run_query("satisfaction_trend", db=demo_db, **trend_params(flt), dim="all", top=None)
    assert trend["month"].to_list()[0] == dt.date(2025, 12, 1) and trend.height == 12


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="нет pdftoppm (apt-get install -y poppler-utils)")
def test_pdf_pages_render_with_cyrillic(week, tmp_path):
    _flt, note, _doc = week
    pdf = tmp_path / "записка.pdf"
    pdf.write_bytes(to_pdf(note))
    assert pdf.read_bytes().startswith(b"%PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("note_page-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(ARTIFACTS / "note_page")], check=True)
    pages = sorted(ARTIFACTS.glob("note_page-*.png"))
    assert len(pages) == 6
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = " ".join(text.split())  # lines wrap where the page ends them
    assert "Аналитическая записка о работе с обращениями граждан" in text
    assert "Заслушать исполнителя «МУП „Аскизское ЖКХ“»" in text
    # A table's column is as wide as its longest word: no «Голосовани е», «Населённы й пункт».
    assert "Почему Голосование" in text and "Населённый пункт" in text
    assert "стр. 6 из 6" in text


FOOTER = re.compile(r"Аналитическая записка · стр\. \d+ из \d+")


def page_texts(pdf: bytes, tmp_path) -> list[str]:
    """Each page's text without its footer, read back with pdftotext (pages end with a form feed)."""
    path = tmp_path / "записка.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(FOOTER.sub("", page).split()) for page in text.split("\f")[:-1]]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="нет pdftotext (apt-get install -y poppler-utils)")
def test_no_page_of_the_pdf_holds_a_lone_line(tmp_path):
    """The demo as a tester built it (on 26.11.2026): its W47 PDF ended with a 6th page holding only «периоду.», the
    last line of the last recommendation. A paragraph leaves at least two lines on either side of a page break, and
    a last page with little on it is drawn again with tighter spacing."""
    from etl.demo import build_demo

    db = tmp_path / "demo.duckdb"
    build_demo(db, seed=42, years=2, end=dt.date(2026, 11, 26))
    note = build(filters_for(*iso_week(WEEK), db=db), db=db)
    pages = page_texts(to_pdf(note), tmp_path)
    assert [len(p) for p in pages if len(p) < 40] == []
    assert pages[-1].endswith("Разобрать рост обращений по теме «Благоустройство»: +7 (+38,9 %) к предыдущему периоду, "
                              "+12 (+92,3 %) к тем же датам прошлого года.")
    assert len(pages) == 5


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="нет pdftotext (apt-get install -y poppler-utils)")
def test_a_paragraph_never_leaves_one_line_alone_on_a_page(tmp_path):
    """However much comes before it, the last paragraph of two lines never leaves its short last line (or its first)
    alone on a page."""
    from report.note import Note, Section

    last = ("Разобрать рост обращений по теме «Благоустройство» и по теме «Транспорт»: +7 (+38,9 %) к предыдущему "
            "периоду.")
    for n in range(30, 40):  # 35 paragraphs before it left «(+38,9 %) к предыдущему периоду.» alone on page 2
        note = Note("Записка", ["Период: неделя"], [Section("s", "Раздел", [f"Строка {i}." for i in range(n)] + [last])])
        pages = page_texts(to_pdf(note), tmp_path)
        assert [(n, p) for p in pages if len(p) < 40] == []
        assert pages[-1].endswith(last)


def test_cli_writes_docx_and_pdf_and_refuses_an_empty_week(demo_db, tmp_path):
    out = tmp_path / "записка.docx"
    run = subprocess.run([sys.executable, "-m", "report", "--week", WEEK, "--out", str(out), "--db", str(demo_db)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert Document(out).tables[0].rows[1].cells[1].text == "181"
    empty = subprocess.run([sys.executable, "-m", "report", "--week", "2020-W10", "--out", str(tmp_path / "x.pdf"),
                            "--db", str(demo_db)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert empty.returncode == 1
    # A week before the data: said where the data begins and ends.
    bounds = run_query("data_bounds", db=demo_db).row(0, named=True)
    assert empty.stderr.strip() == (f"Ошибка: За период 02.03.2020–08.03.2020 обращений нет: данные в базе — с "
                                    f"{fmt.date(bounds['first_day'])} по {fmt.date(bounds['last_day'])}. Выберите "
                                    "другой период.")
    assert not (tmp_path / "x.pdf").exists()


def test_cli_period_filters_and_bad_input(demo_db, tmp_path, capsys):
    pdf = tmp_path / "ноябрь.pdf"
    assert main(["--from", "2026-11-01", "--to", "2026-11-25", "--theme", "ЖКХ", "--out", str(pdf),
                 "--db", str(demo_db)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert main(["--week", "2026-47", "--out", str(tmp_path / "x.docx"), "--db", str(demo_db)]) == 1
    assert "Неделя «2026-47» не распознана" in capsys.readouterr().err
    assert main(["--week", WEEK, "--out", str(tmp_path / "x.txt"), "--db", str(demo_db)]) == 1
    assert "сохраняется в .docx или .pdf" in capsys.readouterr().err
    assert main(["--from", "2026-11-01", "--out", str(tmp_path / "x.docx"), "--db", str(demo_db)]) == 1
    assert "С --from укажите и --to" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["--week", WEEK])
    assert exit_.value.code == 1
    assert capsys.readouterr().err.startswith("Ошибка в параметрах: ")


def test_cli_narrows_the_note_to_a_municipality(demo_db, tmp_path, capsys):
    """The page's municipality filter is the CLI's too: a scheduled note for one district of a region. (The demo is
    one district: all its 181 appeals of the week are Аскизский район's, and another district has none.)"""
    out = tmp_path / "аскиз.docx"
    assert main(["--week", WEEK, "--municipality", "Аскизский район", "--out", str(out), "--db", str(demo_db)]) == 0
    assert Document(out).tables[0].rows[1].cells[1].text == "181"
    assert "Фильтры: муниципалитет: Аскизский район" in [p.text for p in Document(out).paragraphs]
    capsys.readouterr()
    assert main(["--week", WEEK, "--municipality", "Бейский район", "--out", str(tmp_path / "бея.docx"),
                 "--db", str(demo_db)]) == 1
    assert capsys.readouterr().err.strip() == (
        "Ошибка: Муниципалитет «Бейский район» в базе не найден. Есть: «Аскизский район».")
    assert not (tmp_path / "бея.docx").exists()


def test_cli_names_an_unknown_filter_value_and_a_period_after_the_data(demo_db, tmp_path, capsys):
    """A tester's «--municipality "Аскизский"» (the district is «Аскизский район») and a week after the data's last
    day were both told «обращений нет»: the CLI names the unknown value with the known ones, and a period after the
    data says where the data ends."""
    out = tmp_path / "x.docx"
    assert main(["--week", WEEK, "--municipality", "Аскизский", "--out", str(out), "--db", str(demo_db)]) == 1
    assert capsys.readouterr().err.strip() == (
        "Ошибка: Муниципалитет «Аскизский» в базе не найден. Есть: «Аскизский район».")
    assert main(["--week", WEEK, "--executor", "нет-такого", "--out", str(out), "--db", str(demo_db)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("Ошибка: Исполнитель «нет-такого» в базе не найден. Есть: «"), err
    assert "(код " in err
    assert main(["--week", "2030-W10", "--out", str(out), "--db", str(demo_db)]) == 1
    bounds = run_query("data_bounds", db=demo_db).row(0, named=True)
    assert capsys.readouterr().err.strip() == (
        f"Ошибка: За период 04.03.2030–10.03.2030 обращений нет: данные в базе — с {fmt.date(bounds['first_day'])} по "
        f"{fmt.date(bounds['last_day'])}. Выберите другой период.")
    assert not out.exists()


def test_cli_takes_a_name_as_well_as_a_code(demo_db, tmp_path, capsys):
    """«--executor "Отдел ГО и ЧС"» was refused with «… «Отдел ГО и ЧС» (код go_chs)» (a tester's finding): the name
    the page shows is taken as the code is, as --municipality takes a name."""
    by_name, by_code = tmp_path / "имя.docx", tmp_path / "код.docx"
    assert main(["--week", WEEK, "--executor", "Отдел ГО и ЧС", "--out", str(by_name), "--db", str(demo_db)]) == 0
    assert main(["--week", WEEK, "--executor", "go_chs", "--out", str(by_code), "--db", str(demo_db)]) == 0
    flt = filters_for(*iso_week(WEEK), db=demo_db, executors=["go_chs"])
    total = run_query("overview_kpis", db=demo_db, **flt.compare_params(), as_of=flt.as_of)["total"][0]
    assert total == 2
    for out in (by_name, by_code):
        assert Document(out).tables[0].rows[1].cells[1].text == str(total)
        assert "Фильтры: исполнитель: Отдел ГО и ЧС" in [p.text for p in Document(out).paragraphs]
    assert main(["--week", WEEK, "--settlement", "Кызлас", "--out", str(by_name), "--db", str(demo_db)]) == 0
    assert "Фильтры: населённый пункт: Кызлас" in [p.text for p in Document(by_name).paragraphs]


@pytest.mark.parametrize("command", [["report"], ["etl"], ["etl", "load"]])
def test_cli_help_and_errors_are_russian(command):
    """`--help` printed argparse's English «usage:», «options:», «show this help message and exit»."""
    run = subprocess.run([sys.executable, "-m", *command, "--help"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"Использование: python -m {' '.join(command)} [-h]")
    assert re.search(r"-h, --help +показать эту справку и выйти", run.stdout)   # padded to the longest option
    assert not re.search(r"usage|options:|show this help|positional arguments", run.stdout)
    wrong = subprocess.run([sys.executable, "-m", *command, "--no-such"], cwd=ROOT, capture_output=True, text=True,
                           timeout=120)
    assert wrong.returncode == (1 if command == ["report"] else 2)
    assert wrong.stderr.startswith("Ошибка в параметрах: "), wrong.stderr
    assert not re.search(r"usage|arguments|error:", wrong.stderr), wrong.stderr


@pytest.mark.parametrize("command", [["report"], ["etl", "demo"], ["etl", "load"], ["etl", "train-themes"]])
def test_cli_placeholders_are_russian(command):
    """`python -m etl load --help` showed FILE, PROFILE, DB and the error «не указаны обязательные параметры: FILE»."""
    run = subprocess.run([sys.executable, "-m", *command, "--help"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert re.findall(r"(?:--[\w-]+ |\[|\s)([A-Z][A-Z_]+)\b(?! \(|\w)", run.stdout.split("\n\n")[0]) == []
    assert re.findall(r"--[\w-]+ ([A-Z][A-Z_]+)", run.stdout) == []


def test_cli_names_a_missing_file_in_russian():
    run = subprocess.run([sys.executable, "-m", "etl", "load"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.stderr.startswith("Ошибка в параметрах: не указаны обязательные параметры: ФАЙЛ."), run.stderr


def test_filters_show_in_the_note(demo_db):
    flt = filters_for(dt.date(2026, 11, 1), dt.date(2026, 11, 25), db=demo_db, themes=["ЖКХ"], settlements=["kyzlas"])
    note = build(flt, db=demo_db)
    assert "Фильтры: тема: ЖКХ; населённый пункт: Кызлас" in note.lines
    total = run_query("overview_kpis", db=demo_db, **flt.compare_params(), as_of=flt.as_of)["total"][0]
    assert note.sections[0].table.rows[0][1] == str(total)


def test_the_municipality_filter_shows_in_the_note(demo_db, open_app):
    """A municipality narrows the note's figures: it is named with the other filters (a tester saw «Фильтры: все
    обращения» under a chosen municipality)."""
    import dataclasses

    week = filters_for(*iso_week(WEEK), db=demo_db)
    alone = build(dataclasses.replace(week, municipalities=("Аскизский район",)), db=demo_db)
    assert "Фильтры: муниципалитет: Аскизский район" in alone.lines
    with_theme = dataclasses.replace(filters_for(*iso_week(WEEK), db=demo_db, themes=["ЖКХ"], settlements=["kyzlas"]),
                                     municipalities=("Аскизский район",))
    assert "Фильтры: муниципалитет: Аскизский район; тема: ЖКХ; населённый пункт: Кызлас" in build(with_theme, db=demo_db).lines
    at = open_app(demo_db, "pages/note.py", municipality="Аскизский район")
    shown = next(m.value for m in at.markdown if m.value.startswith("Период: неделя 2026-W47"))
    assert "Фильтры: муниципалитет: Аскизский район  \n" in shown
    assert "Муниципалитет, канал, тема, населённый пункт и исполнитель берутся с боковой панели." in [
        c.value for c in at.caption]


def test_note_page_previews_and_offers_downloads(demo_db, open_app):
    at = open_app(demo_db, "pages/note.py")
    assert at.title[0].value == "Аналитическая записка"
    assert at.selectbox(key="note_week").value == dt.date(2026, 11, 16)  # the last whole week
    assert [s.value for s in at.subheader] == ["Итоги периода", "Темы", "Населённые пункты",
                                               "Сроки и ответственные исполнители", "Удовлетворённость",
                                               "Решено и разъяснено", "Проблемные точки", "Рекомендации"]
    assert any(m.value.startswith("Обращений за период: 181;") for m in at.markdown)
    assert [img.caption for e in at.get("image") for img in e.proto.imgs] == [
        "Обращения по темам", "Обращения по населённым пунктам", "Нарушения сроков по исполнителям",
        "Доля довольных по месяцам поступления, 12 месяцев",
        "Решено, разъяснено и отказано по месяцам поступления, 12 месяцев"]
    assert [b.proto.label for b in at.get("download_button")] == ["Скачать DOCX", "Скачать PDF"]
    # Its tables read as the document's, cells whole: a grid cut the long «Почему» at its edge (a tester's finding).
    assert not at.dataframe
    problems = next(m.value for m in at.markdown
                    if m.value.startswith("| № | Населённый пункт | Тема | Почему | Голосование |"))
    flt = filters_for(*iso_week(WEEK), db=demo_db)
    first = blocks.problem_points(flt, 5, run=lambda n, **p: run_query(n, db=demo_db, **p)).row(0, named=True)
    assert problems.splitlines()[2].startswith(f"| 1 | {first['settlement']} | {first['theme']} | ")
    assert problems.splitlines()[2].replace("\\", "").endswith(f"{first['explanation']} | — |")
    assert problems.splitlines()[3].startswith("| 2 | Кызлас | ЖКХ | ")
    assert problems.splitlines()[3].endswith(" | недавно голосовали 10.08.2026 |")
    at.segmented_control(key="note_mode").set_value("sidebar").run()
    assert not at.exception
    assert any(m.value.startswith("Период: 27.08.2026–25.11.2026 (91 дн.)") for m in at.markdown)


def test_note_page_says_so_for_a_week_without_data(make_db, open_app):
    db = make_db([{"received_at": "2026-05-04 10:00"}, {"received_at": "2026-05-20 10:00"}])
    at = open_app(db, "pages/note.py")
    at.selectbox(key="note_week").set_value(dt.date(2026, 5, 11)).run()
    assert not at.exception
    assert at.info[0].value.startswith("За период 11.05.2026–17.05.2026 обращений нет")


def test_pdf_font_falls_back_to_matplotlibs_dejavu(monkeypatch, tmp_path):
    from report import documents
    monkeypatch.setattr(documents, "FONT_DIRS", [tmp_path, documents.FONT_DIRS[1]])
    assert documents.font_dir() == documents.FONT_DIRS[1]
    monkeypatch.setattr(documents, "FONT_DIRS", [tmp_path])
    with pytest.raises(ValueError, match="fonts-dejavu-core"):
        documents.font_dir()


def test_an_executor_to_hear_names_its_place_out_of_how_many_or_why_it_has_none():
    """«место … 4 из 4», not a bare «4» (a tester read it as a good place); an executor with too few appeals for the
    rating says so instead of nothing, and one the database does not know (no rating row) gets no words at all."""
    import types

    from report.note import recommendations
    by = pl.DataFrame({"grp": ["МУП «ЖКХ»", "Управление соцподдержки", "Неизвестный"], "overdue_open": [5, 3, 1],
                       "answered_late": [1, 0, 0]})
    rating = pl.DataFrame({"executor_id": ["zhkh", "uszn", "a", "b", "c"],
                           "executor": ["МУП «ЖКХ»", "Управление соцподдержки", "А", "Б", "В"],
                           "rank": [4, None, 1, 2, 3], "ranked_of": [4] * 5})
    f = types.SimpleNamespace(by_executor=by, rating=rating, problem_points=pl.DataFrame(),
                              flt=types.SimpleNamespace(has_previous=False),
                              satisfaction=({"rated": 0, "satisfied_share": None}, {"satisfied_share": None}))
    assert recommendations(f).bullets == [
        "Заслушать исполнителя «МУП „ЖКХ“» (место в рейтинге исполнителей: 4 из 4): без ответа после срока — 5, "
        "ответов позже срока — 1.",
        "Заслушать исполнителя «Управление соцподдержки» (в рейтинг исполнителей не вошёл: мало обращений за период): "
        "без ответа после срока — 3, ответов позже срока — 0.",
        "Заслушать исполнителя «Неизвестный»: без ответа после срока — 1, ответов позже срока — 0."]


def test_a_point_voted_on_long_ago_is_proposed_again_with_its_mark():
    """A vote older than the settings' recent days: a new vote may be proposed, and the page's mark says when the
    last one was; a recent vote the votes query does not return (filtered out) still stops the proposal."""
    import types

    from report.note import recommendations
    points = pl.DataFrame({"settlement": ["Бирикчуль", "Кызлас"], "theme": ["ТКО (мусор)", "ЖКХ"],
                           "explanation": ["Бирикчуль, ТКО (мусор): 35 обращений за квартал", "Кызлас, ЖКХ: 84"],
                           "vote": ["голосовали 21.09.2025", "недавно голосовали 10.08.2026"],
                           "action": [None, pp.recheck_action("недавно голосовали 10.08.2026")],
                           "point_action": [None, pp.recheck_action("недавно голосовали 10.08.2026", "«Кызлас — ЖКХ»")],
                           "vote_line": [None, None]})
    f = types.SimpleNamespace(by_executor=pl.DataFrame({"grp": [], "overdue_open": [], "answered_late": []},
                                                       schema={"grp": pl.String, "overdue_open": pl.Int64,
                                                               "answered_late": pl.Int64}),
                              rating=pl.DataFrame({"executor_id": [], "executor": [], "rank": [], "ranked_of": []}),
                              problem_points=points, flt=types.SimpleNamespace(has_previous=False),
                              satisfaction=({"rated": 0, "satisfied_share": None}, {"satisfied_share": None}))
    assert recommendations(f).bullets == [
        "Включить вопрос «Бирикчуль — ТКО (мусор)» в голосование (голосовали 21.09.2025): "
        "Бирикчуль, ТКО (мусор): 35 обращений за квартал",
        "Не выносить вопрос «Кызлас — ЖКХ» на новое голосование (недавно голосовали 10.08.2026), а проверить, как "
        "выполняется его решение."]


# ---- The tester's pass of 27.11.2026: changes, unknown values, file names, document properties, page breaks ----

@pytest.fixture(scope="module")
def demo26(tmp_path_factory):
    """The demo as the tester built it on 26.11.2026 (its last day 26.11.2026)."""
    from etl.demo import build_demo

    path = tmp_path_factory.mktemp("demo26") / "demo.duckdb"
    build_demo(path, seed=42, years=2, end=dt.date(2026, 11, 26))
    return path


def sidebar_filters(db, preset: str, **narrow):
    """The filters the sidebar's preset gives on `db` (the note's «Период боковой панели»)."""
    from mcu.filters import _period

    bounds = run_query("data_bounds", db=db).row(0, named=True)
    return filters_for(*_period(preset, bounds["first_day"], bounds["last_day"], None), db=db, **narrow)


def test_a_change_is_taken_from_unrounded_figures_as_overview_and_the_meeting_take_it(demo26, open_app):
    """Default quarter: «Обзор» showed «Просрочено 17,0 % −2,0 п.п.» and «Медиана 6,7 дн. +0,1 (+1,0 %)», the note
    «17,0 % | 19,1 % | −2,1 п.п.» and «6,7 | 6,7 | 0,0 дн.»: it subtracted the rounded shares, −2,05 is −2,0 (a tester's finding).
    One change, from the unrounded figures, on every page (mcu.ui.change)."""
    from mcu.ui import change

    flt = sidebar_filters(demo26, "quarter")
    assert (flt.date_from, flt.date_to) == (dt.date(2026, 8, 28), dt.date(2026, 11, 26))
    rows = {r[0]: r[1:] for r in build(flt, db=demo26).sections[0].table.rows}
    assert rows["Просрочено, доля обращений со сроком"] == ["17,0\u00a0%", "19,1\u00a0%", "−2,0 п.п."]
    assert rows["Медиана ответа, дн."] == ["6,7", "6,7", "+0,1 (+1,0 %)"]
    kpis = run_query("overview_kpis", db=demo26, **flt.compare_params(), as_of=flt.as_of)
    cur, prev = kpis.row(0, named=True), kpis.row(1, named=True)
    assert round((cur["overdue_share"] - prev["overdue_share"]) * 100, 2) == -2.05   # −2,045…: «−2,0»
    assert rows["Просрочено, доля обращений со сроком"][2] == fmt.minus(
        change(cur["overdue_share"], prev["overdue_share"], share=True))
    # «Обзор» itself, on the same database and period
    overview = {m.label: (m.value, m.delta) for m in open_app(demo26, period="quarter").metric}
    assert overview["Просрочено"] == ("17,0\u00a0%", "−2,0 п.п.")
    assert overview["Медиана ответа"] == ("6,7 дн.", "+0,1 (+1,0 %)")


def test_a_change_of_a_theme_month_is_the_meetings(demo26):
    """Month + ЖКХ: the meeting and «Обзор» «+6,7 п.п.» and «Решено −8,1 п.п.» (31/60 = 51,67 % against 43/72 =
    59,72 %: −8,06), the note «+6,6» and «−8,0»."""
    flt = sidebar_filters(demo26, "month", themes=["ЖКХ"])
    note = build(flt, db=demo26)
    rows = {r[0]: r[1:] for r in note.sections[0].table.rows}
    assert rows["Просрочено, доля обращений со сроком"] == ["20,4\u00a0%", "13,8\u00a0%", "+6,7 п.п."]
    assert rows["Решено, доля решаемых"] == ["51,7\u00a0%", "59,7\u00a0%", "−8,1 п.п."]
    sat = run_query("satisfaction_kpis", db=demo26, **flt.compare_params(), as_of=flt.as_of)
    assert [(round(r["solved_share"] * r["solvable_answered"]), r["solvable_answered"])
            for r in sat.head(2).iter_rows(named=True)] == [(31, 60), (43, 72)]
    results = next(s for s in note.sections if s.key == "results").paragraphs[0]
    assert results.startswith("Отвеченных решаемых обращений: 60; решено 51,7\u00a0% (изменение −8,1 п.п.), ")


@pytest.mark.skipif(not (ROOT.parent / "shared" / "realdata" / "im_export_omsk_2025-12.xlsx").exists(),
                    reason="нет ../shared/realdata")
def test_the_unknown_settlement_is_not_named_as_the_top_one(tmp_path, monkeypatch):
    """The real ИМ export, its settlements not in the reference: the note said «Больше всего обращений — из
    населённого пункта Не определён: 39.» (a tester's finding). No real settlement: it says so, and where to map."""
    from etl.load import load_file

    monkeypatch.setenv("MCU_SALT", "test-salt")
    db = tmp_path / "im.duckdb"
    assert load_file(ROOT.parent / "shared" / "realdata" / "im_export_omsk_2025-12.xlsx", db=db).status == "loaded"
    note = build(filters_for(*iso_week("2025-W52"), db=db), db=db)
    places = next(s for s in note.sections if s.key == "settlements")
    assert places.paragraphs == [
        "Населённый пункт из справочника не определён ни у одного из 39 обращений периода: сопоставьте значения на "
        "странице «Загрузка данных» (раздел «Значения, не найденные в справочниках»)."]
    assert places.table.rows == [["Не определён", "39", "—", "—", "—"]]
    assert places.chart is None   # one «Не определён» bar said nothing


def test_unknown_settlement_theme_and_executor_are_said_apart_from_the_real_ones(make_db):
    """More appeals without a settlement, a theme or an executor than with the top real one: the note leads with
    the real one and says the unknown count in a sentence of its own; an executor not given is no one to hear."""
    from core.reference import UNKNOWN_THEME

    unknown = {"settlement_id": None, "theme": UNKNOWN_THEME, "executor_id": None, "received_at": "2026-11-17 10:00",
               "due_at": "2026-11-18 10:00"}
    db = make_db([unknown] * 3
                 + [{"settlement_id": "askiz", "theme": "Дороги", "received_at": "2026-11-18 10:00",
                     "due_at": "2026-11-19 10:00"}] * 2
                 + [{"settlement_id": "kyzlas", "received_at": "2026-11-19 10:00", "due_at": "2026-12-19 10:00"}])
    note = {s.key: s for s in build(filters_for(*iso_week(WEEK), db=db), db=db).sections}
    assert note["themes"].paragraphs == [
        "Больше всего обращений — по теме «Дороги»: 2 (33,3\u00a0% всех обращений периода).",
        "Ещё 3 обращения — без темы из справочника («Не определено»)."]
    assert note["settlements"].paragraphs == [
        "Больше всего обращений — из населённого пункта Аскиз: 2 (0,3 на 1 000 жителей). Ещё 3 обращения — без "
        "населённого пункта из справочника."]
    assert [r[0] for r in note["deadlines"].table.rows] == ["Исполнитель не указан", "МУП «Аскизское ЖКХ»"]
    assert note["recommendations"].bullets == [
        "Заслушать исполнителя «МУП „Аскизское ЖКХ“» (в рейтинг исполнителей не вошёл: мало обращений за период): без "
        "ответа после срока — 2, ответов позже срока — 0.",
        "Назначить исполнителя обращениям, у которых он не указан или не найден в справочнике: без ответа после "
        "срока — 3, ответов позже срока — 0."]


def test_the_notes_file_names_carry_the_filters_as_tables_do(demo_db, open_app, monkeypatch):
    """The ЖКХ note of W47 downloaded as «записка_2026_неделя_47.docx», as the unfiltered one (a tester's finding);
    a table names its filters («обращения_2026-10-28_2026-11-26_ЖКХ.csv», filters.download_scope)."""
    from streamlit.delta_generator import DeltaGenerator

    names = []
    button = DeltaGenerator.download_button

    def recorded(self, label, data, file_name=None, *args, **kwargs):
        if file_name.startswith("записка"):   # not «Обзор»'s, drawn first
            names.append(file_name)
        return button(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", recorded)
    open_app(demo_db, "pages/note.py", theme="ЖКХ", week="2026-W47", note="week")
    assert names == ["записка_2026_неделя_47_ЖКХ.docx", "записка_2026_неделя_47_ЖКХ.pdf"]
    names.clear()
    at = open_app(demo_db, "pages/note.py", period="month", theme="ЖКХ", settlement="kyzlas")
    names.clear()
    at.segmented_control(key="note_mode").set_value("sidebar").run()
    assert names == ["записка_2026-10-27_2026-11-25_ЖКХ_Кызлас.docx", "записка_2026-10-27_2026-11-25_ЖКХ_Кызлас.pdf"]
    names.clear()
    open_app(demo_db, "pages/note.py", week="2026-W47", note="week")
    assert names == ["записка_2026_неделя_47.docx", "записка_2026_неделя_47.pdf"]


def test_the_documents_properties_are_russian(week, tmp_path):
    """Word's «Сведения» read «python-docx», «generated by python-docx», created 23.12.2013 (the library's template);
    the PDF named no author (a tester's finding)."""
    _flt, note, doc = week
    props = doc.core_properties
    assert (props.author, props.title, props.comments, props.last_modified_by, props.language, props.keywords) == (
        "Тепловая карта МЦУ", "Аналитическая записка о работе с обращениями граждан", "", "Тепловая карта МЦУ",
        "ru-RU", "")
    now = dt.datetime.now(dt.timezone.utc)
    assert now - dt.timedelta(hours=1) < props.created <= now and props.modified == props.created
    import zipfile
    app = zipfile.ZipFile(io.BytesIO(to_docx(note))).read("docProps/app.xml").decode()
    assert "<Application>Тепловая карта МЦУ</Application>" in app and "Microsoft" not in app
    if shutil.which("pdfinfo"):
        pdf = tmp_path / "записка.pdf"
        pdf.write_bytes(to_pdf(note))
        info = dict(line.split(":", 1) for line in subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                                   text=True, check=True).stdout.splitlines())
        assert {k: info[k].strip() for k in ("Title", "Author", "Creator")} == {
            "Title": "Аналитическая записка о работе с обращениями граждан", "Author": "Тепловая карта МЦУ",
            "Creator": "Тепловая карта МЦУ"}
        assert not [v for v in info.values() if re.search(r"python|fpdf|PyFPDF", v, re.I)]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="нет pdftotext (apt-get install -y poppler-utils)")
def test_a_heading_stays_with_what_follows_it(demo26, tmp_path):
    """W47 of the tester's demo: «Проблемные точки» and «Найдена 1 точка:» sat at the foot of page 4, their table on
    page 5 (a tester's finding). A heading, its paragraphs and the first row of its table (its first bullet, its
    chart its title) share a page; in the DOCX the heading and the lines before a table or chart keep with the next."""
    note = build(filters_for(*iso_week(WEEK), db=demo26), db=demo26)
    pages = page_texts(to_pdf(note), tmp_path)
    lead = next(i for i, p in enumerate(pages) if "Проблемные точки Сочетания населённого пункта" in p)
    assert "Найдена 1 точка: № Населённый пункт Тема Почему" in pages[lead]
    assert "Кызлас, ЖКХ: 9 обращений за неделю при ожидаемых" in pages[lead]   # the table's first row
    for title in ("Итоги периода", "Темы", "Населённые пункты", "Сроки и ответственные исполнители",
                  "Удовлетворённость", "Решено и разъяснено", "Рекомендации"):
        page = next(p for p in pages if f" {title} " in f" {p} ")
        assert not page.endswith(title), title
    # However much comes before it, a heading and its table's first row share a page.
    from report.note import Note, Section, Table

    table = Table(["№", "Населённый пункт", "Почему"], [["1", "Балыкса", "причина " * 30], ["2", "Кызлас", "—"]])
    for n in range(26, 34):   # 29 and 30 lines before it left the heading alone
        filler = Section("f", "Раздел", [f"Строка {i}." for i in range(n)])
        pages = page_texts(to_pdf(Note("Записка", ["Период"], [filler, Section("p", "Точки", ["Найдена 1 точка:"],
                                                                                    table=table)])), tmp_path)
        page = next(p for p in pages if "Точки Найдена" in p)
        assert "Найдена 1 точка: № Населённый пункт Почему" in page and "1 Балыкса" in page, n
    doc = Document(io.BytesIO(to_docx(note)))
    heads = [p for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert heads and all(p.paragraph_format.keep_with_next or p.style.paragraph_format.keep_with_next for p in heads)
    found = next(p for p in doc.paragraphs if p.text.startswith("Сочетания населённого пункта"))
    assert found.paragraph_format.keep_with_next
    assert all(p.paragraph_format.keep_with_next for p in doc.paragraphs if p.text.startswith("Обращения по темам"))


def test_a_chart_never_leaves_its_title_behind(week, demo26, monkeypatch):
    """A chart went to the next page without its title when its picture was taller than the fixed 70 mm kept for it
    (the tight layout of W47 on the tester's demo left «Обращения по населённым пунктам» at page 2's foot)."""
    from report import documents

    breaks = []
    image = documents._PDF.image

    def recorded(self, *args, **kwargs):
        page = self.page
        result = image(self, *args, **kwargs)
        breaks.append(self.page != page)
        return result

    monkeypatch.setattr(documents._PDF, "image", recorded)
    for note in (week[1], build(filters_for(*iso_week(WEEK), db=demo26), db=demo26)):
        for tight in (False, True):
            breaks.clear()
            documents._draw(note, tight)
            assert breaks == [False] * 5, tight
