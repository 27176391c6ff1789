-- Satisfaction by month of receipt, overall or by theme / executor / channel ($dim = 'all' | 'theme' |
-- 'executor' | 'source'); $top keeps the groups with the most ratings (NULL = every group). A month with
-- appeals but no ratings is a row with rated = 0 and no share: a share of 3 ratings is shown as such.
WITH base AS (
    SELECT a.received_month AS month,
        CASE $dim WHEN 'all' THEN 'Все обращения'
                  WHEN 'theme' THEN a.theme
                  WHEN 'executor' THEN coalesce(e.name, 'Исполнитель не указан')
                  WHEN 'source' THEN source_label(a.source)
                  ELSE error('satisfaction_trend: unknown dim ' || $dim) END AS grp,
        a.satisfied, a.rating
    FROM appeals_at($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities, $as_of) a
    LEFT JOIN executors e USING (executor_id)
), kept AS (
    SELECT grp
    FROM base
    GROUP BY grp
    QUALIFY $top IS NULL OR row_number() OVER (ORDER BY count(satisfied) DESC, grp) <= $top
)
SELECT month, grp,
       count(*) AS appeals,
       count(satisfied) AS rated,
       count(*) FILTER (WHERE satisfied) AS satisfied,
       avg(satisfied::INTEGER) AS satisfied_share,
       count(rating) AS scored,
       round(avg(rating), 2) AS mean_rating
FROM base
SEMI JOIN kept USING (grp)
GROUP BY month, grp
ORDER BY month, grp
