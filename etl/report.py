"""What a load tells: the FileReport of one file, its one-line message, the import log and its rejects."""
import datetime as dt
import re
from dataclasses import dataclass, field

import polars as pl

from core import fmt
from etl.detect import Detection
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


def _all_rejected(rejects, rows_read: int, file_name: str) -> str:
    """Why no row of a file passed: the commonest kind of reason (its words before the quoted cell) with how many rows
    it stopped, and what to do. Advice about the source and the date format only where dates or columns are the
    reason: a file whose numbers Excel spoiled was sent to check its dates."""
    kinds = rejects.with_columns(pl.col("reason").str.extract(r"^(?:лист «[^»]*»: )?([^:«(]*)").alias("kind"))
    top = kinds.group_by("kind").agg(pl.len(), pl.col("reason").first()).sort("len", "kind", descending=[True, False])
    kind, n, reason = top.row(0)
    fix = ("Файл не загружен. Проверьте, что выбран верный источник и формат дат, или исправьте профиль."
           if re.search(r"дат|столб|заголов", kind or "") else
           "Файл не загружен: исправьте выгрузку по причинам отклонения строк (они перечислены ниже) и загрузите заново.")
    return (f"Ни одна из {rows_read} строк файла {file_name} не прошла проверку. Чаще всего "
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


def _log(con, report: FileReport, sha: str, started: dt.datetime, rejects: pl.DataFrame, message: str) -> int:
    import_id = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM import_log").fetchone()[0]
    con.execute("""INSERT INTO import_log (import_id, file_name, file_sha256, source, profile, started_at,
                       finished_at, status, message, rows_read, loaded, updated, duplicate, rejected)
                   VALUES (?, ?, ?, ?, ?, ?, ?, 'loaded', ?, ?, ?, ?, ?, ?)""",
                [import_id, report.file_name, sha, report.source, report.profile, started, dt.datetime.now(),
                 message, report.rows_read, report.loaded, report.updated, report.duplicate, report.rejected])
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
