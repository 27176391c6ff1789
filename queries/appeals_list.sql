-- The appeals behind the filtered view (optionally one theme, subtheme and/or settlement), newest first, one page:
-- the Тепловая карта's list and a problem point's appeals. `total` repeats the number of matching rows on every
-- row, for the pager. No applicant data here.
SELECT
    a.received_at AS received,
    source_short(a.source) AS channel,
    a.external_id AS number,
    a.theme,
    a.subtheme,
    coalesce(s.label, 'Не определён') AS settlement,
    a.address,
    e.name AS executor,
    CASE a.status WHEN 'new' THEN 'новое' WHEN 'in_progress' THEN 'в работе' WHEN 'answered' THEN 'дан ответ'
                  WHEN 'closed' THEN 'закрыто' WHEN 'rejected' THEN 'отклонено' END AS status,
    a.due_at AS due,
    a.answered_at AS answered,
    is_overdue(a.rejected, a.answered_at, a.due_at, $as_of) AS overdue,
    a.result,
    a.rating,
    a.satisfied,
    a.text,
    a.extra,             -- the source's own columns no profile field maps (JSON), e.g. its on-time flag
    count(*) OVER () AS total
FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities) a
LEFT JOIN settlement_names s ON s.settlement_id = a.settlement_id
LEFT JOIN executors e ON e.executor_id = a.executor_id
WHERE ($theme IS NULL OR a.theme = $theme)
  AND ($subtheme IS NULL OR a.subtheme = $subtheme)
  AND ($settlement IS NULL OR coalesce(a.settlement_id, '—') = $settlement)
ORDER BY a.received_at DESC, a.appeal_id
LIMIT $limit OFFSET $offset
