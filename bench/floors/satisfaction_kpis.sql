-- Floor of satisfaction_kpis: the period and the previous one, each as of its own last day (a rating, a
-- satisfaction mark or a result that came with a later answer is not known yet), on the bare table with the
-- stored repeat fact: appeals, rated, satisfied share, scored, mean rating, solvable answered, solved,
-- explained, repeats. The same figures as the query (tests/test_bench.py).
SELECT 'current' AS period, count(*), count(satisfied), avg(satisfied::INTEGER), count(rating), round(avg(rating), 2),
       count(*) FILTER (WHERE solvable AND result IS NOT NULL), count(*) FILTER (WHERE solvable AND result = 'решено'),
       count(*) FILTER (WHERE solvable AND result = 'разъяснено'), count(*) FILTER (WHERE is_repeat OR same_problem)
FROM (SELECT is_repeat, same_problem, solvable, CASE WHEN known THEN satisfied END AS satisfied,
             CASE WHEN known THEN rating END AS rating, CASE WHEN known THEN result END AS result
      FROM (SELECT *, (answered_at >= $as_of + 1) IS NOT TRUE AS known FROM appeals
            WHERE received_at >= $date_from AND received_at < $date_to + 1))
UNION ALL
SELECT 'previous', count(*), count(satisfied), avg(satisfied::INTEGER), count(rating), round(avg(rating), 2),
       count(*) FILTER (WHERE solvable AND result IS NOT NULL), count(*) FILTER (WHERE solvable AND result = 'решено'),
       count(*) FILTER (WHERE solvable AND result = 'разъяснено'), count(*) FILTER (WHERE is_repeat OR same_problem)
FROM (SELECT is_repeat, same_problem, solvable, CASE WHEN known THEN satisfied END AS satisfied,
             CASE WHEN known THEN rating END AS rating, CASE WHEN known THEN result END AS result
      FROM (SELECT *, (answered_at >= $prev_to + 1) IS NOT TRUE AS known FROM appeals
            WHERE received_at >= $prev_from AND received_at < $prev_to + 1))
