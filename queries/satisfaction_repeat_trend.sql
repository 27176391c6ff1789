-- Repeat appeals by month of receipt (appeal_repeats, DESIGN.md §4): flagged by the source, found by
-- the rule (same settlement + subtheme (+ address) within 90 days), either of them, and the share.
SELECT a.received_month AS month,
       count(*) AS appeals,
       count(*) FILTER (WHERE r.flagged) AS flagged,
       count(*) FILTER (WHERE r.same_problem) AS same_problem,
       count(*) FILTER (WHERE r.repeated) AS repeats,
       count(*) FILTER (WHERE r.repeated) / count(*) AS repeat_share
FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities) a
JOIN appeal_repeats r USING (appeal_id)
GROUP BY month
ORDER BY month
