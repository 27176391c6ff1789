"""Problem points (DESIGN.md §4, §6 page 6): the settings of data/reference/problem_points.toml in plain
Russian, and the texts a curator reads and downloads, each built from a point's own figures — the one-line
explanation, the drafted vote question, the «дорожная карта» draft, the vote and information-risk lines.
Streamlit-free, so the texts are tested against the figures they cite."""
import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
import polars as pl

from mcu import fmt
from mcu.scoring import read_weights, setting_text
from mcu.settings import REFERENCE_DIR

COMPONENTS = {
    "excess": "насколько обращений больше ожидаемого — по численности жителей или по прошлым периодам клетки",
    "growth": "рост к предыдущему периоду или к тому же периоду год назад (×{growth_cap} и больше — полный балл)",
    "persistence": "аномально много несколько периодов подряд (из {periods} последних)",
    "repeat": "доля повторных обращений",
    "dissatisfied": "доля недовольных среди оценивших",
    "overdue": "доля обращений с нарушением срока",
}
LEVELS = {"theme": "Темы", "subtheme": "Подтемы"}
PLACE_ABBR = {"село": "с.", "посёлок": "пос.", "поселок": "пос.", "деревня": "д.", "город": "г.", "аал": "аал"}


@dataclass(frozen=True)
class ProblemSettings:
    weights: dict
    min_count: int
    p_value: float
    min_ratio: float
    history_days: int
    min_expected: float
    surprise_cap: float
    growth_cap: float
    periods: int
    min_base: int
    votes: dict
    roadmap: dict
    risks: dict
    questions: dict

    def params(self, level: str = "theme") -> dict:
        """The bound parameters of queries/problem_points.sql (besides the filters and as_of)."""
        return {"level": level, "min_count": self.min_count, "p_value": self.p_value, "min_ratio": self.min_ratio,
                "history_days": self.history_days, "min_expected": self.min_expected,
                "surprise_cap": self.surprise_cap, "growth_cap": self.growth_cap, "periods": self.periods,
                "min_base": self.min_base, "recent_days": int(self.votes["recent_days"])} | {
            f"w_{k}": float(self.weights[k]) for k in COMPONENTS}

    def vote_params(self) -> dict:
        """The bound parameters of queries/votes_effect.sql (besides the filters and as_of)."""
        return {"window_days": int(self.votes["window_days"]), "eased_drop": float(self.votes["eased_drop"])}

    def votes_query(self, flt) -> dict:
        """All the parameters of queries/votes_effect.sql for the filters: the channel narrows the appeals counted,
        the theme and settlement filters pick the votes, the period does not."""
        return {"sources": list(flt.sources), "themes": list(flt.themes), "settlements": list(flt.settlements),
                "as_of": flt.as_of} | self.vote_params()

    def risk_params(self) -> dict:
        """The bound parameters of queries/info_risks*.sql (besides the filters and as_of)."""
        r = self.risks
        return {"engagement_weight": float(r["engagement_weight"]), "w_open": float(r["open"]),
                "w_unsatisfied": float(r["unsatisfied"]), "w_late": float(r["late"]), "top": int(r["top"])}

    def explain(self) -> list[str]:
        """How points are chosen and ranked, in plain Russian, one line a rule or a component."""
        total = sum(self.weights.values())
        lines = [
            f"В список попадает клетка «населённый пункт × тема», где за период не меньше "
            f"**{fmt.num(self.min_count)}** обращений и их аномально много: вероятность случайно получить столько "
            f"или больше (распределение Пуассона) меньше **{setting_text(self.p_value * 100)} %**, а обращений хотя бы в "
            f"**{setting_text(self.min_ratio)}** раза больше ожидаемого.",
            "Ожидаемое число считается двумя способами: по численности жителей (жители пункта × число обращений по "
            "теме на одного жителя всей территории за тот же период) и по истории самой клетки — большее из двух: "
            f"столько же дней год назад и средний уровень за {fmt.num(self.history_days)} дн. до периода. Так пункт "
            "без данных о населении тоже получает ожидание.",
            f"Если в истории клетки обращений не было, ожидание принимается за {setting_text(self.min_expected)} обращения "
            "за период, а не за ноль.",
            "Место в списке — по баллу от 0 до 100, взвешенному среднему составляющих (каждая от 0 до 1):",
        ]
        fill = {"growth_cap": setting_text(self.growth_cap), "periods": self.periods}
        lines += [f"- {COMPONENTS[k].format(**fill)} — вес {setting_text(round(self.weights[k] / total * 100, 1))} %"
                  for k in COMPONENTS]
        lines += [
            f"Превышение даёт полный балл при вероятности 10^−{setting_text(self.surprise_cap)} и меньше. Доли недовольных "
            f"и просроченных учитываются от {fmt.num(self.min_base)} оценок / обращений со сроком; если данных нет, "
            "составляющая не учитывается, а её вес делится между остальными. Одинаковый балл — одно место.",
            f"Голосование, закончившееся не раньше чем за {fmt.num(self.votes['recent_days'])} дн. до конца периода, "
            f"отмечается у точки; голосование, которое на дату состояния ещё идёт, — «идёт голосование до …»: "
            f"предлагается дождаться его итогов; «стало меньше» — после голосования за {fmt.num(self.votes['window_days'])} дн. "
            f"обращений в месяц хотя бы на {setting_text(self.votes['eased_drop'] * 100)} % меньше, чем до него.",
            "Настройки — в файле `data/reference/problem_points.toml`.",
        ]
        return lines


