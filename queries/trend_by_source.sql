-- Monthly count of appeals by channel within the filtered period, with the channel's name and colour.
-- `partial`: the period covers only part of the month, so its bar is not comparable with the others.
SELECT received_month AS month, source_label(source) AS channel, any_value(s.color) AS color,
       count(*) AS appeals,
       received_month < $date_from OR received_month + INTERVAL 1 MONTH - INTERVAL 1 DAY > $date_to AS partial
FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities) a
LEFT JOIN sources s USING (source)
GROUP BY received_month, source
ORDER BY month, source_sort(source)
