"""Загрузка данных: upload exports, see what was detected, load them, read the report; the import history."""

import polars as pl
import streamlit as st

from etl import classify, review
from etl.load import FileRefused, detect, file_progress, load_file, record_refusal
from etl.match import REVIEWED
from etl.privacy import mask_expr, withhold_expr
from etl.profile import Profile, ProfileError
from etl.report import mask_file_name
from core.reference import limits
from mcu import fmt, uploads
from mcu.export import rejects_file_name, rejects_sheet
from mcu.names import channel_name, profile_title
from mcu.settings import db_path
from mcu.ui import (SHOWN_OUTCOME, md, q, row_cells, saving, shortened, shown_dates, start_work, table,
                    wait_for_work)

SOURCES = {"auto": "Определить по заголовкам", "pos": "ПОС «Решаем вместе»", "im": "Инцидент Менеджмент",
           "letters": "Обращения граждан (59-ФЗ)", "votes": "Итоги голосований",
           "custom": "Свой формат (профиль TOML)"}
COUNTS = {"rows_read": "Прочитано", "loaded": "Новых", "updated": "Обновлено", "duplicate": "Дубликатов",
          "rejected": "Отклонено"}
REVIEW_KINDS = {"settlement": "Населённые пункты", "executor": "Исполнители", "theme": "Темы"}
REJECT_COLS = {"source_row": "Строка файла", "reason": "Причина", "raw": "Значения строки"}


def key_value(info: dict) -> pl.DataFrame:
    return pl.DataFrame({"Что определено": list(info), "Значение": [str(v) for v in info.values()]})


st.title("Загрузка данных")
st.caption("Выгрузки ПОС, Инцидент Менеджмента, журнала обращений по 59-ФЗ и итоги голосований — XLSX или CSV. "
           "Файл загружается целиком или не загружается вовсе; повторная загрузка ничего не удваивает, "
           "а более свежая выгрузка обновляет статусы, ответы и оценки.")

left, right = st.columns([3, 2])
files = left.file_uploader("Файлы выгрузок", type=["xlsx", "xls", "xlsm", "csv", "tsv", "txt"],
                           accept_multiple_files=True, key="upload_files")
choice = right.selectbox("Источник", list(SOURCES), format_func=SOURCES.get, key="upload_source")
source = None if choice == "auto" else choice
profile = None
if source == "custom":
    profile_file = right.file_uploader("Профиль источника (TOML)", type=["toml"], key="upload_profile")
    if profile_file is None:
        right.info("Для своего формата приложите профиль: какие столбцы файла что означают. "
                   "Образец — etl/profiles/custom_example.toml, описание — docs/profiles.md.")
    else:
        try:
            profile = Profile.from_toml(profile_file.getvalue().decode("utf-8"))
        except (ProfileError, UnicodeDecodeError) as e:
            right.error(f"Профиль не принят: {md(str(e))}")

ready, refused = [], []
for upload in files or []:
    shown = mask_file_name(upload.name)   # told masked as the load tells it: a file may be named after its author
    try:
        # The upload is on disk only while it is read (it holds personal data): detection keeps the table.
        with uploads.saved(upload.name, upload.getvalue()) as path:
            det = detect(path, source=source, profile=profile, file_name=shown)
    except FileRefused as e:
        # In the import history too, once however often the page checks the file (etl.load.record_refusal).
        record_refusal(upload.getvalue(), str(e), file_name=upload.name, db=db_path())
        # Marked and open: among several files a refusal in a collapsed «Файл X» went unseen.
        refused.append(shown)
        with st.expander(f"Файл {md(shown)} — не принят", expanded=True):
            st.error(md(str(e)), icon=":material/block:")
        continue
    with st.expander(f"Файл {md(shown)}", expanded=len(files) == 1):
        info, mapping = st.columns([2, 3])
        info.dataframe(key_value(det.describe()), hide_index=True)
        # The field's Russian name only: «номер», not «номер (external_id)».
        mapping.dataframe(det.mapping_frame().rename({"поле": "Поле модели", "столбец файла": "Столбец файла"})
                          .with_columns(pl.col("Поле модели").str.replace(r" \([a-z_]+\)$", "")), hide_index=True)
        st.caption("Первые строки файла (ФИО, телефоны, e-mail и ссылки на профили скрыты)")
        # Masked as loaded rows are, and the applicant's own columns withheld, as in rejects.
        hide = det.withheld()
        head = shown_dates(det.table.df.head(20).select(
            (withhold_expr(pl.col(c)) if c in hide else mask_expr(pl.col(c))).alias(c)
            for c in det.table.df.columns))   # dates as 22.11.2026, empty as «—»; no download
        # A column of dates keeps them whole where the wide preview narrows its text columns («25.12.2025 08:3»).
        moments = {c: st.column_config.Column(width=135 if head[c].str.len_chars().max() > 10 else 95)
                   for c in head.columns if head[c].null_count() < head.height
                   and head[c].drop_nulls().str.contains(r"^\d\d\.\d\d\.\d{4}(?: \d\d:\d\d)?$").all()}
        table(head, None, column_config=moments)
        ready.append(upload)

