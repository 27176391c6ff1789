"""Проблемные точки: the ranked cells worth putting to a public vote, each with its reasons; the votes held and
what followed them; information risks of ИМ incidents; the «дорожная карта» draft (DESIGN.md §4, §6 page 6)."""
import polars as pl
import streamlit as st

from mcu import filters, fmt, new_problems
from mcu import problems as pp
from mcu.appeals import COLUMNS, appeal_list
from mcu.query import db_version, run_query
from mcu.ui import empty_state, md, q, table

PCT = st.column_config.NumberColumn(format="percent")


def width(px: int) -> dict:
    return st.column_config.Column(width=px)


SHOWN_ON_TOP = 10
LIST_ROWS = 50   # the point's appeals shown in the grid, as a page of the Тепловая карта's list

flt = filters.page("Проблемные точки", "Состояние на конец дня {as_of}.")
try:
    settings = pp.problem_settings()
except ValueError as e:
    st.error(str(e))
    st.stop()

with st.expander("Как отбираются и ранжируются точки", expanded=False):
    st.markdown("\n\n".join(settings.explain()))

filters.view("pp_level", "points", pp.LEVELS, "theme")   # in the URL as the sidebar filters are
level = st.segmented_control("Разрез", list(pp.LEVELS), format_func=pp.LEVELS.get, key="pp_level") or "theme"
points = q("problem_points", **flt.params(), as_of=flt.as_of, **settings.params(level))
votes = q("votes_effect", **settings.votes_query(flt))
draft = pp.vote_draft(points, flt.days, settings)

tab_points, tab_map, tab_votes, tab_risks, tab_new = st.tabs(
    ["Рейтинг точек", "Дорожная карта", f"Голосования ({fmt.num(votes.height)})", "Информационные риски",
     "Новые проблемы"])

with tab_points:
    if points.is_empty():
        empty_state("За период нет клеток с аномально большим числом обращений. Расширьте период, снимите фильтры "
                    "или посмотрите разрез по подтемам.")
    else:
        st.markdown(pp.points_heading(points.height, SHOWN_ON_TOP))
        lines = []
        for r in points.head(SHOWN_ON_TOP).to_dicts():
            mark = f" :orange-badge[{pp.vote_mark(r)}]" if r["vote_id"] else ""
            lines.append(f"{r['rank']}. {pp.explain_point(r, flt.days, settings.min_base)}{mark}")
        st.markdown("\n".join(lines))
        st.caption("Список для выгрузки — проект вопросов для голосования: вопрос составлен по теме, с цифрами и "
                   "ответственным исполнителем. Точки, по которым уже голосовали, отмечены, а не скрыты.")
        shown = points.select(
            "rank", "settlement", "topic", "appeals", "repeat_share", "satisfied_share", "overdue_share", "executor",
            "score", "monthly",
        ).with_columns(draft["Ожидалось"].alias("expected"),
                       # The files' shares: none from fewer ratings / deadlines than min_base (100 % from 1 rating).
                       draft["Довольны"].alias("satisfied_share"), draft["Просрочено"].alias("overdue_share"))
        # The grid fits 1440 px: the previous period's count and the vote are in the explanations above and in
        # the files (the draft holds every column).
        table(shown.select("rank", "settlement", "topic", "monthly", "appeals", "expected", "repeat_share",
                           "satisfied_share", "overdue_share", "score", "executor").rename({
            "rank": "Место", "settlement": "Населённый пункт", "topic": "Подтема" if level == "subtheme" else "Тема",
            "appeals": "Обращений", "expected": "Ожидалось", "repeat_share": "Повторные", "satisfied_share": "Довольны",
            "overdue_share": "Просрочено", "executor": "Исполнитель", "score": "Балл",
            "monthly": "За 12 мес."}),
            "проблемные_точки_вопросы", download=draft, download_key="pp_points",
            column_config={"Повторные": PCT | width(85), "Довольны": PCT | width(80), "Просрочено": PCT | width(90),
                           "За 12 мес.": st.column_config.BarChartColumn(y_min=0, width=120),
                           "Место": width(50), "Населённый пункт": width(125), "Подтема": width(115), "Тема": width(115),
                           "Обращений": width(85), "Ожидалось": width(85), "Балл": width(60), "Исполнитель": width(145)})

        st.subheader("Точка подробно")
        keys = list(range(points.height))
        label = {i: f"{r['rank']}. {r['settlement']}, {r['topic']}" for i, r in enumerate(points.to_dicts())}
        pick = st.selectbox("Точка", keys, format_func=label.get, key="pp_point")
        row = points.row(pick or 0, named=True)
        st.markdown(pp.explain_point(row, flt.days, settings.min_base))
        action = pp.vote_action(row)
        todo = (f"**Что сделать:** {action}" if action else
                f"**Вопрос для голосования (проект):** {pp.question(row, settings.questions)}")
        st.markdown(f"{todo}  \n"
                    f"**Ответственный:** {row['executor'] or 'не указан'}; балл {fmt.num(row['score'], 1)}")
        st.plotly_chart(pp.history_chart(row["monthly"], flt.date_to), width="stretch",
                        config={"displayModeBar": False}, key="pp_history")
        st.caption("Обращения клетки по месяцам за последние 12 месяцев (крайние месяцы могут быть неполными).")
        held = votes.filter((votes["settlement_id"] == row["settlement_id"]) & (votes["theme"] == row["theme"]))
        for v in held.to_dicts():
            st.info(f"Голосование {pp.vote_line(v)}. Варианты: {pp.options_text(v['options'])}.",
                    icon=":material/how_to_vote:")
        # The Тепловая карта's list of the point's cell: the same columns and card (the source's own columns too).
        cell = dict(**flt.params(), as_of=flt.as_of, settlement=row["settlement_id"], theme=row["theme"],
                    subtheme=row["topic"] if level == "subtheme" else None)
        items = q("appeals_list", **cell, limit=LIST_ROWS, offset=0)
        total = items["total"].first() or 0
        st.markdown(f"Обращения точки за период: **{fmt.num(total)}**"
                    + (f", показаны последние {fmt.num(items.height)} (в файлах — все)" if total > items.height else "")
                    + ". Щёлкните строку — откроется карточка обращения с полным текстом.")
        appeal_list(items.drop("total"), f"обращения_{row['settlement']}", "pp_appeals",
                    download=lambda: run_query("appeals_list", **cell, limit=total, offset=0).drop("total").rename(COLUMNS))

