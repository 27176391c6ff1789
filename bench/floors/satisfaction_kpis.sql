-- Floor of satisfaction_kpis: two period aggregates on the bare table joined to the stored repeats.
SELECT received_at >= $date_from AS cur, count(*), count(satisfied), avg(satisfied::INTEGER), count(rating),
       avg(rating), count(*) FILTER (WHERE solvable AND result = 'решено'), count(*) FILTER (WHERE r.repeated)
FROM appeals a LEFT JOIN appeal_repeats r USING (appeal_id)
WHERE received_at >= $prev_from AND received_at < $date_to + 1
GROUP BY 1
