-- The map's circles: one row per territory ($level = 'settlement' | 'municipality') with appeals in the
-- period or the previous one, with its position, every measure of the matrix (appeals_in, as heatmap_matrix,
-- so the map and the matrix agree) and its top 3 themes of the period.
-- A municipality sits at the mean position of its settlements that have coordinates (within the filters);
-- south/north/west/east bound those settlements, so the map's view can take in the whole territory.
-- Per 1 000 residents: a municipality's residents are the sum over its settlements that have a population
-- (within the settlement and municipality filters), and only the appeals of those settlements count
-- towards the rate; a territory with no known population has no rate. Appeals without a settlement, or of
-- a settlement without coordinates, have lat/lon NULL: counted here, not drawn (the page says how many).
WITH place AS (
    SELECT s.settlement_id, s.municipality, s.lat, s.lon, nullif(s.population, 0) AS population,
           CASE $level WHEN 'settlement' THEN s.settlement_id
                       WHEN 'municipality' THEN coalesce(s.municipality, '—')
                       ELSE error('map_territories: unknown level ' || $level) END AS territory_id,
           CASE $level WHEN 'settlement' THEN n.label ELSE coalesce(s.municipality, 'Не определён') END AS territory
    FROM settlements s
    JOIN settlement_names n USING (settlement_id)
), residents AS (
    SELECT territory_id,
           sum(population) AS population,
           avg(lat) FILTER (WHERE lat IS NOT NULL AND lon IS NOT NULL) AS lat,
           avg(lon) FILTER (WHERE lat IS NOT NULL AND lon IS NOT NULL) AS lon,
           min(lat) FILTER (WHERE lon IS NOT NULL) AS south,
           max(lat) FILTER (WHERE lon IS NOT NULL) AS north,
           min(lon) FILTER (WHERE lat IS NOT NULL) AS west,
           max(lon) FILTER (WHERE lat IS NOT NULL) AS east
    FROM place
    WHERE ($settlements IS NULL OR list_contains($settlements, settlement_id))
      AND ($municipalities IS NULL OR list_contains($municipalities, municipality))
    GROUP BY territory_id
), cells AS (
    -- counted per settlement × theme first, so each cell, not each appeal, is looked up in place
    SELECT 'current' AS period, settlement_id, theme, count(*) AS n,
           count(*) FILTER (WHERE is_overdue(rejected, answered_at, due_at, $as_of)) AS overdue,
           count(*) FILTER (WHERE due_at IS NOT NULL AND NOT rejected) AS with_deadline,
           count(satisfied) AS rated,
           count(*) FILTER (WHERE NOT satisfied) AS dissatisfied
    FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities)
    GROUP BY ALL
    UNION ALL
    SELECT 'previous', settlement_id, theme, count(*), 0, 0, 0, 0
    FROM appeals_in($prev_from, $prev_to, $sources, $themes, $settlements, $executors, $municipalities)
    GROUP BY ALL
), scoped AS (
    SELECT c.*, coalesce(p.territory_id, '—') AS territory_id, p.population IS NOT NULL AS has_population
    FROM cells c
    LEFT JOIN place p USING (settlement_id)
), figures AS (
    SELECT territory_id,
           coalesce(sum(n) FILTER (WHERE period = 'current'), 0)::BIGINT AS appeals,
           coalesce(sum(n) FILTER (WHERE period = 'previous'), 0)::BIGINT AS prev_appeals,
           coalesce(sum(n) FILTER (WHERE period = 'current' AND has_population), 0)::BIGINT AS appeals_with_population,
           sum(overdue)::BIGINT AS overdue,
           sum(with_deadline)::BIGINT AS with_deadline,
           sum(rated)::BIGINT AS rated,
           sum(dissatisfied)::BIGINT AS dissatisfied
    FROM scoped
    GROUP BY territory_id
), top_themes AS (
    SELECT territory_id, list({'theme': theme, 'appeals': appeals} ORDER BY appeals DESC, theme)[:3] AS top_themes
    FROM (SELECT territory_id, theme, sum(n)::BIGINT AS appeals FROM scoped WHERE period = 'current' GROUP BY ALL)
    GROUP BY territory_id
)
SELECT
    f.territory_id,
    coalesce((SELECT any_value(territory) FROM place p WHERE p.territory_id = f.territory_id), 'Не определён')
        AS territory,
    r.lat,
    r.lon,
    r.population,
    f.appeals,
    f.prev_appeals,
    f.appeals - f.prev_appeals AS growth,
    round(f.appeals_with_population * 1000.0 / r.population, 2) AS per_1000,
    CASE WHEN f.with_deadline >= $min_base THEN round(100.0 * f.overdue / f.with_deadline, 1) END AS overdue_pct,
    CASE WHEN f.rated >= $min_base THEN round(100.0 * f.dissatisfied / f.rated, 1) END AS dissatisfied_pct,
    f.rated,
    coalesce(t.top_themes, []) AS top_themes,
    r.south,
    r.north,
    r.west,
    r.east
FROM figures f
LEFT JOIN residents r USING (territory_id)
LEFT JOIN top_themes t USING (territory_id)
ORDER BY f.appeals DESC, territory
