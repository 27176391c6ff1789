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
), figures AS (
    SELECT
        period,
        count(*) AS total,
        count(*) FILTER (WHERE due_at IS NOT NULL AND NOT rejected) AS with_deadline,
        count(*) FILTER (WHERE is_overdue(rejected, answered_at, due_at, as_of)) AS overdue,
        median(response_days) AS median_response_days,
        count(satisfied) AS rated,
        avg(satisfied::INTEGER) AS satisfied_share,
        count(*) FILTER (WHERE solvable AND result IS NOT NULL) AS solvable_answered,
        count(*) FILTER (WHERE solvable AND result = 'решено') AS solved
    FROM scoped
    GROUP BY period
)
-- Aggregated per period first, then set beside the list of periods: a period with no appeals still has
-- its row (zero counts, no shares).
SELECT
    p.period,
    coalesce(f.total, 0) AS total,
    coalesce(f.with_deadline, 0) AS with_deadline,
    coalesce(f.overdue, 0) AS overdue,
    f.overdue / nullif(f.with_deadline, 0) AS overdue_share,
    f.median_response_days,
    coalesce(f.rated, 0) AS rated,
    f.satisfied_share,
    coalesce(f.solvable_answered, 0) AS solvable_answered,
    f.solved / nullif(f.solvable_answered, 0) AS solved_share
FROM (VALUES ('current', 1), ('previous', 2), ('year_ago', 3)) p(period, sort)
LEFT JOIN figures f USING (period)
ORDER BY p.sort
