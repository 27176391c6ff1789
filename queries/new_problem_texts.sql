-- «Новые проблемы» (Проблемные точки): the masked texts of the last two windows before the period's end — the
-- recent one (from $recent_from) and the one before it — either those no theme was found for («Не определено»:
-- the classifier was not sure either) when $theme is NULL, or those of one theme. The newest first, at most $limit.
-- `place` (the settlement's name and the appeal's address) names where, not what: its words are not grouped on.
SELECT a.appeal_id, a.received_day AS received, a.received_day >= $recent_from AS recent, a.theme,
       coalesce(s.name, 'Не определён') AS settlement, a.theme_suggestion AS suggestion, a.text,
       concat_ws(' ', s.name, a.address) AS place
FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities) a
LEFT JOIN settlements s ON s.settlement_id = a.settlement_id
WHERE nullif(trim(a.text), '') IS NOT NULL
  AND (CASE WHEN $theme IS NULL THEN a.theme = 'Не определено' ELSE a.theme = $theme END)
ORDER BY a.received_at DESC, a.appeal_id
LIMIT $limit
