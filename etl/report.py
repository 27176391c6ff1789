"""What a load tells: the FileReport of one file, its one-line message, the import log and its rejects."""
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from core import fmt
from etl.detect import FIELD_LABELS, Detection
from etl.privacy import hash_fingerprint, mask


def mask_file_name(name: str) -> str:
    """A file's name as stored and told (the import log, the appeals' and votes' source, the report, the CLI): masked as
    a text is, for an export may be named after its author («Жалоба Иванова И.И. 89001234567.csv» → «Жалоба [ФИО]
    [телефон].csv»); its underscores read as spaces (a word boundary there), its extension kept. A name the masks leave
    stays as it is, underscores too."""
    ext = re.search(r"\.[A-Za-z0-9]{1,5}$", name)
    stem, ext = (name[:ext.start()], ext.group()) if ext else (name, "")
    spaced = stem.replace("_", " ")
    masked = mask(spaced)
    return name if masked == spaced else masked + ext


@dataclass
class FileReport:
    """The outcome of one file: counts, rejects and unmatched values for the curator."""

    file_name: str
    status: str                        # loaded | refused
    message: str = ""
    source: str | None = None
    profile: str | None = None
    rows_read: int = 0
    loaded: int = 0
    updated: int = 0
    duplicate: int = 0
    rejected: int = 0
    import_id: int | None = None
    seconds: float = 0.0               # the load's own time, without waiting for another load (waited)
    waited: float = 0.0                # seconds spent waiting for another load into the same database
    detection: Detection | None = None
    rejects: pl.DataFrame = field(default_factory=pl.DataFrame)
    unmatched: pl.DataFrame = field(default_factory=pl.DataFrame)
    warnings: list[str] = field(default_factory=list)   # loaded, but the curator must know (Russian)
    skewed: int = 0                    # answered/closed within the clock-skew tolerance before registration

    @property
    def ok(self) -> bool:
        return self.status == "loaded"

    def summary(self) -> dict:
        return {"файл": self.file_name, "источник": self.source or "—", "итог": "загружен" if self.ok else "отклонён",
                "прочитано": self.rows_read, "новых": self.loaded, "обновлено": self.updated,
                "дубликатов": self.duplicate, "отклонено": self.rejected}


# A reason's kind: its words before the quoted cell (and the sheet's name a row of several sheets starts with).
_REASON_KIND = r"^(?:лист «[^»]*»: )?([^:«(]*)"


def _all_rejected(rejects, rows_read: int, file_name: str, cells: bool = True) -> str:
    """Why no row of a file passed: the commonest kind of reason (its words before the quoted cell) with how many rows
    it stopped, and what to do. Advice about the source and the date format only where dates or columns are the
    reason: a file whose numbers Excel spoiled was sent to check its dates. Without `cells`, the reason's kind alone,
    not the cell it quotes (the import log's record of the refusal)."""
    kinds = rejects.with_columns(pl.col("reason").str.extract(_REASON_KIND).alias("kind"))
    top = kinds.group_by("kind").agg(pl.len(), pl.col("reason").first()).sort("len", "kind", descending=[True, False])
    kind, n, reason = top.row(0)
    fix = ("Файл не загружен. Проверьте, что выбран верный источник и формат дат, или исправьте профиль."
           if re.search(r"дат|столб|заголов", kind or "") else
           "Файл не загружен: исправьте выгрузку по причинам отклонения строк (они перечислены ниже) и загрузите заново.")
    if not cells:
        reason, fix = _reason_without_cells(reason), fix.replace(" (они перечислены ниже)", "")
    rows = "строки" if rows_read % 10 == 1 and rows_read % 100 != 11 else "строк"   # «из 1 строки», «из 2 строк»
    return (f"Ни одна из {rows_read} {rows} файла {file_name} не прошла проверку. Чаще всего "
            f"({fmt.count(n, 'строка', 'строки', 'строк')}): {reason}. {fix}")


def _check_salt(con, det: Detection) -> list[str]:
    """Applicant hashes are comparable only under one salt: a changed salt is said, not silently absorbed."""
    if "applicant" not in det.columns:
        return []
    mark = hash_fingerprint()
    old = con.execute("SELECT value FROM meta WHERE key = 'salt_check'").fetchone()
    con.execute("INSERT OR REPLACE INTO meta VALUES ('salt_check', ?)", [mark])
    if old is None or old[0] == mark:
        return []
    return ["внимание: соль обезличивания заявителей (файл data/salt.key или переменная MCU_SALT) не та, с которой "
            "загружались прежние файлы — повторные обращения одних и тех же заявителей не свяжутся с прежними, а "
            "строки с заявителем посчитаны обновлёнными. Верните прежний data/salt.key (или прежнее значение "
            "MCU_SALT) и загрузите файл снова"]


