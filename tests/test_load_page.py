"""AppTest for «Загрузка данных»: upload, detection shown, report, history; works with no database at all."""
import time
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
FIX = ROOT / "tests" / "fixtures" / "exports"


@pytest.fixture
def page(tmp_path, monkeypatch):
    db = tmp_path / "mcu.duckdb"
    monkeypatch.setenv("MCU_DB", str(db))
    monkeypatch.setenv("MCU_SALT", "test-salt")
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/upload.py")
    at.run()
    assert not at.exception, at.exception
    return at, db


def test_upload_into_no_database_creates_it_and_reports(page):
    at, db = page
    assert at.title[0].value == "Загрузка данных"
    assert not db.exists()
    assert any("База ещё не создана" in i.value for i in at.info)
    at.file_uploader(key="upload_files").set_value([
        ("pos_messages_cp1251.csv", (FIX / "pos_messages_cp1251.csv").read_bytes(), "text/csv"),
        ("corrupt.xlsx", (FIX / "corrupt.xlsx").read_bytes(), "application/octet-stream"),
    ]).run()
    assert not at.exception, at.exception
    # Detection shown for the good file, a plain refusal for the broken one.
    assert any("Файл Excel повреждён" in e.value for e in at.error)
    detected = at.dataframe[0].value
    assert dict(zip(detected["Что определено"], detected["Значение"]))["кодировка"] == "Windows-1251"
    at.button(key="upload_go").click().run()
    assert not at.exception, at.exception
    assert db.exists()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Прочитано": "9", "Новых": "4", "Обновлено": "0", "Дубликатов": "1", "Отклонено": "4"}
    assert any(s.value.startswith("Загружено за") for s in at.success)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM appeals").fetchone() == (4,)
    con.close()
    assert [h.value for h in at.main.header] == ["История загрузок", "Значения, не найденные в справочниках",
                                                "Темы, определённые по тексту"]
    # The sidebar filters now see the loaded data: every page shows it at once.
    assert [h.value for h in at.sidebar.header] == ["Фильтры"]
    assert at.selectbox(key="upload_rejects_pick").value == 1


def test_refused_files_are_marked_open_and_summed_up(page):
    # 7 files chosen, 6 refused: each refusal sat in a collapsed expander titled just «Файл X», and the button said
    # «Загрузить в базу: 1 файл» with no word of the other six.
    from mcu.ui import md

    at, _ = page
    refused = ["corrupt.xlsx", "empty.csv", "binary.csv", "unknown_encoding.csv", "wrong_columns.csv", "nash_gorod.csv"]
    at.file_uploader(key="upload_files").set_value(
        [("pos_messages_cp1251.csv", (FIX / "pos_messages_cp1251.csv").read_bytes(), "text/csv")]
        + [(name, (FIX / name).read_bytes(), "application/octet-stream") for name in refused]).run()
    assert not at.exception, at.exception
    shown = [(e.label, e.proto.expanded) for e in at.expander]
    assert shown == [(md("Файл pos_messages_cp1251.csv"), False)] + [
        (md(f"Файл {name} — не принят"), True) for name in refused]
    (summary,) = [w.value for w in at.warning if w.value.startswith("Принято к загрузке")]
    assert summary == md("Принято к загрузке: 1 из 7; не приняты: " + ", ".join(refused)
                         + ". Причины — в разделах этих файлов выше; исправьте файлы и выберите их снова.")
    assert at.button(key="upload_go").label == "Загрузить в базу: 1 файл"
    # None accepted: the summary says so, and there is nothing to load.
    at.file_uploader(key="upload_files").set_value(
        [(name, (FIX / name).read_bytes(), "application/octet-stream") for name in refused[:2]]).run()
    assert [w.value for w in at.warning if w.value.startswith("Принято к загрузке")] == [md(
        "Принято к загрузке: 0 из 2; не приняты: corrupt.xlsx, empty.csv. Причины — в разделах этих файлов выше; "
        "исправьте файлы и выберите их снова.")]
    assert not [b for b in at.button if b.key == "upload_go"]


