-- Every vote held (table votes) with what followed it: the appeals on the same settlement and theme in the
-- $window_days before the vote began and in the $window_days after it ended, each as appeals per 30 days
-- over the days the data covers (the data ends on $as_of; it starts on its first appeal). A vote ending after
-- $as_of is still running (`running`): it has a leader, not a winner, and nothing followed it yet. Verdict:
--   «голосование идёт»  — the vote ends after $as_of;
--   «рано судить»      — fewer than 30 days of data after the vote;
--   «не с чем сравнить» — no appeals before the vote, or the vote names no settlement or theme;
--   «стало меньше»      — after ≤ (1 − $eased_drop) × before; «стало больше» — after ≥ (1 + $eased_drop) × before;
--   «без заметных изменений» otherwise.
-- The channel filter narrows the appeals counted; the theme and settlement filters narrow the votes.
WITH bounds AS (
    SELECT (SELECT CAST(min(received_at) AS DATE) FROM appeals) AS first_day, CAST($as_of AS DATE) AS last_day
), v AS (
    SELECT v.*, s.name AS settlement, s.kind AS settlement_kind,
           greatest(least($window_days, date_diff('day', b.first_day, v.started_at)), 0) AS days_before,
           greatest(least($window_days, date_diff('day', v.ended_at, b.last_day)), 0) AS days_after
    FROM votes v
    CROSS JOIN bounds b
    LEFT JOIN settlements s USING (settlement_id)
    WHERE ($themes IS NULL OR list_contains($themes, v.theme))
      AND ($settlements IS NULL OR list_contains($settlements, v.settlement_id))
), counts AS (
    SELECT v.vote_id,
           count(a.appeal_id) FILTER (WHERE a.received_day < v.started_at) AS appeals_before,
           count(a.appeal_id) FILTER (WHERE a.received_day > v.ended_at) AS appeals_after
    FROM v
    LEFT JOIN appeals_x a
           ON a.settlement_id = v.settlement_id AND a.theme = v.theme
          AND a.received_day BETWEEN v.started_at - CAST(v.days_before AS INTEGER) AND v.ended_at + CAST(v.days_after AS INTEGER)
          AND a.received_day <= CAST($as_of AS DATE)
          AND ($sources IS NULL OR list_contains($sources, a.source))
    GROUP BY v.vote_id
), options AS (
    SELECT vote_id,
           list({'option': option, 'share': share, 'votes': votes}
                ORDER BY coalesce(share, 0) DESC, coalesce(votes, 0) DESC, option) AS options,
           -- An option without a share may have won: no winner is named. A share is left empty where a count of the
           -- vote is unread (no share computed) or one of its option rows was rejected (etl.frames.votes_frames).
           CASE WHEN NOT bool_or(share IS NULL)
                THEN arg_max(option, coalesce(share, 0) * 1e9 + coalesce(votes, 0)) END AS winner,
           max(share) AS winner_share
    FROM vote_options
    GROUP BY vote_id
), rates AS (
    -- A vote still running has nothing after it yet: no count, not 0.
    SELECT v.*, c.appeals_before, CASE WHEN v.ended_at <= CAST($as_of AS DATE) THEN c.appeals_after END AS appeals_after,
           CASE WHEN v.settlement_id IS NOT NULL AND v.theme IS NOT NULL AND v.days_before >= 30
                THEN c.appeals_before * 30.0 / v.days_before END AS before_per_30,
           CASE WHEN v.settlement_id IS NOT NULL AND v.theme IS NOT NULL AND v.days_after >= 30
                THEN c.appeals_after * 30.0 / v.days_after END AS after_per_30
    FROM v JOIN counts c USING (vote_id)
)
SELECT
    r.vote_id, r.title, r.theme, r.settlement_id, r.settlement, r.settlement_kind, r.started_at, r.ended_at,
    r.participants, o.options, o.winner, o.winner_share,
    r.days_before, r.appeals_before, r.before_per_30,
    r.days_after, r.appeals_after, r.after_per_30,
    r.after_per_30 / nullif(r.before_per_30, 0) - 1 AS change,
    coalesce(r.ended_at > CAST($as_of AS DATE), false) AS running,
    CASE WHEN r.ended_at > CAST($as_of AS DATE) THEN 'голосование идёт'
         WHEN r.settlement_id IS NULL OR r.theme IS NULL OR r.before_per_30 IS NULL OR r.appeals_before = 0
              THEN CASE WHEN r.days_after < 30 THEN 'рано судить' ELSE 'не с чем сравнить' END
         WHEN r.after_per_30 IS NULL THEN 'рано судить'
         WHEN r.after_per_30 <= (1 - $eased_drop) * r.before_per_30 THEN 'стало меньше'
         WHEN r.after_per_30 >= (1 + $eased_drop) * r.before_per_30 THEN 'стало больше'
         ELSE 'без заметных изменений' END AS verdict
FROM rates r
LEFT JOIN options o USING (vote_id)
ORDER BY r.ended_at DESC NULLS LAST, r.vote_id
