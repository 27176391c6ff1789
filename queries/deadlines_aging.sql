-- Open appeals by age in calendar days since receipt (as of $as_of): 0–3, 4–10, 11–30, more than 30.
-- Every bucket is present, empty ones with 0.
WITH buckets(sort, bucket, lo, hi) AS (
    VALUES (1, '0–3 дня', 0, 3), (2, '4–10 дней', 4, 10), (3, '11–30 дней', 11, 30), (4, 'более 30 дней', 31, NULL)
), open_items AS (
    SELECT age_days, overdue_open
    FROM appeals_due($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities, $as_of)
    WHERE is_open
)
SELECT b.bucket,
       count(o.age_days) AS open,
       count(*) FILTER (WHERE o.overdue_open) AS overdue_open
FROM buckets b
LEFT JOIN open_items o ON o.age_days >= b.lo AND (b.hi IS NULL OR o.age_days <= b.hi)
GROUP BY b.sort, b.bucket
ORDER BY b.sort