accepted = f"Принято к загрузке: {fmt.num(len(ready))} из {fmt.num(len(files or []))}"
if refused:
    st.warning(md(f"{accepted}; не приняты: {', '.join(refused)}. Причины — в разделах этих файлов выше; исправьте "
                  "файлы и выберите их снова."), icon=":material/warning:")
elif len(ready) > 1:
    st.caption(f"{accepted}.")

# The uploads chosen, loaded once. A second click during a load makes Streamlit start the page anew at once, and the
# runs around the load's end could start it again (a second report, all duplicates, in place of the real one): a
# load runs under the session (start_work) and these uploads are not loaded twice. Choosing the files anew does.
chosen = sorted(u.file_id for u in ready)
if ready and st.button(f"Загрузить в базу: {fmt.num(len(ready))} {fmt.plural(len(ready), 'файл', 'файла', 'файлов')}",
                       type="primary", key="upload_go"):
    if chosen != st.session_state.get("upload_loaded"):
        st.session_state["upload_loaded"] = chosen

        def load_all(progress):
            reports = []
            for i, upload in enumerate(ready):
                with uploads.saved(upload.name, upload.getvalue()) as path:
                    reports.append(load_file(path, source=source, profile=profile, file_name=upload.name,
                                             progress=file_progress(progress, i, len(ready), upload.name)))
            return reports
        start_work("upload_work", load_all, "Загрузка…")
    elif "upload_work" not in st.session_state:
        st.info("Эти файлы уже загружены — отчёт ниже. Чтобы загрузить их ещё раз, выберите файлы заново.",
                icon=":material/info:")
# Streamlit's «Stop» stops the page, not the load (a file loads whole or not at all): the page keeps a bar that no
# longer moves, and the report is shown by the page's next run. The note says so while the load runs.
BACKGROUND = ("Загрузка идёт в фоне; остановить её нельзя — файл загрузится целиком или не загрузится вовсе. Если "
              "страница остановлена, загрузка всё равно продолжится, а отчёт появится здесь при следующем действии "
              "на странице.")
if (reports := wait_for_work("upload_work", note=BACKGROUND)) is not None:
    st.session_state["upload_reports"] = reports
    st.rerun()   # queries are cached by database version: the sidebar and every page see the new data at once

FIX_NOTE = ("исправьте их в выгрузке и загрузите файл снова — или исправьте файл CSV / Excel под таблицей (в нём строки "
            "в столбцах выгрузки), удалите его первые два столбца, «Строка файла» и «Причина», и загрузите его")


def rejected_rows(rejects: pl.DataFrame, name: str, key: str, heading: bool = True) -> None:
    """The rows, why each was rejected and its cells; the files hold the rows as the export had them (one column a
    source column), to fix in Excel and load again."""
    if heading:
        st.markdown(f"**Отклонённые строки** — {FIX_NOTE}")
    shown = rejects.with_columns(pl.col("raw").map_elements(row_cells, return_dtype=pl.String))
    table(shown.rename(REJECT_COLS), name, download=lambda: rejects_sheet(rejects), wrap=["Причина"],
          column_config={"Строка файла": st.column_config.Column(width=70)}, download_key=key)


for i, r in enumerate(st.session_state.get("upload_reports", [])):
    st.subheader(f"Отчёт: {md(r.file_name)}")
    if not r.ok:
        st.error(md(r.message), icon=":material/block:")
        if r.rejects is not None and r.rejects.height:   # every row rejected: the file is refused, its rows shown
            rejected_rows(r.rejects, rejects_file_name(r.file_name), f"rejects_report_{i}")
        continue
    waited = f" (и {fmt.num(r.waited, 1)} с ожидания другой загрузки)" if r.waited >= 0.5 else ""
    st.success(f"Загружено за {fmt.num(r.seconds, 1)} с{waited}, запись № {r.import_id} в истории загрузок.",
               icon=":material/check_circle:")
    for warning in r.warnings:
        st.warning(md(warning), icon=":material/warning:")
    for col, (attr, label) in zip(st.columns(len(COUNTS)), COUNTS.items()):
        col.metric(label, fmt.num(getattr(r, attr)), border=True)
    if r.skewed:
        st.info(f"Ответ раньше регистрации в пределах допуска: строк — {fmt.num(r.skewed)}. Часы двух систем немного "
                "расходятся; такие строки загружены как отвеченные в момент регистрации (допуск — в "
                "data/reference/deadlines.toml).", icon=":material/schedule:")
    if r.rejected:
        rejected_rows(r.rejects, rejects_file_name(r.file_name, r.import_id), f"rejects_report_{i}")
    if r.unmatched.height:
        # A status (or a result) the profile lacks is not mapped in the review list but in the profile.
        in_profile = not r.unmatched["что"].is_in(list(REVIEWED)).all()
        st.markdown("**Не найдено в справочниках** — строки загружены; сопоставьте значения ниже, в разделе "
                    "«Значения, не найденные в справочниках»" + (
                        "; статусы и другие значения, которых нет в профиле, там не сопоставляются — их вписывают в "
                        "профиль (что сделать, сказано в столбце «Итог»)" if in_profile else ""))
        table(r.unmatched.rename({"что": "Что", "значение": "Значение", "строк": "Строк", "итог": "Итог"},
                                 strict=False), f"не_сопоставлено_{r.import_id}_{i}", wrap=["Значение", "Итог"])

