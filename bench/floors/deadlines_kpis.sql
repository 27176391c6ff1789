-- Floor of deadlines_kpis: two period aggregates of the deadline flags on the bare table (no calendar join):
-- open, overdue open, answered late, on time, and at risk from the stored working-day index of the due date.
SELECT received_at >= $date_from AS cur, count(*),
       count(*) FILTER (WHERE answered_at IS NULL AND status <> 'rejected'),
       count(*) FILTER (WHERE answered_at IS NULL AND due_at < $as_of + 1),
       count(*) FILTER (WHERE answered_at > due_at),
       count(*) FILTER (WHERE answered_at <= due_at),
       count(*) FILTER (WHERE answered_at IS NULL AND due_at >= $as_of + 1
                        AND due_widx <= (SELECT work_idx FROM calendar WHERE day = $as_of) + 2)
FROM appeals
WHERE received_at >= $prev_from AND received_at < $date_to + 1
GROUP BY 1
