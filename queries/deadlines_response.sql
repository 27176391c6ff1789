-- Response time by channel, overall and by theme: median and 90th percentile (interpolated) of answered,
-- non-rejected appeals. ИМ in working hours (the working window of deadlines.toml: $work_start_hour,
-- $work_day_hours), other channels in working days after the day of receipt (response_work_days).
WITH answered AS (
    SELECT a.source, a.theme,
           CASE WHEN a.source = 'im'
                THEN (work_minutes(a.answered_at, ca.is_working_day, ca.work_idx, $work_start_hour, $work_day_hours)
                      - work_minutes(a.received_at, cr.is_working_day, cr.work_idx, $work_start_hour, $work_day_hours))
                     / 60.0
                ELSE a.response_work_days END AS response
    FROM appeals_at($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities, $as_of) a
    LEFT JOIN calendar cr ON cr.day = a.received_day
    LEFT JOIN calendar ca ON ca.day = CAST(a.answered_at AS DATE)
    WHERE a.answered_at IS NOT NULL AND NOT a.rejected
)
SELECT
    source_label(source) AS channel,
    CASE WHEN grouping(theme) = 1 THEN 'Все темы' ELSE theme END AS theme,
    CASE WHEN source = 'im' THEN 'рабочие часы' ELSE 'рабочие дни' END AS unit,
    count(*) AS answered,
    round(quantile_cont(response, 0.5), 1) AS median,
    round(quantile_cont(response, 0.9), 1) AS p90
FROM answered
GROUP BY GROUPING SETS ((source), (source, theme))
ORDER BY source_sort(source),
         grouping(theme) DESC, answered DESC, theme