st.header("История загрузок")
if not db_path().exists():
    st.info("База ещё не создана: загрузите первую выгрузку выше.", icon=":material/database:")
    st.stop()
history = q("import_history")
if history.is_empty():
    st.info("Загрузок ещё не было: база собрана без выгрузок (например, демо-база).", icon=":material/history:")
else:
    # Channels by name, not by code («im»).
    history = history.with_columns(pl.col("source").replace(SOURCES),
                                   pl.col("profile").map_elements(profile_title, return_dtype=pl.String))
    full = history.rename({"import_id": "№", "file_name": "Файл", "source": "Источник", "profile": "Профиль",
                           "finished_at": "Загружен", "message": "Итог", **COUNTS})
    # The grid fits 1280 px with the names and outcomes whole (wrapped; a file's name, one long word, is broken where
    # its line ends): the outcome («Итог») holds the new, updated and duplicate counts, the profile names the channel;
    # the files hold every column.
    px = {"№": 45, "Файл": 150, "Профиль": 120, "Загружен": 132, "Прочитано": 90, "Отклонено": 90, "Итог": 253}
    shown = full.with_columns(pl.col("Итог").map_elements(lambda t: shortened(t, SHOWN_OUTCOME), return_dtype=pl.String))
    table(shown.select(list(px)), "история_загрузок", download=full, wrap=["Файл", "Профиль", "Итог"],
          column_config={c: st.column_config.Column(width=w) for c, w in px.items()})
    with_rejects = history.filter(pl.col("rejected") > 0)
    if not with_rejects.is_empty():
        labels = dict(zip(with_rejects["import_id"], with_rejects["file_name"]))
        pick = st.selectbox("Отклонённые строки загрузки", list(labels), key="upload_rejects_pick",
                            format_func=lambda k: f"№ {k}: {labels[k]}")
        st.caption(f"Отклонённые строки — {FIX_NOTE}.")
        rejected_rows(q("import_rejects", import_id=pick), rejects_file_name(labels[pick], pick), "rejects_history",
                      heading=False)