def test_custom_source_asks_for_a_profile(page):
    at, _ = page
    at.selectbox(key="upload_source").set_value("custom").run()
    assert not at.exception
    assert any("приложите профиль" in i.value for i in at.info)
    at.file_uploader(key="upload_profile").set_value(
        ("nash.toml", (ROOT / "etl" / "profiles" / "custom_example.toml").read_bytes(), "text/plain")).run()
    at.file_uploader(key="upload_files").set_value(
        ("nash_gorod.csv", (FIX / "nash_gorod.csv").read_bytes(), "text/csv")).run()
    assert not at.exception and not at.error
    at.button(key="upload_go").click().run()
    assert {m.label: m.value for m in at.metric}["Новых"] == "2"





def _work_with_progress():
    import threading

    import streamlit as st

    from mcu.ui import start_work, wait_for_work

    release = threading.Event()

    def work(progress):
        release.wait(30)   # still running when the second start comes
        progress(0.2, "проверка строк: 9 строк")
        # As polars calls the load's masking: from a thread of its own, the last call.
        worker = threading.Thread(target=progress, args=(0.5, "обезличивание текстов: 50 000 из 100 000 строк"))
        worker.start()
        worker.join()
        return 42

    start_work("job", work, "Загрузка…")
    start_work("job", lambda progress: 0, "Не та")   # one under the key still runs: not started
    release.set()
    st.session_state["result"] = wait_for_work("job")
    st.session_state["again"] = wait_for_work("job")   # read once

    def fails(progress):
        raise ValueError("файл испорчен")
    start_work("bad", fails, "Ещё одна")
    try:
        wait_for_work("bad")
    except ValueError as e:
        st.session_state["error"] = str(e)


def _slow_work():
    import time

    import streamlit as st

    from mcu.ui import start_work, wait_for_work

    def work(progress):
        progress(0.5, "обезличивание текстов: 0 из 60 000 строк")
        time.sleep(3.6)
        return 7

    start_work("slow", work, "Загрузка…")
    st.session_state["result"] = wait_for_work("slow")


def test_a_long_step_shows_how_long_the_work_has_run():
    # A 60 000-row real export held the bar on «обезличивание текстов: 0 из 60 000 строк» for ~15 s with nothing
    # moving: after a few seconds the bar says how long the work has run.
    at = AppTest.from_function(_slow_work).run(timeout=20)
    assert not at.exception, at.exception
    (bar,) = at.get("progress")
    assert bar.proto.text == "обезличивание текстов: 0 из 60 000 строк · идёт 3 с"
    assert at.session_state["result"] == 7


def _slow_work_with_note():
    import time

    import streamlit as st

    from mcu.ui import start_work, wait_for_work

    def work(progress):
        progress(0.5, "запись в базу")
        time.sleep(0.5)
        return 7

    start_work("slow", work, "Загрузка…")
    st.session_state["result"] = wait_for_work("slow", note="Идёт в фоне.")


def test_a_note_stays_under_the_bar():
    # Streamlit's «Stop» mid-load: the load goes on (it is atomic) but the stopped page kept a stale bar for 45 s and
    # said nothing. A note under the bar, sent with it, tells what goes on whatever happens to the page.
    at = AppTest.from_function(_slow_work_with_note).run(timeout=20)
    assert not at.exception, at.exception
    assert [(e.type, e.value) for e in at.main.children.values()] == [("progress", 50), ("caption", "Идёт в фоне.")]
    assert at.session_state["result"] == 7


def test_the_clock_reads_minutes_and_seconds():
    from mcu.ui import _with_clock

    now = time.monotonic()
    assert _with_clock({"now": (0.3, "запись в базу"), "done": False, "started": now - 125.4}) == (
        0.3, "запись в базу · идёт 2 мин 05 с")
    assert _with_clock({"now": (0.3, "запись в базу"), "done": False, "started": now - 1}) == (0.3, "запись в базу")
    assert _with_clock({"now": (1.0, "готово"), "done": True, "started": now - 59.9}) == (1.0, "готово · идёт 59 с")


