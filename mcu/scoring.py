"""Settings of the monitoring pages: executor-score weights and the working day, read from data/reference."""
import tomllib
from dataclasses import dataclass
from pathlib import Path

from core.rules import Rules
from core.reference import read_reference
from core.settings import REFERENCE_DIR

COMPONENTS = {
    "on_time": "доля ответов в срок",
    "speed": "скорость ответа (1 — ответ в день поступления, 0 — медиана {limit} раб. дн. и дольше)",
    "solved": "доля «решено» среди отвеченных решаемых",
    "satisfied": "доля довольных среди оценивших",
    "no_repeat": "доля обращений, не ставших повторными",
}


@dataclass(frozen=True)
class ScoreSettings:
    weights: dict
    min_items: int
    speed_limit_days: float

    def params(self) -> dict:
        """The score's bound parameters for queries/executors_rating.sql."""
        return {f"w_{k}": float(self.weights[k]) for k in COMPONENTS} | {
            "min_items": self.min_items, "speed_limit_days": float(self.speed_limit_days)}

    def explain(self) -> list[str]:
        """The formula in plain Russian, one line a component, weights as percent of the total."""
        total = sum(self.weights.values())
        limit = setting_text(self.speed_limit_days)
        return [f"{COMPONENTS[k].format(limit=limit)} — вес {setting_text(self.weights[k] / total * 100)} %"
                for k in COMPONENTS]


def setting_text(value: float) -> str:
    """A setting as written, with a decimal comma: 0.8 → «0,8», 10 → «10»."""
    return f"{value:g}".replace(".", ",")


def read_weights(raw: dict, path: Path, components) -> dict:
    """The [weights] of a settings file; a missing or negative weight is an error that says what to fix."""
    weights = raw.get("weights", {})
    bad = [k for k in components if not isinstance(weights.get(k), (int, float)) or weights[k] < 0]
    if bad or not sum(weights.get(k, 0) for k in components):
        raise ValueError(f"В {path.name} задайте неотрицательные веса [weights]: {', '.join(components)} "
                         "(хотя бы один больше нуля).")
    return {k: weights[k] for k in components}


def score_settings(path: Path = REFERENCE_DIR / "executor_score.toml") -> ScoreSettings:
    """Weights, minimum count and speed limit; a missing or negative weight is an error that says what to fix."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return ScoreSettings(read_weights(raw, path, COMPONENTS), int(raw.get("min_items", 10)),
                         float(raw.get("speed_limit_days", 20)))


def workday() -> dict:
    """The working window used for working-hour response times: work_start_hour, work_day_hours."""
    rules = Rules.load()
    return {"work_start_hour": rules.start_hour, "work_day_hours": rules.hours}


UNITS = {"calendar_days": "календарных дней", "working_days": "рабочих дней", "working_hours": "рабочих часов"}


def deadline_rules() -> list[str]:
    """The deadline rules of deadlines.toml in plain Russian, one line a rule (DESIGN.md §5)."""
    rules = Rules.load()
    names = dict(read_reference("sources").select("source", "label").iter_rows())
    lines = []
    for r in rules.rules.values():
        unit = UNITS.get(r["unit"], r["unit"])
        ext = f"; при продлении +{r['extension']}" if r.get("extension") else ""
        lines.append(f"{names.get(r['source'], r['source'])}, {r['kind']}: {r['value']} {unit}{ext} ({r['basis']})")
    if rules.move_off_day:
        lines.append("Срок, выпавший на выходной или праздник, переносится на следующий рабочий день.")
    return lines