def _log(con, report: FileReport, sha: str | None, started: dt.datetime, rejects: pl.DataFrame, message: str) -> int:
    import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM import_log").fetchone()[0]
    con.execute("""INSERT INTO import_log (import_id, file_name, file_sha256, source, profile, started_at,
                       finished_at, status, message, rows_read, loaded, updated, duplicate, rejected)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [import_id, report.file_name, sha, report.source, report.profile, started, dt.datetime.now(),
                 report.status, message, report.rows_read, report.loaded, report.updated, report.duplicate,
                 report.rejected])
    if rejects.height:
        rj = rejects.with_columns(pl.lit(import_id).alias("import_id"))
        con.execute("INSERT INTO import_rejects (import_id, source_row, reason, raw) "
                    "SELECT import_id, source_row, reason, raw FROM rj")
    return import_id


def _message(report: FileReport, unmatched: pl.DataFrame) -> str:
    parts = [f"загружено {report.loaded}, обновлено {report.updated}, дубликатов {report.duplicate}, "
             f"отклонено {report.rejected}"]
    if report.skewed:
        parts.append(f"ответ раньше регистрации в пределах допуска: строк — {report.skewed} "
                     "(считаются отвеченными в момент регистрации)")
    if unmatched.height:
        by = unmatched.group_by("что").agg(pl.col("строк").sum()).sort("что")
        parts.append("требуют внимания: " + ", ".join(f"{k.lower()} — строк {v}" for k, v in by.iter_rows()))
    return "; ".join(parts)


# Where a refusal's message quotes the file's cells (etl.detect, etl.stage, etl.review): left out of its record in the
# import log, which keeps none of the file's cells. A quoted value may hold quotes of its own («МУП «Водоканал»»).
_QUOTED = r"«(?:[^«»]|«[^«»]*»)*»"
_LISTED = rf"{_QUOTED}(?:, {_QUOTED})*(?:, …)?"
_CELLS = [
    (re.compile(rf"\s*\((?:например: )?{_LISTED}\)"), ""),        # «уже данные («…», «…»)», «(например: «…»)»
    (re.compile(r"\s*\(строка \d+: .*?\)(?=\. )"), ""),            # formulas without a value: «(строка 2: =A1*2)»
    (re.compile(rf"[:,]? например[:,] {_LISTED}"), ""),             # «…, например: «…», «…».»
    (re.compile(rf"(в двух порядках): {_LISTED}"), r"\1"),         # dates of both orders
    # The columns found: the header row's cells, or data where a file has none (etl.detect._found).
    (re.compile(rf"\s*Найдены столбцы: (?:{_QUOTED}(?:, {_QUOTED})*(?: и ещё \d+)?|ни одного)\."), ""),
]


def _reason_without_cells(reason: str) -> str:
    """A row's reason (etl.stage) as the import log keeps it: its words before the quoted cell, and the field's name
    and the file's header where they come first — «нет значения «дата регистрации» (столбец «Дата создания»)» whole
    (the words alone read «нет значения.»), «дата регистрации не распознана: «31.02.2026»…» as «дата регистрации не
    распознана»."""
    m = re.match(_REASON_KIND, reason)
    field = re.match(r"«([^«»]*)»(?:\s*\(столбец «[^«»]*»\))?", reason[m.end():])
    named = field is not None and field.group(1) in set(FIELD_LABELS.values())
    return (m.group(1) + (field.group() if named else "")).strip()


def _without_cells(report: FileReport) -> str:
    """A refusal's message as the import log keeps it: the reason and what to do, no cell of the file."""
    if report.rejects is not None and report.rejects.height:   # every row rejected: the reasons quote the cells
        return _all_rejected(report.rejects, report.rows_read, report.file_name, cells=False)
    message = report.message
    for pattern, to in _CELLS:
        message = pattern.sub(to, message)
    return message


def log_refusal(db: Path, report: FileReport, sha: str | None, started: dt.datetime) -> int | None:
    """A refused file's record in the import history (status «refused»; the upload page's «История загрузок»): its
    masked name, when, why and the rows read where known (all counted rejected: nothing of it loaded) — none of its
    cells (no rejected rows, no quoted value: _without_cells). Written on its own after the load's write was undone
    (etl.build.append_log): the appeals and all else stay as they were. Not written where there is no database yet,
    another load holds it or it cannot be written — the user is told the refusal all the same — nor when the same file
    (by its fingerprint) was refused for the same reason last time: a file tried again adds no line until something
    else happened to it. Returns the record's import_id, or None."""
    from etl.build import append_log   # here: etl.build imports this module
    from core.settings import DUCKDB_CONFIG
    message = _without_cells(report)
    rows = report.rows_read
    record = FileReport(report.file_name, "refused", source=report.source, profile=report.profile, rows_read=rows,
                        rejected=rows)

    def told_already() -> bool:
        with duckdb.connect(str(db), read_only=True, config=DUCKDB_CONFIG) as con:
            last = con.execute("""SELECT status, message FROM import_log
                                  WHERE file_sha256 = $sha OR ($sha IS NULL AND file_name = $name)
                                  ORDER BY import_id DESC LIMIT 1""", {"sha": sha, "name": report.file_name}).fetchone()
        return last == ("refused", message)

    try:
        if not Path(db).exists():
            return None
        with append_log(db, skip=told_already) as con:
            return None if con is None else _log(con, record, sha, started, pl.DataFrame(), message)
    except Exception:   # noqa: BLE001 — unwritable, full, damaged: the refusal is told, just not recorded
        return None
