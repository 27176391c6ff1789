-- Удовлетворённость KPIs for the period and the previous period, each as of its own last day: satisfied
-- share among rated, mean rating (ИМ gives satisfaction without a score, so rated ≠ scored), solved and
-- explained shares among answered solvable items (seed 001, 2.2.3), repeat share (appeals_x.repeated).
-- One aggregate per period, not periods_at grouped by period: a hash group over 2 × 1,3 M rows at 10 M
-- appeals cost more than the second copy of the list of figures.
WITH figures AS (
    SELECT
        'current' AS period,
        count(*) AS appeals,
        count(satisfied) AS rated,
        avg(satisfied::INTEGER) AS satisfied_share,
        count(rating) AS scored,
        round(avg(rating), 2) AS mean_rating,
        count(*) FILTER (WHERE solvable AND result IS NOT NULL) AS solvable_answered,
        count(*) FILTER (WHERE solvable AND result = 'решено') AS solved,
        count(*) FILTER (WHERE solvable AND result = 'разъяснено') AS explained,
        count(*) FILTER (WHERE repeated) AS repeats
    FROM appeals_at($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities, $as_of)
    UNION ALL
    SELECT
        'previous',
        count(*),
        count(satisfied),
        avg(satisfied::INTEGER),
        count(rating),
        round(avg(rating), 2),
        count(*) FILTER (WHERE solvable AND result IS NOT NULL),
        count(*) FILTER (WHERE solvable AND result = 'решено'),
        count(*) FILTER (WHERE solvable AND result = 'разъяснено'),
        count(*) FILTER (WHERE repeated)
    FROM appeals_at($prev_from, $prev_to, $sources, $themes, $settlements, $executors, $municipalities, $prev_to)
)
-- An ungrouped aggregate has its row even with no appeals (zero counts, no shares).
SELECT
    period,
    appeals,
    rated,
    satisfied_share,
    scored,
    mean_rating,
    solvable_answered,
    solved / nullif(solvable_answered, 0) AS solved_share,
    explained / nullif(solvable_answered, 0) AS explained_share,
    repeats,
    repeats / nullif(appeals, 0) AS repeat_share
FROM figures
ORDER BY period = 'previous'
