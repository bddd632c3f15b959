-- 0006: agents an operator took out (`veuctl agent revoke`). Kept apart from the agents'
-- records: an appraisal or enrolment that replaces a record it read before the revocation
-- cannot undo it. A row means revoked; allowing the agent again deletes it.

CREATE TABLE revocations (
  agent_id TEXT PRIMARY KEY NOT NULL REFERENCES agents(agent_id),
  record   BLOB NOT NULL                                -- veu.v1.Revocation
) WITHOUT ROWID;
