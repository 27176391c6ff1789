"""Where things live. One place, so the app, the ETL and the tests agree."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = ROOT / "data" / "reference"
QUERIES_DIR = ROOT / "queries"
DEFAULT_DB = ROOT / "data" / "mcu.duckdb"

# DuckDB must never try to download an extension: there is no internet here.
DUCKDB_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def db_path() -> Path:
    """The database the app and the CLI use: $MCU_DB, else data/mcu.duckdb."""
    return Path(os.environ.get("MCU_DB") or DEFAULT_DB)
