"""How soon memory freed by polars goes back to the system. Imported by the packages that use polars (etl, mcu)
before polars is, so it holds in every process the app, the CLI, the bench and the tests start.

polars allocates with jemalloc and configures it itself (polars/__init__.py): freed pages are kept half a second
(«dirty»), then handed back lazily for a second more («muzzy», MADV_FREE). Lazily handed-back pages stay in the
process's resident memory until the kernel runs short of memory — the figure `top`, the bench's peak and the 2 GB
goal of a load read. A load frees most of what it allocates step by step (the file's bytes, the raw cells, the
cleaned columns, the unsorted frame), and each step's pages still counted while the next one allocated its own:
a 1 M-row ПОС export (337 MB) peaked at 1,55–1,65 GB resident, ~0,35 GB of it pages already freed. Handing them back
at once when the half second is over keeps the pages a step reuses (the load's time is within noise) and lowers the
peak to 1,24–1,32 GB (`bench/README.md`, «Распределитель памяти polars»). Returning every page at once (dirty too)
cost the same load +0,5 s of system time."""
import os
import re
import sys

# polars appends this variable's options to its own, and jemalloc takes the last value of each option.
ENV = "_RJEM_MALLOC_CONF"
CONF = "muzzy_decay_ms:0"
# polars' own value of the option (polars/__init__.py), which a parent process that loaded polars passes on to its
# children in this variable (the bench runs each load in a child): not a user's choice.
_POLARS_MUZZY = "1000"


def configure() -> bool:
    """Set the allocator's option for this process (when polars is not loaded yet) and the processes it starts,
    unless the user chose their own value; False when polars is loaded already (too late for this process)."""
    current = os.environ.get(ENV, "")
    muzzy = re.findall(r"muzzy_decay_ms:([^,]*)", current)
    if not muzzy or muzzy[-1] == _POLARS_MUZZY:
        os.environ[ENV] = f"{current},{CONF}" if current else CONF
    return "polars" not in sys.modules


configure()
