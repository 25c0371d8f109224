-- A sales rep's territory cache (DESIGN.md §4, §7 P4): the rep's territories and every stop of
-- every route that touches them, so the "late first" list works offline. Append-only.

CREATE TABLE rep_territories (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    -- The area as a GeoJSON MultiPolygon geometry, checked before it was stored.
    area     TEXT NOT NULL,
    min_lat  REAL NOT NULL,
    min_lon  REAL NOT NULL,
    max_lat  REAL NOT NULL,
    max_lon  REAL NOT NULL
);

-- Whole routes: lateness needs every stop of a route, also those outside the territories
-- (territory_id NULL). `rid` is the row's number in the R*Tree below.
CREATE TABLE rep_stops (
    rid            INTEGER PRIMARY KEY,
    id             TEXT    NOT NULL UNIQUE,
    route_id       TEXT    NOT NULL,
    date           TEXT    NOT NULL,
    -- The date as days from 0001-01-01 (chrono's num_days_from_ce): the R*Tree's third axis.
    day            INTEGER NOT NULL,
    position       INTEGER NOT NULL CHECK (position >= 0),
    lat            REAL    NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon            REAL    NOT NULL CHECK (lon BETWEEN -180 AND 180),
    -- Seconds from midnight, local time.
    window_start   INTEGER NOT NULL,
    window_end     INTEGER NOT NULL CHECK (window_end > window_start),
    status         TEXT    NOT NULL,
    cancelled      INTEGER NOT NULL DEFAULT 0,
    damaged        INTEGER NOT NULL DEFAULT 0,
    customer_name  TEXT    NOT NULL,
    address        TEXT    NOT NULL,
    courier_name   TEXT    NOT NULL,
    -- The first territory, by name, whose area holds the stop; NULL outside all of them.
    territory_id   TEXT,
    -- The planner's version of the stop's route: an older version never overwrites a newer.
    version        INTEGER NOT NULL CHECK (version >= 0)
);
CREATE INDEX rep_stops_route ON rep_stops (route_id, position);

-- Where and when each stop is: a point in (lat, lon, day). Kept in step with rep_stops by the
-- triggers below, inside the same transactions. R*Tree stores 32-bit floats rounded outwards,
-- so a box query may return a few extra points near its edges, never miss one; the polygon
-- test that follows decides.
-- Only stops inside a territory are indexed: the list never looks for the others (they are
-- cached for lateness, reached through their route), and each R*Tree insert costs far more
-- than a row, so a first sync writes fewer of them.
CREATE INDEX rep_stops_day ON rep_stops (day);
CREATE VIRTUAL TABLE rep_stops_where USING rtree (rid, min_lat, max_lat, min_lon, max_lon, min_day, max_day);

CREATE TRIGGER rep_stops_where_insert AFTER INSERT ON rep_stops
WHEN NEW.territory_id IS NOT NULL
BEGIN
    INSERT INTO rep_stops_where VALUES (NEW.rid, NEW.lat, NEW.lat, NEW.lon, NEW.lon, NEW.day, NEW.day);
END;

CREATE TRIGGER rep_stops_where_move AFTER UPDATE OF lat, lon, day, territory_id ON rep_stops
WHEN OLD.lat IS NOT NEW.lat OR OLD.lon IS NOT NEW.lon OR OLD.day IS NOT NEW.day
     OR OLD.territory_id IS NOT NEW.territory_id
BEGIN
    DELETE FROM rep_stops_where WHERE rid = NEW.rid;
    INSERT INTO rep_stops_where
    SELECT NEW.rid, NEW.lat, NEW.lat, NEW.lon, NEW.lon, NEW.day, NEW.day
    WHERE NEW.territory_id IS NOT NULL;
END;

CREATE TRIGGER rep_stops_where_delete AFTER DELETE ON rep_stops
BEGIN
    DELETE FROM rep_stops_where WHERE rid = OLD.rid;
END;
