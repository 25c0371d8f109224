-- The planner's store (PostgreSQL). Append-only. The twin of migrations/sqlite/0001_init.sql
-- with native types. Every table carries tenant_id and every query filters by it, so the store
-- can be sharded by tenant (Citus) when one database is not enough.

CREATE TABLE tenants (
    id    uuid PRIMARY KEY,
    name  text NOT NULL
);

CREATE TABLE users (
    id         uuid PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    name       text NOT NULL,
    role       text NOT NULL CHECK (role IN ('courier', 'merchandiser', 'sales_rep', 'dispatcher', 'admin'))
);

-- One-time enrolment codes and API tokens are stored as SHA-256 hashes only.
CREATE TABLE enrolment_codes (
    code_hash   text PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

CREATE TABLE devices (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    name        text,
    token_hash  text NOT NULL UNIQUE,
    enrolled_at timestamptz NOT NULL,
    revoked_at  timestamptz
);

CREATE TABLE user_tokens (
    token_hash  text PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL
);

CREATE TABLE routes (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    date         date NOT NULL,
    courier_id   uuid REFERENCES users (id),
    courier_name text NOT NULL,
    version      bigint NOT NULL DEFAULT 0
);
CREATE INDEX routes_by_courier ON routes (tenant_id, courier_id);

CREATE TABLE stops (
    id             uuid PRIMARY KEY,
    tenant_id      uuid NOT NULL,
    route_id       uuid NOT NULL REFERENCES routes (id),
    position       integer NOT NULL,
    customer_name  text NOT NULL,
    customer_kind  text NOT NULL,
    address        text NOT NULL,
    lat            double precision NOT NULL,
    lon            double precision NOT NULL,
    contact_name   text,
    contact_phone  text,
    window_start   time NOT NULL,
    window_end     time NOT NULL,
    instructions   text,
    status         text NOT NULL,
    cancelled      boolean NOT NULL DEFAULT false
) WITH (fillfactor = 80);  -- room on the page: status updates stay HOT (no index writes)
CREATE INDEX stops_by_route ON stops (tenant_id, route_id, position);

CREATE TABLE order_lines (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL,
    stop_id      uuid NOT NULL REFERENCES stops (id),
    position     integer NOT NULL,
    sku          text NOT NULL,
    description  text NOT NULL,
    ordered_qty  integer NOT NULL,
    unit         text NOT NULL,
    barcode      text
);
CREATE INDEX order_lines_by_stop ON order_lines (tenant_id, stop_id, position);

-- Every op a device pushed, exactly once. An op whose event was stored names it (event_id)
-- instead of repeating its body; the others (status steps, rejected ops) keep their body.
CREATE TABLE ops (
    tenant_id    uuid   NOT NULL,
    device_id    uuid   NOT NULL,
    epoch        bigint NOT NULL,
    seq          bigint NOT NULL,
    sha256       text   NOT NULL,
    kind         text   NOT NULL,
    body         text,
    event_id     uuid,
    received_at  timestamptz NOT NULL,
    PRIMARY KEY (device_id, epoch, seq),
    CHECK (body IS NOT NULL OR event_id IS NOT NULL)
);

CREATE TABLE rejections (
    tenant_id  uuid   NOT NULL,
    device_id  uuid   NOT NULL,
    epoch      bigint NOT NULL,
    seq        bigint NOT NULL,
    stop_id    uuid,
    reason     text   NOT NULL,
    PRIMARY KEY (device_id, epoch, seq)
);

-- Events as applied: the dispatcher's view of what happened at each stop.
CREATE TABLE events (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL,
    stop_id      uuid NOT NULL,
    kind         text NOT NULL,
    body         text NOT NULL,
    captured_at  timestamptz NOT NULL,
    device_id    uuid NOT NULL
);
CREATE INDEX events_by_stop ON events (tenant_id, stop_id);

CREATE TABLE event_photos (
    tenant_id  uuid NOT NULL,
    event_id   uuid NOT NULL,
    sha256     text NOT NULL,
    PRIMARY KEY (event_id, sha256)
);

-- Photos that arrived whole and matched their SHA-256 name.
CREATE TABLE blobs (
    tenant_id  uuid    NOT NULL,
    sha256     text    NOT NULL,
    data       bytea   NOT NULL,
    complete   boolean NOT NULL DEFAULT true,
    PRIMARY KEY (tenant_id, sha256)
);

-- Photos still arriving: the chunks received so far, resumable from their total length.
CREATE TABLE blob_chunks (
    tenant_id  uuid   NOT NULL,
    sha256     text   NOT NULL,
    "offset"   bigint NOT NULL,
    total      bigint NOT NULL,
    data       bytea  NOT NULL,
    PRIMARY KEY (tenant_id, sha256, "offset")
);

-- The change log pull cursors walk. A sequence taken by the writer is not commit-ordered on
-- PostgreSQL (a transaction that took 41 can commit after 42 was served, and a cursor at 42
-- would skip it for ever). So writers append changes unnumbered (seq NULL), holding no shared
-- lock; a short numbering transaction under the tenant's advisory lock gives committed changes
-- their seq from change_numbers, which makes seq order commit order. Pulls serve numbered
-- changes only. left_user_id names the user a reassigned route left.
CREATE SEQUENCE change_numbers;
CREATE TABLE changes (
    id            bigserial PRIMARY KEY,
    seq           bigint UNIQUE,
    tenant_id     uuid NOT NULL,
    route_id      uuid NOT NULL,
    left_user_id  uuid
);
CREATE INDEX changes_by_tenant ON changes (tenant_id, seq);
CREATE INDEX changes_unnumbered ON changes (tenant_id) WHERE seq IS NULL;
