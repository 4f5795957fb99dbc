"""Item pipelines, in order: normalize -> validate -> deduplicate -> write JSON Lines."""
