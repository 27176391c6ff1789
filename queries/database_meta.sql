-- The database's facts about itself (table meta): demo = 'true' for the demo; as_of = the export's own date.
-- (The fingerprints of the schema, the masks and the address's masks, and the form of each profile's keys, are the ETL's own:
-- etl.build.upgrade, etl.write.bring_ids_to_profile.)
SELECT key, value FROM meta WHERE key NOT IN ('schema', 'masks', 'address_masks') AND NOT starts_with(key, 'appeal_ids:') ORDER BY key
