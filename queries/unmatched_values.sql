-- What the loader could not match to the reference, as it stands now: settlements and executors first seen in
-- an export (ids 'new_…'), appeals whose theme stayed «Не определено». The curator maps them in the alias files
-- and loads the export again.
SELECT 'Населённый пункт' AS what, s.name AS value, s.municipality AS context, count(*) AS appeals,
       'data/reference/settlement_aliases.csv' AS alias_file
FROM appeals a JOIN settlements s USING (settlement_id)
WHERE starts_with(a.settlement_id, 'new_')
GROUP BY ALL
UNION ALL
SELECT 'Исполнитель', e.name, e.parent, count(*), 'data/reference/executor_aliases.csv'
FROM appeals a JOIN executors e USING (executor_id)
WHERE starts_with(a.executor_id, 'new_')
GROUP BY ALL
UNION ALL
SELECT 'Тема', coalesce(a.subtheme, '(пусто)'), a.source, count(*), 'data/reference/theme_aliases.csv'
FROM appeals a
WHERE a.theme = 'Не определено'
GROUP BY ALL
ORDER BY what, appeals DESC, value
