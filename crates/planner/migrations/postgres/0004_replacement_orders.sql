-- Replacement orders a sales rep requested for a late or short delivery, waiting for dispatch
-- to route them. The id is the resolution event's id. The twin of
-- migrations/sqlite/0006_replacement_orders.sql.
CREATE TABLE replacement_orders (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    stop_id       uuid NOT NULL REFERENCES stops (id),
    -- JSON: [{"line_id", "qty"}]
    lines         text NOT NULL,
    note          text,
    requested_by  uuid NOT NULL REFERENCES users (id),
    requested_at  timestamptz NOT NULL,
    status        text NOT NULL DEFAULT 'to_route' CHECK (status IN ('to_route', 'routed'))
);
CREATE INDEX replacement_orders_to_route ON replacement_orders (tenant_id, status);
