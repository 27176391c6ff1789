"""Detection: which profile, sheet, header row and columns an export has (DESIGN.md §2). A file that fits no
profile, lacks a required column or holds unsaved formulas is refused here with what to do."""
import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from core import fmt
from etl.normalise import parse_datetime
from etl.privacy import address_column, mask, personal_column
from etl.profile import REQUIRED, Profile, ProfileError, builtin_profiles, norm_header
from etl.read import (FileRefused, best_header, cells_of, join_sheets, looks_garbled, make_table, read_grids, same_source_sheets,
                      unknown_encoding)

FIELD_LABELS = {
    "external_id": "номер", "received_at": "дата регистрации", "due_at": "срок", "answered_at": "дата ответа",
    "closed_at": "дата закрытия", "extended": "продлено", "status": "статус", "result": "результат",
    "solvable": "решаемый", "satisfied": "удовлетворённость", "rating": "оценка", "theme": "тема",
    "subtheme": "подтема", "settlement": "населённый пункт", "municipality": "муниципалитет", "address": "адрес",
    "lat": "широта", "lon": "долгота", "coordinates": "координаты", "executor": "исполнитель",
    "executor_parent": "вышестоящий исполнитель", "appeal_type": "тип обращения", "kind": "вид записи",
    "is_repeat": "повторное", "text": "текст", "applicant": "заявитель", "title": "название",
    "started_at": "дата начала", "ended_at": "дата окончания", "participants": "участники",
    "option": "вариант", "votes": "голоса", "share": "доля",
    "audience": "аудитория", "engagement": "вовлечённость",
}


@dataclass
class Resolved:
    """The file's own columns that feed one canonical field."""

    headers: list[str]                 # coalesced in order (the header found, then fallbacks)
    parts: list[str] = field(default_factory=list)
    join: str = ", "
    time: str | None = None

    def describe(self) -> str:
        cols = self.parts or self.headers
        sep = " + " if self.parts else " → "
        text = sep.join(f"«{c}»" for c in cols)
        return text + (f" + время «{self.time}»" if self.time else "")

    def expr(self) -> pl.Expr:
        if self.parts:
            e = pl.concat_str([pl.col(c) for c in self.parts], separator=self.join, ignore_nulls=True)
            return pl.when(e == "").then(None).otherwise(e)
        return pl.coalesce([pl.col(c) for c in self.headers])


@dataclass
class Detection:
    file_name: str
    profile: Profile
    table: object                      # etl.read.Table
    columns: dict[str, Resolved]
    score: int
    warnings: list[str] = field(default_factory=list)   # loaded, but the report must say it (Russian)

    def describe(self) -> dict:
        return {"файл": self.file_name, "профиль": self.profile.title,
                **{k: v for k, v in self.table.describe().items() if v is not None},
                "строк": len(self.table.row_numbers)}

    def withheld(self) -> set[str]:
        """The file's columns about the applicant, never kept nor shown (a rejected row's cells, the upload's
        preview): the one the profile maps to `applicant` and any other its header names («Телефон заявителя»,
        «Адрес проживания», «URL автора»), and an address the profile does not map as the problem's (the applicant's
        home) — but the problem's address, whatever its header, as a loaded row keeps it."""
        applicant = set(self.columns["applicant"].headers) if "applicant" in self.columns else set()
        place = set(self.columns["address"].headers + self.columns["address"].parts) if "address" in self.columns \
            else set()
        return applicant | {c for c in self.table.df.columns
                            if (personal_column(c) or address_column(c)) and c not in place}

    def mapping_frame(self) -> pl.DataFrame:
        return pl.DataFrame({
            "поле": [f"{FIELD_LABELS.get(f, f)} ({f})" for f in self.columns],
            "столбец файла": [r.describe() for r in self.columns.values()],
        })


# How a refusal tells the user to choose the source: the page's words, and the command line's (on_command_line).
SOURCE_FIELD = "в поле «Источник»"
CUSTOM_SOURCE = "источник «Свой формат (профиль TOML)»"
WITH_CUSTOM = "с источником «Свой формат (профиль TOML)» и профилем"
_COMMAND_LINE = {SOURCE_FIELD: "параметром --source (pos, im, letters, votes или custom)",
                 CUSTOM_SOURCE: "--source custom --profile ФАЙЛ.toml",
                 WITH_CUSTOM: "с параметрами --source custom --profile ФАЙЛ.toml — профилем"}


