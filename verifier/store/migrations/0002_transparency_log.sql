-- 0002: the transparency log (verifier/translog) kept in the same database as the appraisals, so
-- that committing an appraisal and appending its leaf are one transaction.
--
-- log_nodes holds every complete perfect subtree of the RFC 9162 tree: level 0 are the leaf
-- hashes (SHA-256(0x00 || deterministic veu.v1.Appraisal)), level k node i covers leaves
-- [i * 2^k, (i + 1) * 2^k). Nodes never change once written. Appraisals stored before this
-- migration are not in the log (their log_index stays NULL).

CREATE TABLE log_nodes (
  level INTEGER NOT NULL CHECK (level >= 0 AND level < 64),
  idx   INTEGER NOT NULL CHECK (idx >= 0),
  hash  BLOB NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- One row: the number of leaves.
CREATE TABLE log_state (
  id        INTEGER PRIMARY KEY CHECK (id = 1),
  tree_size INTEGER NOT NULL CHECK (tree_size >= 0)
);
INSERT INTO log_state (id, tree_size) VALUES (1, 0);

-- Every checkpoint ever published, oldest first; signed_note is the exact C2SP signed note.
CREATE TABLE log_checkpoints (
  seq               INTEGER PRIMARY KEY AUTOINCREMENT,
  origin            TEXT NOT NULL,
  tree_size         INTEGER NOT NULL,
  root_hash         BLOB NOT NULL,
  timestamp_seconds INTEGER NOT NULL,
  signed_note       BLOB NOT NULL
);
CREATE INDEX log_checkpoints_by_size ON log_checkpoints (tree_size, seq);

ALTER TABLE appraisals ADD COLUMN log_index INTEGER;
CREATE UNIQUE INDEX appraisals_by_log_index ON appraisals (log_index);
