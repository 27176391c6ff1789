-- What a waiting value can be mapped to on the «Загрузка данных» page: every settlement, executor and
-- canonical theme («Не определено» is what waiting means, not a choice), in the order the page lists them.
SELECT 'settlement' AS dim, settlement_id AS target,
       name || coalesce(' (' || municipality || ')', '') AS label,
       row_number() OVER (ORDER BY name, municipality, settlement_id) AS sort
FROM settlements
UNION ALL
SELECT 'executor', executor_id, name, row_number() OVER (ORDER BY name, executor_id)
FROM executors
UNION ALL
SELECT 'theme', theme, theme, sort
FROM themes WHERE theme <> 'Не определено'
ORDER BY dim, sort