def problem_settings(path: Path = REFERENCE_DIR / "problem_points.toml") -> ProblemSettings:
    """Read the settings; a wrong value is an error in Russian that names the file and what to fix."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    weights = read_weights(raw, path, COMPONENTS)
    p_value = float(raw.get("p_value", 0.01))
    periods = int(raw.get("persistence_periods", 4))
    if not 0 < p_value < 1 or periods < 2:
        raise ValueError(f"В {path.name}: p_value — число от 0 до 1 (например 0.01), persistence_periods — не меньше 2.")
    return ProblemSettings(
        weights=weights, min_count=int(raw.get("min_count", 5)), p_value=p_value,
        min_ratio=float(raw.get("min_ratio", 1.5)), history_days=int(raw.get("history_days", 365)),
        min_expected=float(raw.get("min_expected", 0.5)), surprise_cap=float(raw.get("surprise_cap", 8)),
        growth_cap=float(raw.get("growth_cap", 4)), periods=periods, min_base=int(raw.get("min_base", 5)),
        votes={"recent_days": 365, "window_days": 90, "eased_drop": 0.2} | raw.get("votes", {}),
        roadmap={"top": 5, "review_days": 30} | raw.get("roadmap", {}),
        risks={"engagement_weight": 10, "open": 1.0, "unsatisfied": 0.8, "late": 0.6, "top": 30} | raw.get("info_risks", {}),
        questions={"default": "Что в первую очередь сделать в {place} по теме «{topic}»?"} | raw.get("questions", {}),
    )


# --- words -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PeriodWords:
    over: str      # «за квартал»
    vs_prev: str   # «к прошлому кварталу»
    prev_in: str   # «в прошлом квартале»
    forms: tuple   # «квартал», «квартала», «кварталов»


def period_words(days: int) -> PeriodWords:
    """How the period is named in a sentence: a week, a month, a quarter, a year, or N days."""
    if days == 7:
        return PeriodWords("за неделю", "к прошлой неделе", "на прошлой неделе", ("неделю", "недели", "недель"))
    if 28 <= days <= 31:
        return PeriodWords("за месяц", "к прошлому месяцу", "в прошлом месяце", ("месяц", "месяца", "месяцев"))
    if 89 <= days <= 92:
        return PeriodWords("за квартал", "к прошлому кварталу", "в прошлом квартале", ("квартал", "квартала", "кварталов"))
    if 365 <= days <= 366:
        return PeriodWords("за год", "к прошлому году", "в прошлом году", ("год", "года", "лет"))
    n = fmt.num(days)
    return PeriodWords(f"за {n} дн.", f"к предыдущим {n} дн.", f"в предыдущие {n} дн.", ("период", "периода", "периодов"))


def points_heading(found: int, shown: int) -> str:
    """The line over the top of the points: «Найдена 1 точка:», «Найдено 3 точки:», «Найдено 25 точек; первые 10:»
    (it read «Точек: 1. Первые 1:»)."""
    head = f"{fmt.plural(found, 'Найдена', 'Найдено', 'Найдено')} **{fmt.num(found)}** " \
           f"{fmt.plural(found, 'точка', 'точки', 'точек')}"
    return f"{head}; первые {fmt.num(shown)}:" if found > shown else f"{head}:"


def topic_text(topic: str) -> str:
    """A subtheme reads in lower case inside a sentence; an abbreviation (ЖКХ, ТКО) stays as it is."""
    if len(topic) > 1 and topic[1].islower():
        return topic[0].lower() + topic[1:]
    return topic


def place(name: str, kind: str | None) -> str:
    """«с. Кызлас»: the settlement with its kind, so «в с. Кызлас» reads right without declension."""
    abbr = PLACE_ABBR.get((kind or "").lower())
    return f"{abbr} {name}" if abbr else name


def _times(x: float) -> str:
    return fmt.num(x, 1)


def _expected(x: float) -> str:
    return fmt.num(x, 1 if x < 10 else 0)


def basis(row: dict) -> tuple[str, float] | None:
    """The expectation a point is judged by: the one with the smaller Poisson probability."""
    options = [(p, name, lam) for name, lam, p in (("territory", row["expected_territory"], row["p_territory"]),
                                                   ("history", row["expected_history"], row["p_history"]))
               if lam is not None and p is not None]
    if not options:
        return None
    _p, name, lam = min(options)
    return name, lam


BASIS_WORDS = {"territory": "по числу жителей", "history": "по прошлым периодам"}


def explain_point(row: dict, days: int, min_base: int) -> str:
    """One line in plain Russian from the point's figures; every share says its base."""
    w = period_words(days)
    n = row["appeals"]
    head = f"{row['settlement']}, {topic_text(row['topic'])}: {fmt.count(n, 'обращение', 'обращения', 'обращений')} {w.over}"
    b = basis(row)
    if b:
        name, lam = b
        head += f" при ожидаемых {_expected(lam)} {BASIS_WORDS[name]} (×{_times(n / lam)})"
    parts = [head]
    prev = row["prev_appeals"]
    if prev == 0:
        parts.append(f"{w.prev_in} обращений не было")
    elif prev is not None and n >= 1.05 * prev:
        parts.append(f"рост в {_times(n / prev)} раза {w.vs_prev}")
    elif prev is not None and n <= 0.95 * prev:
        parts.append(f"{w.prev_in} было {fmt.num(prev)}")
    # A year's previous period is the year before it: «год назад» would say the same growth twice.
    year = None if 365 <= days <= 366 else row["year_ago"]
    if year == 0:
        parts.append("год назад обращений не было")
    elif year is not None and n >= 1.05 * year:
        parts.append(f"в {_times(n / year)} раза больше, чем год назад")
    if row["streak"] >= 2:
        parts.append(f"аномально много {row['streak']} {fmt.plural(row['streak'], *w.forms)} подряд")
    if row["repeats"]:
        parts.append(f"{fmt.pct(row['repeat_share'], 0)} повторных")
    if row["rated"] >= min_base:
        parts.append(f"довольны {fmt.pct(row['satisfied_share'], 0)} "
                     f"(из {fmt.count(row['rated'], 'оценки', 'оценок', 'оценок')})")
    if row["with_deadline"] >= min_base and row["overdue"]:
        parts.append(f"с нарушением срока {fmt.pct(row['overdue_share'], 0)} (из {fmt.num(row['with_deadline'])} со сроком)")
    return "; ".join(parts)


