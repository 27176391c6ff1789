"""The analytic note for the head (seed 004, 3.2 а; seed 002, 4.3 а): figures of one period from the named
queries, as a list of named sections that the page, the DOCX and the PDF all draw the same way.

Every figure comes from a query in queries/ through run_query; nothing here computes a metric, it only
chooses, words and orders what the queries return. «Проблемные точки» come from mcu/blocks.py.
"""
import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import polars as pl

from core.reference import UNKNOWN_THEME
from mcu import blocks, fmt
from mcu import problems as pp
from mcu.filters import Filters, chosen
from mcu.periods import calendar_week, running_week, trend_params, week_label
from mcu.query import run_query
from mcu.scoring import score_settings
from mcu.slides import overdue_rows
from mcu.ui import SMALL_BASE, change
from report import charts

TOP = 10  # themes and settlements in their tables
HEAR = 3  # executors the recommendations propose to hear
GROWTH_MIN, GROWTH_RATIO = 5, 0.3  # a theme's rise worth a recommendation: at least +5 and +30 %
SATISFACTION_DROP, SATISFACTION_BASE = 0.05, 20  # a fall of 5 п.п. on at least 20 ratings
# The labels the queries give appeals with no settlement or executor from the reference (top_settlements.sql,
# deadlines_breakdown.sql): a row of a table, never a place to name as the top one nor an executor to hear.
UNKNOWN_SETTLEMENT, UNKNOWN_EXECUTOR = "Не определён", "Исполнитель не указан"
REVIEW = "сопоставьте значения на странице «Загрузка данных» (раздел «Значения, не найденные в справочниках»)"


class NoData(Exception):
    """The period holds no appeals for the filters: there is nothing to write a note about."""


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    table: Table | None = None
    chart: bytes | None = None  # PNG
    chart_title: str = ""


@dataclass
class Note:
    title: str
    lines: list[str]  # the period, the comparison, the filters, the state date
    sections: list[Section]


def _minus(text: str | None) -> str:
    """A change as printed: «—» when there is none, a typographic minus."""
    return fmt.DASH if text is None else fmt.minus(text)


def count_change(cur, prev, digits: int = 0) -> str:
    """A count's change as the pages write it, «+46 (+2,3 %)» (mcu.ui.change); against a previous zero the
    difference alone, as on the meeting screen. A median of days too, with `digits` 1: «+0,1 (+1,0 %)», as «Обзор»."""
    if cur is None or prev is None:
        return fmt.DASH
    return _minus(change(cur, prev, digits) if prev else fmt.signed(cur - prev, digits))


def share_change(cur, prev) -> str:
    """A share's change in п.п., taken once from the unrounded shares by mcu.ui.change as «Обзор» and the meeting take
    it: «17,0 % | 19,1 % | −2,0 п.п.» (−2,04), not the difference of the rounded figures (−2,1) a reader then saw
    disagree with the other pages (a tester's finding)."""
    return _minus(change(cur, prev, share=True)) or fmt.DASH


class Figures:
    """The queries behind the note for one set of filters, each run once."""

    def __init__(self, flt: Filters, db=None):
        self.flt, self.db = flt, db

    def run(self, name: str, **params) -> pl.DataFrame:
        return run_query(name, db=self.db, **params)

    def _periods(self, name: str) -> tuple[dict, dict]:
        df = self.run(name, **self.flt.compare_params(), as_of=self.flt.as_of)
        cur, prev = df.row(0, named=True), df.row(1, named=True)
        return cur, (prev if self.flt.has_previous else dict.fromkeys(prev))

    @cached_property
    def overview(self):
        df = self.run("overview_kpis", **self.flt.compare_params(), as_of=self.flt.as_of)
        rows = {r["period"]: r for r in df.iter_rows(named=True)}
        if not self.flt.has_previous:
            rows["previous"] = dict.fromkeys(rows["previous"])
        if not self.flt.has_year_ago:
            rows["year_ago"] = dict.fromkeys(rows["year_ago"])
        return rows

    @cached_property
    def deadlines(self):
        return self._periods("deadlines_kpis")

    @cached_property
    def satisfaction(self):
        return self._periods("satisfaction_kpis")

    @cached_property
    def themes(self):
        return self.run("top_themes", **self.flt.compare_params(), limit=None)   # all: the unknown's count

    @cached_property
    def theme_growth(self):
        return self.run("theme_growth", **self.flt.compare_params())

    @cached_property
    def settlements(self):
        return self.run("top_settlements", **self.flt.compare_params(), limit=None)

    @cached_property
    def by_executor(self):
        return self.run("deadlines_breakdown", **self.flt.params(), as_of=self.flt.as_of, dim="executor")

    @cached_property
    def rating(self):
        return self.run("executors_rating", **self.flt.compare_params(), as_of=self.flt.as_of,
                        **score_settings().params())

    @cached_property
    def satisfaction_trend(self):
        return self.run("satisfaction_trend", **trend_params(self.flt), dim="all", top=None)

    @cached_property
    def results_trend(self):
        return self.run("satisfaction_results_trend", **trend_params(self.flt))

    @cached_property
    def problem_points(self):
        return blocks.problem_points(self.flt, 5, run=self.run)

    @cached_property
    def labels(self) -> dict:
        opts = self.run("filter_options")
        return {(d, v): label for d, v, label in opts.select("dim", "value", "label").iter_rows()}


