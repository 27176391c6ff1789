-- Information risks (seed 000, 2.4; DESIGN.md §6): the «Инцидент Менеджмент» incidents of the period whose
-- reach is large and whose answer went wrong, as of the end of day $as_of. Reach = audience + $engagement_weight ×
-- engagement (a reaction, comment or repost weighs as much as that many readers). The problem with the answer:
-- no answer yet (weight $w_open), the author not satisfied ($w_unsatisfied), answered after the deadline
-- ($w_late); the heaviest one counts. Risk = reach × that weight; incidents with none of the three, or with no
-- reach figures, carry no risk and are not listed. Biggest risk first, at most $top.
SELECT
    a.external_id,
    a.received_at,
    coalesce(s.name, 'Не определён') AS settlement,
    a.settlement_id,
    a.theme,
    a.subtheme,
    e.name AS executor,
    a.audience,
    a.engagement,
    a.due_at,
    a.answered_at,
    a.is_open,
    a.overdue_open,
    a.overdue_work_days,
    a.answered_late,
    coalesce(NOT a.satisfied, false) AS unsatisfied,
    CASE WHEN a.is_open THEN 'нет ответа'
         WHEN NOT a.satisfied THEN 'автор недоволен'
         WHEN a.answered_late THEN 'ответ с опозданием' END AS issue,
    coalesce(a.audience, 0) + $engagement_weight * coalesce(a.engagement, 0) AS reach,
    -- A whole number (BIGINT): a rounded DOUBLE would show as «91 299,0».
    CAST(round(reach * greatest(CASE WHEN a.is_open THEN $w_open ELSE 0 END,
                                CASE WHEN NOT a.satisfied THEN $w_unsatisfied ELSE 0 END,
                                CASE WHEN a.answered_late THEN $w_late ELSE 0 END)) AS BIGINT) AS risk
FROM appeals_due($date_from, $date_to, ['im'], $themes, $settlements, $executors, $municipalities, $as_of) a
LEFT JOIN settlements s ON s.settlement_id = a.settlement_id
LEFT JOIN executors e ON e.executor_id = a.executor_id
WHERE (a.is_open OR NOT coalesce(a.satisfied, true) OR a.answered_late)
  AND coalesce(a.audience, 0) + coalesce(a.engagement, 0) > 0
ORDER BY risk DESC, reach DESC, a.received_at DESC, a.external_id
LIMIT $top
