"""ETL: exports and reference data → the canonical DuckDB model. The only writer of the database."""
