-- Municipalities by count in the period (top_settlements one territory level up), with the rate per 1 000
-- residents: residents are the sum over the municipality's settlements that have a population (within the
-- settlement and municipality filters), and only those settlements' appeals count towards the rate.
WITH place AS (
    SELECT settlement_id, municipality, nullif(population, 0) AS population FROM settlements
), residents AS (
    SELECT coalesce(municipality, '—') AS municipality_id, sum(population) AS population
    FROM place
    WHERE ($settlements IS NULL OR list_contains($settlements, settlement_id))
      AND ($municipalities IS NULL OR list_contains($municipalities, municipality))
    GROUP BY ALL
), scoped AS (
    SELECT 'current' AS period, coalesce(p.municipality, '—') AS municipality_id,
           p.population IS NOT NULL AS has_population
    FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities) a
    LEFT JOIN place p USING (settlement_id)
    UNION ALL
    SELECT 'previous', coalesce(p.municipality, '—'), NULL
    FROM appeals_in($prev_from, $prev_to, $sources, $themes, $settlements, $executors, $municipalities) a
    LEFT JOIN place p USING (settlement_id)
), counted AS (
    SELECT municipality_id,
           count(*) FILTER (WHERE period = 'current') AS appeals,
           count(*) FILTER (WHERE period = 'previous') AS prev_appeals,
           count(*) FILTER (WHERE period = 'current' AND has_population) AS appeals_with_population
    FROM scoped
    GROUP BY ALL
)
SELECT CASE WHEN municipality_id = '—' THEN 'Не определён' ELSE municipality_id END AS municipality,
       c.appeals,
       c.prev_appeals,
       c.appeals - c.prev_appeals AS change,
       round(c.appeals_with_population * 1000.0 / r.population, 1) AS per_1000
FROM counted c
LEFT JOIN residents r USING (municipality_id)
WHERE c.appeals > 0
ORDER BY c.appeals DESC, municipality
LIMIT $limit
