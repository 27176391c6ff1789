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
    # ru_maxrss is in kilobytes on Linux
    print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
