"""Browser uploads on disk: a file exists only while the loader reads it, and nothing outlives a crash.

Uploads carry personal data (names, phones, addresses). The loader reads files by path, so each upload is
written to a private folder (0700) for the `with` block that detects or loads it, then deleted. A folder
is locked (flock) while in use; the lock dies with its process, so a folder found unlocked at the next
start was left by a killed server and is removed (`remove_stale`, called by mcu.serve).
"""
import contextlib
import fcntl
import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "mcu_upload_"


def _folders(root: Path | None = None) -> list[Path]:
    return sorted(Path(root or tempfile.gettempdir()).glob(f"{PREFIX}*"))


@contextlib.contextmanager
def saved(name: str, data: bytes, root: Path | None = None):
    """The upload `name` with content `data` as a file on disk for the duration of the block."""
    folder = Path(tempfile.mkdtemp(prefix=PREFIX, dir=root))
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        path = folder / ("upload" + Path(name).suffix.lower())
        path.write_bytes(data)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)


def remove_stale(root: Path | None = None) -> list[Path]:
    """Delete upload folders no running process holds (left by a killed or crashed server)."""
    removed = []
    for folder in _folders(root):
        try:
            fd = os.open(folder, os.O_RDONLY)
        except OSError:
            continue  # gone meanwhile, or not ours to open
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # in use by a running server
        else:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        finally:
            os.close(fd)
    return removed
