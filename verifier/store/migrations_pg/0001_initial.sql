-- 0001: the PostgreSQL store's schema, the same tables as the SQLite store's migrations
-- 0001..0006 with PostgreSQL types, plus what several verifiers writing at once need:
--   agents.version           bumped by every write of the record (compare-and-set, no lost update);
--   agents.counted_*         the agent's share of its site's totals, so a write can move them by
--                            the difference without reading every agent;
--   site_inventory_totals    the per-site roll-up (Store::ListSiteInventoryTotals), kept in the
--                            same transactions that change an agent;
--   log_state                one row whose lock orders every append to the transparency log.
--
-- Every row keeps the serialised veu.v1 message in `record` (the source of truth) plus only the
-- columns queries filter or sort on. Times are microseconds since the Unix epoch (UTC). Applied
-- by PostgresStore::Open in one transaction under an advisory lock, so replicas that start
-- together migrate once. Never edit a migration that has shipped: add 0002_*.sql instead.

CREATE TABLE sites (
  name   TEXT PRIMARY KEY CHECK (name <> ''),
  record BYTEA NOT NULL                                 -- veu.v1.Site
);

CREATE TABLE ek_allowances (
  site             TEXT NOT NULL REFERENCES sites(name),
  ek_public_sha256 BYTEA NOT NULL CHECK (length(ek_public_sha256) > 0),
  record           BYTEA NOT NULL,                      -- veu.v1.EkAllowance
  PRIMARY KEY (site, ek_public_sha256)
);

CREATE TABLE enrollment_tokens (
  token_sha256      BYTEA PRIMARY KEY CHECK (length(token_sha256) > 0),
  site              TEXT NOT NULL REFERENCES sites(name),
  expires_at_micros BIGINT NOT NULL,
  used              BOOLEAN NOT NULL DEFAULT FALSE,
  record            BYTEA NOT NULL                      -- veu.v1.EnrollmentToken
);

CREATE TABLE agents (
  agent_id             TEXT PRIMARY KEY CHECK (agent_id <> ''),
  site                 TEXT NOT NULL REFERENCES sites(name),
  record               BYTEA NOT NULL,                  -- veu.v1.AgentRecord
  version              BIGINT NOT NULL DEFAULT 1,
  counted_nodes        BIGINT NOT NULL DEFAULT 0 CHECK (counted_nodes IN (0, 1)),
  counted_accelerators BIGINT NOT NULL DEFAULT 0,
  counted_tpp          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX agents_by_site ON agents (site, agent_id);

CREATE TABLE revocations (
  agent_id TEXT PRIMARY KEY REFERENCES agents(agent_id),
  record   BYTEA NOT NULL                               -- veu.v1.Revocation
);

CREATE TABLE site_inventory_totals (
  site         TEXT PRIMARY KEY REFERENCES sites(name),
  nodes        BIGINT NOT NULL CHECK (nodes >= 0),
  accelerators BIGINT NOT NULL CHECK (accelerators >= 0),
  tpp          BIGINT NOT NULL CHECK (tpp >= 0)
);

-- `seq` orders appraisals that carry the same appraised_at.
CREATE TABLE appraisals (
  seq                 BIGSERIAL PRIMARY KEY,
  id                  TEXT NOT NULL UNIQUE CHECK (id <> ''),
  agent_id            TEXT NOT NULL REFERENCES agents(agent_id),
  site                TEXT NOT NULL REFERENCES sites(name),
  appraised_at_micros BIGINT NOT NULL,
  verdict             INTEGER NOT NULL,                 -- veu.v1.Verdict
  log_index           BIGINT NOT NULL UNIQUE,
  record              BYTEA NOT NULL,                   -- veu.v1.Appraisal
  evidence            BYTEA NOT NULL,                   -- veu.v1.Evidence as received
  challenge           BYTEA NOT NULL                    -- veu.v1.Challenge it answered
);
CREATE INDEX appraisals_by_agent ON appraisals (agent_id, appraised_at_micros, seq);
CREATE INDEX appraisals_by_site ON appraisals (site, appraised_at_micros, seq);
CREATE INDEX appraisals_by_agent_log_index ON appraisals (agent_id, log_index);

-- No foreign keys: a refused enrolment names an agent (and site) that was never stored.
CREATE TABLE events (
  id        BIGSERIAL PRIMARY KEY,
  kind      INTEGER NOT NULL,                           -- veu.v1.EventKind
  agent_id  TEXT NOT NULL,
  site      TEXT NOT NULL,
  at_micros BIGINT NOT NULL,
  record    BYTEA NOT NULL                              -- veu.v1.Event (id is the column)
);
CREATE INDEX events_by_time ON events (at_micros, id);
CREATE INDEX events_by_agent ON events (agent_id, at_micros, id);
CREATE INDEX events_by_site ON events (site, at_micros, id);

-- The RFC 9162 tree as complete perfect subtrees (level 0: leaf hashes); never changed.
CREATE TABLE log_nodes (
  level INTEGER NOT NULL CHECK (level >= 0 AND level < 64),
  idx   BIGINT NOT NULL CHECK (idx >= 0),
  hash  BYTEA NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, idx)
);

