-- Sales territories (DESIGN.md §4): areas drawn as GeoJSON (Polygon or MultiPolygon), each
-- assigned to a sales rep. A delivery belongs to the territory its stop's location lies in;
-- the bounding box lets a query skip far-away stops before the exact point-in-polygon test.
-- The twin of migrations/postgres/0003_territories.sql.
CREATE TABLE territories (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    -- The area as a GeoJSON MultiPolygon geometry, checked before it is stored.
    area       TEXT NOT NULL,
    min_lat    REAL NOT NULL,
    min_lon    REAL NOT NULL,
    max_lat    REAL NOT NULL,
    max_lon    REAL NOT NULL,
    rep_id     TEXT REFERENCES users (id),
    UNIQUE (tenant_id, name)
);
CREATE INDEX territories_by_rep ON territories (tenant_id, rep_id);
CREATE INDEX stops_by_place ON stops (tenant_id, lat, lon);