def summary(f: Figures) -> Section:
    cur, prev, year = f.overview["current"], f.overview["previous"], f.overview["year_ago"]
    dcur, dprev = f.deadlines
    scur, sprev = f.satisfaction
    rows = [
        ["Обращений", fmt.num(cur["total"]), fmt.num(prev["total"]), count_change(cur["total"], prev["total"])],
        ["Просрочено, доля обращений со сроком", fmt.pct(cur["overdue_share"]), fmt.pct(prev["overdue_share"]),
         share_change(cur["overdue_share"], prev["overdue_share"])],
        ["Без ответа после срока", fmt.num(dcur["overdue_open"]), fmt.num(dprev["overdue_open"]),
         count_change(dcur["overdue_open"], dprev["overdue_open"])],
        ["Ответ позже срока", fmt.num(dcur["answered_late"]), fmt.num(dprev["answered_late"]),
         count_change(dcur["answered_late"], dprev["answered_late"])],
        ["Медиана ответа, дн.", fmt.num(cur["median_response_days"], 1), fmt.num(prev["median_response_days"], 1),
         count_change(cur["median_response_days"], prev["median_response_days"], 1)],
        ["Довольны, доля оценивших", fmt.pct(scur["satisfied_share"]), fmt.pct(sprev["satisfied_share"]),
         share_change(scur["satisfied_share"], sprev["satisfied_share"])],
        ["Решено, доля решаемых", fmt.pct(scur["solved_share"]), fmt.pct(sprev["solved_share"]),
         share_change(scur["solved_share"], sprev["solved_share"])],
    ]
    text = [f"Обращений за период: {fmt.num(cur['total'])}"
            + (f"; {'за те же дни прошлой недели' if f.flt.same_days_before else 'за предыдущий период той же длины'}: "
               f"{fmt.num(prev['total'])}, изменение "
               f"{count_change(cur['total'], prev['total'])}" if prev["total"] is not None else "")
            + (f"; за те же даты год назад: {fmt.num(year['total'])}" if year["total"] is not None else "") + "."]
    return Section("summary", "Итоги периода", text,
                   table=Table(["Показатель", "За период", "Предыдущий период", "Изменение"], rows))


def _ranked(df: pl.DataFrame, label: str, has_previous: bool, extra=None) -> list[list[str]]:
    out = []
    for r in df.iter_rows(named=True):
        row = [r[label], fmt.num(r["appeals"]), fmt.num(r["prev_appeals"]) if has_previous else fmt.DASH,
               count_change(r["appeals"], r["prev_appeals"]) if has_previous else fmt.DASH]
        out.append(row + ([extra(r)] if extra else []))
    return out


def _appeals(n: int) -> str:
    return fmt.count(n, "обращение", "обращения", "обращений")


def _unknown(df: pl.DataFrame, label: str, unknown: str) -> tuple[pl.DataFrame, int]:
    """The rows of real values (the query's order) and the count of appeals under the unknown one."""
    rest = df.filter(pl.col(label) == unknown)["appeals"]
    return df.filter(pl.col(label) != unknown), int(rest.sum()) if rest.len() else 0


