-- The theme × municipality matrix: heatmap_matrix one territory level up (same measures, same columns but
-- `municipality` for `settlement`). An appeal belongs to its settlement's municipality; without a settlement
-- (or a municipality) it is «Не определён». Per 1 000 residents: the municipality's residents are the sum
-- over its settlements that have a population (within the settlement and municipality filters), and only
-- the appeals of those settlements count towards the rate; without any known population there is no rate.
WITH place AS (
    SELECT settlement_id, municipality, nullif(population, 0) AS population FROM settlements
), residents AS (
    SELECT coalesce(municipality, '—') AS municipality_id, sum(population) AS population
    FROM place
    WHERE ($settlements IS NULL OR list_contains($settlements, settlement_id))
      AND ($municipalities IS NULL OR list_contains($municipalities, municipality))
    GROUP BY ALL
), cur AS (
    SELECT a.theme, coalesce(p.municipality, '—') AS municipality_id,
           count(*) AS appeals,
           count(*) FILTER (WHERE p.population IS NOT NULL) AS appeals_with_population,
           count(*) FILTER (WHERE is_overdue(a.rejected, a.answered_at, a.due_at, $as_of)) AS overdue,
           count(*) FILTER (WHERE a.due_at IS NOT NULL AND NOT a.rejected) AS with_deadline,
           count(a.satisfied) AS rated,
           count(*) FILTER (WHERE NOT a.satisfied) AS dissatisfied
    FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities) a
    LEFT JOIN place p USING (settlement_id)
    GROUP BY ALL
), prev AS (
    SELECT a.theme, coalesce(p.municipality, '—') AS municipality_id, count(*) AS appeals
    FROM appeals_in($prev_from, $prev_to, $sources, $themes, $settlements, $executors, $municipalities) a
    LEFT JOIN place p USING (settlement_id)
    GROUP BY ALL
)
SELECT
    t.theme,
    CASE WHEN municipality_id = '—' THEN 'Не определён' ELSE municipality_id END AS municipality,
    municipality_id,
    coalesce(c.appeals, 0) AS appeals,
    coalesce(p.appeals, 0) AS prev_appeals,
    coalesce(c.appeals, 0) - coalesce(p.appeals, 0) AS growth,
    round(coalesce(c.appeals_with_population, 0) * 1000.0 / r.population, 2) AS per_1000,
    CASE WHEN c.with_deadline >= $min_base THEN round(100.0 * c.overdue / c.with_deadline, 1) END AS overdue_pct,
    CASE WHEN c.rated >= $min_base THEN round(100.0 * c.dissatisfied / c.rated, 1) END AS dissatisfied_pct,
    coalesce(c.rated, 0) AS rated
FROM cur c
FULL JOIN prev p USING (theme, municipality_id)
JOIN themes t ON t.theme = coalesce(c.theme, p.theme)
LEFT JOIN residents r USING (municipality_id)
ORDER BY t.sort, r.population DESC NULLS LAST, municipality
