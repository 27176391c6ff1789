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


def test_growth_plot_takes_the_latest_run_of_each_size(tmp_path):
    from PIL import Image

    from bench.plot import plot, read_runs

    def run(name, rows, seconds):
        path = tmp_path / name
        pl.DataFrame({"что": ["запрос overview_kpis", "наша загрузка ПОС, 100 строк"], "секунд": [seconds, 2.0],
                      "отношение": [3.0, 40.0], "rows": [rows, rows], "export_rows": [100, 100]}).write_csv(path)
        return path

    runs = read_runs([run("a.csv", 1000, 0.5), run("b.csv", 1000, 0.25), run("c.csv", 10_000, 0.75)])
    got = runs.filter(pl.col("что") == "запрос overview_kpis").select("rows", "секунд").rows()
    assert got == [(1000, 0.25), (10_000, 0.75)]
    out = plot(runs, tmp_path / "growth.png")
    assert Image.open(out).size == (1320, 550)
