-- Themes predicted from the text that wait for the curator (etl/classify.py, issue 14): set by the model
-- (theme_source = 'predicted') or only suggested beside «Не определено» (below the confidence threshold). The least
-- confident first, at most $limit; `waiting` counts them all. Texts are masked at load.
SELECT a.appeal_id, source_short(a.source) AS channel, a.external_id, CAST(a.received_at AS DATE) AS received,
       s.name AS settlement, a.theme, a.theme_suggestion AS suggestion, a.theme_confidence AS confidence,
       a.theme_source = 'predicted' AS applied, a.text,
       count(*) OVER () AS waiting
FROM appeals a
LEFT JOIN settlements s USING (settlement_id)
WHERE a.theme_source = 'predicted' OR (a.theme = 'Не определено' AND a.theme_suggestion IS NOT NULL)
ORDER BY a.theme_confidence NULLS FIRST, a.received_at DESC, a.appeal_id
LIMIT $limit
