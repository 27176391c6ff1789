-- Monthly count of appeals by channel within the filtered period, with the channel's name and colour.
SELECT received_month AS month, source_label(source) AS channel, any_value(s.color) AS color,
       count(*) AS appeals
FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors) a
LEFT JOIN sources s USING (source)
GROUP BY received_month, source
ORDER BY month, source_sort(source)