def themes(f: Figures) -> Section:
    df, has_prev = f.themes, f.flt.has_previous
    if df.is_empty():
        return Section("themes", "Темы", ["Обращений за период нет."])
    # «Не определено» is no theme to lead with (a tester saw «Не определён» named the top settlement): its appeals
    # are said apart.
    known, unknown = _unknown(df, "theme", UNKNOWN_THEME)
    if known.is_empty():
        text = [f"Тема из справочника не определена ни у одного из {_appeals(unknown)} периода: {REVIEW}."]
    else:
        lead = known.row(0, named=True)
        text = [f"Больше всего обращений — по теме {fmt.quoted(lead['theme'])}: {fmt.num(lead['appeals'])} "
                f"({fmt.pct(lead['share'])} всех обращений периода)."]
        if unknown:
            text.append(f"Ещё {_appeals(unknown)} — без темы из справочника ({fmt.quoted(UNKNOWN_THEME)}).")
    df = df.head(TOP)
    if has_prev:
        up = df.filter((pl.col("change") > 0) & (pl.col("theme") != UNKNOWN_THEME)).sort(["change", "theme"], descending=[True, False])
        if up.height:
            r = up.row(0, named=True)
            text.append(f"Сильнее всего выросло число обращений по теме {fmt.quoted(r['theme'])}: "
                        f"{count_change(r['appeals'], r['prev_appeals'])}.")
    return Section("themes", "Темы", text,
                   table=Table(["Тема", "Обращений", "Пред. период", "Изменение", "Доля"],
                               _ranked(df, "theme", has_prev, lambda r: fmt.pct(r["share"]))),
                   # No chart of one «Не определено» bar: it says nothing the sentence does not.
                   chart=charts.ranked(df, "theme", has_prev) if known.height else None,
                   chart_title="Обращения по темам")


def settlements(f: Figures) -> Section:
    df, has_prev = f.settlements, f.flt.has_previous
    if df.is_empty():
        return Section("settlements", "Населённые пункты", ["Обращений за период нет."])
    known, unknown = _unknown(df, "settlement", UNKNOWN_SETTLEMENT)
    if known.is_empty():
        text = [f"Населённый пункт из справочника не определён ни у одного из {_appeals(unknown)} периода: {REVIEW}."]
    else:
        lead = known.row(0, named=True)
        text = [f"Больше всего обращений — из населённого пункта {lead['settlement']}: {fmt.num(lead['appeals'])}"
                + (f" ({fmt.num(lead['per_1000'], 1)} на 1 000 жителей)." if lead["per_1000"] is not None else ".")
                + (f" Ещё {_appeals(unknown)} — без населённого пункта из справочника." if unknown else "")]
    df = df.head(TOP)
    return Section("settlements", "Населённые пункты", text,
                   table=Table(["Населённый пункт", "Обращений", "Пред. период", "Изменение", "На 1 000 жит."],
                               _ranked(df, "settlement", has_prev, lambda r: fmt.num(r["per_1000"], 1))),
                   chart=charts.ranked(df, "settlement", has_prev) if known.height else None,
                   chart_title="Обращения по населённым пунктам")


def deadlines(f: Figures) -> Section:
    cur, prev = f.deadlines
    kpis = f.overview["current"]
    # Two shares on two bases (all with a deadline; those whose outcome is known): each names its own, or 17,1 %
    # overdue beside 80,8 % on time reads as a sum that misses 2 %.
    text = [f"На {fmt.date(f.flt.as_of)} обращений периода без ответа: {fmt.num(cur['open'])}, из них срок истёк: "
            f"{fmt.num(cur['overdue_open'])}; ответов позже срока: {fmt.num(cur['answered_late'])}; срок истекает в "
            f"ближайшие 2 рабочих дня: {fmt.num(cur['at_risk'])}. Просрочено {fmt.num(kpis['overdue'])} из "
            f"{fmt.num(kpis['with_deadline'])} обращений со сроком ({fmt.pct(kpis['overdue_share'])}): ответ позже "
            f"срока или нет ответа после срока. Доля ответов в срок — среди {fmt.num(cur['decided'])} из них, исход "
            f"которых ясен (есть ответ или срок истёк): {fmt.pct(cur['on_time_share'])} ({fmt.num(cur['on_time'])} из "
            f"{fmt.num(cur['decided'])}; изменение {share_change(cur['on_time_share'], prev['on_time_share'])})."]
    rows = overdue_rows(f.by_executor, limit=TOP)
    if rows.is_empty():
        text.append("Нарушений сроков за период нет.")
        return Section("deadlines", "Сроки и ответственные исполнители", text)
    text.append("Исполнители, допустившие нарушения сроков:")
    table = Table(["Исполнитель", "Без ответа после срока", "Ответ позже срока", "Под угрозой", "В срок"],
                  [[r["grp"], fmt.num(r["overdue_open"]), fmt.num(r["answered_late"]), fmt.num(r["at_risk"]),
                    fmt.pct(r["on_time_share"])] for r in rows.iter_rows(named=True)])
    return Section("deadlines", "Сроки и ответственные исполнители", text, table=table,
                   chart=charts.breaches(rows), chart_title="Нарушения сроков по исполнителям")


