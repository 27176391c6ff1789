-- Floor of satisfaction_kpis: two period aggregates on the bare table, with the stored repeat fact.
SELECT received_at >= $date_from AS cur, count(*), count(satisfied), avg(satisfied::INTEGER), count(rating),
       avg(rating), count(*) FILTER (WHERE solvable AND result = 'решено'),
       count(*) FILTER (WHERE is_repeat OR same_problem)
FROM appeals
WHERE received_at >= $prev_from AND received_at < $date_to + 1
GROUP BY 1