def question(row: dict, questions: dict) -> str:
    """The question to put to a vote, drafted from the theme's template (problem_points.toml, [questions])."""
    template = questions.get(row["theme"], questions["default"])
    return template.format(place=place(row["settlement"], row.get("settlement_kind")), topic=topic_text(row["topic"]))


def vote_line(vote: dict) -> str:
    """A vote held and what followed it, in one line: dates, participants, the winning option, before/after."""
    dates = f"{fmt.date(vote['started_at'])}–{fmt.date(vote['ended_at'])}"
    text = f"{fmt.quoted(vote['title'])} ({dates}"
    if vote["participants"] is not None:
        text += f", {fmt.count(vote['participants'], 'участник', 'участника', 'участников')}"
    text += ")"
    share = f" — {fmt.pct(vote['winner_share'], 0)}" if vote["winner_share"] is not None else ""
    if vote["running"]:
        # Not over on the state date: its leader may still lose, and nothing has followed it yet.
        text += f"; {running_text(vote['ended_at'])}"
        return text + (f", лидирует вариант {fmt.quoted(vote['winner'])}{share}" if vote["winner"] else "")
    if vote["winner"]:
        text += f"; победил вариант {fmt.quoted(vote['winner'])}{share}"
    else:   # an option's share unknown (an unread count, a rejected option row): no winner can be named
        text += "; победитель не назван: долей всех вариантов в выгрузке нет"
    verdict = vote["verdict"]
    if vote["before_per_30"] is not None and vote["after_per_30"] is not None:
        text += (f"; обращений в месяц до — {fmt.num(vote['before_per_30'], 1)}, после — "
                 f"{fmt.num(vote['after_per_30'], 1)}: {verdict}")
    else:
        text += f"; {verdict}"
    return text


