-- What drove the change in the number of appeals between the previous period and this one: the change
-- of each theme, settlement or theme × settlement cell ($dim = 'theme' | 'settlement' | 'cell'), its
-- contribution to the total growth in percentage points of the previous total (the contributions add up
-- to the total growth rate) and its share of the total change (they add up to 1), biggest rise first.
-- $top keeps the items with the largest absolute change and folds the rest into one «Остальные» row
-- (NULL = every item). Totals are repeated on each row for the waterfall.
WITH counts AS (
    -- Counted per item first (theme, settlement or both), so settlement names are looked up per item, not per
    -- appeal. The two keys are the same expression unless $dim = 'cell', and DuckDB then groups by one key.
    SELECT 'current' AS period, CASE WHEN $dim = 'settlement' THEN settlement_id ELSE theme END AS k1,
           CASE WHEN $dim = 'cell' OR $dim = 'settlement' THEN settlement_id ELSE theme END AS k2, count(*) AS n
    FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities)
    GROUP BY ALL
    UNION ALL
    SELECT 'previous', CASE WHEN $dim = 'settlement' THEN settlement_id ELSE theme END,
           CASE WHEN $dim = 'cell' OR $dim = 'settlement' THEN settlement_id ELSE theme END, count(*)
    FROM appeals_in($prev_from, $prev_to, $sources, $themes, $settlements, $executors, $municipalities)
    GROUP BY ALL
), items AS (
    SELECT c.period, CASE WHEN $dim <> 'settlement' THEN c.k1 END AS theme,
           coalesce(s.label, 'Не определён') AS settlement, c.n
    FROM counts c
    LEFT JOIN settlement_names s ON $dim <> 'theme' AND s.settlement_id = c.k2
), per_item AS (
    SELECT CASE $dim WHEN 'theme' THEN theme
                     WHEN 'settlement' THEN settlement
                     WHEN 'cell' THEN theme || ' · ' || settlement
                     ELSE error('growth_factors: unknown dim ' || $dim) END AS item,
           coalesce(sum(n) FILTER (WHERE period = 'current'), 0) AS appeals,
           coalesce(sum(n) FILTER (WHERE period = 'previous'), 0) AS prev_appeals
    FROM items
    GROUP BY item
), ranked AS (
    SELECT *, appeals - prev_appeals AS change,
           row_number() OVER (ORDER BY abs(appeals - prev_appeals) DESC, appeals - prev_appeals DESC, item) AS pos
    FROM per_item
), folded AS (
    SELECT CASE WHEN $top IS NULL OR pos <= $top THEN item END AS item,
           count(*) AS items,
           sum(appeals) AS appeals,
           sum(prev_appeals) AS prev_appeals,
           sum(change) AS change
    FROM ranked
    GROUP BY 1
)
SELECT coalesce(item, 'Остальные (' || items || ')') AS item,
       appeals::BIGINT AS appeals,
       prev_appeals::BIGINT AS prev_appeals,
       change::BIGINT AS change,
       change / nullif(prev_appeals, 0) AS growth,
       change / nullif(sum(prev_appeals) OVER (), 0) AS contribution,
       change / nullif(sum(change) OVER (), 0) AS share_of_change,
       sum(prev_appeals) OVER ()::BIGINT AS total_prev,
       sum(appeals) OVER ()::BIGINT AS total
FROM folded
ORDER BY item IS NULL, change DESC, item
