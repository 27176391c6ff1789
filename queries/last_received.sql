-- The day the latest appeal came under every filter but the period (channel, theme, settlement, executor,
-- municipality): Обзор names it when the chosen period holds no appeal. NULL when no appeal passes the filters.
-- The period is the whole calendar DuckDB keeps, so the filters are appeals_in's own, not a copy of them.
SELECT max(received_at)::DATE AS last_day
FROM appeals_in(DATE '0001-01-01', DATE '9999-12-30', $sources, $themes, $settlements, $executors, $municipalities)
