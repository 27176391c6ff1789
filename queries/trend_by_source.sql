-- Monthly count of appeals by channel within the filtered period, with the channel's name and colour.
-- `partial`: the period covers only part of the month, so its bar is not comparable with the others.
-- Counted first, then the channel's name and colour looked up per bar, not per appeal.
SELECT c.month, source_label(c.source) AS channel, s.color, c.appeals,
       c.month < $date_from OR c.month + INTERVAL 1 MONTH - INTERVAL 1 DAY > $date_to AS partial
FROM (SELECT received_month AS month, source, count(*) AS appeals
      FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities)
      GROUP BY ALL) c
LEFT JOIN sources s USING (source)
ORDER BY c.month, source_sort(c.source)
