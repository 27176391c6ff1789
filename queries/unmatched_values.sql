-- The review list (DESIGN.md §3): values exports gave that the reference does not know, still waiting for the
-- curator (etl/review.py), the most frequent first, at most $limit of each kind; `waiting` counts all of that
-- kind. `suggestion` is the nearest reference entry, shown beside the choice and saved only when accepted.
SELECT v.dim, v.value, v.source, v.rows, v.first_seen, v.last_seen, v.suggestion,
       coalesce(s.name, e.name, t.theme) AS suggestion_label, v.context,
       count(*) OVER (PARTITION BY v.dim) AS waiting
FROM unmatched_values v
LEFT JOIN settlements s ON v.dim = 'settlement' AND s.settlement_id = v.suggestion
LEFT JOIN executors e ON v.dim = 'executor' AND e.executor_id = v.suggestion
LEFT JOIN themes t ON v.dim = 'theme' AND t.theme = v.suggestion
WHERE v.status = 'pending' AND v.rows > 0
QUALIFY row_number() OVER (PARTITION BY v.dim ORDER BY v.rows DESC, v.value) <= $limit
ORDER BY CASE v.dim WHEN 'settlement' THEN 1 WHEN 'executor' THEN 2 ELSE 3 END, v.rows DESC, v.value
