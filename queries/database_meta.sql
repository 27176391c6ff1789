-- The database's facts about itself (table meta): demo = 'true' for the demo; as_of = the export's own date.
-- (The fingerprints of the schema and of the masks are the ETL's own: etl.build.upgrade.)
SELECT key, value FROM meta WHERE key NOT IN ('schema', 'masks') ORDER BY key
