-- Floor of map_territories: appeals by municipality in the two periods on the bare table and settlements.
SELECT s.municipality, count(*) FILTER (WHERE received_at >= $date_from),
       count(*) FILTER (WHERE received_at < $date_from),
       count(*) FILTER (WHERE received_at >= $date_from AND (answered_at > due_at OR (answered_at IS NULL AND due_at < $as_of + 1))),
       count(satisfied) FILTER (WHERE received_at >= $date_from)
FROM appeals a LEFT JOIN settlements s USING (settlement_id)
WHERE received_at >= $prev_from AND received_at < $date_to + 1
GROUP BY ALL
