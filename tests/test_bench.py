"""The benchmark runs end to end on a small size and reports every figure as a ratio (no timing asserted)."""
import polars as pl

from bench.__main__ import PAGE_QUERIES, RESULTS, main


def test_bench_reports_every_query_and_the_load(capsys):
    assert main(["--rows", "3000", "--export-rows", "300", "--repeat", "1", "--daily-rows", "50"]) == 0
    out = capsys.readouterr().out
    for name in PAGE_QUERIES:
        assert f"запрос {name}" in out
    assert "наша загрузка ПОС, 300 строк" in out
    assert "ежедневная выгрузка 50 строк в большую базу" in out
    table = pl.read_csv(RESULTS / "latest.csv")
    assert "классификатор тем, 300 текстов" in out
    assert table.height == len(PAGE_QUERIES) + 7
    assert table["rows"].unique().to_list() == [3000]
    assert table.filter(pl.col("что").str.contains("(база)", literal=True))["отношение"].to_list() == [1.0, 1.0, 1.0, 1.0]
    # every page query has its floor, and the load its peak memory
    queries = table.filter(pl.col("что").str.starts_with("запрос "))
    assert queries["пол, с"].null_count() == 0 and queries["к полу"].null_count() == 0
    assert table.filter(pl.col("что").str.starts_with("наша загрузка"))["пик памяти, МБ"].null_count() == 0