def test_long_work_shows_its_progress_from_any_thread():
    at = AppTest.from_function(_work_with_progress).run()
    assert not at.exception, at.exception
    bar, other = at.get("progress")
    # The last call wins, whichever thread made it; the work's result and its error come back to the page.
    assert (bar.proto.value, bar.proto.text) == (50, "обезличивание текстов: 50 000 из 100 000 строк")
    assert other.proto.text in ("Ещё одна",)
    assert (at.session_state["result"], at.session_state["again"], at.session_state["error"]) == (42, None, "файл испорчен")


def test_a_load_waiting_for_another_says_so(tmp_path, monkeypatch):
    # A load started in a second tab while another ran showed «проверка строк: 20 строк» for 18 s: it was waiting for
    # the other load's writer lock (etl/build.py). The bar says it waits until the lock is taken.
    import fcntl
    import threading

    from etl.load import load_file

    monkeypatch.setenv("MCU_SALT", "test-salt")
    db = tmp_path / "mcu.duckdb"
    said = []
    other = open(db.with_name(f".{db.name}.lock"), "w")   # another load holds the database
    fcntl.flock(other, fcntl.LOCK_EX)
    reports = []
    began = time.perf_counter()
    worker = threading.Thread(target=lambda: reports.append(load_file(
        FIX / "pos_messages_cp1251.csv", db=db, progress=lambda share, text: said.append((share, text)))))
    worker.start()
    try:
        for _ in range(100):
            if said and said[-1][1].startswith("ожидание"):
                break
            time.sleep(0.1)
        time.sleep(0.3)   # and it stays so while the other load runs
        # The texts are masked before the database is waited for: that work is not held up by the other load.
        assert [(round(share, 6), text) for share, text in said] == [
            (0.0, "чтение файла"), (0.1, "проверка строк: 9 строк"), (0.2, "обезличивание текстов: 0 из 4 строк"),
            (0.85, "обезличивание текстов: 4 из 4 строк"), (0.85, "ожидание: идёт другая загрузка в эту базу…")]
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        other.close()
    worker.join(60)
    assert reports[0].status == "loaded", reports[0].message
    assert said[5] == (0.85, "подготовка базы к записи")
    # The time waited is told apart from the load's own (a tester: «Загружено за 11,5 с» for 6 rows after 10 s).
    total = time.perf_counter() - began
    assert reports[0].waited >= 0.3
    assert reports[0].seconds + reports[0].waited <= total and reports[0].seconds < total - 0.3
    assert said[-1] == (0.9, "запись в базу")


def test_the_preview_withholds_the_applicants_columns_but_leaves_an_empty_cell_empty(page):
    # «[скрыто]» in an empty cell says there was something: the rejects leave it empty, the preview did not.
    at, _ = page
    text = ("Номер сообщения;Дата создания;Категория;Подкатегория;Статус;Ответственный;Фамилия;Текст сообщения\n"
            "1;10.11.2026 10:00;Дороги;Ямы;Новое;Отдел;Цой;Яма у дома\n"
            "2;10.11.2026 11:00;Дороги;Ямы;Новое;Отдел;;Яма у школы\n")
    at.file_uploader(key="upload_files").set_value([("pos.csv", text.encode(), "text/csv")]).run()
    assert not at.exception, at.exception
    preview = at.dataframe[2].value
    assert preview["Фамилия"].tolist() == ["[скрыто]", "—"]