def on_command_line(message: str) -> str:
    """A refusal's message as `python -m etl load` tells it: its options named where the page names its fields."""
    for page, cli in _COMMAND_LINE.items():
        message = message.replace(page, cli)
    return message


def candidate_profiles(source: str | None = None, profile: str | Path | Profile | None = None) -> list[Profile]:
    if profile:
        return [_findable(profile if isinstance(profile, Profile) else Profile.load(Path(profile)))]
    profiles = builtin_profiles()
    if source == "custom":
        raise ProfileError("Для своего формата нужен профиль: приложите файл профиля TOML (в командной строке — "
                           "--profile ФАЙЛ.toml; образец — etl/profiles/custom_example.toml, описание — "
                           "docs/profiles.md).")
    if source:
        profiles = [p for p in profiles if p.source == source]
        if not profiles:
            raise ProfileError(f"Нет профиля для источника «{source}». Допустимы: pos, im, letters, votes, custom.")
    return profiles


def _findable(p: Profile) -> Profile:
    """A profile named explicitly need not list `identify`: its own column headers then find the header row
    (the required fields must be there anyway)."""
    if p.identify:
        return p
    names = tuple("|".join(col.names()) for col in p.columns.values())
    return dataclasses.replace(p, identify=names, identify_min=len(REQUIRED[p.target]))


def _resolve(profile: Profile, columns: list[str]) -> dict[str, Resolved]:
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(norm_header(c), c)
    find = lambda names: [by_norm[norm_header(h)] for h in names if norm_header(h) in by_norm]
    out = {}
    for name, col in profile.columns.items():
        head = find(col.headers)[:1]
        fallback = [c for c in find(col.fallback) if c not in head]
        parts = find(col.parts)
        time_col = (find(col.time) or [None])[0]
        if head or fallback or parts:
            out[name] = Resolved(headers=head + fallback, parts=parts, join=col.join, time=time_col)
    return out


def _short(cell: str, size: int = 60) -> str:
    """A cell quoted in a message, masked as a stored text is (a file without its header row has data where the
    column names should be: an applicant's name or phone would show on the page), and cut short: a whole text
    there hid what the message said. 60 characters keep real headers apart (the ЦУР export's two longest share
    their first 56)."""
    cell = mask(cell) or ""
    return cell if len(cell) <= size else cell[:size].rstrip() + "…"


NO_DATES = ("В файле нет ни одного столбца с датами, а без даты регистрации обращение не загрузить: по ней считаются "
            "периоды и сроки. Выгрузите файл заново вместе с датой создания сообщения.")


# A date in any order of its parts (a profile's date_formats may read «2025/03/01»), or with its month in words.
_DATE_LIKE = (r"(?:^|\D)\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?:\D|$)"
              r"|(?i:\d\s*(?:янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя|дек)[а-я]*\.?\s*\d{2,4})")


def _has_dates(df: pl.DataFrame, sample: int = 200) -> bool:
    """Whether any column holds dates in half of its first `sample` filled cells, in any form (a profile of one's own
    helps only a file that has them)."""
    for c in df.columns:
        cells = df[c].drop_nulls().head(sample) if df[c].dtype == pl.String else None
        if cells is not None and cells.len() and pl.select(
                (pl.lit(cells).str.contains(_DATE_LIKE) | parse_datetime(pl.lit(cells)).is_not_null()).mean()
        ).item() >= 0.5:
            return True
    return False


def _found(columns: list[str], limit: int = 40) -> str:
    shown = [f"«{_short(c)}»" for c in columns if not c.startswith("Столбец ")][:limit]
    more = len(columns) - len(shown)
    return ", ".join(shown) + (f" и ещё {more}" if more > 0 else "") if shown else "ни одного"


