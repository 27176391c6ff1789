-- Floor of heatmap_matrix: theme × settlement cells of the two periods on the bare table.
SELECT theme, settlement_id, count(*) FILTER (WHERE received_at >= $date_from),
       count(*) FILTER (WHERE received_at < $date_from),
       count(*) FILTER (WHERE received_at >= $date_from AND (answered_at > due_at OR (answered_at IS NULL AND due_at < $as_of + 1))),
       count(satisfied) FILTER (WHERE received_at >= $date_from)
FROM appeals
WHERE received_at >= $prev_from AND received_at < $date_to + 1
GROUP BY ALL
