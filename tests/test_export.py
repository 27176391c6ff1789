"""Downloads: CSV for Russian Excel, XLSX; formula injection neutralised; Russian formats."""
import datetime as dt
import io

import polars as pl

from mcu import fmt
from mcu.export import as_shown, to_csv, to_xlsx

DF = pl.DataFrame({
    "Тема": ["=HYPERLINK(\"x\")", "Дороги", "+7 999", "-1", "@SUM(A1)", "обычный"],
    "Доля": [0.5, 1.25, None, 2.0, 3.0, 4.5],
    "Дата": [dt.date(2026, 11, 22)] * 6,
    "Просрочено": [True, False, None, True, False, True],
})


def test_csv_is_utf8_bom_semicolon_with_neutralised_formulas():
    data = to_csv(DF)
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data[3:].decode("utf-8").splitlines()
    assert lines == [
        "Тема;Доля;Дата;Просрочено",
        "\"'=HYPERLINK(\"\"x\"\")\";0,5;22.11.2026;да",
        "Дороги;1,25;22.11.2026;нет",
        "'+7 999;—;22.11.2026;—",
        "'-1;2,0;22.11.2026;да",
        "'@SUM(A1);3,0;22.11.2026;нет",
        "обычный;4,5;22.11.2026;да",
    ]


def test_xlsx_round_trip_keeps_cyrillic_and_text():
    back = pl.read_excel(io.BytesIO(to_xlsx(DF, "Данные")))
    assert back.columns == ["Тема", "Доля", "Дата", "Просрочено"]
    assert back["Тема"].to_list() == ["'=HYPERLINK(\"x\")", "Дороги", "'+7 999", "'-1", "'@SUM(A1)", "обычный"]
    assert back["Дата"].to_list()[0] in (dt.date(2026, 11, 22), dt.datetime(2026, 11, 22))


def test_russian_formats():
    assert fmt.num(1234.5, 1) == "1\u00a0234,5"
    assert fmt.num(15110) == "15\u00a0110"
    assert fmt.num(None) == "—"
    assert fmt.pct(0.123) == "12,3\u00a0%"
    assert fmt.date(dt.date(2026, 11, 22)) == "22.11.2026"
    assert fmt.signed(-3.5, 1, " п.п.") == "-3,5 п.п."
    assert fmt.signed(12) == "+12"
    assert fmt.signed(-0.04, 1) == "0,0"
    assert fmt.month(dt.date(2026, 3, 1)) == "март 2026"


def test_downloads_show_what_the_screen_shows():
    """Shares in percent with the unit in the header, one decimal, да/нет, «—» for empty; XLSX alike."""
    from mcu.export import as_shown

    df = pl.DataFrame({"Исполнитель": ["Отдел", None], "Балл": [89.40000000000001, None], "Доля": [0.94444, None],
                       "Доволен": [True, False], "Просрочка": [0, 3], "Срок": [dt.date(2026, 11, 22), None]})
    out = as_shown(df, percent=["Доля"], labels={"Просрочка": {0: "< 1"}})
    lines = to_csv(out)[3:].decode("utf-8").splitlines()
    assert lines == ["Исполнитель;Балл;Доля, %;Доволен;Просрочка;Срок",
                     "Отдел;89,4;94,4;да;< 1;22.11.2026",
                     "—;—;—;нет;3;—"]
    # The XLSX keeps a worded number a number, worded by its cell format: a column of numbers sorts and sums
    # (a tester found «< 1» among the days made the column text).
    data = to_xlsx(as_shown(df, percent=["Доля"], labels={"Просрочка": {0: "< 1"}}, excel=True),
                   labels={"Просрочка": {0: "< 1"}})
    back = pl.read_excel(io.BytesIO(data))
    assert back.row(0) == ("Отдел", 89.4, 94.4, "да", 0, dt.date(2026, 11, 22))
    assert back["Просрочка"].dtype == pl.Int64 and back["Просрочка"].to_list() == [0, 3]
    import zipfile
    styles = zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml").decode()
    assert 'formatCode="[=0]&quot;&lt; 1&quot;;0"' in styles
    # Booleans given straight to to_xlsx are да/нет too, not TRUE/FALSE.
    assert pl.read_excel(io.BytesIO(to_xlsx(df.select("Доволен"))))["Доволен"].to_list() == ["да", "нет"]


def test_xlsx_date_columns_are_wide_enough():
    import zipfile

    sheet = zipfile.ZipFile(io.BytesIO(to_xlsx(DF))).read("xl/worksheets/sheet1.xml").decode()
    # Column C holds the dates: at least 10 characters wide, so Excel shows 22.11.2026, not ####.
    import re
    widths = {int(m[1]): float(m[2]) for m in re.finditer(r'<col min="(\d+)" max="\d+" width="([\d.]+)"', sheet)}
    assert widths[3] >= 10


