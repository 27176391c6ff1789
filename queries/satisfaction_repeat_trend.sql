-- Repeat appeals by month of receipt (appeals_x.repeated, DESIGN.md §4): flagged by the source, found by
-- the rule (same settlement + subtheme (+ address) within 90 days), either of them, and the share.
SELECT a.received_month AS month,
       count(*) AS appeals,
       count(*) FILTER (WHERE a.is_repeat) AS flagged,
       count(*) FILTER (WHERE a.same_problem) AS same_problem,
       count(*) FILTER (WHERE a.repeated) AS repeats,
       count(*) FILTER (WHERE a.repeated) / count(*) AS repeat_share
FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities) a
GROUP BY month
ORDER BY month
