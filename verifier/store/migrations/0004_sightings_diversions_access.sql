-- 0004: where accelerators were seen, the diversion cases opened when one turns up at a second
-- site, the regulator API's access records, and an index for each agent's chain of log leaves
-- (Appraisal.previous_log_index).

-- One row per accelerator identity and site, kept up to date as verified reports arrive.
CREATE TABLE accelerator_sightings (
  identity          TEXT NOT NULL CHECK (identity <> ''),   -- "serial:..." / "uuid:..."
  site              TEXT NOT NULL REFERENCES sites(name),
  agent_id          TEXT NOT NULL,                        -- the agent that last reported it
  first_seen_micros INTEGER NOT NULL,
  last_seen_micros  INTEGER NOT NULL,
  record            BLOB NOT NULL,                        -- veu.v1.AcceleratorSighting
  PRIMARY KEY (identity, site)
) WITHOUT ROWID;

-- Diversion cases; `resolved` mirrors the record so open cases are found without parsing.
CREATE TABLE diversions (
  id                 INTEGER PRIMARY KEY AUTOINCREMENT,
  identity           TEXT NOT NULL CHECK (identity <> ''),
  site               TEXT NOT NULL,
  other_site         TEXT NOT NULL,
  resolved           INTEGER NOT NULL DEFAULT 0 CHECK (resolved IN (0, 1)),
  detected_at_micros INTEGER NOT NULL,
  record             BLOB NOT NULL                        -- veu.v1.Diversion (id is the column)
);
CREATE INDEX diversions_by_time ON diversions (detected_at_micros, id);
CREATE INDEX diversions_by_site ON diversions (site, detected_at_micros, id);
CREATE INDEX diversions_by_other_site ON diversions (other_site, detected_at_micros, id);

-- Who read what through the regulator API; append-only.
CREATE TABLE access_records (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  at_micros INTEGER NOT NULL,
  principal TEXT NOT NULL,
  record    BLOB NOT NULL                                 -- veu.v1.AccessRecord (id is the column)
);
CREATE INDEX access_records_by_time ON access_records (at_micros, id);
CREATE INDEX access_records_by_principal ON access_records (principal, at_micros, id);

-- The agent's previous leaf when committing (MAX(log_index) of the agent).
CREATE INDEX appraisals_by_agent_log_index ON appraisals (agent_id, log_index);
