-- The planner's store (SQLite). Append-only. Every table carries tenant_id and every query
-- filters by it, so the PostgreSQL twin can be sharded by tenant.

CREATE TABLE tenants (
    id    TEXT PRIMARY KEY,
    name  TEXT NOT NULL
);

CREATE TABLE users (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('courier', 'merchandiser', 'sales_rep', 'dispatcher', 'admin'))
);

-- One-time enrolment codes and API tokens are stored as SHA-256 hashes only.
CREATE TABLE enrolment_codes (
    code_hash   TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);

CREATE TABLE devices (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    name        TEXT,
    token_hash  TEXT NOT NULL UNIQUE,
    enrolled_at TEXT NOT NULL,
    revoked_at  TEXT
);

CREATE TABLE user_tokens (
    token_hash  TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL
);

CREATE TABLE routes (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    date        TEXT NOT NULL,
    courier_id  TEXT REFERENCES users (id),
    courier_name TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX routes_by_courier ON routes (tenant_id, courier_id);

CREATE TABLE stops (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL,
    route_id       TEXT NOT NULL REFERENCES routes (id),
    position       INTEGER NOT NULL,
    customer_name  TEXT NOT NULL,
    customer_kind  TEXT NOT NULL,
    address        TEXT NOT NULL,
    lat            REAL NOT NULL,
    lon            REAL NOT NULL,
    contact_name   TEXT,
    contact_phone  TEXT,
    window_start   TEXT NOT NULL,
    window_end     TEXT NOT NULL,
    instructions   TEXT,
    status         TEXT NOT NULL,
    cancelled      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX stops_by_route ON stops (tenant_id, route_id, position);

CREATE TABLE order_lines (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    stop_id      TEXT NOT NULL REFERENCES stops (id),
    position     INTEGER NOT NULL,
    sku          TEXT NOT NULL,
    description  TEXT NOT NULL,
    ordered_qty  INTEGER NOT NULL,
    unit         TEXT NOT NULL,
    barcode      TEXT
);
CREATE INDEX order_lines_by_stop ON order_lines (tenant_id, stop_id, position);

-- Every op a device pushed, exactly once.
CREATE TABLE ops (
    tenant_id    TEXT    NOT NULL,
    device_id    TEXT    NOT NULL,
    epoch        INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    received_at  TEXT    NOT NULL,
    PRIMARY KEY (device_id, epoch, seq)
);

CREATE TABLE rejections (
    tenant_id  TEXT    NOT NULL,
    device_id  TEXT    NOT NULL,
    epoch      INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    stop_id    TEXT,
    reason     TEXT    NOT NULL,
    PRIMARY KEY (device_id, epoch, seq)
);

-- Events as applied: the dispatcher's view of what happened at each stop.
CREATE TABLE events (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    stop_id      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    body         TEXT NOT NULL,
    captured_at  TEXT NOT NULL,
    device_id    TEXT NOT NULL
);
CREATE INDEX events_by_stop ON events (tenant_id, stop_id);

CREATE TABLE event_photos (
    tenant_id  TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    PRIMARY KEY (event_id, sha256)
);

-- Photos that arrived whole and matched their SHA-256 name.
CREATE TABLE blobs (
    tenant_id  TEXT    NOT NULL,
    sha256     TEXT    NOT NULL,
    data       BLOB    NOT NULL,
    complete   INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, sha256)
);

-- Photos still arriving: the chunks received so far, resumable from their total length.
CREATE TABLE blob_chunks (
    tenant_id  TEXT    NOT NULL,
    sha256     TEXT    NOT NULL,
    offset     INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    data       BLOB    NOT NULL,
    PRIMARY KEY (tenant_id, sha256, offset)
);

-- The commit-ordered change log that pull cursors walk. SQLite has one writer at a time, so
-- AUTOINCREMENT order is commit order.
CREATE TABLE changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  TEXT NOT NULL,
    route_id   TEXT NOT NULL
);
CREATE INDEX changes_by_tenant ON changes (tenant_id, seq);
