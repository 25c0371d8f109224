-- An op whose event was stored names it (event_id) instead of repeating its body, which the
-- events table already holds; status steps and rejected ops keep their body. SQLite cannot
-- relax NOT NULL in place, so the table is rebuilt.
CREATE TABLE ops_new (
    tenant_id    TEXT    NOT NULL,
    device_id    TEXT    NOT NULL,
    epoch        INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    body         TEXT,
    event_id     TEXT,
    received_at  TEXT    NOT NULL,
    PRIMARY KEY (device_id, epoch, seq),
    CHECK (body IS NOT NULL OR event_id IS NOT NULL)
);
INSERT INTO ops_new (tenant_id, device_id, epoch, seq, sha256, kind, body, event_id, received_at)
    SELECT tenant_id, device_id, epoch, seq, sha256, kind, body, NULL, received_at FROM ops;
DROP TABLE ops;
ALTER TABLE ops_new RENAME TO ops;
