"""What the ETL (etl/) and the app (mcu/, pages/) both read: where things live, the reference files and rules
in data/reference, and the Russian number and date formats. It imports neither, so data flows one way:
exports → etl → DuckDB → queries → pages."""