def detect(path: Path, *, source: str | None = None, profile=None, file_name: str | None = None) -> Detection:
    """Which profile, sheet, header row and columns a file has. Raises FileRefused with what to do."""
    path = Path(path)
    file_name = file_name or path.name
    try:
        profiles = candidate_profiles(source, profile)
    except ProfileError as e:
        raise FileRefused(str(e)) from None
    kind, grids, all_rows = read_grids(path)
    grid, header_idx, best, score = best_header(grids, profiles)
    rows, unknown, sheets = all_rows(grid)
    if best is None and (source or profile) and len(profiles) == 1:
        best = profiles[0]   # the user named the source: check its columns rather than guess
    table = make_table(kind, grid, header_idx, rows, sheets, unknown)
    warnings = []
    if table.cut_row is not None:
        warnings.append(f"файл, похоже, обрезан: он кончается посреди строки {table.cut_row} (открытая кавычка не "
                        "закрыта); эта строка отклонена, остальные загружены — выгрузите файл заново и загрузите его, "
                        "чтобы не потерять строки после обрыва")
    if table.cut_short is not None:
        warnings.append(f"файл, похоже, обрезан: он кончается посреди строки {table.cut_short[0]} (в ней "
                        f"{cells_of(table.cut_short[1], len(table.df.columns))}, перевода строки в конце нет); эта строка "
                        "отклонена, остальные загружены — выгрузите файл заново и загрузите его, чтобы не потерять "
                        "строки после обрыва")
    if table.stray:
        rows = ", ".join(map(str, table.stray[:10])) + (f" и ещё в {fmt.num(len(table.stray) - 10)}"
                                                         if len(table.stray) > 10 else "")
        warnings.append(f"в строке {rows} испорченный символ (байт, который не читается как UTF-8): эта строка "
                        "отклонена, остальные загружены — исправьте символ в выгрузке или выгрузите файл заново и "
                        "загрузите его" if len(table.stray) == 1 else
                        f"в строках {rows} испорченные символы (байты, которые не читаются как UTF-8): эти строки "
                        "отклонены, остальные загружены — исправьте символы в выгрузке или выгрузите файл заново и "
                        "загрузите его")
    broken = [c for c in table.df.columns if "\ufffd" in c]
    if broken:
        warnings.append(f"в строке заголовков испорченный символ (байт, который не читается как UTF-8): "
                        f"{', '.join(f'«{_short(c)}»' for c in broken)} — по такому названию столбец не узнаётся; "
                        "исправьте его название в выгрузке и загрузите файл снова")
    if table.short:
        shown = "; ".join(f"строка {n}: {cells_of(k, len(table.df.columns))}" for n, k in table.short[:5])
        more = f" и ещё {fmt.num(len(table.short) - 5)}" if len(table.short) > 5 else ""
        warnings.append(f"в {fmt.count(len(table.short), 'строке', 'строках', 'строках')} меньше ячеек, чем столбцов в "
                        f"заголовке ({shown}{more}): недостающие ячейки считаются пустыми — проверьте эти строки в "
                        "выгрузке (часто так рвёт строку перевод строки внутри текста)")
    if best is not None and len(grids) > 1:
        table, told = _more_sheets(kind, grids, grid, header_idx, best, all_rows, table)
        warnings += told
    if table.merged:
        warnings.append(f"в строках данных есть объединённые ячейки (столбцы {', '.join(f'«{c}»' for c in table.merged)}): "
                        "значение такой ячейки записано в каждую её строку — проверьте, что так и задумано")
    columns = list(table.df.columns)
    if best is None:
        _refuse_unreadable_header(file_name, columns, table.header_row, grid.rows[:header_idx])
        near = max(profiles, key=lambda p: p.identify_score({norm_header(c) for c in columns}))
        if not _has_dates(table.df):   # no profile of one's own helps a file with no date
            raise FileRefused(f"Не удалось определить источник файла {file_name}: ни один профиль не подходит. "
                              f"Найдены столбцы: {_found(columns)}. {NO_DATES}")
        raise FileRefused(
            f"Не удалось определить источник файла {file_name}: ни один профиль не подходит. "
            f"Найдены столбцы: {_found(columns)}. Выберите источник явно {SOURCE_FIELD} или опишите формат "
            f"своим профилем: {CUSTOM_SOURCE}, образец профиля — "
            f"etl/profiles/custom_example.toml. Ближайший профиль — "
            f"«{near.title}»: он ждёт столбцы {', '.join('«' + i.split('|')[0] + '»' for i in near.identify)}.")
    resolved = _resolve(best, columns)
    missing = [f for f in REQUIRED[best.target] if f not in resolved]
    if missing:
        _refuse_unreadable_header(file_name, columns, table.header_row, grid.rows[:header_idx])
        wanted = "; ".join(f"{FIELD_LABELS.get(f, f)} — «{'» или «'.join(best.columns[f].names())}»" for f in missing)
        where = best.path.name if best.path else best.name
        if "received_at" in missing and not _has_dates(table.df):
            raise FileRefused(f"В файле {file_name} нет обязательных столбцов ({wanted}). Найдены столбцы: "
                              f"{_found(columns)}. {NO_DATES}")
        raise FileRefused(
            f"В файле {file_name} нет обязательных столбцов ({wanted}). Найдены столбцы: {_found(columns)}. "
            f"Если это выгрузка {best.title}, где столбцы названы иначе, загрузите её {WITH_CUSTOM}, в котором "
            f"указаны эти названия (образец — etl/profiles/custom_example.toml; общий профиль {where}, раздел "
            f"[columns], правит администратор). Если источник выбран неверно — выберите другой {SOURCE_FIELD}.")
    _check_formulas(file_name, table, resolved)
    if table.df.height == 0:
        raise FileRefused(f"В файле {file_name} есть заголовки, но нет ни одной строки данных. "
                          "Проверьте период выгрузки и выгрузите данные заново.")
    return Detection(file_name, best, table, resolved, score, warnings)


