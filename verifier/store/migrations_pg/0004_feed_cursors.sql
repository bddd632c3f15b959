-- 0004: durable positions of readers of the verdict-change feed. The webhooks' cursor says up
-- to where the lease holder has handed changes to its webhook notifier, so a replica that takes
-- the lease over resumes there instead of skipping what changed while the lease moved.
CREATE TABLE feed_cursors (
  name     TEXT PRIMARY KEY CHECK (length(name) > 0),
  position BIGINT NOT NULL CHECK (position >= 0)
);
