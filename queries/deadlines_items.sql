-- The appeals of one deadline list, most overdue / soonest due first:
--   $list = 'overdue_open' (no answer, past due), 'at_risk' (due within 2 working days), 'overdue'
--   (every overdue item, answered late included: the executor drill-down). $executor NULL = all.
SELECT
    a.appeal_id,
    a.external_id,
    source_short(a.source) AS channel,
    a.received_at,
    a.due_at,
    a.extended,
    a.answered_at,
    a.overdue_work_days,
    a.work_days_left,
    a.theme,
    a.subtheme,
    coalesce(s.name, 'Не определён') AS settlement,
    coalesce(e.name, 'Исполнитель не указан') AS executor
FROM appeals_due($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities, $as_of) a
LEFT JOIN settlements s USING (settlement_id)
LEFT JOIN executors e USING (executor_id)
WHERE CASE $list WHEN 'overdue_open' THEN a.overdue_open
                 WHEN 'at_risk' THEN a.at_risk
                 WHEN 'overdue' THEN a.overdue
                 ELSE error('deadlines_items: unknown list ' || $list) END
  AND ($executor IS NULL OR a.executor_id = $executor)
ORDER BY a.due_at, a.received_at, a.appeal_id
