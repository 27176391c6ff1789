-- Executor rating (DESIGN.md §4; seed 002, 2.3; seed 004, 3.2 б): one row per executor with the
-- components, a composite score 0–100, its rank and the rank in the previous period of equal length.
-- Each period is taken as of its own last day (appeals_due), so the previous rank is the one the
-- rating showed then. Components, each 0–1:
--   on_time   = answered by the due date / decided (answered, or overdue without an answer)
--   speed     = 1 − median response (working days after receipt) / $speed_limit_days, floored at 0
--   solved    = «решено» / answered solvable
--   satisfied = satisfied / rated
--   no_repeat = 1 − repeat share (appeal_repeats: flagged, or the same problem again within 90 days)
-- Score = 100 × Σ weight × component / Σ weight, over the components the executor has (a component
-- with no data, e.g. no ratings, drops out rather than counting as 0). Ranked: a named executor with at
-- least $min_items appeals in the period; the rest are listed apart without a rank. rank(): ties share.
-- The executor filter narrows the rows returned, not the ranking: a chosen executor keeps its place among all
-- executors (`ranked_of` = how many are ranked), «16 of 17», never «1 of 1».
WITH scoped AS (
    SELECT * FROM periods_due($date_from, $date_to, $prev_from, $prev_to, $sources, $themes, $settlements,
                               CAST(NULL AS VARCHAR[]), $municipalities, $as_of)
), totals AS (
    SELECT s.period, s.executor_id,
        count(*) AS appeals,
        count(*) FILTER (WHERE s.decided) AS decided,
        count(*) FILTER (WHERE s.on_time) AS on_time,
        count(*) FILTER (WHERE s.overdue) AS overdue,
        count(*) FILTER (WHERE s.overdue_open) AS overdue_open,
        count(*) FILTER (WHERE s.answered_at IS NOT NULL AND NOT s.rejected) AS answered,
        quantile_cont(s.response_work_days, 0.5) FILTER (WHERE NOT s.rejected) AS median_response,
        count(*) FILTER (WHERE s.solvable AND s.result IS NOT NULL) AS solvable_answered,
        count(*) FILTER (WHERE s.solvable AND s.result = 'решено') AS solved,
        count(s.satisfied) AS rated,
        count(*) FILTER (WHERE s.satisfied) AS satisfied,
        count(*) FILTER (WHERE s.repeated) AS repeats
    FROM scoped s
    GROUP BY ALL
), components AS (
    SELECT *,
        on_time / nullif(decided, 0) AS on_time_share,
        -- greatest() skips NULLs: no answers means no speed component, not a speed of 0
        CASE WHEN median_response IS NOT NULL THEN greatest(0, 1 - median_response / $speed_limit_days) END AS speed,
        solved / nullif(solvable_answered, 0) AS solved_share,
        satisfied / nullif(rated, 0) AS satisfied_share,
        repeats / appeals AS repeat_share,
        executor_id IS NOT NULL AND appeals >= $min_items AS ranked
    FROM totals
), scored AS (
    SELECT *,
        100 * (coalesce($w_on_time * on_time_share, 0) + coalesce($w_speed * speed, 0)
               + coalesce($w_solved * solved_share, 0) + coalesce($w_satisfied * satisfied_share, 0)
               + $w_no_repeat * (1 - repeat_share))
            / nullif($w_on_time * (on_time_share IS NOT NULL)::INTEGER + $w_speed * (speed IS NOT NULL)::INTEGER
                     + $w_solved * (solved_share IS NOT NULL)::INTEGER
                     + $w_satisfied * (satisfied_share IS NOT NULL)::INTEGER + $w_no_repeat, 0) AS score
    FROM components
), ranked AS (
    SELECT *, CASE WHEN ranked THEN rank() OVER (PARTITION BY period, ranked ORDER BY score DESC NULLS LAST) END AS rank,
           count(*) FILTER (WHERE ranked) OVER (PARTITION BY period) AS ranked_of
    FROM scored
)
SELECT
    c.executor_id,
    coalesce(e.name, 'Исполнитель не указан') AS executor,
    c.ranked,
    c.rank,
    c.ranked_of,
    p.rank AS prev_rank,
    p.rank - c.rank AS rank_change,
    CASE WHEN c.rank IS NULL THEN NULL
         WHEN p.rank IS NULL THEN 'не было в рейтинге'  -- too few appeals then, or none: not «новый»
         WHEN p.rank > c.rank THEN '↑ ' || (p.rank - c.rank)
         WHEN p.rank < c.rank THEN '↓ ' || (c.rank - p.rank)
         ELSE 'без изменений' END AS rank_move,
    round(c.score, 1) AS score,
    c.appeals,
    c.on_time_share,
    c.median_response,
    c.solved_share,
    c.satisfied_share,
    c.repeat_share,
    c.decided,
    c.overdue,
    c.overdue_open,
    c.solvable_answered,
    c.rated
FROM ranked c
LEFT JOIN ranked p ON p.period = 'previous' AND p.executor_id IS NOT DISTINCT FROM c.executor_id
LEFT JOIN executors e ON e.executor_id = c.executor_id
WHERE c.period = 'current' AND ($executors IS NULL OR list_contains($executors, c.executor_id))
ORDER BY c.ranked DESC, c.rank, c.appeals DESC, executor
