-- 0003: the verdict-change feed (verifier/store/change_feed.h). Every replica appends the
-- changes it makes and follows everyone's, so WatchVerdicts on any replica sees them all.
-- Appends hold an advisory lock so that id order is commit order (a follower reading "id > p"
-- never misses a row that commits later with a smaller id).

CREATE TABLE verdict_changes (
  id        BIGSERIAL PRIMARY KEY,
  at_micros BIGINT NOT NULL,
  record    BYTEA NOT NULL                              -- veu.v1.VerdictChange
);