def test_growth_shares_are_parts_of_the_gross_change():
    """Issue 12: +74 and −58 (net +16) were «462,5 %» and «−362,5 %» of the net change; as parts of the gross
    change (132) they are 56,1 % and −43,9 %, and the absolute shares add up to 100 %."""
    from mcu.growth import gross_shares

    full = pl.DataFrame({"item": ["ЖКХ", "Дороги", "Спорт"], "change": [74, -58, 0]})
    shares = gross_shares(full)["share_of_change"].to_list()
    assert [fmt.pct(v) for v in shares] == ["56,1\u00a0%", "-43,9\u00a0%", "0,0\u00a0%"]
    assert gross_shares(full.with_columns(change=pl.lit(0)))["share_of_change"].to_list() == [None] * 3


def test_kpi_share_names_a_small_base():
    """Issue 12: «Довольны 0,0 %» on 6 appeals with no base; now the card says the base or «мало данных»."""
    from mcu.ui import share_value, small_base

    assert share_value(None, 0) == "—"
    assert share_value(1.0, 1) == "мало данных (1)"
    # «4,2 % из 24» read as a share of 24 per cent (a tester's finding): the count the share is of, in words.
    assert share_value(4 / 7, 7) == "57,1\u00a0% (4 из 7)"
    assert share_value(1 / 24, 24) == "4,2\u00a0% (1 из 24)"
    assert share_value(0.5, 30) == "50,0\u00a0%"
    assert share_value(None, 12, text="3,73") == "3,73 (12 оценок)"
    assert share_value(None, 21, text="4,10") == "4,10 (21 оценка)"
    assert small_base(4, 100) and not small_base(5, 5)


def test_executor_colours_follow_the_place():
    """Issue 12: on a high-scoring day the bottom three were green; now green is the top three, red the last."""
    from mcu.charts_monitoring import GREEN, GREY, RED, _score_colors

    assert _score_colors(pl.Series([95.0, 94, 93, 92, 91, 90, 89, 88])) == [GREEN] * 3 + [GREY] * 2 + [RED] * 3
    assert _score_colors(pl.Series([90.0, 80])) == [GREEN, RED]


def test_heatmap_labels_stand_upright_with_many_settlements():
    """Issue 12: with 23+ settlements the slanted column labels overlapped; upright, with room above."""
    from mcu import charts

    places = [f"Населённый пункт {i}" for i in range(24)]
    matrix = pl.DataFrame({"theme": ["ЖКХ"] * 24, "settlement": places, "appeals": list(range(24))})
    fig = charts.heatmap(matrix, "appeals", "Количество")
    assert fig.layout.xaxis.tickangle == -90 and fig.layout.margin.t >= 7 * len(places[-1])
    few = charts.heatmap(matrix.head(5), "appeals", "Количество")
    assert few.layout.xaxis.tickangle == -40


def test_a_date_in_the_screens_own_format_is_written_so():
    """A month shown «08.2026» was written «01.08.2026» in the CSV: the CSV writes the screen's format, the XLSX keeps
    the date with the matching cell format; a column of text under the same name is left as it is."""
    import zipfile

    df = pl.DataFrame({"Месяц": [dt.date(2026, 8, 1), None], "Обращений": [3, 4]})
    csv = to_csv(as_shown(df, dates={"Месяц": "%m.%Y"})).decode("utf-8-sig").splitlines()
    assert csv == ["Месяц;Обращений", "08.2026;3", "—;4"]
    data = to_xlsx(as_shown(df, excel=True, dates={"Месяц": "%m.%Y"}), dates={"Месяц": "%m.%Y"})
    assert pl.read_excel(io.BytesIO(data))["Месяц"].to_list() == [dt.date(2026, 8, 1), None]
    assert 'formatCode="mm.yyyy"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/styles.xml").decode()
    assert as_shown(pl.DataFrame({"Месяц": ["08.2026"]}), dates={"Месяц": "%m.%Y"})["Месяц"].to_list() == ["08.2026"]


def test_the_excel_file_names_its_period_and_filters():
    """Downloads carried no period or filters (a tester's finding): the XLSX has them on a sheet «Условия» after the
    data's, which stays a bare table; the CSV stays a bare table."""
    about = [("Период", "27.08.2026–25.11.2026 (91 дн.)"), ("Фильтры", "тема: ЖКХ"), ("Состояние на", "25.11.2026")]
    data = to_xlsx(DF, "Данные", about=about)
    sheets = pl.read_excel(io.BytesIO(data), sheet_id=0, has_header=False)
    assert list(sheets) == ["Данные", "Условия"]
    assert sheets["Условия"].rows() == about
    assert pl.read_excel(io.BytesIO(data)).equals(pl.read_excel(io.BytesIO(to_xlsx(DF, "Данные"))))
