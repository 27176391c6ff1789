"""Source profiles (etl/profiles/*.toml): which headers identify an export and how its columns map to ours.

A profile is data, so a curator with a new export writes a profile, not code (docs/profiles.md).
"""
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

PROFILES_DIR = Path(__file__).with_name("profiles")
SOURCES = ("pos", "im", "letters", "votes", "custom")
TARGETS = ("appeals", "votes")

# Canonical fields a profile may fill, by target, with the kind of value each holds.
APPEAL_FIELDS = {
    "external_id": "id", "received_at": "datetime", "due_at": "datetime", "answered_at": "datetime",
    "closed_at": "datetime", "extended": "bool", "status": "map", "result": "map", "solvable": "bool",
    "satisfied": "bool", "rating": "rating", "theme": "text", "subtheme": "text", "settlement": "text",
    "municipality": "text", "address": "text", "lat": "float", "lon": "float", "coordinates": "text",
    "executor": "text", "executor_parent": "text", "appeal_type": "map", "kind": "map", "is_repeat": "bool",
    "text": "text", "applicant": "text", "audience": "int", "engagement": "int",
}
VOTE_FIELDS = {
    "external_id": "id", "title": "text", "theme": "text", "settlement": "text", "municipality": "text",
    "started_at": "datetime", "ended_at": "datetime", "participants": "int", "option": "text",
    "votes": "int", "share": "share",
}
REQUIRED = {"appeals": ("external_id", "received_at"), "votes": ("external_id", "title", "option")}
# Canonical values a map may produce (None = unknown is always allowed).
ALLOWED = {
    "status": {"new", "in_progress", "answered", "closed", "rejected"},
    "result": {"решено", "разъяснено", "отказано"},
    "appeal_type": {"предложение", "заявление", "жалоба"},
    "kind": {"обращение", "сообщение", "инцидент"},
}

_SPACES = re.compile(r"\s+")
_EDGE_PUNCT = re.compile(r"^[\s'\"«»“”.:;,*№#]+|[\s'\"«»“”.:;,*]+$")


def norm_header(text) -> str:
    """A header or value as compared: case, ё/е, spacing, quotes and edge punctuation ignored."""
    s = str(text or "").replace("\ufeff", "").replace("\xa0", " ").lower().replace("ё", "е")
    return _EDGE_PUNCT.sub("", _SPACES.sub(" ", s)).strip()


# How an item's number identifies it: alone ("never" repeats), or with the year of its registration ("year").
ID_RESTARTS = ("never", "year")


class ProfileError(Exception):
    """A profile file is wrong; the message says what to fix."""


@dataclass(frozen=True)
class Column:
    """Where one canonical field comes from: synonyms of one header, fallbacks, parts to join, a time part."""

    headers: tuple[str, ...]
    fallback: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    join: str = ", "
    time: tuple[str, ...] = ()

    @classmethod
    def parse(cls, name: str, spec, where: str) -> "Column":
        if isinstance(spec, str):
            return cls(headers=(spec,))
        if isinstance(spec, list) and all(isinstance(s, str) for s in spec):
            return cls(headers=tuple(spec))
        if isinstance(spec, dict):
            unknown = set(spec) - {"headers", "fallback", "parts", "join", "time"}
            if unknown:
                raise ProfileError(f"{where}: в описании столбца «{name}» неизвестные ключи: {', '.join(sorted(unknown))}. "
                                   "Допустимы headers, fallback, parts, join, time.")
            as_tuple = lambda v: (v,) if isinstance(v, str) else tuple(v or ())
            col = cls(headers=as_tuple(spec.get("headers")), fallback=as_tuple(spec.get("fallback")),
                      parts=as_tuple(spec.get("parts")), join=spec.get("join", ", "), time=as_tuple(spec.get("time")))
            if not col.headers and not col.parts:
                raise ProfileError(f"{where}: для столбца «{name}» укажите headers (варианты заголовка) или parts.")
            return col
        raise ProfileError(f"{where}: столбец «{name}» задайте строкой, списком заголовков или таблицей.")

    def names(self) -> tuple[str, ...]:
        return self.headers + self.fallback + self.parts + self.time


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    source: str
    target: str
    kind: str | None
    identify: tuple[str, ...]
    identify_min: int
    columns: dict[str, Column]
    values: dict[str, dict]          # field -> {normalised source value: canonical value or None}
    date_formats: tuple[str, ...]
    applicant_ignore: str | None
    id_restarts: str = "never"       # "year": the source numbers its items anew each year (a 59-ФЗ register)
    path: Path | None = None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def fields(self) -> dict:
        return APPEAL_FIELDS if self.target == "appeals" else VOTE_FIELDS

    @classmethod
    def from_toml(cls, text: str, path: Path | None = None) -> "Profile":
        where = f"Профиль {path.name}" if path else "Профиль"
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ProfileError(f"{where}: ошибка синтаксиса TOML ({e}). Проверьте кавычки и скобки.") from None
        # `identify` only serves auto-detection: a profile named explicitly may go without it.
        for key in ("name", "source", "columns"):
            if key not in raw:
                raise ProfileError(f"{where}: нет обязательного ключа «{key}».")
        source = raw["source"]
        if source not in SOURCES:
            raise ProfileError(f"{where}: source = «{source}», а допустимы: {', '.join(SOURCES)}.")
        target = raw.get("target", "votes" if source == "votes" else "appeals")
        if target not in TARGETS:
            raise ProfileError(f"{where}: target = «{target}», а допустимы: {', '.join(TARGETS)}.")
        fields = APPEAL_FIELDS if target == "appeals" else VOTE_FIELDS
        unknown = set(raw["columns"]) - set(fields)
        if unknown:
            raise ProfileError(f"{where}: неизвестные поля в [columns]: {', '.join(sorted(unknown))}. "
                               f"Допустимы: {', '.join(fields)}.")
        columns = {k: Column.parse(k, v, where) for k, v in raw["columns"].items()}
        missing = [f for f in REQUIRED[target] if f not in columns]
        if missing:
            raise ProfileError(f"{where}: в [columns] нет обязательных полей: {', '.join(missing)}.")
        kind = raw.get("kind")
        if target == "appeals" and kind not in ALLOWED["kind"] and "kind" not in columns:
            raise ProfileError(f"{where}: укажите kind = «обращение», «сообщение» или «инцидент».")
        values = {}
        for fname, mapping in raw.get("values", {}).items():
            if fname not in fields:
                raise ProfileError(f"{where}: [values.{fname}] — такого поля нет. Допустимы: {', '.join(fields)}.")
            values[fname] = {norm_header(k): _value(fname, v, where) for k, v in mapping.items()}
        deadline_policy(raw, where)
        identify = tuple(raw.get("identify", ()))
        id_restarts = raw.get("id_restarts", "never")
        if id_restarts not in ID_RESTARTS:
            raise ProfileError(f"{where}: id_restarts = «{id_restarts}», а допустимы: «never» (номер записи не "
                               "повторяется) или «year» (нумерация начинается заново каждый год, как в журнале "
                               "регистрации обращений: «1-ОГ» 2025 и 2026 года — разные обращения).")
        return cls(name=raw["name"], title=raw.get("title", raw["name"]), source=source, target=target, kind=kind,
                   identify=identify, identify_min=int(raw.get("identify_min", max(1, len(identify) - 1))),
                   columns=columns, values=values, date_formats=tuple(raw.get("date_formats", ())),
                   applicant_ignore=raw.get("applicant_ignore"), id_restarts=id_restarts, path=path, raw=raw)

    @classmethod
    def load(cls, path: Path) -> "Profile":
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise ProfileError(f"Не удалось прочитать профиль {path}: {e}. Профиль — текстовый файл TOML в UTF-8.") from None
        return cls.from_toml(text, path)

    @property
    def deadline(self) -> dict:
        """What an empty deadline cell means: {"if_empty": "channel" | "none"} or, with a rule to compute it,
        {"if_empty": "rule" | "own", "rule": {"unit", "value", "extension", …}} (docs/profiles.md, [deadline])."""
        return deadline_policy(self.raw, f"Профиль {self.path.name}" if self.path else "Профиль")

    def identify_score(self, headers: set[str]) -> int:
        """How many identifying headers (any synonym, '|' separated) a file's normalised headers contain."""
        return sum(any(norm_header(h) in headers for h in ident.split("|")) for ident in self.identify)


