-- Floor of top_themes: appeals by theme in the two periods on the bare table.
SELECT theme, count(*) FILTER (WHERE received_at >= $date_from), count(*) FILTER (WHERE received_at < $date_from)
FROM appeals
WHERE received_at >= $prev_from AND received_at < $date_to + 1
GROUP BY theme
