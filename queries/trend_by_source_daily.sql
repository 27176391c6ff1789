-- Daily count of appeals by channel within a short filtered period (a week, a month: by month it is one bar), with
-- the channel's name and colour. Counted first, then the channel's name and colour looked up per bar.
SELECT c.day, source_label(c.source) AS channel, s.color, c.appeals
FROM (SELECT received_day AS day, source, count(*) AS appeals
      FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities)
      GROUP BY ALL) c
LEFT JOIN sources s USING (source)
ORDER BY c.day, source_sort(c.source)
