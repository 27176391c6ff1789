-- Settlements by count in the period, with the rate per 1 000 residents where population is known.
WITH cur AS (
    SELECT settlement_id, count(*) AS appeals
    FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities)
    GROUP BY settlement_id
), prev AS (
    SELECT settlement_id, count(*) AS appeals
    FROM appeals_in($prev_from, $prev_to,
                    $sources, $themes, $settlements, $executors, $municipalities)
    GROUP BY settlement_id
)
SELECT coalesce(n.label, 'Не определён') AS settlement, cur.appeals,
       coalesce(prev.appeals, 0) AS prev_appeals,
       cur.appeals - coalesce(prev.appeals, 0) AS change,
       round(cur.appeals * 1000.0 / nullif(s.population, 0), 1) AS per_1000
FROM cur
LEFT JOIN prev ON prev.settlement_id IS NOT DISTINCT FROM cur.settlement_id
LEFT JOIN settlements s ON s.settlement_id = cur.settlement_id
LEFT JOIN settlement_names n ON n.settlement_id = cur.settlement_id
ORDER BY cur.appeals DESC, settlement
LIMIT $limit
