-- Each theme's appeals in the period, in the previous period of equal length and on the same dates a year
-- earlier: growth against both (DESIGN.md §4), so a seasonal rise (heating in autumn) is told from a new one.
WITH counts AS (
    SELECT 'current' AS period, theme
    FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities)
    UNION ALL
    SELECT 'previous', theme
    FROM appeals_in($prev_from, $prev_to, $sources, $themes, $settlements, $executors, $municipalities)
    UNION ALL
    SELECT 'year_ago', theme
    FROM appeals_in(CAST($date_from - INTERVAL 1 YEAR AS DATE), CAST($date_to - INTERVAL 1 YEAR AS DATE),
                    $sources, $themes, $settlements, $executors, $municipalities)
)
SELECT theme,
       count(*) FILTER (WHERE period = 'current') AS appeals,
       count(*) FILTER (WHERE period = 'previous') AS prev_appeals,
       count(*) FILTER (WHERE period = 'year_ago') AS year_ago
FROM counts
GROUP BY theme
HAVING count(*) FILTER (WHERE period = 'current') > 0
ORDER BY appeals DESC, theme
