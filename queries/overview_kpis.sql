-- Обзор KPIs for the filtered period, the previous period of equal length and the same period a year
-- earlier (DESIGN.md §4), each as of its own last day (appeals_at), as on the monitoring pages: every
-- period is judged the same way.
WITH scoped AS (
    SELECT 'current' AS period, $as_of AS as_of, *
    FROM appeals_at($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities, $as_of)
    UNION ALL
    SELECT 'previous' AS period, $prev_to AS as_of, *
    FROM appeals_at($prev_from, $prev_to, $sources, $themes, $settlements, $executors, $municipalities, $prev_to)
    UNION ALL
    SELECT 'year_ago' AS period, CAST($date_to - INTERVAL 1 YEAR AS DATE) AS as_of, *
    FROM appeals_at(CAST($date_from - INTERVAL 1 YEAR AS DATE), CAST($date_to - INTERVAL 1 YEAR AS DATE),
                    $sources, $themes, $settlements, $executors, $municipalities,
                    CAST($date_to - INTERVAL 1 YEAR AS DATE))
)
SELECT
    p.period,
    count(s.appeal_id) AS total,
    count(*) FILTER (WHERE s.due_at IS NOT NULL AND s.status <> 'rejected') AS with_deadline,
    count(*) FILTER (WHERE is_overdue(s.status, s.answered_at, s.due_at, s.as_of)) AS overdue,
    count(*) FILTER (WHERE is_overdue(s.status, s.answered_at, s.due_at, s.as_of))
        / nullif(count(*) FILTER (WHERE s.due_at IS NOT NULL AND s.status <> 'rejected'), 0) AS overdue_share,
    median(s.response_days) AS median_response_days,
    count(s.satisfied) AS rated,
    avg(s.satisfied::INTEGER) AS satisfied_share,
    count(*) FILTER (WHERE s.solvable AND s.result IS NOT NULL) AS solvable_answered,
    count(*) FILTER (WHERE s.solvable AND s.result = 'решено')
        / nullif(count(*) FILTER (WHERE s.solvable AND s.result IS NOT NULL), 0) AS solved_share
FROM (VALUES ('current', 1), ('previous', 2), ('year_ago', 3)) p(period, sort)
LEFT JOIN scoped s USING (period)
GROUP BY p.period, p.sort
ORDER BY p.sort
