-- Solved vs explained among answered solvable appeals («Решаемые», seed 001, 2.2.3), by month of receipt.
SELECT received_month AS month,
       count(*) AS solvable_answered,
       count(*) FILTER (WHERE result = 'решено') AS solved,
       count(*) FILTER (WHERE result = 'разъяснено') AS explained,
       count(*) FILTER (WHERE result = 'отказано') AS refused,
       count(*) FILTER (WHERE result = 'решено') / count(*) AS solved_share,
       count(*) FILTER (WHERE result = 'разъяснено') / count(*) AS explained_share
FROM appeals_at($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities, $as_of)
WHERE solvable AND result IS NOT NULL
GROUP BY month
ORDER BY month
