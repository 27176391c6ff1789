"""One loader for every source profile (DESIGN.md §2). This module only orchestrates the stages, one module each:
detect (etl/detect.py) → type and check (etl/stage.py) → match names to the reference (etl/match.py) → the
canonical frames (etl/frames.py) → merge into the database (etl/write.py) → report and log (etl/report.py).

A file loads whole or not at all (etl.build.update_database swaps the database file atomically), and
every source row is accounted for: rows_read = loaded + updated + duplicate + rejected.
"""
import concurrent.futures
import datetime as dt
import errno
import hashlib
import time
from pathlib import Path

import duckdb

from etl import privacy, review
from etl.build import update_database
from etl.calendar import production_calendar
from etl.deadlines import Deadlines
from etl.detect import Detection, detect
from etl.frames import appeals_frame, masked_texts
from etl.match import Unmatched, _headers, _values_report, numeric_theme_codes, theme_matcher
from etl.profile import ProfileError
from etl.read import FileRefused
from etl.report import FileReport, _all_rejected, _check_salt, _log, _message, log_refusal, mask_file_name
from etl.stage import stage
from etl.write import _record_as_of, _write_appeals, _write_votes, bring_ids_to_profile, sync_reference
from core import fmt
from core.settings import db_path


def _disk_full(e: Exception) -> bool:
    """A write that failed for want of space (or over the file size limit, which reads the same to a user)."""
    if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return True
    return isinstance(e, (OSError, duckdb.Error)) and any(
        s in str(e) for s in ("No space left on device", "File too large", "Disk quota exceeded"))


def _failure(e: Exception, file_name: str, db: Path) -> str:
    """What a user is told when the write failed; the database is unchanged in every case (etl.build._swap)."""
    if _disk_full(e):
        return (f"Файл {file_name} не загружен: на диске нет места для копии базы (загрузка пишет новую базу рядом со "
                f"старой и подменяет её). База не изменена. Освободите место на диске с базой ({db.parent}) — нужно "
                "не меньше размера базы и файла вместе — и повторите загрузку.")
    if isinstance(e, duckdb.Error):
        return (f"Не удалось записать файл {file_name} в базу, база не изменена. Если база открыта другой программой на "
                "запись, закройте её и повторите; если ошибка повторяется, сообщите администратору текст ошибки: "
                f"{e}")
    # A loader bug must still leave the database as it was and say so plainly.
    return (f"Внутренняя ошибка загрузчика на файле {file_name} ({type(e).__name__}: {e}). База не изменена. "
            "Сообщите разработчикам и приложите файл.")


# A file this large (a daily export is ~300 KB) almost surely has a text the mask reads with its models (a capital
# word in a sentence): they load beside the reading and the database's creation (10 000 rows: 1,3 → 1,05 s).
PRELOAD_BYTES = 64 << 10


def _sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _sha_or_none(sha_of) -> str | None:
    try:
        return sha_of.result()
    except OSError:   # a file that cannot be read has no fingerprint
        return None


# Where a load stands, as a share of it (progress's first argument). The texts' masking takes most of a regional
# export's time (1 M real ПОС rows: ~2,5 of ~3 minutes); it moves the bar across its span part by part.
_AT_READ, _AT_STAGE, _AT_FRAME, _AT_TEXT_END, _AT_WRITE = 0.0, 0.1, 0.2, 0.85, 0.9


