-- Monthly count of appeals by channel within the filtered period.
SELECT received_month AS month, source, count(*) AS appeals
FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors)
GROUP BY ALL
ORDER BY month, source