def no_votes_text(total: int) -> str:
    """The votes tab's empty state: nothing loaded, or votes there but none under the filters (the theme and
    settlement filters pick votes; the period does not)."""
    if not total:
        return "Голосований в базе нет. Загрузите выгрузку итогов голосований на странице «Загрузка данных»."
    return (f"Ни одно из {fmt.count(total, 'голосования', 'голосований', 'голосований')} в базе не подходит под "
            "выбранные фильтры: голосования отбираются по теме и населённому пункту (не по периоду). "
            "Снимите фильтр «Тема» или «Населённый пункт».")


def options_text(options) -> str:
    """«Пробурить новую скважину — 50 % (205); …»."""
    out = []
    for o in options or []:
        share = fmt.pct(o["share"], 0) if o["share"] is not None else fmt.DASH
        out.append(f"{o['option']} — {share}" + (f" ({fmt.num(o['votes'])})" if o["votes"] is not None else ""))
    return "; ".join(out)


def running_text(ended: dt.date) -> str:
    """A vote not over on the state date (the query's `vote_running` / `running`: it ends after as_of)."""
    return f"идёт голосование до {fmt.date(ended)}"


def vote_mark(row: dict) -> str:
    """The short mark of a point's vote (a problem_points row), in one form: «идёт голосование до 04.12.2026» (not
    over on the state date), «недавно голосовали 10.08.2026» (within the recent days of the settings) or «голосовали
    21.09.2025»; empty when there was none."""
    if not row["vote_id"]:
        return ""
    if row["vote_running"]:
        return running_text(row["vote_ended"])
    when = fmt.date(row["vote_started"])
    return f"недавно голосовали {when}" if row["vote_recent"] else f"голосовали {when}"


def recheck_action(mark: str, point: str = "") -> str:
    """What to do with a point voted on recently: not a new vote but a check of how the vote's decision is carried
    out."""
    subject = f"вопрос {point}" if point else "вопрос"
    return f"Не выносить {subject} на новое голосование ({mark}), а проверить, как выполняется его решение"


def vote_action(row: dict, point: str = "") -> str | None:
    """What to do about a point's vote (a problem_points row), one rule for the page, the roadmap, the vote draft,
    the note and the slides: a vote still running — wait for its results; one held recently — check its decision
    (recheck_action), or, with no winner named (an option's share unknown), load its full results; None when a new
    vote may be proposed. `point` («Кызлас — ЖКХ» in quotes) names the question."""
    if row["vote_id"] and row["vote_running"]:
        subject = f" по вопросу {point}" if point else ""
        return f"Дождаться итогов голосования{subject} (до {fmt.date(row['vote_ended'])})"
    if row["vote_recent"]:
        if not row.get("vote_decided", True):
            subject = f"вопрос {point}" if point else "вопрос"
            return (f"Не выносить {subject} на новое голосование ({vote_mark(row)}), а загрузить полные итоги "
                    "голосования: долей всех вариантов в выгрузке нет, победитель не назван")
        return recheck_action(vote_mark(row), point)
    return None