def load_file(path: Path, *, source: str | None = None, profile=None, db: Path | None = None,
              file_name: str | None = None, as_of: dt.date | None = None, progress=None) -> FileReport:
    """Load one export into the database atomically. Never raises for bad input: a refused file comes
    back as a report with status 'refused' and a Russian message, the database untouched. `progress(share,
    text)` is told how far the load is (0…1) and what it is doing, in Russian; the texts' masking may call it from
    polars' thread."""
    path = Path(path)
    # Masked once here: every message, the report, the import log and the rows' source take it from here.
    file_name = mask_file_name(file_name or path.name)
    say = progress or (lambda share, text: None)
    say(_AT_READ, "чтение файла")
    started, t0 = dt.datetime.now(), time.perf_counter()
    # The file's fingerprint for the import log, read in its own thread while the file is detected and typed
    # (hashlib lets go of the interpreter: 1 M rows, 0,4 s off the load where a core is free), in blocks, not
    # as a second copy of the file in memory.
    hashing = concurrent.futures.ThreadPoolExecutor(1)
    sha_of = hashing.submit(_sha256, path)
    hashing.shutdown(wait=False)
    if path.exists() and path.stat().st_size >= PRELOAD_BYTES:
        privacy.preload()

    def refused(r: FileReport) -> FileReport:
        # The attempt stays in the import history, written apart after this load's write was undone (a failed write
        # is not: the database could not take it).
        r.seconds = time.perf_counter() - t0
        r.import_id = log_refusal(Path(db or db_path()), r, _sha_or_none(sha_of), started)
        return r

    det = None
    try:
        det = detect(path, source=source, profile=profile, file_name=file_name)
        say(_AT_STAGE, f"проверка строк: {fmt.count(det.table.df.height, 'строка', 'строки', 'строк')}")
        good, rejects, in_file_dups = stage(det)
    except (FileRefused, ProfileError) as e:
        return refused(FileReport(file_name, "refused", str(e), rows_read=det.table.df.height if det else 0,
                                  source=det and det.profile.source, profile=det and det.profile.name))
    except Exception as e:  # an unforeseen shape of file: refuse it plainly, never a traceback
        return refused(FileReport(file_name, "refused", f"Не удалось прочитать файл {file_name} ({type(e).__name__}: "
                                  f"{e}). База не изменена. Сохраните файл заново как XLSX или CSV; если не поможет — "
                                  "сообщите разработчикам и приложите файл."))
    rows_read = det.table.df.height
    report = FileReport(file_name, "loaded", source=det.profile.source, profile=det.profile.name,
                        rows_read=rows_read, rejected=rejects.height, detection=det, rejects=rejects,
                        skewed=int(good["__skew"].sum()) if "__skew" in good.columns else 0,
                        warnings=list(det.warnings))
    if good.height == 0:
        return refused(FileReport(
            file_name, "refused", _all_rejected(rejects, rows_read, file_name), source=det.profile.source,
            profile=det.profile.name, rows_read=rows_read, rejected=rejects.height, detection=det, rejects=rejects))
    sha = sha_of.result()
    unmatched = Unmatched(profile=det.profile)
    _values_report(det, good, unmatched)
    wait_began = []

    def waiting(now: bool) -> None:
        # Another load into this database (a second tab) holds it: the bar says so meanwhile;
        # and the time waited is not the load's own («Загружено за 11,5 с» for 6 rows after a 10-second wait).
        at = _AT_TEXT_END if det.profile.target == "appeals" else _AT_STAGE   # the texts are masked by then
        say(at, "ожидание: идёт другая загрузка в эту базу…" if now else "подготовка базы к записи")
        if now:
            wait_began.append(time.perf_counter())
        elif wait_began:
            report.waited += time.perf_counter() - wait_began.pop()

    try:
        if det.profile.target == "appeals":
            # Before the database is waited for (another load may hold it for minutes) and before the canonical frame is
            # built: the file's cells (the report keeps the detection's columns and row numbers, not the cells) and the
            # raw texts go as soon as the texts are masked, not beside the whole frame (1 M real rows: peak 2,6 → … GB).
            span = _AT_TEXT_END - _AT_FRAME
            good = masked_texts(det, good, on_text=lambda done, total: say(
                _AT_FRAME + span * done / total, f"обезличивание текстов: {fmt.num(done)} из {fmt.num(total)} строк"))
            det.table.df = det.table.df.clear()
        with update_database(Path(db or db_path()), on_wait=waiting) as con:
            sync_reference(con)
            good, notes = numeric_theme_codes(con, det, good)
            report.warnings += notes
            loaded_at = dt.datetime.now().replace(microsecond=0)
            if det.profile.target == "appeals":
                bring_ids_to_profile(con, det.profile)
                say(_AT_TEXT_END, "сопоставление со справочниками")
                frame = appeals_frame(con, det, good, unmatched, loaded_at, as_of=as_of)
                say(_AT_WRITE, "запись в базу")
                good = good.select("external_id")   # staged: memory the writing needs
                review.check_plausible(unmatched, good.height, file_name, _headers(det))
                ids = frame["appeal_id"]   # in the order of the rows unmatched.per_row speaks of
                # In the order the appeals are stored in (etl.write._write_appeals), sorted here where the unsorted
                # frame can be let go: DuckDB sorting it while inserting held another copy (1 M rows: +1,2 GB).
                frame = frame.sort("received_at", "appeal_id")
                counts = _write_appeals(con, frame, set(det.columns), report.warnings)
                report.warnings += _check_salt(con, det)
            else:
                say(_AT_WRITE, "запись в базу")
                counts = _write_votes(con, det, good, unmatched, loaded_at, report.warnings)
                review.check_plausible(unmatched, good.height, file_name, _headers(det))
                ids = good["external_id"]
            unmatched.suggest()
            review.record(con, det.profile.target, ids, unmatched, det.profile.source, loaded_at)
            unmatched.settle(set(con.execute("SELECT dim, value FROM unmatched_values WHERE rows > 0").fetchall()))
            report.loaded, report.updated, dup = counts
            report.duplicate = dup + in_file_dups
            report.unmatched = unmatched.frame()
            if report.rows_read != report.loaded + report.updated + report.duplicate + report.rejected:
                raise RuntimeError(f"строки не сходятся: {report.summary()}")
            report.message = "; ".join([_message(report, report.unmatched), *report.warnings])
            report.import_id = _log(con, report, sha, started, rejects, report.message)
            if as_of:
                _record_as_of(con, as_of)
    except FileRefused as e:   # implausibly many unknown values, a profile's themes not in the theme list
        return refused(FileReport(file_name, "refused", str(e), source=det.profile.source, profile=det.profile.name,
                                  rows_read=rows_read, detection=det))
    except Exception as e:
        return FileReport(file_name, "refused", _failure(e, file_name, Path(db or db_path())),
                          source=det.profile.source, profile=det.profile.name, seconds=time.perf_counter() - t0)
    report.seconds = time.perf_counter() - t0 - report.waited
    return report