def review_section() -> None:
    """The values exports gave that the reference does not know, mapped by the curator (etl/review.py)."""
    st.header("Значения, не найденные в справочниках")
    if done := st.session_state.pop("review_done", None):
        st.success(done, icon=":material/check_circle:")
    waiting = q("unmatched_values", limit=limits()["pages"]["review_values"])
    if waiting.is_empty():
        st.info("Все населённые пункты, исполнители и темы в базе сопоставлены со справочниками.",
                icon=":material/task_alt:")
        return
    st.caption("Обращения с этими значениями уже загружены и учтены: без населённого пункта или исполнителя, с "
               "темой «Не определено». Выберите для значения запись справочника или «Принять как новый» либо "
               "отметьте «Принять предложение» (запись, похожая по написанию, — только предложение: без отметки она "
               "не сохраняется) и нажмите «Сохранить»: выбор запишется в справочники и сразу применится к "
               "загруженным обращениям, а следующие выгрузки будут узнавать это значение. Значения без выбора и "
               "без отметки остаются ждать.")
    kinds = [d for d in review.DIMS if d in set(waiting["dim"])]
    if st.session_state.get("review_dim") not in kinds:
        st.session_state["review_dim"] = kinds[0]
    total = dict(waiting.select("dim", "waiting").unique().iter_rows())
    dim = st.segmented_control("Что сопоставить", kinds, key="review_dim",
                               format_func=lambda d: f"{REVIEW_KINDS[d]}: {fmt.num(total[d])}") or kinds[0]
    rows = waiting.filter(pl.col("dim") == dim)
    targets = q("review_targets").filter(pl.col("dim") == dim)
    labels = {review.LATER: "— оставить несопоставленным —",
              **({} if dim == "theme" else {review.NEW: "Принять как новый"}),
              **dict(zip(targets["target"], targets["label"]))}
    if total[dim] > rows.height:
        st.caption(f"Показаны {fmt.num(rows.height)} самых частых из {fmt.num(total[dim])}; следующие появятся, "
                   "когда эти будут сопоставлены.")
    with st.form(f"review_form_{dim}", border=False):
        # The choice starts empty; the suggestion sits beside it and counts only when ticked (review.decide).
        suggested = {}
        for r in rows.iter_rows(named=True):
            choice, hint = st.columns([3, 2], vertical_alignment="bottom")
            choice.selectbox(f"{md(fmt.quoted(r['value']))} — обращений: {fmt.num(r['rows'])} ({md(channel_name(r['source']))})",
                             list(labels), format_func=labels.get, key=review.widget_key(dim, r["value"]),
                             help=f"В выгрузке рядом: {md(r['context'])}" if r["context"] else None)
            if r["suggestion"] in labels:
                suggested[r["value"]] = r["suggestion"]
                hint.checkbox(f"Принять предложение: {md(labels[r['suggestion']])}",
                              key=review.accept_key(dim, r["value"]),
                              help="Сохраняется, только если отмечено и в списке слева ничего не выбрано.")
        saved = st.form_submit_button("Сохранить", type="primary", key="review_save")
    if saved:
        choices, passed = review.read_choices(dim, rows["value"], suggested, st.session_state)
        try:
            with saving("Сохранение выбора…") as on_wait:
                changed = review.apply_choices(choices, on_wait=on_wait)
        except ValueError as e:
            st.error(str(e), icon=":material/block:")
            return
        # The list wins over a tick (the tick's help says so); the message names the ticks passed over.
        over = (" Выбор в списке важнее отметки: предложение не сохранено для "
                + ", ".join(md(fmt.quoted(v)) for v in passed) + "." if passed else "")
        st.session_state["review_done"] = (f"Сохранено в справочники значений: {fmt.num(changed['values'])}; "
                                           f"обращений обновлено: {fmt.num(changed['records'])}.{over}")
        st.rerun()


def predictions_section() -> None:
    """Themes predicted from the text, confirmed or corrected by the curator (etl/classify.py)."""
    st.header("Темы, определённые по тексту")
    if done := st.session_state.pop("predictions_done", None):
        st.success(done, icon=":material/check_circle:")
    rows = q("theme_predictions", limit=limits().get("classify", {}).get("review_predictions", 30))
    if rows.is_empty():
        st.info("Тем, определённых по тексту и ждущих проверки, нет.", icon=":material/task_alt:")
        return
    st.caption(f"Обращения без темы в выгрузке (или с темой, которой нет в справочниках) получили тему по тексту. "
               f"Ниже — самые неуверенные из {fmt.num(rows['waiting'][0])}: тема ниже порога уверенности "
               f"({fmt.num(classify.min_confidence() * 100)} %) не назначена — обращение в «Не определено», подсказка "
               "выбрана. Подтвердите подсказку или выберите другую тему и нажмите «Сохранить»: темы сразу применятся, "
               "а исправления войдут в следующее обучение (python -m etl train-themes).")
    themes = q("review_targets").filter(pl.col("dim") == "theme")["target"].to_list()
    options = [review.LATER, *themes]
    names = {review.LATER: "— не решать сейчас —"} | {t: t for t in themes}
    with st.form("predictions_form", border=False):
        for r in rows.iter_rows(named=True):
            state = "назначена" if r["applied"] else "не назначена"
            st.selectbox(f"{r['channel']} № {md(r['external_id'])}, {fmt.date(r['received'])}, "
                         f"{md(r['settlement'] or '—')}: {md(fmt.quoted((r['text'] or '')[:300]))} — по тексту "
                         f"{fmt.quoted(r['suggestion'])}, уверенность {fmt.num(r['confidence'] * 100)} % ({state})", options,
                         index=options.index(r["suggestion"]) if r["suggestion"] in names else 0,
                         format_func=names.get, key=f"predicted_{r['appeal_id']}")
        saved = st.form_submit_button("Сохранить", type="primary", key="predictions_save")
    if saved:
        choices = {a: st.session_state[f"predicted_{a}"] for a in rows["appeal_id"]}
        try:
            with saving("Сохранение тем…") as on_wait:
                n = classify.apply_themes({a: t for a, t in choices.items() if t != review.LATER}, on_wait=on_wait)
        except ValueError as e:
            st.error(str(e), icon=":material/block:")
            return
        st.session_state["predictions_done"] = f"Темы сохранены: обращений — {fmt.num(n)}."
        st.rerun()


review_section()
predictions_section()
