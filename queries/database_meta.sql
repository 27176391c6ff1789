-- The database's facts about itself (table meta): demo = 'true' for the demo; as_of = the export's own date.
SELECT key, value FROM meta ORDER BY key
