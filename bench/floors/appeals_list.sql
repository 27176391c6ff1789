-- Floor of appeals_list: one page of a theme's rows, newest first, with the total, on the bare table.
SELECT received_at, external_id, theme, subtheme, settlement_id, address, executor_id, status, due_at, answered_at,
       result, rating, satisfied, text, extra, count(*) OVER () AS total
FROM appeals
WHERE received_at >= $date_from AND received_at < $date_to + 1 AND theme = $theme
ORDER BY received_at DESC, appeal_id
LIMIT 50
