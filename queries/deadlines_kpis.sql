-- Сроки KPIs for the period and the previous period of equal length, each as of its own last day (the
-- current one as of $as_of), so "open" means the same thing in both: open, overdue open, answered late,
-- at risk, on-time share. Definitions: the appeals_due macro (schema.sql).
WITH figures AS (
    SELECT period,
        count(*) AS appeals,
        count(*) FILTER (WHERE is_open) AS open,
        count(*) FILTER (WHERE overdue_open) AS overdue_open,
        count(*) FILTER (WHERE answered_late) AS answered_late,
        count(*) FILTER (WHERE at_risk) AS at_risk,
        count(*) FILTER (WHERE decided) AS decided,
        count(*) FILTER (WHERE on_time) AS on_time
    FROM periods_due($date_from, $date_to, $prev_from, $prev_to, $sources, $themes, $settlements,
                     $executors, $municipalities, $as_of)
    GROUP BY period
)
SELECT
    p.period,
    coalesce(f.appeals, 0) AS appeals,
    coalesce(f.open, 0) AS open,
    coalesce(f.overdue_open, 0) AS overdue_open,
    coalesce(f.answered_late, 0) AS answered_late,
    coalesce(f.at_risk, 0) AS at_risk,
    coalesce(f.decided, 0) AS decided,
    coalesce(f.on_time, 0) AS on_time,
    f.on_time / nullif(f.decided, 0) AS on_time_share
-- Aggregated per period first, then set beside the list of periods: a period with no appeals still has
-- its row (zero counts, no share).
FROM (VALUES ('current'), ('previous')) p(period)
LEFT JOIN figures f USING (period)
ORDER BY p.period = 'previous'
