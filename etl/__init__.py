"""ETL: exports and reference data → the canonical DuckDB model. The only writer of the database."""

from core import allocator  # noqa: F401  (before polars: how soon freed memory goes back)
