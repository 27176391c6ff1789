-- The span of the data: the first and last day with appeals (as_of defaults to the last).
SELECT
    min(received_at)::DATE AS first_day,
    max(received_at)::DATE AS last_day,
    count(*) AS appeals
FROM appeals
