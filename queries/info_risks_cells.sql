-- Information risks by (settlement × theme): the «Инцидент Менеджмент» incidents of the period, as of the end
-- of day $as_of, summed per cell — the same reach, issues and weights as queries/info_risks.sql. A cell is
-- listed when at least one of its incidents carries risk; biggest total risk first.
WITH incidents AS (
    SELECT a.settlement_id, a.theme,
           a.is_open, a.answered_late, coalesce(NOT a.satisfied, false) AS unsatisfied,
           coalesce(a.audience, 0) + $engagement_weight * coalesce(a.engagement, 0) AS reach,
           reach * greatest(CASE WHEN a.is_open THEN $w_open ELSE 0 END,
                            CASE WHEN unsatisfied THEN $w_unsatisfied ELSE 0 END,
                            CASE WHEN a.answered_late THEN $w_late ELSE 0 END) AS risk,
           a.audience, a.engagement
    FROM appeals_due($date_from, $date_to, ['im'], $themes, $settlements, $executors, $municipalities, $as_of) a
)
SELECT
    coalesce(s.name, 'Не определён') AS settlement,
    i.settlement_id,
    i.theme,
    count(*) AS incidents,
    count(*) FILTER (WHERE i.risk > 0) AS risky,
    count(*) FILTER (WHERE i.is_open) AS open,
    count(*) FILTER (WHERE i.unsatisfied) AS unsatisfied,
    count(*) FILTER (WHERE i.answered_late) AS late,
    -- Whole counts as integers: a sum (HUGEINT) or a rounded DOUBLE would show as «78 587,0».
    CAST(sum(i.audience) FILTER (WHERE i.risk > 0) AS BIGINT) AS audience,
    CAST(sum(i.engagement) FILTER (WHERE i.risk > 0) AS BIGINT) AS engagement,
    CAST(round(sum(i.risk)) AS BIGINT) AS risk
FROM incidents i
LEFT JOIN settlements s ON s.settlement_id = i.settlement_id
GROUP BY ALL
HAVING sum(i.risk) > 0
ORDER BY risk DESC, settlement, i.theme
LIMIT $top
