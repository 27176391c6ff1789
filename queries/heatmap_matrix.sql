-- The theme × settlement matrix for the period: every measure the Тепловая карта can switch to.
-- Long form, one row per non-empty cell (in either period); growth is against the previous period.
-- Shares need a base: a cell's overdue and dissatisfied shares are shown from $min_base items with a
-- deadline / with a rating (one unhappy rating is not «100 % недовольны»).
-- Bounded for the browser: the $top settlements by $measure over all themes (growth by its size either way)
-- keep their columns; the rest are summed into one «Прочие (N)» column, settlement_id '*others*'.
WITH cur AS (
    SELECT theme, coalesce(settlement_id, '—') AS settlement_id,
           count(*) AS appeals,
           count(*) FILTER (WHERE is_overdue(rejected, answered_at, due_at, $as_of)) AS overdue,
           count(*) FILTER (WHERE due_at IS NOT NULL AND NOT rejected) AS with_deadline,
           count(satisfied) AS rated,
           count(*) FILTER (WHERE NOT satisfied) AS dissatisfied
    FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities)
    GROUP BY ALL
), prev AS (
    SELECT theme, coalesce(settlement_id, '—') AS settlement_id, count(*) AS appeals
    FROM appeals_in($prev_from, $prev_to, $sources, $themes, $settlements, $executors, $municipalities)
    GROUP BY ALL
), cells AS (
    SELECT coalesce(c.theme, p.theme) AS theme, coalesce(c.settlement_id, p.settlement_id) AS settlement_id,
           coalesce(c.appeals, 0) AS appeals, coalesce(p.appeals, 0) AS prev_appeals,
           coalesce(c.overdue, 0) AS overdue, coalesce(c.with_deadline, 0) AS with_deadline,
           coalesce(c.rated, 0) AS rated, coalesce(c.dissatisfied, 0) AS dissatisfied
    FROM cur c
    FULL JOIN prev p USING (theme, settlement_id)
), places AS (
    SELECT settlement_id, s.population,
           row_number() OVER (ORDER BY CASE $measure
               WHEN 'per_1000' THEN sum(appeals) * 1000.0 / nullif(s.population, 0)
               WHEN 'growth' THEN abs(sum(appeals) - sum(prev_appeals))
               WHEN 'overdue_pct' THEN CASE WHEN sum(with_deadline) >= $min_base THEN sum(overdue) / sum(with_deadline) END
               WHEN 'dissatisfied_pct' THEN CASE WHEN sum(rated) >= $min_base THEN sum(dissatisfied) / sum(rated) END
               ELSE sum(appeals) END DESC NULLS LAST, sum(appeals) DESC, settlement_id) AS place_rank
    FROM cells
    LEFT JOIN settlements s USING (settlement_id)
    GROUP BY settlement_id, s.population
), others AS (
    -- per 1 000 for «Прочие» only when every settlement in it has a population
    SELECT count(*) AS n, CASE WHEN count(*) = count(population) THEN sum(population) END AS population
    FROM places WHERE place_rank > $top
), grouped AS (
    SELECT c.theme, CASE WHEN pl.place_rank <= $top THEN c.settlement_id ELSE '*others*' END AS settlement_id,
           sum(c.appeals)::BIGINT AS appeals, sum(c.prev_appeals)::BIGINT AS prev_appeals,
           sum(c.overdue)::BIGINT AS overdue, sum(c.with_deadline)::BIGINT AS with_deadline,
           sum(c.rated)::BIGINT AS rated, sum(c.dissatisfied)::BIGINT AS dissatisfied
    FROM cells c
    JOIN places pl USING (settlement_id)
    GROUP BY ALL
)
SELECT
    t.theme,
    CASE WHEN g.settlement_id = '*others*' THEN 'Прочие (' || o.n || ')' ELSE coalesce(n.label, 'Не определён') END
        AS settlement,
    g.settlement_id,
    g.appeals,
    g.prev_appeals,
    g.appeals - g.prev_appeals AS growth,
    round(g.appeals * 1000.0 / nullif(CASE WHEN g.settlement_id = '*others*' THEN o.population ELSE s.population END, 0),
          2) AS per_1000,
    CASE WHEN g.with_deadline >= $min_base THEN round(100.0 * g.overdue / g.with_deadline, 1) END AS overdue_pct,
    CASE WHEN g.rated >= $min_base THEN round(100.0 * g.dissatisfied / g.rated, 1) END AS dissatisfied_pct,
    g.rated
FROM grouped g
CROSS JOIN others o
JOIN themes t ON t.theme = g.theme
LEFT JOIN settlements s ON s.settlement_id = g.settlement_id
LEFT JOIN settlement_names n ON n.settlement_id = s.settlement_id
ORDER BY t.sort, g.settlement_id = '*others*', s.population DESC NULLS LAST, settlement
