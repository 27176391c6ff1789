"""The reference tables of a database filled from data/reference. Reading and adding to the files is
core/reference.py's (the app reads them too); its names stay importable from here."""
from core.reference import (KEYS, LIMITS_FILE, REFERENCE_TABLES, add_reference, limits, read_reference,  # noqa: F401
                            reference_dir)


def load_reference(con) -> None:
    """Fill the reference tables from data/reference (columns matched by name, types cast by DuckDB)."""
    for table in REFERENCE_TABLES:
        df = read_reference(table)
        if df.height:
            cols = ", ".join(df.columns)
            con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM df")
