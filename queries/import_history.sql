-- The import history (import_log), newest first: what each loaded file brought.
SELECT
    import_id,
    file_name,
    source,
    profile,
    finished_at,
    rows_read,
    loaded,
    updated,
    duplicate,
    rejected,
    message
FROM import_log
ORDER BY import_id DESC
