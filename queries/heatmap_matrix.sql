-- The theme × settlement matrix for the period: every measure the Тепловая карта can switch to.
-- Long form, one row per non-empty cell (in either period); growth is against the previous period.
-- Shares need a base: a cell's overdue and dissatisfied shares are shown from $min_base items with a
-- deadline / with a rating (one unhappy rating is not «100 % недовольны»).
WITH cur AS (
    SELECT theme, coalesce(settlement_id, '—') AS settlement_id,
           count(*) AS appeals,
           count(*) FILTER (WHERE is_overdue(status, answered_at, due_at, $as_of)) AS overdue,
           count(*) FILTER (WHERE due_at IS NOT NULL AND status <> 'rejected') AS with_deadline,
           count(satisfied) AS rated,
           count(*) FILTER (WHERE NOT satisfied) AS dissatisfied
    FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities)
    GROUP BY ALL
), prev AS (
    SELECT theme, coalesce(settlement_id, '—') AS settlement_id, count(*) AS appeals
    FROM appeals_in($prev_from, $prev_to, $sources, $themes, $settlements, $executors, $municipalities)
    GROUP BY ALL
)
SELECT
    t.theme,
    coalesce(n.label, 'Не определён') AS settlement,
    coalesce(c.settlement_id, p.settlement_id) AS settlement_id,
    coalesce(c.appeals, 0) AS appeals,
    coalesce(p.appeals, 0) AS prev_appeals,
    coalesce(c.appeals, 0) - coalesce(p.appeals, 0) AS growth,
    round(coalesce(c.appeals, 0) * 1000.0 / nullif(s.population, 0), 2) AS per_1000,
    CASE WHEN c.with_deadline >= $min_base THEN round(100.0 * c.overdue / c.with_deadline, 1) END AS overdue_pct,
    CASE WHEN c.rated >= $min_base THEN round(100.0 * c.dissatisfied / c.rated, 1) END AS dissatisfied_pct,
    coalesce(c.rated, 0) AS rated
FROM cur c
FULL JOIN prev p USING (theme, settlement_id)
JOIN themes t ON t.theme = coalesce(c.theme, p.theme)
LEFT JOIN settlements s ON s.settlement_id = coalesce(c.settlement_id, p.settlement_id)
LEFT JOIN settlement_names n ON n.settlement_id = s.settlement_id
ORDER BY t.sort, s.population DESC NULLS LAST, settlement
