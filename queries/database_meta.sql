-- The database's facts about itself (table meta): demo = 'true' for the demo; as_of = the export's own date.
-- (The schema's fingerprint is the ETL's own: etl.build.upgrade.)
SELECT key, value FROM meta WHERE key <> 'schema' ORDER BY key
