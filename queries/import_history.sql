-- The import history (import_log), newest first: what each loaded file brought, and each refused file's attempt
-- (etl.report.log_refusal): its reason in «Итог», marked «Отклонён», its rows read where known and no counts of rows
-- loaded, updated, duplicate or rejected: nothing of it was loaded, and a total of those counts loaded files only.
SELECT
    import_id,
    file_name,
    source,
    profile,
    finished_at,
    CASE WHEN status = 'refused' AND rows_read = 0 THEN NULL ELSE rows_read END AS rows_read,
    CASE WHEN status = 'loaded' THEN loaded END AS loaded,
    CASE WHEN status = 'loaded' THEN updated END AS updated,
    CASE WHEN status = 'loaded' THEN duplicate END AS duplicate,
    CASE WHEN status = 'loaded' THEN rejected END AS rejected,
    CASE WHEN status = 'refused' THEN 'Отклонён: ' || message ELSE message END AS message
FROM import_log
ORDER BY import_id DESC
