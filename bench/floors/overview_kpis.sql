-- Floor of overview_kpis: the period, the previous one and the same period a year earlier, each as of its own
-- last day (an answer, rating or result given after it is not known yet), on the bare table (no macros, no
-- calendar): appeals, with a deadline, overdue (rejected items carry none), median response, rated, satisfied
-- share, solvable answered, solved. The same figures as the query (tests/test_bench.py).
SELECT 'current' AS period, count(*), count(*) FILTER (WHERE due_at IS NOT NULL AND live),
       count(*) FILTER (WHERE live AND (coalesce(answered_at, $as_of + 1) > due_at) IS TRUE),
       median(date_diff('minute', received_at, answered_at) / 1440.0), count(satisfied), avg(satisfied::INTEGER),
       count(*) FILTER (WHERE solvable AND result IS NOT NULL), count(*) FILTER (WHERE solvable AND result = 'решено')
FROM (SELECT received_at, due_at, solvable, status <> 'rejected' AS live, CASE WHEN known THEN answered_at END AS answered_at,
             CASE WHEN known THEN satisfied END AS satisfied, CASE WHEN known THEN result END AS result
      FROM (SELECT *, (answered_at >= $as_of + 1) IS NOT TRUE AS known FROM appeals
            WHERE received_at >= $date_from AND received_at < $date_to + 1))
UNION ALL
SELECT 'previous', count(*), count(*) FILTER (WHERE due_at IS NOT NULL AND live),
       count(*) FILTER (WHERE live AND (coalesce(answered_at, $prev_to + 1) > due_at) IS TRUE),
       median(date_diff('minute', received_at, answered_at) / 1440.0), count(satisfied), avg(satisfied::INTEGER),
       count(*) FILTER (WHERE solvable AND result IS NOT NULL), count(*) FILTER (WHERE solvable AND result = 'решено')
FROM (SELECT received_at, due_at, solvable, status <> 'rejected' AS live, CASE WHEN known THEN answered_at END AS answered_at,
             CASE WHEN known THEN satisfied END AS satisfied, CASE WHEN known THEN result END AS result
      FROM (SELECT *, (answered_at >= $prev_to + 1) IS NOT TRUE AS known FROM appeals
            WHERE received_at >= $prev_from AND received_at < $prev_to + 1))
UNION ALL
SELECT 'year_ago', count(*), count(*) FILTER (WHERE due_at IS NOT NULL AND live),
       count(*) FILTER (WHERE live AND (coalesce(answered_at, CAST($date_to - INTERVAL 1 YEAR AS DATE) + 1) > due_at) IS TRUE),
       median(date_diff('minute', received_at, answered_at) / 1440.0), count(satisfied), avg(satisfied::INTEGER),
       count(*) FILTER (WHERE solvable AND result IS NOT NULL), count(*) FILTER (WHERE solvable AND result = 'решено')
FROM (SELECT received_at, due_at, solvable, status <> 'rejected' AS live, CASE WHEN known THEN answered_at END AS answered_at,
             CASE WHEN known THEN satisfied END AS satisfied, CASE WHEN known THEN result END AS result
      FROM (SELECT *, (answered_at >= CAST($date_to - INTERVAL 1 YEAR AS DATE) + 1) IS NOT TRUE AS known FROM appeals
            WHERE received_at >= CAST($date_from - INTERVAL 1 YEAR AS DATE)
              AND received_at < CAST($date_to - INTERVAL 1 YEAR AS DATE) + 1))
