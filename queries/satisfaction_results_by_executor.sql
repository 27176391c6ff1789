-- Solved vs explained among answered solvable appeals, by executor, the lowest solved share first.
SELECT coalesce(e.name, 'Исполнитель не указан') AS executor,
       count(*) AS solvable_answered,
       count(*) FILTER (WHERE a.result = 'решено') AS solved,
       count(*) FILTER (WHERE a.result = 'разъяснено') AS explained,
       count(*) FILTER (WHERE a.result = 'отказано') AS refused,
       count(*) FILTER (WHERE a.result = 'решено') / count(*) AS solved_share,
       count(*) FILTER (WHERE a.result = 'разъяснено') / count(*) AS explained_share
FROM appeals_at($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities, $as_of) a
LEFT JOIN executors e USING (executor_id)
WHERE a.solvable AND a.result IS NOT NULL
GROUP BY executor
ORDER BY solved_share, solvable_answered DESC, executor
