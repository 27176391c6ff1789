-- Deadline breaches by executor or by theme ($dim = 'executor' | 'theme'), worst first.
SELECT
    CASE $dim WHEN 'executor' THEN coalesce(e.name, 'Исполнитель не указан')
              WHEN 'theme' THEN a.theme
              ELSE error('deadlines_breakdown: unknown dim ' || $dim) END AS grp,
    count(*) AS appeals,
    count(*) FILTER (WHERE a.is_open) AS open,
    count(*) FILTER (WHERE a.overdue_open) AS overdue_open,
    count(*) FILTER (WHERE a.at_risk) AS at_risk,
    count(*) FILTER (WHERE a.answered_late) AS answered_late,
    count(*) FILTER (WHERE a.on_time) / nullif(count(*) FILTER (WHERE a.decided), 0) AS on_time_share
FROM appeals_due($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities, $as_of) a
LEFT JOIN executors e USING (executor_id)
GROUP BY grp
ORDER BY overdue_open DESC, at_risk DESC, answered_late DESC, grp