def test_a_file_whose_every_row_is_rejected_shows_the_rows_under_its_refusal(page):
    # «…по причинам отклонения строк (они перечислены ниже)»: a refused file kept no rejects in the history, and the
    # page showed none (a tester).
    at, _ = page
    text = ("Номер сообщения;Дата создания;Категория;Подкатегория;Статус;Ответственный\n"
            "1,23457E+11;10.11.2026 10:00;Дороги;Ямы;Новое;Отдел\n"
            "б/н;10.11.2026 11:00;Дороги;Ямы;Новое;Отдел\n")
    at.file_uploader(key="upload_files").set_value([("spoiled.csv", text.encode(), "text/csv")]).run()
    at.button(key="upload_go").click().run()
    assert not at.exception, at.exception
    assert any("(они перечислены ниже)" in e.value for e in at.error)
    shown = at.dataframe[-1].value
    assert shown["Строка файла"].tolist() == [2, 3]
    assert shown["Причина"].str.startswith(("номер испорчен Excel", "нет значения «номер»")).tolist() == [True, True]


def test_history_and_review_name_profiles_and_channels_not_their_codes(page):
    """«Загрузка данных» showed codes (a tester's finding): the review's values ended with «(pos)», the history's
    «Профиль» read `pos`, `votes`. Profiles are named by their title, channels by their name."""
    from mcu.names import channel_name, profile_title

    assert [profile_title(p) for p in ("pos", "im", "letters", "votes", "nash_gorod")] == [
        "ПОС «Решаем вместе»", "Инцидент Менеджмент (ЦУР)", "Обращения граждан (59-ФЗ)", "Итоги голосований",
        "nash_gorod"]  # a user's own profile, not shipped, keeps its name
    assert [channel_name(c) for c in ("im", "letters", "other")] == ["Инцидент Менеджмент",
                                                                      "Письменные обращения (59-ФЗ)", "other"]
    at, _db = page
    at.file_uploader(key="upload_files").set_value([
        ("pos_messages_cp1251.csv", (FIX / "pos_messages_cp1251.csv").read_bytes(), "text/csv"),
        ("votes.tsv", (FIX / "votes.tsv").read_bytes(), "text/tab-separated-values")]).run()
    at.button(key="upload_go").click().run()
    assert not at.exception, at.exception
    history = next(d.value for d in at.dataframe if "Профиль" in d.value.columns)
    assert sorted(history["Профиль"]) == ["Итоги голосований", "ПОС «Решаем вместе»"]
    labels = [s.label for s in at.selectbox if s.key and s.key.startswith("review_")]
    assert labels and all(label.endswith("(ПОС «Решаем вместе»)") for label in labels), labels


REAL_IM = ROOT.parent / "shared" / "realdata" / "im_export_omsk_2025-12.xlsx"