CREATE TABLE log_state (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  tree_size BIGINT NOT NULL CHECK (tree_size >= 0)
);
INSERT INTO log_state (id, tree_size) VALUES (1, 0);

CREATE TABLE log_checkpoints (
  seq               BIGSERIAL PRIMARY KEY,
  origin            TEXT NOT NULL,
  tree_size         BIGINT NOT NULL,
  root_hash         BYTEA NOT NULL,
  timestamp_seconds BIGINT NOT NULL,
  signed_note       BYTEA NOT NULL
);
CREATE INDEX log_checkpoints_by_size ON log_checkpoints (tree_size, seq);

CREATE TABLE reference_values (
  name   TEXT PRIMARY KEY CHECK (length(name) > 0),
  record BYTEA NOT NULL                                 -- veu.v1.ReferenceValues
);

CREATE TABLE accelerator_sightings (
  identity          TEXT NOT NULL CHECK (identity <> ''),
  site              TEXT NOT NULL REFERENCES sites(name),
  agent_id          TEXT NOT NULL,
  first_seen_micros BIGINT NOT NULL,
  last_seen_micros  BIGINT NOT NULL,
  record            BYTEA NOT NULL,                     -- veu.v1.AcceleratorSighting
  PRIMARY KEY (identity, site)
);

CREATE TABLE diversions (
  id                 BIGSERIAL PRIMARY KEY,
  identity           TEXT NOT NULL CHECK (identity <> ''),
  site               TEXT NOT NULL,
  other_site         TEXT NOT NULL,
  resolved           BOOLEAN NOT NULL DEFAULT FALSE,
  detected_at_micros BIGINT NOT NULL,
  record             BYTEA NOT NULL                     -- veu.v1.Diversion (id is the column)
);
CREATE INDEX diversions_by_time ON diversions (detected_at_micros, id);
CREATE INDEX diversions_by_site ON diversions (site, detected_at_micros, id);
CREATE INDEX diversions_by_other_site ON diversions (other_site, detected_at_micros, id);

CREATE TABLE access_records (
  id        BIGSERIAL PRIMARY KEY,
  at_micros BIGINT NOT NULL,
  principal TEXT NOT NULL,
  record    BYTEA NOT NULL                              -- veu.v1.AccessRecord (id is the column)
);
CREATE INDEX access_records_by_time ON access_records (at_micros, id);

CREATE TABLE policy_packs (
  version TEXT PRIMARY KEY CHECK (length(version) > 0),
  record  BYTEA NOT NULL                                -- veu.v1.PolicyPack, deterministic
);
