-- The span of the data: the first and last day with appeals, and the state date (DESIGN.md §4): the day
-- of the latest event in the data — received, answered or closed — which «now» (as_of) defaults to.
-- Never the newest received day alone: exports hold answers made days after the last appeal arrived.
SELECT
    min(received_at)::DATE AS first_day,
    max(received_at)::DATE AS last_day,
    count(*) AS appeals,
    greatest(max(received_at), max(answered_at), max(closed_at))::DATE AS state_day
FROM appeals