@pytest.fixture
def downloads(monkeypatch):
    """The page's download buttons as {file name: the file's bytes} (built as a click builds them)."""
    from streamlit.delta_generator import DeltaGenerator

    files = {}
    button = DeltaGenerator.download_button

    def recorded(self, label, data, file_name=None, *args, **kwargs):
        files[file_name] = data
        return button(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", recorded)
    return files


@pytest.mark.skipif(not REAL_IM.exists(), reason="нет ../shared/realdata")
def test_the_preview_shows_the_exports_dates_in_russian(page):
    # «Общее время первого ответа 2025-12-25 08:36:39» (a tester): the reader hands an Excel cell over as ISO text.
    at, _ = page
    at.file_uploader(key="upload_files").set_value([(REAL_IM.name, REAL_IM.read_bytes(), "application/octet-stream")]).run()
    assert not at.exception, at.exception
    preview = at.dataframe[2].value
    assert preview["Общее время первого ответа"].tolist()[:2] == ["25.12.2025 08:36", "25.12.2025 09:26"]
    assert preview["Дата создания"].tolist()[:2] == ["24.12.2025 20:06", "24.12.2025 20:06"]
    assert preview["Время назначения последнего исполнителя"].tolist()[:2] == ["05.01.2026 08:16", "25.12.2025 08:38"]
    # Whole in their columns, where the wide preview narrows text columns to 100 px («25.12.2025 08:3»).
    import json
    widths = json.loads(at.dataframe[2].proto.columns)
    assert (widths["Общее время первого ответа"]["width"], widths["Дата создания"]["width"]) == (135, 135)
    # A duration is no date: as the export writes it.
    assert preview["Время с начала создания инцидента до окончания"].tolist()[:2] == ["11 дн. 12:10:25", "4 дн. 14:22:16"]


def _card():
    import datetime as dt
    import json

    from mcu.appeals import appeal_card

    appeal_card({"number": "717475", "channel": "Инцидент Менеджмент", "status": "Закрыто",
                 "received": dt.datetime(2025, 12, 24, 20, 6), "due": None, "answered": None, "overdue": None,
                 "theme": "Дороги", "subtheme": None, "settlement": "Омск", "address": None, "executor": None,
                 "result": None, "rating": None, "satisfied": None, "text": "Яма",
                 "extra": json.dumps({"Время назначения последнего исполнителя": "2025-12-25 14:59:52",
                                      "Дата окончания": "2026-01-05 00:00:00", "Дата": "2026-01-05",
                                      "Время с начала создания инцидента до окончания": "11 дн. 12:10:25",
                                      "Аудитория": "2899"}, ensure_ascii=False)})


def test_the_card_shows_the_exports_own_dates_in_russian():
    # «Время назначения последнего исполнителя: 2025-12-25 14:59:52» under «Прочие столбцы выгрузки» (a tester).
    at = AppTest.from_function(_card).run()
    assert not at.exception, at.exception
    from mcu.ui import md

    assert at.markdown[-1].value == "  \n".join(f"{md(k)}: {md(v)}" for k, v in (
        ("Время назначения последнего исполнителя", "25.12.2025 14:59"), ("Дата окончания", "05.01.2026"),
        ("Дата", "05.01.2026"), ("Время с начала создания инцидента до окончания", "11 дн. 12:10:25"),
        ("Аудитория", "2899")))


def test_rejected_rows_download_in_the_exports_columns_named_after_it(page, downloads, tmp_path):
    # The rejects' CSV held each row's cells in one JSON cell («{"Кабинет": "Омская область", …}») and was named
    # «отклонено_загрузка_6.csv» (a tester): a curator could neither fix it in Excel nor tell which export it was.
    from etl.load import load_file

    at, db = page
    at.file_uploader(key="upload_files").set_value(
        [("pos_messages_cp1251.csv", (FIX / "pos_messages_cp1251.csv").read_bytes(), "text/csv")]).run()
    at.button(key="upload_go").click().run()
    assert not at.exception, at.exception
    # The report's and the history's files alike. An empty cell is empty (`""`, Excel's empty cell), not «—»: loaded
    # again, «—» would be a value.
    assert {"отклонено_pos_messages_cp1251_загрузка_1.csv", "отклонено_pos_messages_cp1251_загрузка_1.xlsx"} <= set(downloads)
    names = [n for n in downloads if n.startswith("отклонено")]
    assert names == ["отклонено_pos_messages_cp1251_загрузка_1.csv", "отклонено_pos_messages_cp1251_загрузка_1.xlsx"]
    text = downloads["отклонено_pos_messages_cp1251_загрузка_1.csv"]().decode("utf-8-sig")
    assert text.splitlines() == [
        "Строка файла;Причина;№ сообщения;Дата создания;Категория;Подкатегория;Статус;Дата ответа;Ответственный;"
        "Населенный пункт;Текст сообщения",
        "8;дата регистрации не распознана: «32.01.2025» (столбец «Дата создания»);100005;32.01.2025;Дороги;Светофоры на "
        "дорогах в границах городских округов и сельских поселений;Новое;\"\";Отдел дорожного хозяйства и транспорта;Аскиз;"
        "Не работает светофор",
        "9;дата ответа (10.01.2025 08:00) раньше даты регистрации (14.01.2025 08:00);100006;14.01.2025 08:00;Дороги;Ямы "
        "и выбоины на тротуарах;Ответ дан;10.01.2025 08:00;Отдел дорожного хозяйства и транспорта;Аскиз;Яма на тротуаре",
        "10;дата регистрации в будущем: 15.01.2031 08:00;100007;15.01.2031 08:00;Экология;Неприятные запахи;Новое;\"\";"
        "Отдел по охране окружающей среды;Аскиз;Запах",
        "12;нет значения «номер» (столбец «№ сообщения»);\"\";16.01.2025 08:00;Прочее;Тестовая категория;Новое;\"\";\"\";\"\";"
        "без номера"]
    # Fixed in Excel and loaded again, as the export: its four rows are new, none rejected.
    fixed = (text.replace(";32.01.2025;", ";31.01.2025;").replace(";10.01.2025 08:00;", ";15.01.2025 08:00;")
             .replace(";15.01.2031 08:00;", ";15.01.2025 09:00;").replace(';"";16.01.2025 08:00;', ";100008;16.01.2025 08:00;"))
    path = tmp_path / "отклонено_pos_messages_cp1251_загрузка_1.csv"
    path.write_text(fixed, encoding="utf-8-sig")
    report = load_file(path, source="pos", db=db)
    assert (report.rows_read, report.loaded, report.rejected) == (4, 4, 0), report.message
    # On the page: the row, the reason, the row's cells as «столбец: значение», not JSON.
    rejects = at.dataframe[-1].value
    assert rejects.columns.tolist() == ["Строка файла", "Причина", "Значения строки"]
    assert rejects["Значения строки"].tolist()[3] == (
        "Дата создания: 16.01.2025 08:00; Категория: Прочее; Подкатегория: Тестовая категория; Статус: Новое; "
        "Текст сообщения: без номера")


def test_history_and_rejects_read_whole_at_1280(page):
    # At 1280 px the history cut file names to «im_export_oms…» (five loads read alike), hid «Итог», and the reject
    # reason was cut at «…«31.02.2026 25» (a tester): in the 900 px beside the sidebar every column is there, and the
    # names, outcomes and reasons wrap whole.
    import json

    from mcu.ui import PAD_PX, _lines

    at, _ = page
    at.file_uploader(key="upload_files").set_value(
        [("pos_messages_cp1251.csv", (FIX / "pos_messages_cp1251.csv").read_bytes(), "text/csv")]).run()
    at.button(key="upload_go").click().run()
    assert not at.exception, at.exception
    history = next(d for d in at.dataframe if "Загружен" in d.value.columns)
    rejects = at.dataframe[-1]
    assert history.value.columns.tolist() == ["№", "Файл", "Профиль", "Загружен", "Прочитано", "Отклонено", "Итог"]
    # (cut at a word within 200 letters: every row of the grid is as tall as its tallest; the file holds it whole)
    assert history.value["Итог"].tolist() == [
        "загружено 4, обновлено 0, дубликатов 1, отклонено 4; требуют внимания: исполнитель — строк 1, населённый "
        "пункт — строк 1; строк с прежним состоянием обращения, которое есть в файле ещё раз (тот же …"]
    for grid, wrapped in ((history, ["Файл", "Профиль", "Итог"]), (rejects, ["Причина"])):
        widths = json.loads(grid.proto.columns)
        if grid is history:
            assert sum(widths[c]["width"] for c in grid.value.columns) <= 900
        lines = (grid.proto.row_height - 14) // 21
        for c in wrapped:
            assert max(_lines(v, widths[c]["width"] - PAD_PX) for v in grid.value[c]) <= lines, c
    # The rejects' cells, shown after the reason, have the rest (the grid sizes them to at most 500 px).
    assert sum(json.loads(rejects.proto.columns)[c]["width"] for c in ("Строка файла", "Причина")) <= 400
    # A moment the grid draws as text, «27.11.2026 01:14», fits its column unbroken.
    assert json.loads(history.proto.columns)["Загружен"]["width"] >= 16 * 7 + PAD_PX
