-- Rows of one import that were rejected: where in the file, why, and the source cells (personal data masked).
SELECT source_row, reason, raw
FROM import_rejects
WHERE import_id = $import_id
ORDER BY source_row