def satisfaction(f: Figures) -> Section:
    cur, prev = f.satisfaction
    if not cur["rated"]:
        text = ["За период оценок нет."]
    else:
        # The Удовлетворённость page's minimum (SMALL_BASE): a mean of 3 ratings reads there as «мало данных».
        mean = (f"Средняя оценка — {fmt.num(cur['mean_rating'], 2)} по шкале 1–5 (оценок в баллах: "
                f"{fmt.num(cur['scored'])})." if (cur["scored"] or 0) >= SMALL_BASE else
                f"Средняя оценка по шкале 1–5 — мало данных (оценок в баллах: {fmt.num(cur['scored'] or 0)}, нужно не "
                f"меньше {fmt.num(SMALL_BASE)}).")
        text = [f"Довольны ответом {fmt.pct(cur['satisfied_share'])} оценивших (оценок: {fmt.num(cur['rated'])}; "
                f"изменение {share_change(cur['satisfied_share'], prev['satisfied_share'])}). {mean}"]
    trend = f.satisfaction_trend
    chart = charts.satisfaction(trend) if trend["rated"].sum() else None
    return Section("satisfaction", "Удовлетворённость", text, chart=chart,
                   chart_title="Доля довольных по месяцам поступления, 12 месяцев")


def results(f: Figures) -> Section:
    cur, prev = f.satisfaction
    if not cur["solvable_answered"]:
        text = ["За период нет отвеченных решаемых обращений."]
    else:
        text = [f"Отвеченных решаемых обращений: {fmt.num(cur['solvable_answered'])}; решено "
                f"{fmt.pct(cur['solved_share'])} (изменение {share_change(cur['solved_share'], prev['solved_share'])}), "
                f"разъяснено {fmt.pct(cur['explained_share'])} "
                f"(изменение {share_change(cur['explained_share'], prev['explained_share'])}). Разъяснение там, где "
                f"вопрос можно было решить, — повод проверить ответ по существу."]
    trend = f.results_trend
    return Section("results", "Решено и разъяснено", text,
                   chart=charts.results(trend) if trend.height else None,
                   chart_title="Решено, разъяснено и отказано по месяцам поступления, 12 месяцев")


def problems(f: Figures) -> Section:
    points = f.problem_points
    if points.is_empty():
        return Section("problems", "Проблемные точки", ["Проблемных точек за период не найдено."])
    return Section("problems", "Проблемные точки",
                   ["Сочетания населённого пункта и темы с нагрузкой выше ожидаемой — кандидаты для голосования. "
                    + pp.cut_text(points["found"][0], points.height) + ":"],
                   table=Table(["№", "Населённый пункт", "Тема", "Почему", "Голосование"],
                               [[str(i), r["settlement"], r["theme"], r["explanation"], r["vote"] or fmt.DASH]
                                for i, r in enumerate(points.iter_rows(named=True), 1)]))


def _rose(base: str) -> pl.Expr:
    """A theme's rise worth a recommendation against the count in `base`: at least GROWTH_MIN and GROWTH_RATIO."""
    up = pl.col("appeals") - pl.col(base)
    return (up >= GROWTH_MIN) & (up >= GROWTH_RATIO * pl.col(base))


