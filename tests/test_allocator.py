"""polars' freed memory goes back to the system soon (core/allocator.py): a load's steps free what the next one
would otherwise pile on top of (the 2 GB goal of a load reads resident memory)."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Allocates ~0,8 GB in polars, frees it, lets a second pass with small work going on, prints resident MB then.
PROBE = """
import time
import etl   # the package a load starts from: it must set the allocator up before polars loads
import polars as pl

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024

base = rss()
df = pl.DataFrame({"a": pl.int_range(0, 40_000_000, eager=True)})
df = df.with_columns(b=pl.col("a").cast(pl.String))
del df
end = time.monotonic() + 2.5
while time.monotonic() < end:
    pl.Series(range(1000)).sum()
    time.sleep(0.01)
print(rss() - base)
"""


def _held_mb(env: dict) -> int:
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    return int(out.stdout.strip())


def test_freed_frames_leave_resident_memory_within_seconds():
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    assert _held_mb(env) < 150


def test_a_users_own_allocator_options_win():
    # (Not by resident memory: pages handed back lazily leave it as soon as the machine is short of memory, so a
    # probe that keeps them may read low on a busy machine.)
    code = "import os, etl, polars; print(os.environ['_RJEM_MALLOC_CONF'])"
    env = {**os.environ, "_RJEM_MALLOC_CONF": "muzzy_decay_ms:60000"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    # polars puts its own options first; the user's, last, win
    assert out.stdout.strip().endswith(",muzzy_decay_ms:60000")


def test_the_setting_is_in_place_before_polars_loads():
    code = "import os, sys, mcu, etl; print('polars' in sys.modules, os.environ['_RJEM_MALLOC_CONF'])"
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "muzzy_decay_ms:0"]


def test_a_child_of_a_process_that_loaded_polars_first_gets_the_setting_too():
    # The bench loads each file in a child; its own process had polars set the variable to polars' defaults first.
    code = "import os, polars, etl; print(os.environ['_RJEM_MALLOC_CONF'])"
    parent = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                            env={k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}).stdout.strip()
    assert parent.startswith("dirty_decay_ms:500,muzzy_decay_ms:1000") and parent.endswith(",muzzy_decay_ms:0")
    child = subprocess.run([sys.executable, "-c", "import os, etl; print(os.environ['_RJEM_MALLOC_CONF'])"], cwd=ROOT,
                           capture_output=True, text=True, check=True,
                           env={**os.environ, "_RJEM_MALLOC_CONF": "dirty_decay_ms:500,muzzy_decay_ms:1000"})
    assert child.stdout.strip() == "dirty_decay_ms:500,muzzy_decay_ms:1000,muzzy_decay_ms:0"
