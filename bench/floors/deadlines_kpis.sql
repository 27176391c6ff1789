-- Floor of deadlines_kpis: two period aggregates of the deadline flags on the bare table (no calendar).
SELECT received_at >= $date_from AS cur, count(*),
       count(*) FILTER (WHERE answered_at IS NULL AND status <> 'rejected'),
       count(*) FILTER (WHERE answered_at IS NULL AND due_at < $as_of + 1),
       count(*) FILTER (WHERE answered_at > due_at),
       count(*) FILTER (WHERE answered_at <= due_at)
FROM appeals
WHERE received_at >= $prev_from AND received_at < $date_to + 1
GROUP BY 1
