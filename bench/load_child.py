"""One load in a fresh process, so its peak memory is the load's own (the bench's process already holds
the large database it built): `python -m bench.load_child EXPORT DB` prints seconds and peak RSS as JSON."""
import json
import resource
import sys
import time
from pathlib import Path

from etl.load import load_file


def main(export: str, db: str, expect: str) -> None:
    t = time.perf_counter()
    report = load_file(Path(export), db=Path(db))
    seconds = time.perf_counter() - t
    assert report.ok and report.rows_read == int(expect), report.message
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb()}))


def peak_mb() -> float:
    """This process's peak resident memory. Not getrusage's ru_maxrss: Linux carries it over from the
    parent through fork and exec, so a child of the bench (which holds the large database) would report
    the bench's own peak. VmHWM is the high-water mark of this process's own memory."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # kilobytes on Linux


if __name__ == "__main__":
    main(*sys.argv[1:4])