def cut_text(found: int, shown: int) -> str:
    """A list of points cut short says so: «Найдено 24 точки; первые 5 (все — на странице «Проблемные точки»)»."""
    head = points_heading(found, shown).replace("**", "").rstrip(":")
    return f"{head} (все — на странице «Проблемные точки»)" if found > shown else head


# --- downloads -----------------------------------------------------------------------------------------

def vote_draft(points: pl.DataFrame, days: int, settings: ProblemSettings) -> pl.DataFrame:
    """The ranked list as a draft of questions for a vote: place, theme, question, figures, executor. A point voted
    on recently, or with a vote still running, gets no new question: what the page, the roadmap and the note say of
    it (vote_action)."""
    rows = points.to_dicts()
    return pl.DataFrame({
        "Место": [r["rank"] for r in rows],
        "Населённый пункт": [r["settlement"] for r in rows],
        "Тема": [r["theme"] for r in rows],
        "Подтема": [r["topic"] if r["topic"] != r["theme"] else None for r in rows],
        "Вопрос для голосования": [vote_action(r) or question(r, settings.questions) for r in rows],
        "Обращений": [r["appeals"] for r in rows],
        "Ожидалось": [round(basis(r)[1], 1) if basis(r) else None for r in rows],
        "Пред. период": [r["prev_appeals"] for r in rows],
        "Год назад": [r["year_ago"] for r in rows],
        "Повторные": [r["repeat_share"] for r in rows],
        "Довольны": [r["satisfied_share"] if r["rated"] >= settings.min_base else None for r in rows],
        "Оценок": [r["rated"] for r in rows],
        "Просрочено": [r["overdue_share"] if r["with_deadline"] >= settings.min_base else None for r in rows],
        "Ответственный исполнитель": [r["executor"] for r in rows],
        "Балл": [r["score"] for r in rows],
        "Голосование": [vote_mark(r) or None for r in rows],
        "Почему в списке": [explain_point(r, days, settings.min_base) for r in rows],
    }, schema_overrides={"Подтема": pl.String, "Ожидалось": pl.Float64, "Пред. период": pl.Int64,
                         "Год назад": pl.Int64, "Довольны": pl.Float64, "Просрочено": pl.Float64,
                         "Ответственный исполнитель": pl.String, "Голосование": pl.String})


def roadmap(points: pl.DataFrame, days: int, period_end: dt.date, settings: ProblemSettings) -> pl.DataFrame:
    """The «дорожная карта» draft for the top points: who answers for it, what to count, when to review."""
    w = period_words(days)
    review = period_end + dt.timedelta(days=int(settings.roadmap["review_days"]))
    rows = []
    for r in points.head(int(settings.roadmap["top"])).to_dicts():
        b = basis(r)
        target = f"не больше {_expected(b[1])} обращений {w.over}" if b else "меньше, чем сейчас"
        track = [f"обращений {w.over}: {fmt.num(r['appeals'])} (цель — {target})",
                 f"повторных: {fmt.pct(r['repeat_share'], 0)} из {fmt.num(r['appeals'])}"]
        # The shares from as many ratings / deadlines as the page's and the files' (min_base), not from one or two.
        if r["rated"] >= settings.min_base:
            track.append(f"довольных: {fmt.pct(r['satisfied_share'], 0)} из {fmt.count(r['rated'], 'оценки', 'оценок', 'оценок')}")
        elif r["rated"]:
            track.append(f"оценок: {fmt.num(r['rated'])} — долю довольных считаем от {fmt.num(settings.min_base)}")
        if r["with_deadline"] >= settings.min_base:
            track.append(f"с нарушением срока: {fmt.pct(r['overdue_share'], 0)} из {fmt.num(r['with_deadline'])} со сроком")
        elif r["with_deadline"]:
            track.append(f"со сроком: {fmt.num(r['with_deadline'])} — долю нарушений считаем от {fmt.num(settings.min_base)}")
        rows.append({
            "Место": r["rank"], "Населённый пункт": r["settlement"], "Тема": r["topic"],
            "Ответственный исполнитель": r["executor"] or "не указан",
            "Что сделать": vote_action(r) or
                           f"Вынести на голосование вопрос {fmt.quoted(question(r, settings.questions))} или включить работы в план",
            "Что отслеживать": "; ".join(track),
            "Обращений сейчас": r["appeals"],
            "Цель, обращений": round(b[1], 1) if b else None,
            "Дата пересмотра": review,
            "Голосование": vote_mark(r) or None,
        })
    return pl.DataFrame(rows, schema_overrides={"Цель, обращений": pl.Float64, "Голосование": pl.String})


