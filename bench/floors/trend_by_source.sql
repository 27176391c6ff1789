-- Floor of trend_by_source: appeals by month and channel on the bare table.
SELECT date_trunc('month', received_at) AS month, source, count(*)
FROM appeals
WHERE received_at >= $date_from AND received_at < $date_to + 1
GROUP BY ALL