with tab_map:
    plan = pp.roadmap(points, flt.days, flt.date_to, settings)
    if plan.is_empty():
        empty_state("Точек нет — дорожную карту составлять не по чему.")
    else:
        first = (f"первым {fmt.num(plan.height)} из {fmt.num(points.height)} точек" if points.height > plan.height
                 else f"первым {fmt.num(plan.height)} точкам")
        review = plan["Дата пересмотра"].unique()
        when = f" Пересмотреть — {fmt.date(review[0])}." if review.len() == 1 else ""
        st.markdown(f"Проект «дорожной карты» по {first}: ответственный, что сделать и что "
                    f"отслеживать. Цель — вернуть число обращений к ожидаемому.{when}")
        # Five columns whole (wrapped) at 1280 px: the count now and the goal are in «Что отслеживать», the review date
        # above (one for every point), a vote «Что сделать» does not name beside it; the files hold every column.
        vote = pl.col("Голосование")
        todo = (pl.when(vote.is_not_null() & ~pl.col("Что сделать").str.contains(vote, literal=True))
                .then(pl.format("{} ({})", pl.col("Что сделать"), vote)).otherwise(pl.col("Что сделать")))
        grid = plan.select("Место", pl.concat_str(pl.col("Населённый пункт", "Тема").fill_null(fmt.DASH),
                                                    separator=", ").alias("Точка"),
                           "Ответственный исполнитель", todo.alias("Что сделать"), "Что отслеживать")
        if review.len() > 1:
            grid = grid.with_columns(plan["Дата пересмотра"])
        table(grid, "дорожная_карта", download=plan,
              wrap=["Точка", "Ответственный исполнитель", "Что сделать", "Что отслеживать"],
              column_config={"Место": width(55)})

with tab_votes:
    if votes.is_empty():
        empty_state(pp.no_votes_text(q("votes_total")["votes"][0]))
    else:
        st.markdown("\n".join(f"- **{v['settlement'] or 'Территория не указана'}, {v['theme'] or 'тема не указана'}**: "
                              f"{pp.vote_line(v)}" for v in votes.to_dicts()))
        st.caption(f"До и после — обращения по той же теме в том же пункте за {fmt.num(settings.votes['window_days'])} "
                   "дн. до начала и после окончания голосования, в пересчёте на 30 дней (по дням, которые есть в данных).")
        # A vote still running has no result yet: its shares so far are under «Варианты» (pp.vote_line: «лидирует»).
        table(votes.with_columns(pl.Series("options", [pp.options_text(v["options"]) for v in votes.to_dicts()],
                                           dtype=pl.String),
                                 *(pl.when(pl.col("running")).then(None).otherwise(pl.col(c)).alias(c)
                                   for c in ("winner", "winner_share")))
              .select("vote_id", "title", "settlement", "theme", "started_at", "ended_at", "participants", "winner",
                      "winner_share", "options", "appeals_before", "before_per_30", "appeals_after", "after_per_30",
                      "change", "verdict").rename({
                  "vote_id": "Номер", "title": "Голосование", "settlement": "Населённый пункт", "theme": "Тема",
                  "started_at": "Начало", "ended_at": "Окончание", "participants": "Участников",
                  "winner": "Итог", "winner_share": "Доля итога", "options": "Варианты",
                  "appeals_before": "Обращений до", "before_per_30": "До, в месяц",
                  "appeals_after": "Обращений после", "after_per_30": "После, в месяц", "change": "Изменение",
                  "verdict": "Вывод"}), "голосования",
              column_config={"Доля итога": PCT, "Изменение": PCT}, signed=["Изменение"])

