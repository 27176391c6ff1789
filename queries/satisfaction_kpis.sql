-- Удовлетворённость KPIs for the period and the previous period, each as of its own last day: satisfied
-- share among rated, mean rating (ИМ gives satisfaction without a score, so rated ≠ scored), solved and
-- explained shares among answered solvable items (seed 001, 2.2.3), repeat share (appeals_x.repeated).
WITH scoped AS (
    SELECT * FROM periods_at($date_from, $date_to, $prev_from, $prev_to, $sources, $themes, $settlements,
                               $executors, $municipalities, $as_of)
)
SELECT
    p.period,
    count(s.appeal_id) AS appeals,
    count(s.satisfied) AS rated,
    avg(s.satisfied::INTEGER) AS satisfied_share,
    count(s.rating) AS scored,
    round(avg(s.rating), 2) AS mean_rating,
    count(*) FILTER (WHERE s.solvable AND s.result IS NOT NULL) AS solvable_answered,
    count(*) FILTER (WHERE s.solvable AND s.result = 'решено')
        / nullif(count(*) FILTER (WHERE s.solvable AND s.result IS NOT NULL), 0) AS solved_share,
    count(*) FILTER (WHERE s.solvable AND s.result = 'разъяснено')
        / nullif(count(*) FILTER (WHERE s.solvable AND s.result IS NOT NULL), 0) AS explained_share,
    count(*) FILTER (WHERE s.repeated) AS repeats,
    count(*) FILTER (WHERE s.repeated) / nullif(count(s.appeal_id), 0) AS repeat_share
FROM (VALUES ('current'), ('previous')) p(period)
LEFT JOIN scoped s USING (period)
GROUP BY p.period
ORDER BY p.period = 'previous'
