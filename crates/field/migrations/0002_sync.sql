-- Two-way sync with the planner (DESIGN.md §3, docs/SYNC.md). Append-only.

-- The device's sync settings and state: one row.
CREATE TABLE sync_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    planner_url     TEXT,
    -- The device's own secret for the planner: stored here only, never logged, never shown.
    device_token    TEXT,
    user_name       TEXT,
    tenant_name     TEXT,
    enrolled_at     TEXT,
    -- Position in the planner's change log; 0 asks for the whole scope.
    pull_cursor     INTEGER NOT NULL DEFAULT 0 CHECK (pull_cursor >= 0),
    -- The planner's checksum of the scope as of the last pull.
    scope_checksum  TEXT,
    last_sync_at    TEXT,
    -- In plain words, for the courier; NULL after a clean sync.
    last_error      TEXT
);
INSERT INTO sync_state (id) VALUES (1);

-- The outbox holds exactly seq acked_seq+1 ..= last_seq of the current epoch: the planner
-- stored everything up to acked_seq and the device trimmed it.
ALTER TABLE device ADD COLUMN acked_seq INTEGER NOT NULL DEFAULT 0
    CHECK (acked_seq >= 0 AND acked_seq <= last_seq);

-- Ops the planner stored and acknowledged but could not apply, shown to the courier.
CREATE TABLE rejections (
    epoch        INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    stop_id      TEXT,
    reason       TEXT    NOT NULL,
    received_at  TEXT    NOT NULL,
    seen_at      TEXT,
    PRIMARY KEY (epoch, seq)
);

-- The planner's version of a route (the change-log position of its last change), for the
-- scope checksum. A route that left the device's scope is hidden at once (out_of_scope) and
-- deleted as soon as no unsynced work on it remains.
ALTER TABLE routes ADD COLUMN version INTEGER NOT NULL DEFAULT 0 CHECK (version >= 0);
ALTER TABLE routes ADD COLUMN out_of_scope INTEGER NOT NULL DEFAULT 0;

-- Dispatch cancelled the stop.
ALTER TABLE stops ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0;

-- A proof of delivery stays immutable, but once the planner holds it (no op names it any
-- more) it may leave the phone with its route when the route leaves the device's scope.
DROP TRIGGER pods_undeletable;
CREATE TRIGGER pods_undeletable BEFORE DELETE ON pods
WHEN EXISTS (SELECT 1 FROM outbox WHERE event_id = OLD.id)
BEGIN SELECT RAISE(ABORT, 'a proof of delivery waiting to sync cannot be deleted'); END;
