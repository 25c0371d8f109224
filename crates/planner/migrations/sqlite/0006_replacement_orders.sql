-- Replacement orders a sales rep requested for a late or short delivery, waiting for dispatch
-- to route them. The id is the resolution event's id. The twin of
-- migrations/postgres/0004_replacement_orders.sql.
CREATE TABLE replacement_orders (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    stop_id       TEXT NOT NULL REFERENCES stops (id),
    -- JSON: [{"line_id", "qty"}]
    lines         TEXT NOT NULL,
    note          TEXT,
    requested_by  TEXT NOT NULL REFERENCES users (id),
    requested_at  TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'to_route' CHECK (status IN ('to_route', 'routed'))
);
CREATE INDEX replacement_orders_to_route ON replacement_orders (tenant_id, status);