def _more_sheets(kind: str, grids, grid, header_idx: int, profile: Profile, all_rows, table):
    """The table with every other sheet of the same columns joined (an export over Excel's row limit goes on in
    «Сообщения 2»), and a warning for each sheet that fits the profile with other columns: its rows are not loaded,
    and the report says so."""
    same, other, headless = same_source_sheets(grids, grid, header_idx, profile)
    more = []
    for g, i in same:
        rows, unknown, sheets = all_rows(g)
        more.append(make_table(kind, g, i, rows, sheets, unknown))
    warnings = []
    for g, i, missing, extra in other:
        rows, unknown, sheets = all_rows(g)
        part = make_table(kind, g, i, rows, sheets, unknown)
        n = part.df.height
        theirs = part.df.columns
        part.df = part.df.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in missing)
        more.append(part)
        lacking = [f for f in REQUIRED[profile.target] if f not in _resolve(profile, theirs)]
        if lacking:
            # A field no row of the sheet can be loaded without: each row read and rejected with the reason, so
            # every row of the file is accounted for (rows_read = loaded + updated + duplicate + rejected).
            ours = _resolve(profile, table.df.columns)
            names = [f"«{(ours[f].headers or ours[f].parts)[0]}»" if f in ours else f"«{f}»" for f in lacking]
            part.refused = [f"на листе нет {'столбца' if len(names) == 1 else 'столбцов'} {', '.join(names)} — строка "
                            "не загружена; добавьте столбец на лист и загрузите файл снова"] * n
            warnings.append(f"лист «{g.sheet}»: нет {', '.join(names)} — его {fmt.count(n, 'строка', 'строки', 'строк')} "
                            "отклонены")
            continue
        # The same export with columns left out, added or in another order: read by its own header row, the fields it
        # lacks empty (a thinner file erases nothing); a column only it has is told, with how to take it too.
        order = "столбцы в другом порядке, " if [c for c in table.df.columns if c not in missing] \
            != [c for c in theirs if c not in extra] else ""
        told = [f"нет {', '.join(f'«{c}»' for c in missing)} — эти поля у его "
                f"{fmt.count(n, 'строки', 'строк', 'строк')} пустые"] if missing else []
        # A column about the applicant is never kept, in this file or in the sheet saved on its own: not offered.
        hidden = Detection("", profile, part, _resolve(profile, theirs), 0).withheld()
        extra = [c for c in extra if c not in hidden]
        if extra:
            one = len(extra) == 1
            told.append(f"{'столбец' if one else 'столбцы'} {', '.join(f'«{c}»' for c in extra)} "
                        f"есть только на этом листе и не {'взят' if one else 'взяты'} — чтобы "
                        f"взять и {'его' if one else 'их'}, сохраните лист отдельным файлом и загрузите: его строки "
                        "сольются с уже загруженными")
        warnings.append(f"лист «{g.sheet}» прочитан по своей строке заголовков (строка {i + 1}): {order}"
                        + "; ".join(told))
    for g in headless:
        # Read under the chosen sheet's header, each row refused with the reason: every row of the file is accounted
        # for (rows_read = loaded + updated + duplicate + rejected), none is guessed at.
        rows, unknown, sheets = all_rows(g)
        g.merged = [(top + 1, c, bottom + 1) for top, c, bottom in g.merged]   # under the header row put above
        part = make_table(kind, g, 0, [grid.rows[header_idx], *rows], sheets)
        part.row_numbers = [n - 1 for n in part.row_numbers]   # numbered under a header row the sheet lacks
        part.refused = ["на листе нет строки заголовков — строка не загружена; скопируйте на лист строку заголовков "
                        f"с листа «{grid.sheet}» и загрузите файл снова"] * part.df.height
        more.append(part)
        warnings.append(f"лист «{g.sheet}» не загружен: в нём столько же столбцов ({len(table.df.columns)}), но нет "
                        "строки заголовков — если это продолжение таблицы, скопируйте на него строку заголовков с листа "
                        f"«{grid.sheet}» и загрузите файл снова (строк на листе: {fmt.num(part.df.height)}, они "
                        "отклонены)")
    return (join_sheets(table, more) if more else table), warnings


