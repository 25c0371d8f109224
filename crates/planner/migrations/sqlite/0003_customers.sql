-- Customers that dispatch imports: the accounts and consumers stops are planned for. `ref` is
-- the dispatcher's own key for a customer (from their ERP or spreadsheet), unique per tenant,
-- so a later import updates the customer instead of adding a twin.
CREATE TABLE customers (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    ref            TEXT NOT NULL,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('b2b', 'b2c')),
    address        TEXT NOT NULL,
    lat            REAL NOT NULL,
    lon            REAL NOT NULL,
    contact_name   TEXT,
    contact_phone  TEXT,
    UNIQUE (tenant_id, ref)
);

-- The customer a stop was planned for, when it came from one (stops keep their own copy of
-- name, address and contact, as they were when the route was planned).
ALTER TABLE stops ADD COLUMN customer_id TEXT REFERENCES customers (id);
CREATE INDEX stops_by_customer ON stops (tenant_id, customer_id);