def recommendations(f: Figures) -> Section:
    out = []
    # Out of every ranked executor: the executor filter narrows the rows, not the ranking (executors_rating.sql).
    ranked = f.rating["ranked_of"].max() if f.rating.height else 0
    # Appeals with no executor from the reference are no one to hear: their executor is to be named first.
    unknown = pl.col("grp") == UNKNOWN_EXECUTOR
    known, unknown = f.by_executor.filter(~unknown), f.by_executor.filter(unknown)
    for r in overdue_rows(known, limit=HEAR).iter_rows(named=True):
        rating = f.rating.filter(pl.col("executor") == r["grp"])
        # «4 из 4», not a bare «4» that reads as a good place; an executor with too few appeals is not ranked.
        place = ("" if not rating.height
                 else f" (место в рейтинге исполнителей: {rating['rank'][0]} из {ranked})"
                 if rating["rank"][0] is not None and rating["executor_id"][0] is not None
                 else " (в рейтинг исполнителей не вошёл: мало обращений за период)"
                 if rating["executor_id"][0] is not None else "")
        out.append(f"Заслушать исполнителя {fmt.quoted(r['grp'])}{place}: без ответа после срока — {fmt.num(r['overdue_open'])}, "
                   f"ответов позже срока — {fmt.num(r['answered_late'])}.")
    for r in overdue_rows(unknown).iter_rows(named=True):
        out.append(f"Назначить исполнителя обращениям, у которых он не указан или не найден в справочнике: без ответа "
                   f"после срока — {fmt.num(r['overdue_open'])}, ответов позже срока — {fmt.num(r['answered_late'])}.")
    points = f.problem_points
    for r in points.iter_rows(named=True):
        point = fmt.quoted(f"{r['settlement']} — {r['theme']}")
        if r["point_action"]:
            # A vote still running, or held within the settings' recent days (the page's mark): not proposed again.
            held = f" Голосование {r['vote_line']}." if r["vote_line"] else ""
            out.append(f"{r['point_action']}.{held}")
        else:
            before = f" ({r['vote']})" if r["vote"] else ""
            out.append(f"Включить вопрос {point} в голосование{before}: {r['explanation']}")
    if f.flt.has_previous:
        # Against the previous period and, where the data reaches back, the same dates a year ago (DESIGN.md §4): a
        # seasonal rise (heating in autumn) back to last year's level is no news. «Не определено» is no theme to look
        # into: its appeals wait for a theme on the review page.
        year = f.flt.has_year_ago
        rising = f.theme_growth.filter(_rose("prev_appeals") & (_rose("year_ago") if year else True)
                                       & (pl.col("theme") != UNKNOWN_THEME))
        for r in rising.sort([pl.col("appeals") - pl.col("prev_appeals"), "theme"], descending=[True, False]) \
                .head(2).iter_rows(named=True):
            ago = f", {count_change(r['appeals'], r['year_ago'])} к тем же датам прошлого года" if year else ""
            out.append(f"Разобрать рост обращений по теме {fmt.quoted(r['theme'])}: {count_change(r['appeals'], r['prev_appeals'])} "
                       f"к предыдущему периоду{ago}.")
    cur, prev = f.satisfaction
    if (cur["rated"] or 0) >= SATISFACTION_BASE and prev["satisfied_share"] is not None \
            and cur["satisfied_share"] <= prev["satisfied_share"] - SATISFACTION_DROP:
        out.append(f"Разобрать причины снижения удовлетворённости: "
                   f"{share_change(cur['satisfied_share'], prev['satisfied_share'])} (оценок: {fmt.num(cur['rated'])}).")
    if not out:
        return Section("recommendations", "Рекомендации", ["Отклонений, требующих отдельного решения, не выявлено."])
    return Section("recommendations", "Рекомендации", ["Предлагается (проект, составлен по цифрам записки):"],
                   bullets=out)


SECTIONS = [summary, themes, settlements, deadlines, satisfaction, results, problems, recommendations]


def _lines(f: Figures) -> list[str]:
    flt = f.flt
    span = f"{fmt.date(flt.date_from)}–{fmt.date(flt.date_to)}"
    is_week = calendar_week(flt)   # a week the data's first day cuts is a week too
    last = f.run("data_bounds")["last_day"][0]
    if running_week(flt.date_from, flt.date_to, last):
        # Said at the top: the figures are the days the week has so far, against as many days before them.
        week = f"неделя {week_label(flt.date_from)} не закончилась — данные по {fmt.date(last)}: "
    else:
        week = f"неделя {week_label(flt.date_from)}, " if is_week else ""
    lines = [f"Период: {week}{span} ({flt.days} дн.)"]
    if flt.has_previous:
        lines.append(("Сравнение с теми же днями прошлой недели: " if flt.same_days_before else
                      "Сравнение с предыдущим периодом: ") + f"{fmt.date(flt.prev_from)}–{fmt.date(flt.prev_to)}")
    narrowed = [f"{label.lower()}: " + ", ".join(values) for label, values in chosen(flt, f.labels)]
    lines.append("Фильтры: " + ("; ".join(narrowed) if narrowed else "все обращения"))
    lines.append(f"Состояние ответов и сроков — на {fmt.date(flt.as_of)}")
    return lines


def build(flt: Filters, db=None) -> Note:
    """The note for the filters; NoData when the period holds no appeals."""
    f = Figures(flt, db)
    if not f.overview["current"]["total"]:
        bounds = f.run("data_bounds").row(0, named=True)
        if bounds["last_day"] and (flt.date_from > bounds["last_day"] or flt.date_to < bounds["first_day"]):
            raise NoData(f"За период {fmt.date(flt.date_from)}–{fmt.date(flt.date_to)} обращений нет: данные в базе — "
                         f"с {fmt.date(bounds['first_day'])} по {fmt.date(bounds['last_day'])}. Выберите другой период.")
        raise NoData(f"За период {fmt.date(flt.date_from)}–{fmt.date(flt.date_to)} обращений нет: записку составить "
                     f"не по чему. Выберите другой период или снимите фильтры.")
    return Note("Аналитическая записка о работе с обращениями граждан", _lines(f), [s(f) for s in SECTIONS])