# --- information risks ---------------------------------------------------------------------------------

ISSUE_WORDS = {"нет ответа": "ответа нет", "автор недоволен": "автор недоволен ответом",
               "ответ с опозданием": "ответ дан с опозданием"}


def explain_incident(row: dict) -> str:
    """One line on an ИМ incident: where, reach, and what went wrong with the answer."""
    text = (f"{row['settlement']}, {topic_text(row['theme'])}: инцидент № {row['external_id']} от "
            f"{fmt.date(row['received_at'])}, аудитория {fmt.num(row['audience'])}, вовлечённость "
            f"{fmt.num(row['engagement'])}; {ISSUE_WORDS[row['issue']]}")
    if row["issue"] == "нет ответа":
        if row["overdue_open"]:
            late = row["overdue_work_days"]
            # The state date may be a past day: «сегодня» would be wrong there, «less than a working day» is not.
            text += (f", срок истёк {fmt.date(row['due_at'])}, меньше рабочего дня назад" if not late else
                     f", срок истёк {fmt.date(row['due_at'])} ({fmt.count(late, 'раб. день', 'раб. дня', 'раб. дней')} назад)")
        elif row["due_at"] is not None:
            text += f", срок {fmt.date(row['due_at'])}"
    elif row["issue"] == "ответ с опозданием":
        text += f": {fmt.date(row['answered_at'])} при сроке {fmt.date(row['due_at'])}"
    return text


def explain_risk_cell(row: dict) -> str:
    """One line on a settlement × theme: its risky incidents, their reach and what went wrong."""
    issues = [f"без ответа {fmt.num(row['open'])}" if row["open"] else "",
              f"автор недоволен {fmt.num(row['unsatisfied'])}" if row["unsatisfied"] else "",
              f"ответ с опозданием {fmt.num(row['late'])}" if row["late"] else ""]
    return (f"{row['settlement']}, {topic_text(row['theme'])}: {fmt.num(row['risky'])} из "
            f"{fmt.count(row['incidents'], 'инцидента', 'инцидентов', 'инцидентов')} с проблемой ответа, аудитория "
            f"{fmt.num(row['audience'])}, вовлечённость {fmt.num(row['engagement'])} ("
            + ", ".join(i for i in issues if i)
            # The parts overlap (late and unsatisfied at once): a sum above the total says why.
            + ("; один инцидент может попасть в несколько" if row["open"] + row["unsatisfied"] + row["late"] > row["risky"]
               else "") + ")")


# --- charts ---------------------------------------------------------------------------------------------

def months_axis(period_end: dt.date, n: int = 12) -> list[dt.date]:
    """The first days of the n months ending with the period's last month (the query's `monthly` list)."""
    first = period_end.replace(day=1)
    out = []
    for i in range(n - 1, -1, -1):
        y, m = divmod(first.year * 12 + first.month - 1 - i, 12)
        out.append(dt.date(y, m + 1, 1))
    return out


def history_chart(monthly: list[int], period_end: dt.date) -> go.Figure:
    """The cell's monthly appeals over the last year: a small bar chart with Russian month labels."""
    months = months_axis(period_end, len(monthly))
    fig = go.Figure(go.Bar(x=[fmt.month(m) for m in months], y=monthly, marker_color="#c0392b",
                           text=[fmt.num(v) for v in monthly], textposition="outside",
                           hovertemplate="%{x}: %{y} обращ.<extra></extra>"))
    fig.update_layout(height=220, margin=dict(l=10, r=10, t=10, b=10), yaxis=dict(visible=False),
                      xaxis=dict(tickangle=0, tickfont=dict(size=11)), showlegend=False)
    return fig