def _refuse_unreadable_header(file_name: str, columns: list[str], header_row: int, above: list[list]) -> None:
    """A header no profile can use because it is unreadable (an unknown encoding) or no header at all (a row of
    data) is told so, whatever the source chosen: the columns a refusal would list are nonsense or data. `above`
    are the file's rows above the one taken for the header (the widest, when no profile fits)."""
    cells = [c for c in columns if not c.startswith("Столбец ")]
    if looks_garbled(cells):
        raise FileRefused(unknown_encoding(file_name))
    if _looks_like_data(cells):
        # A first data row with an empty cell is narrower than the next one, which was taken for the header:
        # the message names the first row of data, where a header row belongs.
        for i, row in enumerate(above):
            first = [str(c).strip() for c in row if c is not None and str(c).strip()]
            if first and _looks_like_data(first):
                cells, header_row = first, i + 1
                break
        shown = ", ".join(f"«{_short(c, 40)}»" for c in cells[:3]) + (", …" if len(cells) > 3 else "")
        raise FileRefused(
            f"В файле {file_name}, похоже, нет строки заголовков: в строке {header_row}, где ожидаются названия "
            f"столбцов, — уже данные ({shown}). Выгрузите данные заново вместе с названиями столбцов (или впишите их "
            "первой строкой файла) и загрузите снова.")


_NUMBER = re.compile(r"[+-]?\d[\d \xa0]*(?:[.,]\d+)?")
_DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?:[ T]\d{1,2}:\d\d(?::\d\d(?:\.\d+)?)?)?|\d{1,2}:\d\d(?::\d\d)?")
LONG_CELL = 80   # longer than any real header (the ЦУР export's longest: 72 characters)


def _looks_like_data(cells: list[str]) -> bool:
    """A header row candidate that is a row of data: at least two of its cells, and at least half, are numbers,
    dates, long texts or hold personal data, which no header is made of."""
    cells = [re.sub(r" \(\d+\)$", "", c) for c in cells]   # «3 (2)»: a value repeated in the row (read._dedupe)
    # A cell with personal data in it (a name, a phone: the mask changes it) is no column name either.
    data = sum(bool(_NUMBER.fullmatch(c) or _DATE.fullmatch(c)) or len(c) > LONG_CELL or mask(c) != c
               for c in cells)
    return data >= 2 and data * 2 >= len(cells)


def _check_formulas(file_name: str, table, resolved: dict[str, "Resolved"]) -> None:
    """A column we use whose cells are formulas with no saved value is refused: a row is never keyed on,
    or filled with, a value the file does not hold."""
    used = {h for r in resolved.values() for h in (*r.headers, *r.parts, *([r.time] if r.time else []))}
    bad = {c: cells for c, cells in table.formulas.items() if c in used}
    if bad:
        col, cells = next(iter(bad.items()))
        shown = ", ".join(f"строка {r}: {f}" for r, f in cells[:3])
        raise FileRefused(
            f"В файле {file_name} в столбце «{col}» {len(cells)} ячеек — формулы без сохранённого значения "
            f"({shown}). Файл не загружен: значения этих ячеек в файле нет. Откройте файл в Excel, дождитесь "
            "пересчёта и сохраните его (или замените формулы значениями: «Копировать» → «Вставить значения»), "
            "затем загрузите снова.")