def _value(fname: str, v, where: str):
    if v == "":
        return None  # "" in a map means "unknown" (NULL)
    allowed = ALLOWED.get(fname)
    if allowed is not None and v not in allowed:
        raise ProfileError(f"{where}: [values.{fname}] значение «{v}» недопустимо; допустимы: "
                           f"{', '.join(sorted(allowed))} или \"\" (неизвестно).")
    return v


IF_EMPTY = ("channel", "none", "rule", "own")


def deadline_policy(raw: dict, where: str) -> dict:
    """The profile's [deadline] table checked: an empty deadline cell means the channel's rule (the default),
    no deadline at all, a named rule of deadlines.toml, or the profile's own value and unit."""
    from etl.deadlines import UNITS, Rules

    spec = raw.get("deadline", {})
    if not isinstance(spec, dict):
        raise ProfileError(f"{where}: [deadline] — таблица, например: [deadline] if_empty = \"none\".")
    unknown = set(spec) - {"if_empty", "rule", "value", "unit", "extension"}
    if unknown:
        raise ProfileError(f"{where}: в [deadline] неизвестные ключи: {', '.join(sorted(unknown))}. "
                           "Допустимы if_empty, rule, value, unit, extension.")
    mode = spec.get("if_empty", "channel")
    if mode not in IF_EMPTY:
        raise ProfileError(f"{where}: [deadline] if_empty = «{mode}», а допустимы: «channel» (правило канала), "
                           "«none» (срока нет), «rule» (правило из deadlines.toml), «own» (своё: value и unit).")
    if mode in ("channel", "none"):
        return {"if_empty": mode}
    if mode == "rule":
        rules = Rules.load()
        rule = rules.named(str(spec.get("rule", "")))
        if rule is None:
            known = ", ".join(f"«{r.get('name', s + '/' + k)}»" for (s, k), r in rules.rules.items())
            raise ProfileError(f"{where}: [deadline] rule = «{spec.get('rule', '')}» — такого правила нет в "
                               f"data/reference/deadlines.toml. Есть: {known}.")
        return {"if_empty": mode, "rule": rule}
    unit, value, extension = spec.get("unit"), spec.get("value"), spec.get("extension", 0)
    if unit not in UNITS or not isinstance(value, int) or value <= 0 or not isinstance(extension, int) or extension < 0:
        raise ProfileError(f"{where}: для [deadline] if_empty = \"own\" укажите value — целое число больше нуля, "
                           f"unit — {', '.join(UNITS)}, и при желании extension (сколько добавить при продлении).")
    return {"if_empty": mode, "rule": {"name": "own", "unit": unit, "value": value, "extension": extension,
                                      "basis": "правило профиля"}}


def builtin_profiles() -> list[Profile]:
    """The shipped profiles: pos, im, letters, votes (the example custom profile is not auto-detected)."""
    return [Profile.load(p) for p in sorted(PROFILES_DIR.glob("*.toml")) if not p.stem.startswith("custom")]
