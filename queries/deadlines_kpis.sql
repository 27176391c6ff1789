-- Сроки KPIs for the period and the previous period of equal length, each as of its own last day (the
-- current one as of $as_of), so "open" means the same thing in both: open, overdue open, answered late,
-- at risk, on-time share. Definitions: the appeals_due macro (schema.sql).
-- One aggregate per period, not periods_due grouped by period: a hash group over 2 × 1,3 M rows at 10 M
-- appeals cost more than the second copy of the list of counts.
WITH figures AS (
    SELECT 'current' AS period,
        count(*) AS appeals,
        count(*) FILTER (WHERE is_open) AS open,
        count(*) FILTER (WHERE overdue_open) AS overdue_open,
        count(*) FILTER (WHERE answered_late) AS answered_late,
        count(*) FILTER (WHERE at_risk) AS at_risk,
        count(*) FILTER (WHERE decided) AS decided,
        count(*) FILTER (WHERE on_time) AS on_time
    FROM appeals_due($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities, $as_of)
    UNION ALL
    SELECT 'previous',
        count(*),
        count(*) FILTER (WHERE is_open),
        count(*) FILTER (WHERE overdue_open),
        count(*) FILTER (WHERE answered_late),
        count(*) FILTER (WHERE at_risk),
        count(*) FILTER (WHERE decided),
        count(*) FILTER (WHERE on_time)
    FROM appeals_due($prev_from, $prev_to, $sources, $themes, $settlements, $executors, $municipalities, $prev_to)
)
-- An ungrouped count has its row even with no appeals (zero counts, no share).
SELECT period, appeals, open, overdue_open, answered_late, at_risk, decided, on_time,
    on_time / nullif(decided, 0) AS on_time_share
FROM figures
ORDER BY period = 'previous'
