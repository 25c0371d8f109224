-- What a sales rep's screens show beyond lateness (issue 5), and what sales did about a stop,
-- on a rep's phone and on a courier's alike.

-- The role the phone was enrolled for: a sales rep's phone also syncs its territory.
ALTER TABLE sync_state ADD COLUMN role TEXT;
-- The territory scope the phone holds: its days ("FROM..TO") and the planner's ETag for it,
-- so a sync whose scope did not change moves no rows (the planner answers 304).
ALTER TABLE sync_state ADD COLUMN territory_days TEXT;
ALTER TABLE sync_state ADD COLUMN territory_etag TEXT;

-- Stops inside a territory carry their account, contact, and a JSON {lines, events}: the
-- order lines and what happened at the door, as the planner last sent them.
ALTER TABLE rep_stops ADD COLUMN customer_id TEXT;
ALTER TABLE rep_stops ADD COLUMN contact_name TEXT;
ALTER TABLE rep_stops ADD COLUMN contact_phone TEXT;
ALTER TABLE rep_stops ADD COLUMN detail TEXT NOT NULL DEFAULT '{}';
CREATE INDEX rep_stops_customer ON rep_stops (customer_id, day);

-- The B2B accounts inside the rep's territories. `contacts` and `plan` are JSON, checked by
-- the planner before it stored them.
CREATE TABLE rep_accounts (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    address   TEXT NOT NULL,
    lat       REAL NOT NULL,
    lon       REAL NOT NULL,
    contacts  TEXT NOT NULL,
    plan      TEXT
);

-- Resolutions of late or short deliveries: recorded on this phone (a sales rep's), or sent by
-- the planner with a route (a courier's) or a territory (a rep's). `by` is who recorded it,
-- NULL until the planner has confirmed one recorded here. Immutable but for `by`.
CREATE TABLE resolutions (
    id           TEXT PRIMARY KEY,
    stop_id      TEXT NOT NULL,
    resolution   TEXT NOT NULL,
    captured_at  TEXT NOT NULL,
    by           TEXT
);
CREATE INDEX resolutions_by_stop ON resolutions (stop_id, captured_at);
CREATE TRIGGER resolutions_immutable BEFORE UPDATE OF id, stop_id, resolution, captured_at ON resolutions
BEGIN
    SELECT RAISE(ABORT, 'resolutions are immutable');
END;
CREATE TRIGGER resolutions_stay BEFORE DELETE ON resolutions
BEGIN
    SELECT RAISE(ABORT, 'resolutions are immutable');
END;
