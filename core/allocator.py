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
import sys

# polars appends this variable's options to its own, and jemalloc takes the last value of each option.
ENV = "_RJEM_MALLOC_CONF"
CONF = "muzzy_decay_ms:0"


def configure() -> bool:
    """Set the allocator's option unless the user set their own; False when polars is loaded already (too late)."""
    if "polars" in sys.modules:
        return False
    os.environ.setdefault(ENV, CONF)
    return True


configure()
