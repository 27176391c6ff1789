-- Floor of overview_kpis: the same three period aggregates on the bare table (no macros, no calendar).
SELECT CASE WHEN received_at >= $date_from AND received_at < $date_to + 1 THEN 1
            WHEN received_at >= $prev_from AND received_at < $prev_to + 1 THEN 2 ELSE 3 END AS period,
       count(*), count(*) FILTER (WHERE due_at IS NOT NULL AND status <> 'rejected'),
       count(*) FILTER (WHERE answered_at > due_at OR (answered_at IS NULL AND due_at < $as_of + 1)),
       median(date_diff('minute', received_at, answered_at) / 1440.0), count(satisfied),
       avg(satisfied::INTEGER), count(*) FILTER (WHERE solvable AND result = 'решено')
FROM appeals
WHERE (received_at >= $date_from AND received_at < $date_to + 1)
   OR (received_at >= $prev_from AND received_at < $prev_to + 1)
   OR (received_at >= $date_from - INTERVAL 1 YEAR AND received_at < $date_to - INTERVAL 1 YEAR + INTERVAL 1 DAY)
GROUP BY 1
