-- 0002: leases for cluster duties (verifier/store/lease_store.h). One row per duty; the holder
-- names the replica (host, pid, random suffix). Expiry is judged by the database's clock.

CREATE TABLE leases (
  name        TEXT PRIMARY KEY CHECK (name <> ''),
  holder      TEXT NOT NULL CHECK (holder <> ''),
  acquired_at TIMESTAMPTZ NOT NULL,                     -- when this holder took it
  expires_at  TIMESTAMPTZ NOT NULL
);
