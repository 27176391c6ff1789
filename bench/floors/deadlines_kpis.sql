-- Floor of deadlines_kpis: the period and the previous one, each as of its own last day (an answer given after
-- it is not known yet), on the bare table (no calendar join, no macros): appeals, open, overdue open, answered
-- late, at risk (from the stored working-day index of the due date), decided, on time; rejected items carry no
-- deadline. The same figures as the query (tests/test_bench.py).
SELECT 'current' AS period, count(*), count(*) FILTER (WHERE open), count(*) FILTER (WHERE open AND due_at < $as_of + 1),
       count(*) FILTER (WHERE late),
       count(*) FILTER (WHERE open AND due_at >= $as_of + 1
                        AND due_widx <= (SELECT work_idx FROM calendar WHERE day = $as_of) + 2),
       count(*) FILTER (WHERE late OR on_time OR (open AND due_at < $as_of + 1)), count(*) FILTER (WHERE on_time)
FROM (SELECT due_at, due_widx, live AND NOT known AS open, live AND known AND answered_at > due_at AS late,
             live AND known AND answered_at <= due_at AS on_time
      FROM (SELECT due_at, due_widx, answered_at, status <> 'rejected' AS live, (answered_at < $as_of + 1) IS TRUE AS known
            FROM appeals WHERE received_at >= $date_from AND received_at < $date_to + 1))
UNION ALL
SELECT 'previous', count(*), count(*) FILTER (WHERE open), count(*) FILTER (WHERE open AND due_at < $prev_to + 1),
       count(*) FILTER (WHERE late),
       count(*) FILTER (WHERE open AND due_at >= $prev_to + 1
                        AND due_widx <= (SELECT work_idx FROM calendar WHERE day = $prev_to) + 2),
       count(*) FILTER (WHERE late OR on_time OR (open AND due_at < $prev_to + 1)), count(*) FILTER (WHERE on_time)
FROM (SELECT due_at, due_widx, live AND NOT known AS open, live AND known AND answered_at > due_at AS late,
             live AND known AND answered_at <= due_at AS on_time
      FROM (SELECT due_at, due_widx, answered_at, status <> 'rejected' AS live, (answered_at < $prev_to + 1) IS TRUE AS known
            FROM appeals WHERE received_at >= $prev_from AND received_at < $prev_to + 1))
