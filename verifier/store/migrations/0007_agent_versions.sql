-- 0007: agent records carry a version, bumped by every write of the row, so a commit can say
-- which version it read and fail instead of overwriting a newer record (compare-and-set).
ALTER TABLE agents ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
