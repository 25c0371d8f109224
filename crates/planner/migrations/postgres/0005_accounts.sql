-- B2B accounts (issue 5): who to call at a store and its service plan, kept on the customer.
-- `contacts` is a JSON array of {name, role, phone, email}; `service_plan` a JSON object
-- {days, window_start, window_end, typical, note}, checked by the domain before it is stored.
-- The twin of migrations/sqlite/0007_accounts.sql.
ALTER TABLE customers ADD COLUMN contacts text NOT NULL DEFAULT '[]';
ALTER TABLE customers ADD COLUMN service_plan text;
CREATE INDEX customers_by_place ON customers (tenant_id, lat, lon);
