-- 0001: the initial schema of the verifier's store.
--
-- Every row keeps the serialised veu.v1 message in `record` (the source of truth, re-verifiable
-- years later) plus only the columns that queries filter or sort on. Times are microseconds since
-- the Unix epoch (UTC). Applied by SqliteStore::Open inside one transaction; never edit a
-- migration that has shipped: add 0002_*.sql instead.

CREATE TABLE sites (
  name   TEXT PRIMARY KEY NOT NULL CHECK (name <> ''),
  record BLOB NOT NULL                                  -- veu.v1.Site
);

CREATE TABLE ek_allowances (
  site             TEXT NOT NULL REFERENCES sites(name),
  ek_public_sha256 BLOB NOT NULL CHECK (length(ek_public_sha256) > 0),
  record           BLOB NOT NULL,                       -- veu.v1.EkAllowance
  PRIMARY KEY (site, ek_public_sha256)
);

CREATE TABLE enrollment_tokens (
  token_sha256      BLOB PRIMARY KEY NOT NULL CHECK (length(token_sha256) > 0),
  site              TEXT NOT NULL REFERENCES sites(name),
  expires_at_micros INTEGER NOT NULL,
  used              INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),
  record            BLOB NOT NULL                       -- veu.v1.EnrollmentToken
);

CREATE TABLE agents (
  agent_id TEXT PRIMARY KEY NOT NULL CHECK (agent_id <> ''),
  site     TEXT NOT NULL REFERENCES sites(name),
  record   BLOB NOT NULL                                -- veu.v1.AgentRecord
);
CREATE INDEX agents_by_site ON agents (site, agent_id);

-- `seq` orders appraisals that carry the same appraised_at. Evidence and challenge are the last
-- columns so that listing without them never reads their overflow pages.
CREATE TABLE appraisals (
  seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
  id                  TEXT NOT NULL UNIQUE CHECK (id <> ''),
  agent_id            TEXT NOT NULL REFERENCES agents(agent_id),
  site                TEXT NOT NULL REFERENCES sites(name),
  appraised_at_micros INTEGER NOT NULL,
  verdict             INTEGER NOT NULL,                 -- veu.v1.Verdict
  record              BLOB NOT NULL,                    -- veu.v1.Appraisal
  evidence            BLOB NOT NULL,                    -- veu.v1.Evidence as received
  challenge           BLOB NOT NULL                     -- veu.v1.Challenge it answered
);
CREATE INDEX appraisals_by_agent ON appraisals (agent_id, appraised_at_micros, seq);
CREATE INDEX appraisals_by_site ON appraisals (site, appraised_at_micros, seq);

-- Events keep no foreign keys: a refused enrolment names an agent (and possibly a site) that
-- was never stored.
CREATE TABLE events (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  kind      INTEGER NOT NULL,                           -- veu.v1.EventKind
  agent_id  TEXT NOT NULL,
  site      TEXT NOT NULL,
  at_micros INTEGER NOT NULL,
  record    BLOB NOT NULL                               -- veu.v1.Event (id is the column)
);
CREATE INDEX events_by_time ON events (at_micros, id);
CREATE INDEX events_by_agent ON events (agent_id, at_micros, id);
CREATE INDEX events_by_site ON events (site, at_micros, id);
