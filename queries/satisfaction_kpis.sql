-- Удовлетворённость KPIs for the period and the previous period, each as of its own last day: satisfied
-- share among rated, mean rating (ИМ gives satisfaction without a score, so rated ≠ scored), solved and
-- explained shares among answered solvable items (seed 001, 2.2.3), repeat share (appeals_x.repeated).
WITH figures AS (
    SELECT
        period,
        count(*) AS appeals,
        count(satisfied) AS rated,
        avg(satisfied::INTEGER) AS satisfied_share,
        count(rating) AS scored,
        round(avg(rating), 2) AS mean_rating,
        count(*) FILTER (WHERE solvable AND result IS NOT NULL) AS solvable_answered,
        count(*) FILTER (WHERE solvable AND result = 'решено') AS solved,
        count(*) FILTER (WHERE solvable AND result = 'разъяснено') AS explained,
        count(*) FILTER (WHERE repeated) AS repeats
    FROM periods_at($date_from, $date_to, $prev_from, $prev_to, $sources, $themes, $settlements,
                    $executors, $municipalities, $as_of)
    GROUP BY period
)
-- Aggregated per period first, then set beside the list of periods: a period with no appeals still has
-- its row (zero counts, no shares).
SELECT
    p.period,
    coalesce(f.appeals, 0) AS appeals,
    coalesce(f.rated, 0) AS rated,
    f.satisfied_share,
    coalesce(f.scored, 0) AS scored,
    f.mean_rating,
    coalesce(f.solvable_answered, 0) AS solvable_answered,
    f.solved / nullif(f.solvable_answered, 0) AS solved_share,
    f.explained / nullif(f.solvable_answered, 0) AS explained_share,
    coalesce(f.repeats, 0) AS repeats,
    f.repeats / nullif(f.appeals, 0) AS repeat_share
FROM (VALUES ('current'), ('previous')) p(period)
LEFT JOIN figures f USING (period)
ORDER BY p.period = 'previous'
