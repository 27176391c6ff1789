-- Сроки KPIs for the period and the previous period of equal length, each as of its own last day (the
-- current one as of $as_of), so "open" means the same thing in both: open, overdue open, answered late,
-- at risk, on-time share. Definitions: the appeals_due macro (schema.sql).
WITH scoped AS (
    SELECT * FROM periods_due($date_from, $date_to, $prev_from, $prev_to, $sources, $themes, $settlements,
                               $executors, $municipalities, $as_of)
)
SELECT
    p.period,
    count(s.appeal_id) AS appeals,
    count(*) FILTER (WHERE s.is_open) AS open,
    count(*) FILTER (WHERE s.overdue_open) AS overdue_open,
    count(*) FILTER (WHERE s.answered_late) AS answered_late,
    count(*) FILTER (WHERE s.at_risk) AS at_risk,
    count(*) FILTER (WHERE s.decided) AS decided,
    count(*) FILTER (WHERE s.on_time) AS on_time,
    count(*) FILTER (WHERE s.on_time) / nullif(count(*) FILTER (WHERE s.decided), 0) AS on_time_share
FROM (VALUES ('current'), ('previous')) p(period)
LEFT JOIN scoped s USING (period)
GROUP BY p.period
ORDER BY p.period = 'previous'
