-- 0005: the policy packs appraisals were made under, by "id@version" (Appraisal.policy_version
-- names it), so a result read years later can be judged against the rules that produced it.
-- A version is stored once and never changes: new rules need a new version.

CREATE TABLE policy_packs (
  version TEXT PRIMARY KEY CHECK (length(version) > 0),   -- "veu-2025@2025.1"
  record  BLOB NOT NULL                                    -- veu.v1.PolicyPack, deterministic
) WITHOUT ROWID;