with tab_risks:
    risk = settings.risk_params()
    # The tab is about one channel: the channel filter either keeps ИМ or leaves nothing to show.
    scope = {k: v for k, v in flt.params().items() if k != "sources"}
    im_shown = not flt.sources or "im" in flt.sources
    incidents = q("info_risks", **scope, as_of=flt.as_of, **risk)
    cells = q("info_risks_cells", **scope, as_of=flt.as_of, **risk)
    st.markdown(f"Инциденты «Инцидент Менеджмент» с большим охватом, по которым нет ответа, ответ дан с опозданием "
                f"или автор недоволен. Охват = аудитория + {fmt.num(risk['engagement_weight'])} × вовлечённость; "
                f"риск = охват × вес проблемы (нет ответа — {pp.setting_text(risk['w_open'])}, автор недоволен — "
                f"{pp.setting_text(risk['w_unsatisfied'])}, опоздание — {pp.setting_text(risk['w_late'])}).")
    if not im_shown:
        empty_state("Канал «Инцидент Менеджмент» исключён фильтром «Канал»: добавьте его, чтобы увидеть риски.")
    elif incidents.is_empty():
        empty_state("За период нет инцидентов ИМ с охватом и проблемой ответа.")
    else:
        st.subheader("Клетки с наибольшим риском")
        st.markdown("\n".join(f"{i}. {pp.explain_risk_cell(r)}" for i, r in enumerate(cells.head(5).to_dicts(), 1)))
        table(cells.drop("settlement_id").rename({
            "settlement": "Населённый пункт", "theme": "Тема", "incidents": "Инцидентов", "risky": "С проблемой",
            "open": "Без ответа", "unsatisfied": "Недовольны", "late": "С опозданием", "audience": "Аудитория",
            "engagement": "Вовлечённость", "risk": "Риск"}), "информационные_риски_клетки")
        st.subheader("Инциденты")
        st.markdown("\n".join(f"{i}. {pp.explain_incident(r)}" for i, r in enumerate(incidents.head(5).to_dicts(), 1)))
        table(incidents.select("external_id", "received_at", "settlement", "theme", "subtheme", "executor", "audience",
                               "engagement", "issue", "due_at", "answered_at", "risk").rename({
            "external_id": "Номер", "received_at": "Поступило", "settlement": "Населённый пункт", "theme": "Тема",
            "subtheme": "Подтема", "executor": "Исполнитель", "audience": "Аудитория", "engagement": "Вовлечённость",
            "issue": "Проблема", "due_at": "Срок", "answered_at": "Ответ", "risk": "Риск"}),
            "информационные_риски_инциденты")


@st.cache_data(show_spinner=False, max_entries=64)
def similar_groups(version: int, params: dict, settings: new_problems.Settings) -> pl.DataFrame:
    """Grouping costs a second or two: once per database version, filters and scope."""
    return new_problems.groups(run_query("new_problem_texts", **params), settings)


with tab_new:
    ns = new_problems.Settings.load()
    before_from, recent_from = ns.windows(flt.date_to)
    themes = q("review_targets").filter(pl.col("dim") == "theme")["target"].to_list()
    scope = st.selectbox("Где искать", [None, *themes], key="np_scope",
                         format_func=lambda t: "Обращения без уверенной темы («Не определено»)" if t is None
                         else f"Внутри темы {fmt.quoted(t)}")
    params = {**flt.params(), "date_from": before_from, "recent_from": recent_from, "theme": scope,
              "limit": new_problems.MAX_TEXTS}
    found = similar_groups(db_version(), params, ns)
    st.markdown(f"Похожие по словам обращения сгруппированы; показаны группы, где за последние "
                f"{fmt.num(ns.recent_weeks)} нед. ({fmt.date(recent_from)}–{fmt.date(flt.date_to)}) обращений не меньше "
                f"{fmt.num(ns.min_group)} и больше, чем за {fmt.num(ns.recent_weeks)} нед. до того — проблема, у которой "
                "ещё нет названия в справочниках. Тексты обезличены.")
    if found.is_empty():
        empty_state("Растущих групп похожих обращений нет. Выберите другую тему или расширьте фильтры.")
    else:
        for i, g in enumerate(found.head(SHOWN_ON_TOP).to_dicts(), 1):
            lean = f"; по тексту ближе всего к теме {fmt.quoted(g['suggestion'])}" if g["suggestion"] else ""
            st.markdown(f"**{i}. {g['words']}** — {fmt.num(g['recent'])} обращ. за последние недели против "
                        f"{fmt.num(g['previous'])} до того; {g['settlements']}{lean}.")
            for text in g["examples"]:
                st.caption(md(fmt.quoted(text)))
        table(found.select(
            pl.col("words").alias("Слова"), pl.col("recent").alias("За последние недели"),
            pl.col("previous").alias("За недели до того"), pl.col("settlements").alias("Населённые пункты"),
            pl.col("suggestion").alias("Ближе к теме"), pl.col("first").alias("Первое"), pl.col("last").alias("Последнее"),
            pl.col("examples").list.join(" | ").alias("Примеры")), "новые_проблемы")