def record_refusal(data: bytes, message: str, *, file_name: str, db: Path | None = None) -> int | None:
    """A file refused before it was loaded (the upload page's check of a chosen file: etl.detect) recorded in the import
    history as load_file records its refusals (etl.report.log_refusal): once, however often the page checks it again.
    Returns the record's import_id, or None."""
    report = FileReport(mask_file_name(file_name), "refused", message)
    return log_refusal(Path(db or db_path()), report, hashlib.sha256(data).hexdigest(), dt.datetime.now())


def file_progress(progress, i: int, n: int, name: str):
    """File i of n's own progress (load_file's `progress`) as the share of all n files done, the file named."""
    if progress is None:
        return None
    name = mask_file_name(name)
    where = f"{name} ({i + 1} из {n})" if n > 1 else name
    return lambda share, text: progress((i + share) / n, f"{where}: {text}")


def load_files(paths, *, source=None, profile=None, db=None, progress=None, as_of=None) -> list[FileReport]:
    """Load several files, each in its own transaction; `progress(share, text)` as load_file's, for all of them."""
    paths = list(paths)
    reports = []
    for i, p in enumerate(paths):
        reports.append(load_file(p, source=source, profile=profile, db=db, as_of=as_of,
                                 progress=file_progress(progress, i, len(paths), Path(p).name)))
    if progress:
        progress(1.0, "готово")
    return reports


__all__ = ["Deadlines", "Detection", "FileReport", "FileRefused", "detect", "file_progress", "load_file", "load_files",
           "production_calendar", "record_refusal", "stage", "sync_reference", "theme_matcher"]
