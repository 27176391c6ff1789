-- Themes by count in the period, with the previous period's count and the share of the total.
WITH cur AS (
    SELECT theme, count(*) AS appeals
    FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities)
    GROUP BY theme
), prev AS (
    SELECT theme, count(*) AS appeals
    FROM appeals_in($prev_from, $prev_to,
                    $sources, $themes, $settlements, $executors, $municipalities)
    GROUP BY theme
)
SELECT cur.theme, cur.appeals, coalesce(prev.appeals, 0) AS prev_appeals,
       cur.appeals - coalesce(prev.appeals, 0) AS change,
       cur.appeals / sum(cur.appeals) OVER () AS share
FROM cur LEFT JOIN prev USING (theme)
ORDER BY cur.appeals DESC, cur.theme
LIMIT $limit
