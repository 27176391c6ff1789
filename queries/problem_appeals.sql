-- The appeals behind one problem point: the period's appeals of one settlement and theme (and subtheme, when
-- the point is a subtheme), within the filters, newest first — the columns of queries/appeals_list.sql, so
-- the page shows them with the same list as the Тепловая карта (settlement labels too). No applicant data here.
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
    a.text
FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities) a
LEFT JOIN settlement_names s ON s.settlement_id = a.settlement_id
LEFT JOIN executors e ON e.executor_id = a.executor_id
WHERE a.settlement_id = $settlement
  AND a.theme = $theme
  AND ($subtheme IS NULL OR a.subtheme = $subtheme)
ORDER BY a.received_at DESC, a.appeal_id
