-- Choices for the sidebar filters: value (bound in queries) and label (shown), in display order.
SELECT 'source' AS dim, source AS value,
       source_label(source) AS label, source_sort(source) AS sort
FROM (SELECT DISTINCT source FROM appeals)
UNION ALL
SELECT 'theme', t.theme, t.theme, t.sort
FROM themes t WHERE EXISTS (SELECT 1 FROM appeals a WHERE a.theme = t.theme)
UNION ALL
SELECT 'settlement', s.settlement_id, s.label, row_number() OVER (ORDER BY s.label)
FROM settlement_names s WHERE EXISTS (SELECT 1 FROM appeals a WHERE a.settlement_id = s.settlement_id)
UNION ALL
SELECT 'municipality', m.municipality, m.municipality, row_number() OVER (ORDER BY m.municipality)
FROM (SELECT DISTINCT s.municipality FROM settlements s JOIN appeals a USING (settlement_id)
      WHERE s.municipality IS NOT NULL) m
UNION ALL
SELECT 'executor', e.executor_id, e.name, row_number() OVER (ORDER BY e.name)
FROM executors e WHERE EXISTS (SELECT 1 FROM appeals a WHERE a.executor_id = e.executor_id)
ORDER BY dim, sort
