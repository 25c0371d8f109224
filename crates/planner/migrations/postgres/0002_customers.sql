-- Customers that dispatch imports: the accounts and consumers stops are planned for. `ref` is
-- the dispatcher's own key for a customer (from their ERP or spreadsheet), unique per tenant,
-- so a later import updates the customer instead of adding a twin. The twin of
-- migrations/sqlite/0003_customers.sql.
CREATE TABLE customers (
    id             uuid PRIMARY KEY,
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    ref            text NOT NULL,
    name           text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('b2b', 'b2c')),
    address        text NOT NULL,
    lat            double precision NOT NULL,
    lon            double precision NOT NULL,
    contact_name   text,
    contact_phone  text,
    UNIQUE (tenant_id, ref)
);

-- The customer a stop was planned for, when it came from one (stops keep their own copy of
-- name, address and contact, as they were when the route was planned).
ALTER TABLE stops ADD COLUMN customer_id uuid REFERENCES customers (id);
CREATE INDEX stops_by_customer ON stops (tenant_id, customer_id);
