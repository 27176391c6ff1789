"""The deadline rules of data/reference/deadlines.toml (DESIGN.md §5) and the working day they define: the ETL
computes due dates by them, the app's executor score measures days by the same working day."""
import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

from core.settings import REFERENCE_DIR


@dataclass(frozen=True)
class Rules:
    rules: dict  # (source, kind) -> {"name", "unit", "value", "extension", "basis"}
    move_off_day: bool
    start_hour: int
    hours: int
    skew_tolerance: dt.timedelta = dt.timedelta(minutes=10)

    @classmethod
    def load(cls, path: Path = REFERENCE_DIR / "deadlines.toml") -> "Rules":
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls(
            rules={(r["source"], r["kind"]): r for r in raw["rule"]},
            move_off_day=raw.get("move_off_day_to_next_working_day", True),
            start_hour=raw.get("workday_start_hour", 9),
            hours=raw.get("workday_hours", 8),
            skew_tolerance=dt.timedelta(minutes=raw.get("answer_before_registration_tolerance_minutes", 10)),
        )

    def named(self, name: str) -> dict | None:
        """The rule a profile names (`name` in deadlines.toml, else «source/kind»)."""
        for (source, kind), rule in self.rules.items():
            if name in (rule.get("name"), f"{source}/{kind}"):
                return rule
        return None
