-- 0003: measured-boot reference values, one set per platform class (veu.v1.ReferenceValues.name).
-- The record is the serialised veu.v1.ReferenceValues; agents name their class in their record.

CREATE TABLE reference_values (
  name   TEXT PRIMARY KEY CHECK (length(name) > 0),
  record BLOB NOT NULL
) WITHOUT ROWID;
